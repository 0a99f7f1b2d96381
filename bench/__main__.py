"""``python -m bench``: generate (if needed), measure every set in fresh processes, report.

Sets: the synthetic generator's (``--sizes``), the real-shape cloner's (``--real-sizes``:
data/'s records cloned, see bench.realshape), and the shipped data/ itself (``--shipped``,
the command line only: its targets are for the 56 records admins have today).

Writes ``bench/results/latest.json`` (every figure beside its baseline and target),
``bench/results/latest.md`` (the table, as the README shows it) and
``bench/results/latency.png`` (latency against data size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import generator, realshape, report
from bench.report import DataSet
from bot.loader import Loader

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
DATA_ROOT = ROOT / "data"
RESULTS = ROOT / "results"
SIZES = (1_000, 10_000, 100_000)
REAL_SIZES = (10_000, 100_000)
TASKS = ("core", "memory", "e2e", "cli")
#: What runs on the shipped data (a copy of it: the benchmarks edit files and put them back).
SHIPPED_TASKS = ("cli",)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_worker(task: str, size: int, data: Path, work: Path, count: int) -> dict[str, Any]:
    out = work / f"{task}-{size}.json"
    command = [
        sys.executable, "-m", "bench.worker", task, "--size", str(size), "--data", str(data),
        "--work", str(work), "--out", str(out), "--count", str(count),
    ]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: {task} at {size:,} failed (exit {proc.returncode})")
    say(f"  {task:<6} {size:>7,}  {time.perf_counter() - started:6.1f}s")
    return json.loads(out.read_text("utf-8"))


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _sizes(text: str) -> list[int]:
    return sorted(int(s) for s in text.split(",") if s.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="synthetic sets, comma-separated startup counts (%(default)s)")
    parser.add_argument("--real-sizes", default=",".join(map(str, REAL_SIZES)),
                        help="real-shape sets (clones of data/), '' for none (%(default)s)")
    parser.add_argument("--shipped", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the command line on the shipped data/")
    parser.add_argument("--tasks", default=",".join(TASKS),
                        help="which measurements (default: %(default)s)")
    parser.add_argument("--e2e-count", type=int, default=520,
                        help="interactions of each kind, end to end (%(default)s)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args(argv)  # fmt: skip
    tasks = [t for t in TASKS if t in args.tasks.split(",")]
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="smartups-bench-") as tmp:
        work = Path(tmp)
        plan: list[tuple[DataSet, Path, list[str]]] = []
        if args.shipped and any(t in SHIPPED_TASKS for t in tasks):
            shipped = work / "shipped" / "data"
            shutil.copytree(REPO / "data", shipped)
            count = _startups(shipped)
            plan.append((DataSet("shipped", "shipped", count), shipped,
                         [t for t in tasks if t in SHIPPED_TASKS]))  # fmt: skip
        for size in _sizes(args.sizes):
            folder, counts = generator.ensure(size, DATA_ROOT, log=say)
            _describe(f"synthetic {size:,}", counts)
            plan.append((DataSet(str(size), "synthetic", size), folder, tasks))
        for size in _sizes(args.real_sizes):
            folder, counts = realshape.ensure(size, DATA_ROOT, log=say)
            _describe(f"real {size:,}", counts)
            plan.append((DataSet(f"real{size}", "real", size), folder, tasks))

        results: dict[str, dict[str, Any]] = {}
        for dataset, folder, wanted in plan:
            say(f"{dataset.label}:")
            results[dataset.key] = {
                task: run_worker(task, dataset.size, folder, work, args.e2e_count)
                for task in wanted
            }

    rows = report.evaluate(results)
    sets = [dataset for dataset, _, _ in plan]
    header, cells = report.table_rows(rows, sets)
    elapsed = time.perf_counter() - started
    meta = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "generator_version": generator.GENERATOR_VERSION,
        "cloner_version": realshape.CLONER_VERSION,
        "sets": [{"key": d.key, "kind": d.kind, "size": d.size} for d in sets],
        "tasks": tasks,
        "seconds": round(elapsed, 1),
        "target_size": report.TARGET_SIZE,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(
        json.dumps({"meta": meta, "figures": rows, "results": results}, indent=1) + "\n",
        encoding="utf-8",
    )
    markdown = report.markdown_table(header, cells)
    (args.out / "latest.md").write_text(
        f"Run {meta['when']} at {meta['commit']} ({meta['machine']}, Python {meta['python']}), "
        f"{meta['seconds']:.0f} s in all.\n\n{markdown}\n",
        encoding="utf-8",
    )
    plotted = report.plot(results, args.out / "latency.png")
    print(report.text_table(header, cells))
    missed = [r for r in rows if r["met"] is False]
    print()
    print(f"{len(missed)} target(s) missed: "
          + (", ".join(f"{r['label']} @{r['set_label']}" for r in missed) or "none"))
    print(f"results: {args.out / 'latest.json'}" + (", latency.png" if plotted else "")
          + f"  ({elapsed:.0f} s)")  # fmt: skip
    return 0


def _describe(label: str, counts: dict[str, int]) -> None:
    records = sum(counts.get(k, 0) for k in ("cities", "initiatives", "organizations", "startups"))
    say(f"data {label}: {counts['files']} files, {counts['bytes'] / 1e6:.1f} MB, "
        f"{records:,} records")  # fmt: skip


def _startups(folder: Path) -> int:
    """How many startups a data folder holds (the shipped one: its size in the results)."""
    outcome = Loader(folder).load()
    if outcome.dataset is None:
        raise SystemExit(f"bench: {folder} does not load: {outcome.problems[:3]}")
    return outcome.dataset.counts()["startup"]


if __name__ == "__main__":
    sys.exit(main())
