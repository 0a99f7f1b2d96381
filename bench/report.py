"""Targets, the results table (text and Markdown), the JSON file and the plot."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The size the issue's targets apply to.
TARGET_SIZE = 100_000


@dataclass(frozen=True)
class Metric:
    """One row: where its value sits in a size's results, its baseline, its target."""

    key: str
    label: str
    unit: str
    path: tuple[str, ...]
    target: float | None = None  # the value must be <= target
    baseline: tuple[str, ...] | None = None
    min_ratio: float | None = None  # baseline / value must be >= min_ratio


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
]  # fmt: skip


def dig(data: Any, path: tuple[str, ...]) -> float | None:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return float(data) if isinstance(data, int | float) else None


def evaluate(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per metric and size: value, baseline, ratio, target, and whether it is met."""
    rows = []
    for metric in METRICS:
        for size, result in results.items():
            value = dig(result, metric.path)
            if value is None:
                continue
            baseline = dig(result, metric.baseline) if metric.baseline else None
            ratio = baseline / value if baseline and value else None
            applies = int(size) == TARGET_SIZE
            met = None
            if applies and (metric.target is not None or metric.min_ratio is not None):
                met = True
                if metric.target is not None:
                    met = value <= metric.target
                if metric.min_ratio is not None:
                    met = met and ratio is not None and ratio >= metric.min_ratio
            rows.append(
                {
                    "metric": metric.key,
                    "label": metric.label,
                    "unit": metric.unit,
                    "size": int(size),
                    "value": value,
                    "baseline": baseline,
                    "ratio": round(ratio, 1) if ratio else None,
                    "target": metric.target,
                    "min_ratio": metric.min_ratio,
                    "target_applies": applies,
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
    return ", ".join(parts) or "–"


def table_rows(rows: list[dict[str, Any]], sizes: list[int]) -> tuple[list[str], list[list[str]]]:
    """Header and cells: one line per metric, a column per size, baseline and target."""
    header = ["metric", *[f"{s:,}" for s in sizes], f"baseline @{sizes[-1]:,}", "target", "met"]
    cells = []
    for metric in METRICS:
        mine = {r["size"]: r for r in rows if r["metric"] == metric.key}
        if not mine:
            continue
        last = mine.get(sizes[-1])
        baseline = "–"
        if last and last["baseline"] is not None:
            baseline = f"{_num(last['baseline'], metric.unit)} ({last['ratio']:,.0f}×)"
        met = "–"
        if last and last["met"] is not None:
            met = "yes" if last["met"] else "NO"
        cells.append(
            [
                f"{metric.label} ({metric.unit})",
                *[_num(mine[s]["value"], metric.unit) if s in mine else "–" for s in sizes],
                baseline,
                _target(metric),
                met,
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
    sizes = sorted(int(s) for s in results)
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
            xs, ys = [], []
            for size in sizes:
                value = dig(results[str(size)], (*where, stat))
                if value is not None:
                    xs.append(size)
                    ys.append(value)
            if xs:
                ax.plot(xs, ys, style, marker="o", color=colour, label=label)
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
