"""``python -m bench.breakdown``: where a load's time and memory go, stage by stage.

The bot's cold load runs these stages overlapped (parsing and validating in child processes
on every core, the index built while SQLite writes), so its wall time is not their sum. Here
each stage runs alone, in one process, one after the other, over the same folder: what each
costs of CPU. The last lines time the real thing for comparison: a cold `Store.reload` into a
fresh database, and a restart from the snapshot it wrote. The memory figures come from a
fresh process that loads the way the bot does (child processes, compact records): resident
memory after the imports, the records, the index and the facets (each after a collection and
a heap trim, so freed memory is not counted).

    .venv/bin/python -m bench.breakdown --data bench/data/real100000/data

Prints a table and writes ``bench/results/breakdown.json``. Never run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import hashlib
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bench.measure import current_rss_mb, peak_rss_mb

T = TypeVar("T")
RESULTS = Path(__file__).resolve().parent / "results"


class Stages:
    """Times each stage and the resident memory after it (collected and trimmed)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._rss = self._settled()

    @staticmethod
    def _settled() -> float:
        from bot.memory import trim_heap

        gc.collect()
        trim_heap()
        return current_rss_mb()

    def run(self, name: str, what: str, work: Callable[..., T], *args: Any) -> T:
        gc.disable()
        started = time.perf_counter()
        try:
            value = work(*args)
        finally:
            seconds = time.perf_counter() - started
            gc.enable()
        rss = self._settled()
        added, self._rss = rss - self._rss, rss
        self.rows.append(
            {"stage": name, "what": what, "s": round(seconds, 3),
             "rss_mb": round(rss, 1), "rss_added_mb": round(added, 1)}
        )  # fmt: skip
        print(f"  {name:<12} {seconds:7.2f} s   RSS {rss:6.0f} MB ({added:+.0f})",
              file=sys.stderr, flush=True)  # fmt: skip
        return value

    def note(self, name: str, what: str, seconds: float) -> None:
        self.rows.append({"stage": name, "what": what, "s": round(seconds, 3)})


