"""Structured questions at scale (issue 13): a fixed mix of filters, counts, superlatives,
facts and comparisons through ``Knowledge.ask`` in process, beside a baseline of exact name
lookups measured in the same run.

    python -m bench.questions [--size 100000] [--data DIR] [--count 400]

Target: p99 ≤ 20 ms at 100,000 records, including questions whose answer lists thousands of
records (the count is exact; only the shown page is rendered, as on Discord).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import generator
from bot import answers
from bot.knowledge import Knowledge
from bot.model import Kind, Startup
from bot.question import Query, warm
from bot.store import Store

BENCH_DATA = Path(__file__).parent / "data"


def mix(knowledge: Knowledge, count: int, seed: int = 13) -> list[str]:
    """``count`` questions in a fixed order, built from the records of the loaded data."""
    rng = random.Random(seed)
    snapshot = knowledge.snapshot
    startups = snapshot.index.of_kind(Kind.STARTUP)
    cities = snapshot.index.of_kind(Kind.CITY)
    sample = [s for s in startups[:2000] if isinstance(s, Startup)]
    sectors = sorted({str(s.sector) for s in sample if s.sector})
    years = sorted({s.founded for s in sample if s.founded is not None})
    templates = [
        lambda: f"{rng.choice(sectors)} startups in {rng.choice(cities).name}",
        lambda: f"how many {rng.choice(sectors)} startups are there?",
        lambda: f"startups founded before {rng.choice(years)}",
        lambda: (
            f"{rng.choice(sectors)} startups founded between {years[0]} and {rng.choice(years)}"
        ),
        lambda: f"oldest {rng.choice(sectors)} startup in {rng.choice(cities).name}",
        lambda: f"When was {rng.choice(startups).name} founded?",
        lambda: f"Who founded {rng.choice(startups).name}?",
        lambda: f"{rng.choice(startups).name} or {rng.choice(startups).name}: which is older?",
        lambda: "Which startups are listed on a stock exchange?",
        lambda: f"startups in {rng.choice(cities).name}",  # thousands of records
        lambda: f"{rng.choice(cities).name_zh or rng.choice(cities).name}有哪些初創公司？",
        lambda: f"How many startups on the list are {rng.choice(sectors)}?",
    ]
    return [templates[i % len(templates)]() for i in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(data: Path, count: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db", data)
        await store.open()
        started = time.perf_counter()
        report = await store.reload(actor="bench", command="bench", audit=False)
        if not report.ok:
            print(f"bench: the data at {data} did not load: {report.problems[:3]}")
            return 2
        loaded = time.perf_counter() - started
        knowledge = Knowledge(store)
        started = time.perf_counter()
        warm(knowledge.snapshot)
        facets = time.perf_counter() - started
        questions = mix(knowledge, count)
        names = [r.name for r in knowledge.snapshot.index.of_kind(Kind.STARTUP)[:count]]
        baseline = []
        for name in names:
            t = time.perf_counter_ns()
            knowledge.complete(None, name)
            baseline.append((time.perf_counter_ns() - t) / 1e6)
        for question in questions[:12]:  # one of each kind, untimed: first-use costs
            await answers.ask_reply(knowledge, Query.of(question), "en")
        timings: list[tuple[float, str, int]] = []
        for question in questions:
            t = time.perf_counter_ns()
            reply, pages = await answers.ask_reply(knowledge, Query.of(question), "en")
            pages[0]  # the page a member sees first is drawn, as on Discord
            timings.append(((time.perf_counter_ns() - t) / 1e6, question, len(reply.records)))
        await store.close()
    values = [ms for ms, _, _ in timings]
    size = len(knowledge.snapshot.index.of_kind(Kind.STARTUP))
    print(f"structured questions over {size:,} startups ({data})")
    print(f"  load {loaded:.1f} s, facets {facets * 1000:.0f} ms (once per data version)")
    print(
        f"  baseline exact lookup: p50 {statistics.median(baseline):.3f} ms, "
        f"p99 {percentile(baseline, 0.99):.3f} ms"
    )
    p99 = percentile(values, 0.99)
    print(
        f"  questions ({len(values)}): p50 {statistics.median(values):.2f} ms, "
        f"p99 {p99:.2f} ms, max {max(values):.2f} ms  (target p99 <= 20 ms)  "
        f"ratio p99/baseline p99 {p99 / max(percentile(baseline, 0.99), 1e-6):.0f}x"
    )
    largest = max(timings, key=lambda t: t[2])
    print(f"  largest answer: {largest[2]:,} records in {largest[0]:.2f} ms ({largest[1]!r})")
    for ms, question, n in sorted(timings, reverse=True)[:5]:
        print(f"    slowest {ms:7.2f} ms  {n:>7,} records  {question}")
    return 0 if p99 <= 20 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.questions")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="a data folder (default: the generated set)")
    parser.add_argument("--count", type=int, default=480)
    args = parser.parse_args(argv)
    data = args.data or generator.ensure(args.size, BENCH_DATA)[0]
    return asyncio.run(run(data, args.count))


if __name__ == "__main__":
    sys.exit(main())
