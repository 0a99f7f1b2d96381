"""``python -m bench``: generate (if needed), measure every size in fresh processes, report.

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
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import generator, report

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
DATA_ROOT = ROOT / "data"
RESULTS = ROOT / "results"
SIZES = (1_000, 10_000, 100_000)
TASKS = ("core", "memory", "e2e")


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated startup counts (default: %(default)s)")  # fmt: skip
    parser.add_argument("--tasks", default=",".join(TASKS),
                        help="which measurements (default: %(default)s)")  # fmt: skip
    parser.add_argument("--e2e-count", type=int, default=520,
                        help="interactions of each kind, end to end (%(default)s)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    tasks = [t for t in TASKS if t in args.tasks.split(",")]
    started = time.perf_counter()

    folders = {}
    for size in sizes:
        folder, counts = generator.ensure(size, DATA_ROOT, log=say)
        folders[size] = folder
        say(f"data {size:>7,}: {counts['files']} files, {counts['bytes'] / 1e6:.1f} MB, "
            f"{sum(counts[k] for k in ('cities', 'initiatives', 'organizations', 'startups')):,}"
            " records")  # fmt: skip

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="smartups-bench-") as tmp:
        for size in sizes:
            results[str(size)] = {
                task: run_worker(task, size, folders[size], Path(tmp), args.e2e_count)
                for task in tasks
            }

    rows = report.evaluate(results)
    header, cells = report.table_rows(rows, sizes)
    elapsed = time.perf_counter() - started
    meta = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "generator_version": generator.GENERATOR_VERSION,
        "sizes": sizes,
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
    print(f"{len(missed)} target(s) missed at {report.TARGET_SIZE:,}: "
          + (", ".join(r["label"] for r in missed) or "none"))  # fmt: skip
    print(f"results: {args.out / 'latest.json'}" + (", latency.png" if plotted else "")
          + f"  ({elapsed:.0f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
