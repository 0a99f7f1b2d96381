"""Targets, the results table (text and Markdown), the JSON file and the plot."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The size the issue's targets apply to (for the synthetic and the real-shape sets alike).
TARGET_SIZE = 100_000


@dataclass(frozen=True)
class DataSet:
    """One measured data folder: the synthetic generator's, the real-shape cloner's, or the
    shipped ``data/`` itself."""

    key: str  # results key: "100000" (synthetic), "real100000", "shipped"
    kind: str  # synthetic / real / shipped
    size: int  # startups

    @property
    def label(self) -> str:
        if self.kind == "shipped":
            return "shipped"
        return f"{'real ' if self.kind == 'real' else ''}{self.size:,}"

    @property
    def at_target(self) -> bool:
        return self.kind != "shipped" and self.size == TARGET_SIZE


def data_set(key: str, size: int | None = None) -> DataSet:
    """The set a results key names ("100000", "real100000", "shipped")."""
    if key == "shipped":
        return DataSet(key, "shipped", size or 0)
    if key.startswith("real"):
        return DataSet(key, "real", int(key[4:]))
    return DataSet(key, "synthetic", int(key))


@dataclass(frozen=True)
class Metric:
    """One row: where its value sits in a set's results, its baseline, its target."""

    key: str
    label: str
    unit: str
    path: tuple[str, ...]
    target: float | None = None  # the value must be <= target (at TARGET_SIZE)
    baseline: tuple[str, ...] | None = None
    min_ratio: float | None = None  # baseline / value must be >= min_ratio
    shipped_target: float | None = None  # the value must be <= this on the shipped data


