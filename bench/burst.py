"""Burst benchmark: the real bot process against the fake Discord on loopback.

``python -m bench.burst [--levels 40:2000,300:3000,1200:6000] [--mix repeated|varied]``

The fake Discord runs here; the bot runs in a child process (``--child``), as it would in
production, pointed at the fake by ``Route.BASE`` and the gateway URL. For each level
``IN_FLIGHT:TOTAL`` a fixed mix of interactions (autocomplete, /startup, /ask, /browse; each
from its own member, so cooldowns do not shape the figures) is kept at ``IN_FLIGHT``
unacknowledged-or-unfinished at once, ``TOTAL`` in all. Printed per level:

- answered (with how many were "busy" replies), late (a callback after the 3 s deadline, which
  Discord refuses with 10062), unanswered (no acknowledgement by 3.5 s, or after a deferral no
  answer within 20 s; an interaction unacknowledged at 3.5 s is no longer in flight: its member
  has seen "The application did not respond");
- p50/p99/max from dispatch to the acknowledgement (the callback) and to the final answer (the
  callback, or after a deferral the edit of the original response);
- the rate (interactions finished per second), the child's CPU (% of one core, and CPU
  milliseconds per interaction: the cost, steadier than the latencies on a shared machine) and
  its peak RSS; and the fake Discord's own CPU (this process: at 100 % the fake, not the bot,
  is what the latencies measure).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import status_mb

REPO = Path(__file__).resolve().parent.parent
ACK_DEADLINE = 3.0
ANSWER_TIMEOUT = 20.0
QUESTIONS = [
    "How many free Wi-Fi hotspots does Hong Kong have?",
    "which fintech startups are in Hong Kong?",
    "who founded Lalamove?",
    "startups founded after 2015",
    "what is HKSTP?",
    "compare Hong Kong and Taipei",
    "香港有哪些金融科技初創？",
    "is GOGOX listed?",
]
KINDS = ["startup", "city", "initiative", "organization"]


@dataclass
class Mix:
    """What the members of a burst type: the few inputs of ``repeated`` (a crowd after one
    announcement, where remembered answers help most) or the ``varied`` inputs drawn from every
    startup of ``data/`` (names, their prefixes and typos, templated questions, listings)."""

    typed: list[str]  # autocomplete texts
    names: list[str]  # /startup values
    questions: list[str]
    listings: list[dict[str, str]]


REPEATED = Mix(
    ["lalamove", "qupital", "gogox", "klook", "la", "qu", "go", "moneyhero"],
    ["lalamove", "qupital", "gogox", "klook"],
    QUESTIONS,
    [{"kind": kind} for kind in KINDS],
)


def varied_mix(data: Path) -> Mix:
    """Hundreds of distinct inputs made from the shipped startups (no remembered answer helps
    much: the cost of a burst of different asks)."""
    import yaml

    startups = yaml.safe_load((data / "startups.yaml").read_text("utf-8"))
    startups = startups.get("startups", startups) if isinstance(startups, dict) else startups
    names = [s["name"] for s in startups]
    sectors = sorted({s["sector"] for s in startups if s.get("sector")})
    cities = ["Hong Kong", "Taipei", "香港", "台北"]
    typed = [n[:k].casefold() for n in names for k in range(1, min(len(n), 6) + 1)]
    typed += [n[:2] + n[3] + n[2] + n[4:] for n in names if len(n) > 5]  # a swapped letter
    questions = [q.format(n=n) for n in names for q in (
        "who founded {n}?", "when was {n} founded?", "what does {n} do?", "is {n} listed?",
        "startups similar to {n}", "{n} 是做什麼的？")]
    questions += [f"which {s} startups are in {city}?" for s in sectors for city in cities]
    questions += [f"how many {sector} startups are there?" for sector in sectors]
    questions += [f"startups founded after {year}" for year in range(2005, 2021)]
    questions += [f"compare {a} and {b}" for a, b in itertools.pairwise(names)]
    listings = [{"kind": "startup", "sector": sector} for sector in sectors]
    listings += [{"kind": kind} for kind in KINDS]
    return Mix(sorted(set(typed)), names, questions, listings)


# ------------------------------------------------------------------------------ the child


async def child(port: int, token: str, data: str, db: str) -> None:
    """The bot process: the real SmartUpsBot, pointed at the fake Discord on ``port``."""
    import discord.gateway
    import discord.http
    import yarl

    from bot.client import SmartUpsBot
    from bot.config import load_settings

    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/")
    settings = load_settings({"SMARTUPS_DATA_DIR": data, "SMARTUPS_DB": db}, None)
    bot = SmartUpsBot(settings)
    bot._connection.guild_ready_timeout = 0.05  # the fake sends every guild at once
    async with bot:
        await bot.start(token)


# ------------------------------------------------------------------------------ the parent


@dataclass
class Outcome:
    dispatched: float = 0.0
    ack: float | None = None
    final: float | None = None
    status: int | None = None
    deferred: bool = False
    busy: bool = False
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Tracker:
    """Follows the fake's request log from a cursor (one pass per request, not per waiter)."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.cursor = 0
        self.by_id: dict[str, Outcome] = {}
        self.by_token: dict[str, Outcome] = {}
        #: Requests seen before their interaction was watched (the bot answered very fast).
        self.early: dict[str, list[Any]] = {}

    def watch(self, ix: Any) -> Outcome:
        outcome = Outcome(dispatched=ix.dispatched_at)
        self.by_id[str(ix.id)] = outcome
        self.by_token[ix.token] = outcome
        for r in self.early.pop(str(ix.id), []) + self.early.pop(ix.token, []):
            self._see(r)
        return outcome

    async def run(self) -> None:
        while True:
            requests = self.fake.requests
            while self.cursor < len(requests) and requests[self.cursor].status is not None:
                self._see(requests[self.cursor])
                self.cursor += 1
            await asyncio.sleep(0.005)

    def _see(self, r: Any) -> None:
        parts = r.path.split("/")
        if len(parts) > 3 and parts[1] == "interactions" and r.method == "POST":
            outcome = self.by_id.get(parts[2])
            if outcome is None:
                self.early.setdefault(parts[2], []).append(r)
                return
            if outcome.ack is not None:
                return
            outcome.ack, outcome.status = r.time - outcome.dispatched, r.status
            outcome.acked.set()
            body = r.json or {}
            if r.status and r.status < 300 and body.get("type") == 5:
                outcome.deferred = True
                return
            text = str(body.get("data", {}).get("embeds", ""))
            outcome.busy = "try again in a moment" in text
            outcome.final = outcome.ack
            outcome.done.set()
        elif len(parts) > 3 and parts[1] == "webhooks" and r.method == "PATCH":
            outcome = self.by_token.get(parts[3])
            if outcome is None:
                self.early.setdefault(parts[3], []).append(r)
            elif outcome.deferred and outcome.final is None:
                outcome.final = r.time - outcome.dispatched
                outcome.done.set()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    return status_mb("VmHWM", pid)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def level(
    fake: Any, tracker: Tracker, pid: int, in_flight: int, total: int, mix: Mix
) -> dict:
    rng = random.Random(in_flight * 7919 + total)
    users = [fake.add_user(f"burst{in_flight}x{n}x{len(mix.typed)}") for n in range(total)]
    for user in users:
        fake.guild.add_member(user)
    slots = asyncio.Semaphore(in_flight)
    outcomes: list[Outcome] = []

    async def one(n: int) -> None:
        async with slots:
            user, roll = users[n], rng.random()
            if roll < 0.40:
                ix = await fake.send_autocomplete(
                    "startup", {"name": rng.choice(mix.typed)}, user=user, timeout=60
                )
            elif roll < 0.65:
                ix = await fake.send_command(
                    "startup", {"name": rng.choice(mix.names)}, user=user, timeout=60
                )
            elif roll < 0.85:
                ix = await fake.send_command(
                    "ask", {"question": rng.choice(mix.questions)}, user=user, timeout=60
                )
            else:
                ix = await fake.send_command(
                    "browse", rng.choice(mix.listings), user=user, timeout=60
                )
            outcome = tracker.watch(ix)
            outcomes.append(outcome)
            # Past Discord's deadline with no acknowledgement the member has seen "did not
            # respond": that interaction is over (unanswered), and no longer in flight.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(outcome.acked.wait(), ACK_DEADLINE + 0.5)
                await asyncio.wait_for(outcome.done.wait(), ANSWER_TIMEOUT)

    cpu0, t0, fake0 = cpu_seconds(pid), time.monotonic(), time.process_time()
    await asyncio.gather(*(one(n) for n in range(total)))
    elapsed, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
    fake_cpu = time.process_time() - fake0
    ok = [o for o in outcomes if o.ack is not None and o.status and o.status < 300]
    late = [o for o in outcomes if o.ack is not None and not (o.status and o.status < 300)]
    finished = [o for o in ok if o.final is not None]
    acks = [o.ack for o in ok if o.ack is not None]
    finals = [o.final for o in finished if o.final is not None]
    return {
        "in_flight": in_flight,
        "total": total,
        "answered": len(finished),
        "busy": sum(o.busy for o in finished),
        "deferred": sum(o.deferred for o in finished),
        "late": len(late),
        "unanswered": total - len(finished) - len(late),
        "ack_ms": [round(1000 * pct(acks, q)) for q in (0.5, 0.99, 1.0)],
        "final_ms": [round(1000 * pct(finals, q)) for q in (0.5, 0.99, 1.0)],
        "rate": round(total / elapsed),
        "cpu_pct": round(100 * cpu / elapsed),
        "cpu_ms": round(1000 * cpu / total, 2),
        "fake_pct": round(100 * fake_cpu / elapsed),
        "rss_mb": round(peak_rss_mb(pid)),
    }


