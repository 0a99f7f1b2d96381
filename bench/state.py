"""State benchmark (issue 17 point 6): the guild/admin state operations on SQLite vs PostgreSQL.

``python -m bench.state [--runs 400]``

Times, on each backend, the state operations that happen per command or per post, through the
real services (the same calls the cogs make), each ``--runs`` times after a warm-up:

- ``gap count``: one unanswered question counted (per /ask that the data could not answer);
- ``usage flush``: one batch of 5 usage counts written (the tally's write, every 2 s at most);
- ``suggest``: a member's suggestion stored under the limits (a transaction: 2 counts, insert,
  audit event);
- ``spotlight post``: a manual post's claim and record (two transactions around a no-op send);
- ``spotlight status``: the schedule, next slot and cycle of /spotlight status;
- ``audit row``: a reload's audit row; ``heartbeat``: one process heartbeat;
- ``data history``: what /data history reads (15 audit rows, 10 queue events).

Then ``lookup``: /startup's resolve and a structured /ask on the loaded shipped data, with the
state on each backend (lookups never touch it: the figures should match).

PostgreSQL runs on 127.0.0.1 from the OS package (the tests' server helper), with its defaults
for durability (fsync on, synchronous_commit on); SQLite runs as the bot does (WAL,
synchronous=NORMAL, so a commit does not wait for the disk). Printed: median and p99 in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(runs: int, op: Callable[[int], Awaitable[Any]]) -> tuple[float, float]:
    for i in range(min(20, runs)):  # warm-up: prepared statements, pages, the pool
        await op(-1 - i)
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        await op(i)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), pct(samples, 0.99)


async def state_ops(state: Any, store: Any, runs: int) -> dict[str, tuple[float, float]]:
    from bot import gaps, usage
    from bot.spotlight import SpotlightService
    from bot.state import processes
    from bot.store import AUDIT_INSERT
    from bot.suggestions.storage import Limits, NewSuggestion, SuggestionStore

    now = dt.datetime.now(dt.UTC)
    results: dict[str, tuple[float, float]] = {}

    async def gap(i: int) -> None:
        await gaps.record(state, f"who founded startup number {i % 50}?", "en", "not_found")

    async def flush(i: int) -> None:
        await usage.write(state, {(now.date().isoformat(), "record", f"startup:s{(i + k) % 40}"): 1
                                  for k in range(5)})

    queue = SuggestionStore(state, limits=Limits(pending=10**6, per_day=10**6))

    async def suggest(i: int) -> None:
        await queue.add(NewSuggestion("startup", "qupital", "founded", 2015 + i % 5, None,
                                      "https://example.org", 1000 + i % 97, "bench"))

    service = SpotlightService(state, clock=lambda: dt.datetime.now(dt.UTC))
    guild = 4242
    await service.schedule(guild, 77, 0, dt.time(9, 30))
    ids = [f"s{n}" for n in range(30)]

    async def poster(_g: int, _c: int, _s: str, _k: str) -> int:
        return 1

    async def post(_i: int) -> None:
        await service.post_now(guild, ids, poster)

    async def status(_i: int) -> None:
        await service.get(guild)

    async def audit(i: int) -> None:
        await state.execute(AUDIT_INSERT, (now.isoformat(), "bench", "/data reload", "a", "b",
                                           "applied", "{}", "[]"))

    async def beat(_i: int) -> None:
        await processes.beat(state, instance="bench", host="h", pid=1, shards="", data_version="v",
                             started_at=now, now=dt.datetime.now(dt.UTC))

    store.attach_state(state)

    async def history(_i: int) -> None:
        await store.audit_log(limit=15)
        await queue.events(limit=10)

    for name, op in (("gap count", gap), ("usage flush", flush), ("suggest", suggest),
                     ("spotlight post", post), ("spotlight status", status),
                     ("audit row", audit), ("heartbeat", beat), ("data history", history)):
        results[name] = await timed(runs, op)
    return results


async def lookups(store: Any, runs: int) -> dict[str, tuple[float, float]]:
    from bot import answers
    from bot.knowledge import Knowledge
    from bot.model import Kind

    knowledge = Knowledge(store)
    names = ["lalamove", "Qupital", "welab", "GOGOX", "Boxful"]

    async def resolve(i: int) -> None:
        knowledge.resolve(Kind.STARTUP, names[i % len(names)])

    async def ask(_i: int) -> None:
        await answers.ask_reply(knowledge, "which fintech startups are in Hong Kong?")

    return {"lookup /startup": await timed(runs, resolve),
            "lookup /ask": await timed(max(50, runs // 4), ask)}


async def run(runs: int) -> int:
    sys.path.insert(0, str(REPO))
    from bot.state import SqliteState
    from bot.state.postgres import PostgresState
    from bot.store import Store
    from tests.pgserver import PgServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("bench.state: no PostgreSQL server binary (apt-get install postgresql)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="smartups-state-bench-"))
    server = PgServer(bin_dir, fsync=True)
    server.start()
    table: dict[str, dict[str, tuple[float, float]]] = {}
    try:
        url = server.create_database("bench")
        for backend in ("sqlite", "postgresql"):
            store = Store(work / f"{backend}.db", REPO / "data")
            await store.open()
            report = await store.reload(actor="bench", command="load", audit=False)
            assert report.ok, report.problems
            state = (SqliteState(store.db_path, plain=store.writer) if backend == "sqlite"
                     else await PostgresState.open(url))
            try:
                table[backend] = await state_ops(state, store, runs)
                table[backend] |= await lookups(store, runs)
            finally:
                await state.close()
                await store.close()
    finally:
        server.destroy()
    print(f"state operations, median / p99 in ms ({runs} runs each; PostgreSQL 127.0.0.1, "
          "fsync on; SQLite WAL, synchronous=NORMAL)")
    print(f"{'operation':<18} {'SQLite p50':>10} {'p99':>7} {'PostgreSQL p50':>15} {'p99':>7}")
    for name in table["sqlite"]:
        (s50, s99), (p50, p99) = table["sqlite"][name], table["postgresql"][name]
        print(f"{name:<18} {s50:>10.3f} {s99:>7.3f} {p50:>15.3f} {p99:>7.3f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.state", description=__doc__)
    parser.add_argument("--runs", type=int, default=400, help="timed calls per operation")
    args = parser.parse_args(argv)
    return asyncio.run(run(max(1, args.runs)))


if __name__ == "__main__":
    raise SystemExit(main())