METRICS = [
    Metric("autocomplete_median", "autocomplete median", "ms",
           ("core", "autocomplete", "all", "median_ms"),
           baseline=("core", "baseline_autocomplete", "median_ms"), min_ratio=100),
    Metric("autocomplete_p99", "autocomplete p99", "ms", ("core", "autocomplete", "all", "p99_ms"),
           target=5.0, baseline=("core", "baseline_autocomplete", "p99_ms")),
    Metric("autocomplete_fast_p99", "autocomplete p99, exact+prefix", "ms",
           ("core", "autocomplete", "exact_prefix", "p99_ms"), target=0.2),
    Metric("ask_median", "/ask median", "ms", ("core", "ask", "all", "median_ms"),
           baseline=("core", "baseline_search", "median_ms")),
    Metric("ask_p99", "/ask p99", "ms", ("core", "ask", "all", "p99_ms"), target=20.0,
           baseline=("core", "baseline_search", "p99_ms")),
    Metric("load", "cold load", "s", ("core", "load_s"), target=15.0),
    Metric("load_lag", "max loop lag, cold load", "ms", ("core", "load_lag_ms"), target=50.0),
    Metric("snapshot_write", "snapshot file written as the store closes", "s",
           ("core", "snapshot_write_s")),
    Metric("reload_unchanged", "reload, unchanged", "s", ("core", "reload_unchanged_s"),
           target=0.5),
    Metric("reload_unchanged_lag", "max loop lag, reload unchanged", "ms",
           ("core", "reload_unchanged_lag_ms"), target=50.0),
    Metric("reload_edited", "reload, one description edited", "s", ("core", "reload_edited_s"),
           target=3.0),
    Metric("reload_edited_lag", "max loop lag, reload edited", "ms",
           ("core", "reload_edited_lag_ms"), target=50.0),
    Metric("reload_renamed", "reload, one name edited", "s", ("core", "reload_renamed_s"),
           target=3.0),
    Metric("reload_renamed_lag", "max loop lag, reload renamed", "ms",
           ("core", "reload_renamed_lag_ms"), target=50.0),
    Metric("peak_rss", "peak RSS, bot process", "MB", ("memory", "peak_rss_mb"), target=400.0),
    Metric("e2e_autocomplete_median", "e2e /startup autocomplete median", "ms",
           ("e2e", "autocomplete", "median_ms")),
    Metric("e2e_autocomplete_p99", "e2e /startup autocomplete p99", "ms",
           ("e2e", "autocomplete", "p99_ms"), target=20.0),
    Metric("e2e_startup_p99", "e2e /startup p99", "ms", ("e2e", "startup", "p99_ms"),
           target=20.0),
    Metric("e2e_ask_median", "e2e /ask median", "ms", ("e2e", "ask", "median_ms")),
    Metric("e2e_ask_p99", "e2e /ask p99", "ms", ("e2e", "ask", "p99_ms"), target=20.0),
    Metric("restart", "restart on the database, to the first lookup", "s",
           ("core", "restart_s"), target=3.0),
    Metric("restart_lag", "max loop lag, restart", "ms", ("core", "restart_lag_ms"),
           target=50.0),
    Metric("cli_import", "import bot.cli (process)", "s", ("cli", "import_cli", "s"),
           baseline=("cli", "baseline_interpreter", "s")),
    Metric("cli_search", "smartups search, one-shot", "s", ("cli", "search", "s"), target=2.0,
           baseline=("cli", "baseline_interpreter", "s"), shipped_target=0.4),
    Metric("cli_show", "smartups show, one-shot", "s", ("cli", "show", "s"), target=2.0,
           baseline=("cli", "baseline_interpreter", "s"), shipped_target=0.4),
    Metric("cli_ask", "smartups ask, one-shot", "s", ("cli", "ask", "s"), target=2.0,
           baseline=("cli", "baseline_interpreter", "s"), shipped_target=0.4),
    Metric("cli_search_json", "smartups search --json -, per query", "ms",
           ("cli", "search_json", "per_query_ms"), target=2.0,
           baseline=("cli", "baseline_search", "median_ms")),
    Metric("cli_validate_cold", "smartups validate, cold", "s", ("cli", "validate_cold", "s"),
           target=15.0, baseline=("cli", "baseline_parse", "s")),
    Metric("cli_validate_edited", "smartups validate, one file edited", "s",
           ("cli", "validate_edited", "s"), target=3.0, baseline=("cli", "baseline_parse", "s")),
    Metric("cli_validate_unchanged", "smartups validate, unchanged", "s",
           ("cli", "validate_unchanged", "s"), baseline=("cli", "baseline_parse", "s")),
    Metric("cli_reload", "smartups reload, fresh database", "s", ("cli", "reload", "s"),
           target=15.0, baseline=("cli", "baseline_parse", "s")),
    Metric("cli_peak_rss", "peak RSS, worst command-line command", "MB",
           ("cli", "peak_rss_mb"), target=400.0,
           baseline=("cli", "baseline_interpreter", "peak_rss_mb")),
]  # fmt: skip


def dig(data: Any, path: tuple[str, ...]) -> float | None:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return float(data) if isinstance(data, int | float) else None