async def parent(levels: list[tuple[int, int]], mix: Mix) -> int:
    sys.path.insert(0, str(REPO))
    from tests.fakediscord import FakeDiscord

    work = Path(tempfile.mkdtemp(prefix="smartups-burst-"))
    fake = FakeDiscord(interaction_deadline=ACK_DEADLINE)
    await fake.start()
    child_args = ["--child", str(fake.port), fake.token, str(REPO / "data"), str(work / "bot.db")]
    # One child started once, before any measurement: a blocking Popen costs nothing here.
    proc = subprocess.Popen([sys.executable, "-m", "bench.burst", *child_args], cwd=REPO)  # noqa: ASYNC220
    tracker = Tracker(fake)
    follow = asyncio.create_task(tracker.run())
    try:
        await fake.wait_until_connected(120)
        await fake.wait_until(
            lambda: any(c["name"] == "ask" for c in fake.commands_in(None)), 120, "command sync"
        )
        await asyncio.sleep(1.0)  # the bot's on_ready work settles
        print(
            f"{'in flight':>9} {'total':>6} {'answered':>8} {'busy':>5} {'deferred':>8} "
            f"{'late':>5} {'unansw':>6} {'ack p50/p99/max ms':>20} {'final p50/p99/max ms':>22} "
            f"{'rate/s':>6} {'CPU%':>5} {'CPU ms/ix':>9} {'RSS MB':>6} {'fake CPU%':>9}"
        )
        for in_flight, total in levels:
            r = await level(fake, tracker, proc.pid, in_flight, total, mix)
            print(
                f"{r['in_flight']:>9} {r['total']:>6} {r['answered']:>8} {r['busy']:>5} "
                f"{r['deferred']:>8} {r['late']:>5} {r['unanswered']:>6} "
                f"{'/'.join(map(str, r['ack_ms'])):>20} {'/'.join(map(str, r['final_ms'])):>22} "
                f"{r['rate']:>6} {r['cpu_pct']:>5} {r['cpu_ms']:>9} {r['rss_mb']:>6} "
                f"{r['fake_pct']:>9}",
                flush=True,
            )
            fake.requests.clear()
            tracker.cursor = 0
            tracker.by_id.clear()
            tracker.by_token.clear()
            tracker.early.clear()
            await asyncio.sleep(2.0)
    finally:
        follow.cancel()
        proc.terminate()
        proc.wait(10)
        await fake.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="40:2000,300:3000,1200:6000")
    parser.add_argument("--mix", choices=["repeated", "varied"], default="repeated",
                        help="the same few inputs (default), or hundreds from data/")
    parser.add_argument("--child", nargs=4, metavar=("PORT", "TOKEN", "DATA", "DB"))
    args = parser.parse_args(argv)
    if args.child:
        port, token, data, db = args.child
        asyncio.run(child(int(port), token, data, db))
        return 0
    levels = [tuple(int(x) for x in part.split(":")) for part in args.levels.split(",")]
    mix = REPEATED if args.mix == "repeated" else varied_mix(REPO / "data")
    return asyncio.run(parent([(a, b) for a, b in levels], mix))


if __name__ == "__main__":
    sys.exit(main())