def measure(data_dir: Path, work: Path) -> dict[str, Any]:
    stages = Stages()

    def imports() -> None:
        import bot.loader
        import bot.question.facets
        import bot.store  # noqa: F401

    stages.run("import", "import the store, loader, search and question modules", imports)
    from bot import loader, yamlfast
    from bot.model import Kind
    from bot.question.facets import Facets
    from bot.search import SearchIndex
    from bot.store import ReloadReport, Snapshot, Store

    files = loader.discover(data_dir)
    names = [str(p.relative_to(data_dir.parent)) for p in files]

    def read() -> list[tuple[bytes, str]]:
        out = []
        for path in files:
            raw = path.read_bytes()
            out.append((raw, hashlib.sha256(raw).hexdigest()))
        return out

    raw = stages.run("read", f"read and hash {len(files)} files", read)
    exact: list[str] = []

    def parse(raw: list[tuple[bytes, str]]) -> list[Any]:
        parsed = []
        for (blob, _), name in zip(raw, names, strict=True):
            fast = yamlfast.parse_fast(blob, name, quiet=True)
            if fast is None:
                exact.append(name)
                fast = loader.parse_yaml_bytes(blob, name)
            parsed.append(fast)
        return parsed

    parsed = stages.run("parse", "YAML to Python (rapidyaml where sure, else PyYAML)", parse, raw)

    def validate(parsed: list[Any], raw: list[tuple[bytes, str]]) -> list[Any]:
        return [
            loader.validate_parsed(p, name, sha)
            for p, name, (_, sha) in zip(parsed, names, raw, strict=True)
        ]

    results = stages.run(
        "validate", "pydantic models, per-file checks, name keys", validate, parsed, raw
    )
    parsed.clear()
    raw.clear()
    dataset, problems = stages.run(
        "cross-check", "ids, references, name collisions across files", loader.assemble, results
    )
    assert dataset is not None and not problems, problems[:3]
    records = sum(dataset.counts().values())
    index = stages.run(
        "index", "the search index", SearchIndex, dataset.all_records(), dataset.label_keys
    )
    snapshot = Snapshot(dataset, index, dt.datetime.now(dt.UTC), "bench")
    stages.run("facets", "the question facets (built once per version)", Facets, snapshot)

    db = work / "breakdown.db"

    async def write(snapshot: Snapshot) -> None:
        store = Store(db, data_dir)
        await store.open()
        report = ReloadReport("applied", None, snapshot.version)
        await store._write(snapshot.dataset, None, [], snapshot.loaded_at, "bench", "bench", report)
        await store.close()

    stages.run(
        "sqlite", "write every record and its full-text row (one transaction)",
        lambda s: asyncio.run(write(s)), snapshot,
    )  # fmt: skip
    from bot.snapshots import SnapshotFile
    from bot.store import _write_snapshot

    file = SnapshotFile(Path(f"{db}.snapshot"))

    def write_snapshot(snapshot: Snapshot) -> float:
        return _write_snapshot(file, snapshot, {"files": {}, "last": None}, None)

    stages.run("snapshot", "write the snapshot file", write_snapshot, snapshot)
    del snapshot, index, dataset
    results.clear()
    stages._settled()

    # The real thing, for comparison (in this process, after the above was freed).
    fresh = work / "cold.db"

    async def cold() -> float:
        store = Store(fresh, data_dir)
        started = time.perf_counter()
        await store.open()
        report = await store.reload(actor="bench")
        seconds = time.perf_counter() - started
        assert report.outcome == "applied", report.outcome
        await store.close()  # waits for the snapshot being written
        return seconds

    stages.note("cold load", "Store.reload into a fresh database (stages overlapped)",
                asyncio.run(cold()))  # fmt: skip

    async def restart() -> float:
        store = Store(fresh, data_dir)
        started = time.perf_counter()
        await store.open()
        seconds = time.perf_counter() - started
        assert store.loaded and store.current.index.of_kind(Kind.STARTUP)
        await store.close()
        return seconds

    stages.note("restart", "Store.open on that database (from its snapshot)",
                asyncio.run(restart()))  # fmt: skip
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "data": str(data_dir),
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "records": records,
        "exact_parse_files": len(exact),
        "stages": stages.rows,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def memory(data_dir: Path) -> dict[str, Any]:
    """The bot's own way in a fresh process: the resident memory after the imports, after
    the parallel load (the records as the bot holds them), the index and the facets."""
    from bot.memory import trim_heap

    def settled() -> float:
        gc.collect()
        trim_heap()
        return current_rss_mb()

    bare = settled()
    import bot.client  # noqa: F401  (what the bot process imports: discord.py, the cogs)
    from bot.loader import Loader
    from bot.question.facets import Facets
    from bot.search import SearchIndex
    from bot.store import Snapshot

    imported = settled()
    outcome = Loader(data_dir).load()
    assert outcome.dataset is not None, outcome.problems[:3]
    dataset = outcome.dataset
    loaded = settled()
    index = SearchIndex(dataset.all_records(), dataset.label_keys)
    dataset.label_keys.clear()
    indexed = settled()
    facets = Facets(Snapshot(dataset, index, dt.datetime.now(dt.UTC), "bench"))
    faceted = settled()
    del facets  # kept until measured: a Facets dropped at once measured as 0 MB
    return {
        "interpreter_mb": round(bare, 1),
        "modules_mb": round(imported - bare, 1),
        "records_mb": round(loaded - imported, 1),
        "index_mb": round(indexed - loaded, 1),
        "facets_mb": round(faceted - indexed, 1),
        "total_mb": round(faceted, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.breakdown", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("bench/data/real100000/data"))
    parser.add_argument("--out", type=Path, default=RESULTS / "breakdown.json")
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_only:  # the child process of the memory figures
        print(json.dumps(memory(args.data)))
        return 0
    if not args.data.is_dir():
        print(f"no folder {args.data}: `make bench` (or bench.realshape) makes it",
              file=sys.stderr)  # fmt: skip
        return 2
    child = subprocess.run(
        [sys.executable, "-m", "bench.breakdown", "--memory-only", "--data", str(args.data)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="smartups-breakdown-") as tmp:
        result = measure(args.data, Path(tmp))
    result["memory"] = json.loads(child.stdout.strip().splitlines()[-1])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(
        f"{result['records']:,} records, {result['files']} files, "
        f"{result['bytes'] / 1e6:.1f} MB ({result['exact_parse_files']} parsed the exact way)"
    )
    print(f"{'stage':<12} {'s':>8}  what")
    for row in result["stages"]:
        print(f"{row['stage']:<12} {row['s']:8.2f}  {row['what']}")
    print("memory:", ", ".join(f"{k[:-3]} {v:.0f} MB" for k, v in result["memory"].items()),
          f"(peak {result['peak_rss_mb']:.0f} MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