def evaluate(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per metric and set: value, baseline, ratio, target, and whether it is met."""
    rows = []
    for metric in METRICS:
        for key, result in results.items():
            value = dig(result, metric.path)
            if value is None:
                continue
            dataset = data_set(key)
            baseline = dig(result, metric.baseline) if metric.baseline else None
            ratio = baseline / value if baseline and value else None
            target = metric.target if dataset.at_target else None
            if dataset.kind == "shipped":
                target = metric.shipped_target
            min_ratio = metric.min_ratio if dataset.at_target else None
            met = None
            if target is not None or min_ratio is not None:
                met = True
                if target is not None:
                    met = value <= target
                if min_ratio is not None:
                    met = met and ratio is not None and ratio >= min_ratio
            rows.append(
                {
                    "metric": metric.key,
                    "label": metric.label,
                    "unit": metric.unit,
                    "set": key,
                    "set_label": dataset.label,
                    "size": dataset.size,
                    "value": value,
                    "baseline": baseline,
                    "ratio": round(ratio, 1) if ratio else None,
                    "target": target,
                    "min_ratio": min_ratio,
                    "target_applies": target is not None or min_ratio is not None,
                    "met": met,
                }
            )
    return rows


def _num(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "ms":
        return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"
    if unit == "s":
        return f"{value:.2f}"
    return f"{value:.0f}"


def _target(metric: Metric) -> str:
    parts = []
    if metric.target is not None:
        parts.append(f"≤ {_num(metric.target, metric.unit)} {metric.unit}")
    if metric.min_ratio is not None:
        parts.append(f"≥ {metric.min_ratio:.0f}× baseline")
    if metric.shipped_target is not None:
        parts.append(f"shipped ≤ {_num(metric.shipped_target, metric.unit)} {metric.unit}")
    return ", ".join(parts) or "–"


def table_rows(
    rows: list[dict[str, Any]], sets: list[DataSet]
) -> tuple[list[str], list[list[str]]]:
    """Header and cells: one line per metric, a column per set, the baseline of each set
    the targets apply to, the target, and whether it is met there."""
    at_target = [s for s in sets if s.at_target]
    header = [
        "metric",
        *[s.label for s in sets],
        *[f"baseline @{s.label}" for s in at_target],
        "target",
        "met",
    ]
    cells = []
    for metric in METRICS:
        mine = {r["set"]: r for r in rows if r["metric"] == metric.key}
        if not mine:
            continue
        baselines = []
        for s in at_target:
            row = mine.get(s.key)
            cell = "–"
            if row and row["baseline"] is not None:
                ratio = f" ({row['ratio']:,.0f}×)" if row["ratio"] else ""
                cell = f"{_num(row['baseline'], metric.unit)}{ratio}"
            baselines.append(cell)
        verdicts = [
            f"{mine[s.key]['set_label']}: {'yes' if mine[s.key]['met'] else 'NO'}"
            for s in sets
            if s.key in mine and mine[s.key]["met"] is not None
        ]
        cells.append(
            [
                f"{metric.label} ({metric.unit})",
                *[_num(mine[s.key]["value"], metric.unit) if s.key in mine else "–" for s in sets],
                *baselines,
                _target(metric),
                "; ".join(verdicts) or "–",
            ]
        )
    return header, cells


def text_table(header: list[str], cells: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)


def markdown_table(header: list[str], cells: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def plot(results: dict[str, dict[str, Any]], path: Path) -> bool:
    """Latency (median and p99) against data size, ours beside the baselines; one PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sets = [data_set(key) for key in results]
    series = [
        ("autocomplete", ("core", "autocomplete", "all"), "tab:blue", "-"),
        ("naive WRatio scan", ("core", "baseline_autocomplete"), "tab:blue", ":"),
        ("/ask", ("core", "ask", "all"), "tab:orange", "-"),
        ("SQLite LIKE scan", ("core", "baseline_search"), "tab:orange", ":"),
        ("e2e /startup autocomplete", ("e2e", "autocomplete"), "tab:green", "-"),
        ("e2e /ask", ("e2e", "ask"), "tab:red", "-"),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, stat, title in zip(axes, ("median_ms", "p99_ms"), ("median", "p99"), strict=True):
        for label, where, colour, style in series:
            for kind, marker in (("synthetic", "o"), ("real", "s")):
                xs, ys = [], []
                for dataset in sorted(sets, key=lambda d: d.size):
                    value = dig(results[dataset.key], (*where, stat))
                    if dataset.kind == kind and value is not None:
                        xs.append(dataset.size)
                        ys.append(value)
                if xs:
                    shown = label if kind == "synthetic" else f"{label}, real shape"
                    ax.plot(xs, ys, style, marker=marker, color=colour, label=shown,
                            alpha=1.0 if kind == "synthetic" else 0.6)  # fmt: skip
        ax.axhline(20, color="grey", lw=0.8, ls="--")
        ax.axhline(5, color="grey", lw=0.8, ls="-.")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("startups in the data set")
        ax.set_title(f"latency, {title}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ms (log)")
    axes[1].legend(fontsize=8, loc="upper left")
    fig.suptitle("SmartUps bot: latency against data size (dashed: 20 ms; dash-dot: 5 ms)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True
