"""One measurement in a fresh process: ``python -m bench.worker TASK --size N ...``.

Each task runs in its own interpreter so that data sizes (and the baselines) never share
memory, caches or a warmed-up heap; the result is written as JSON to ``--out``.

- ``core``: cold load (YAML to a live, searchable store) with the event-loop lag during it;
  autocomplete and /ask latency over the query mix; both baselines; reloads of unchanged data
  and after editing one file, with the lag during them; autocomplete hit rates; a restart on
  the written database (open to the first lookup served).
- ``memory``: the peak RSS of a process that loads the data set and answers a few queries.
- ``cli``: the ``smartups`` command line, each command a fresh process (see bench.oneshot).
- ``e2e``: the real discord.py client (SmartUpsBot) against the fake Discord on loopback:
  INTERACTION_CREATE sent -> callback request received, for /startup autocomplete, /startup
  and /ask.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import shutil
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from bench.edits import append_to_field
from bench.measure import LagTicker, current_rss_mb, peak_rss_mb, summary
from bench.oneshot import cli
from bench.queries import FAST_PATH, Query, build
from bot.knowledge import Knowledge
from bot.memory import tune_malloc
from bot.model import Kind
from bot.store import Store

#: Seconds each baseline may take per data set (it is subsampled to fit, never below 52).
BASELINE_BUDGET_S = 12.0
MIN_BASELINE_QUERIES = 52


def fresh_db(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def ms_since(start_ns: int) -> float:
    return (time.perf_counter_ns() - start_ns) / 1e6


def subsample(queries: list[Query], count: int) -> list[Query]:
    """Every k-th query: the categories stay in proportion (the mix is interleaved)."""
    if count >= len(queries):
        return list(queries)
    step = len(queries) / count
    return [queries[int(i * step)] for i in range(count)]


def timed_baseline(queries: list[Query], run) -> tuple[list[float], int]:
    """Time ``run(text)`` over a subsample of ``queries`` sized to the time budget."""
    probe = []
    for q in queries[:3]:
        start = time.perf_counter_ns()
        run(q.text)
        probe.append(ms_since(start))
    per_query = max(sorted(probe)[1], 1e-3) / 1000
    count = max(MIN_BASELINE_QUERIES, min(len(queries), math.floor(BASELINE_BUDGET_S / per_query)))
    samples = []
    for q in subsample(queries, count):
        start = time.perf_counter_ns()
        run(q.text)
        samples.append(ms_since(start))
    return samples, count


def edit_one_file(data_dir: Path, field: str = "description") -> tuple[Path, bytes]:
    """Append to the ``field`` line of the first startup of the first startups file (its
    description, or its name: a change the search index is built from); return the original
    bytes to put back."""
    path = sorted((data_dir / "startups").glob("*.yaml"))[0]
    extra = " It now also serves Macau." if field == "description" else " Renamed"
    return path, append_to_field(path, field, extra)


# ---------------------------------------------------------------------------- core


async def core(size: int, data_dir: Path, work: Path) -> dict[str, Any]:
    db = fresh_db(work / f"core-{size}.db")
    result: dict[str, Any] = {"size": size}
    store = Store(db, data_dir)
    ticker = LagTicker().start()
    start = time.perf_counter()
    await store.open()
    report = await store.reload(actor="bench")
    result["load_s"] = round(time.perf_counter() - start, 3)
    result["load_lag_ms"] = await ticker.stop()
    if report.outcome != "applied":
        raise SystemExit(f"cold load failed: {report.outcome} {report.problems[:5]}")

    result["counts"] = report.counts
    knowledge = Knowledge(store)
    dataset = store.current.dataset
    queries = build(dataset)
    warmup = build(dataset, seed=99, scale=0.2)
    for q in warmup:
        knowledge.complete(Kind.STARTUP, q.text, limit=25)
        await knowledge.ask(q.text)

    # ---- autocomplete: what RecordTransformer.autocomplete calls
    by_cat: dict[str, list[float]] = defaultdict(list)
    hits_at: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for q in queries:
        start_ns = time.perf_counter_ns()
        hits = knowledge.complete(Kind.STARTUP, q.text, limit=25)
        by_cat[q.category].append(ms_since(start_ns))
        if q.target:
            ids = [h.record.id for h in hits]
            tally = hits_at[q.category]
            tally[0] += 1
            tally[1] += bool(ids) and ids[0] == q.target
            tally[2] += q.target in ids
    every = [ms for samples in by_cat.values() for ms in samples]
    fast = [ms for cat in FAST_PATH for ms in by_cat[cat]]
    result["autocomplete"] = {
        "all": summary(every),
        "exact_prefix": summary(fast),
        "by_category": {cat: summary(samples) for cat, samples in by_cat.items()},
        "hit_rate": {
            cat: {"top1": round(t[1] / t[0], 3), "top25": round(t[2] / t[0], 3), "n": t[0]}
            for cat, t in hits_at.items()
        },
    }

    # ---- /ask: Knowledge.ask (figures, names, full text)
    ask_cat: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        start_ns = time.perf_counter_ns()
        await knowledge.ask(q.text)
        ask_cat[q.category].append(ms_since(start_ns))
    result["ask"] = {
        "all": summary([ms for samples in ask_cat.values() for ms in samples]),
        "by_category": {cat: summary(samples) for cat, samples in ask_cat.items()},
    }

    # ---- baselines
    names = [r.name for r in dataset.records[Kind.STARTUP].values()]

    def naive(text: str) -> None:
        process.extract(
            text, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=25
        )

    samples, count = timed_baseline(queries, naive)
    result["baseline_autocomplete"] = summary(samples) | {
        "what": "rapidfuzz process.extract(WRatio, default_process, limit=25) over every "
        f"startup name; {count} of {len(queries)} queries (every k-th of the mix)"
    }
    plain = sqlite3.connect(str(db))

    def like(text: str) -> None:
        pattern = f"%{text}%"
        plain.execute(
            "SELECT kind, id FROM record WHERE name LIKE ? OR data LIKE ? LIMIT 50",
            (pattern, pattern),
        ).fetchall()

    samples, count = timed_baseline(queries, like)
    plain.close()
    result["baseline_search"] = summary(samples) | {
        "what": "SELECT ... FROM record WHERE name LIKE '%q%' OR data LIKE '%q%' LIMIT 50; "
        f"{count} of {len(queries)} queries"
    }

    # ---- reloads, with the lag ticker running
    ticker.start()
    unchanged = []
    for _ in range(3):
        start = time.perf_counter()
        report = await store.reload(actor="bench")
        unchanged.append(time.perf_counter() - start)
        assert report.outcome == "unchanged", report.outcome
    result["reload_unchanged_s"] = round(max(unchanged), 3)
    result["reload_unchanged_lag_ms"] = await ticker.stop()
    for field, key in (("description", "reload_edited"), ("name", "reload_renamed")):
        ticker.start()
        edited = []
        path, original = edit_one_file(data_dir, field)
        try:
            start = time.perf_counter()
            report = await store.reload(actor="bench")
            edited.append(time.perf_counter() - start)
            assert report.outcome == "applied" and len(report.changes) == 1, (
                report.outcome,
                report.problems[:3],
                len(report.changes),
            )
            # Which index the edit got: the old one reused, patched, or a full rebuild.
            result[f"{key}_index"] = type(store.current.index).__name__
        finally:
            path.write_bytes(original)
        start = time.perf_counter()
        report = await store.reload(actor="bench")  # and back
        edited.append(time.perf_counter() - start)
        assert report.outcome == "applied", report.outcome
        result[f"{key}_s"] = round(max(edited), 3)
        result[f"{key}_lag_ms"] = await ticker.stop()
    result["queries"] = len(queries)
    # Closing writes the snapshot file (bot.snapshots) the restart below loads.
    start = time.perf_counter()
    await store.close()
    result["snapshot_write_s"] = round(time.perf_counter() - start, 3)

    # ---- restart on the database just written: how soon lookups are served again
    ticker.start()
    start = time.perf_counter()
    again = Store(db, data_dir)
    await again.open()
    hits = Knowledge(again).complete(Kind.STARTUP, queries[0].text, limit=25)
    result["restart_s"] = round(time.perf_counter() - start, 3)
    result["restart_lag_ms"] = await ticker.stop()
    assert hits, "the restarted store answers"
    await again.close()
    return result


# ---------------------------------------------------------------------------- memory


async def memory(size: int, data_dir: Path, work: Path) -> dict[str, Any]:
    # Everything the bot process imports (discord.py, the cogs), not just the store.
    import importlib

    from bot.client import extension_names

    for name in extension_names():
        importlib.import_module(name)
    db = fresh_db(work / f"memory-{size}.db")
    store = Store(db, data_dir)
    await store.open()
    report = await store.reload(actor="bench")
    assert report.outcome == "applied", report.outcome
    knowledge = Knowledge(store)
    for q in build(store.current.dataset, scale=0.1):
        knowledge.complete(Kind.STARTUP, q.text)
        await knowledge.ask(q.text)
    result = {
        "size": size,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_mb": round(current_rss_mb(), 1),
    }
    await store.close()
    return result


# ---------------------------------------------------------------------------- end to end


async def e2e(size: int, data_dir: Path, work: Path, count: int) -> dict[str, Any]:
    # The fake Discord lives in tests/ (it is the test suite's); the repository root is on
    # sys.path when run as ``python -m bench``.
    from bot.client import SmartUpsBot
    from bot.config import load_settings
    from tests.fakediscord import FakeDiscord, run_client

    db = fresh_db(work / f"e2e-{size}.db")
    store = Store(db, data_dir)
    await store.open()
    report = await store.reload(actor="bench")
    assert report.outcome == "applied", report.outcome
    queries = build(store.current.dataset)[:count]
    ids = sorted(store.current.dataset.records[Kind.STARTUP])
    picks = [ids[(i * 7919) % len(ids)] for i in range(count)]
    settings = load_settings({"SMARTUPS_DATA_DIR": str(data_dir), "SMARTUPS_DB": str(db)}, None)
    result: dict[str, Any] = {"size": size}
    async with FakeDiscord() as fake:
        bot = SmartUpsBot(settings, store=store)
        async with run_client(fake, bot, timeout=120.0):

            async def one(send) -> float:
                since = fake.mark()
                ix = await send()
                prefix = f"/interactions/{ix.id}/"
                callback = await fake.wait_for(
                    lambda r: r.path.startswith(prefix) and r.method == "POST",
                    since=since,
                    timeout=10.0,
                )
                if not callback.ok:
                    raise AssertionError(callback.summary())
                return (callback.time - ix.dispatched_at) * 1000

            for q in queries[:20]:  # warm-up: first-use imports, caches, connections
                await one(lambda q=q: fake.send_autocomplete("startup", {"name": q.text}))
                await one(lambda q=q: fake.send_command("ask", {"question": q.text}))
            complete = [
                await one(lambda q=q: fake.send_autocomplete("startup", {"name": q.text}))
                for q in queries
            ]
            show = [
                await one(lambda rid=rid: fake.send_command("startup", {"name": rid}))
                for rid in picks
            ]
            ask = [
                await one(lambda q=q: fake.send_command("ask", {"question": q.text}))
                for q in queries
            ]
            fake.requests.clear()
        if fake.server_errors:
            raise AssertionError("\n".join(fake.server_errors))
    result["autocomplete"] = summary(complete)
    result["startup"] = summary(show)
    result["ask"] = summary(ask)
    return result


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("task", choices=("core", "memory", "e2e", "cli"))
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=520)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("discord").setLevel(logging.ERROR)  # no "PyNaCl is not installed"
    tune_malloc()  # as the bot's entry point (bot.cli.main) does
    started = time.perf_counter()
    if args.task == "core":
        result = asyncio.run(core(args.size, args.data, args.work))
    elif args.task == "memory":
        result = asyncio.run(memory(args.size, args.data, args.work))
    elif args.task == "cli":
        result = cli(args.size, args.data, args.work)
    else:
        result = asyncio.run(e2e(args.size, args.data, args.work, args.count))
    result["task_s"] = round(time.perf_counter() - started, 2)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    shutil.rmtree(args.work / "tmp", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
