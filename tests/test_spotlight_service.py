"""SpotlightService on both state backends (a real SQLite file, a real PostgreSQL database),
a fake clock and a fake poster.

Nothing sleeps: the clock is moved by hand and the retry backoff awaits a recorder. A "process"
is a service on a state of its own (a new connection or pool on the same file or database).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot.db import migrate, open_db, split_sql
from bot.spotlight import (
    InvalidTimezone,
    NoStartups,
    NotScheduled,
    PostError,
    SpotlightService,
    rotation_order,
)
from bot.state import SqliteState, State
from bot.state.processes import beat

UTC = dt.UTC
GUILD, CHANNEL = 1001, 2002
MON, SUN = 0, 6
IDS = ["alpha", "bravo", "charlie", "delta", "echo"]
# Monday 3 March 2025, 09:30 in Hong Kong (the default zone, no DST) = 01:30 UTC.
SLOT = dt.datetime(2025, 3, 3, 1, 30, tzinfo=UTC)
WEEK = dt.timedelta(days=7)


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class FakePoster:
    """Records sends; ``script`` lists what each call does first (an exception or None)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str, str]] = []
        self.sent: list[tuple[int, int, str, str, int]] = []
        self.script: list[BaseException | None] = []
        self.pause: asyncio.Event | None = None

    async def __call__(self, guild_id: int, channel_id: int, startup_id: str, key: str) -> int:
        self.calls.append((guild_id, channel_id, startup_id, key))
        await asyncio.sleep(0)  # let concurrent callers interleave
        if self.pause is not None:
            await self.pause.wait()
        if self.script:
            failure = self.script.pop(0)
            if failure is not None:
                raise failure
        message_id = 9000 + len(self.sent)
        self.sent.append((guild_id, channel_id, startup_id, key, message_id))
        return message_id

    @property
    def startups(self) -> list[str]:
        return [startup for _, _, startup, _, _ in self.sent]


class Sleeps(list[float]):
    """Stands in for asyncio.sleep: remembers the delays and returns at once."""

    async def __call__(self, delay: float) -> None:
        self.append(delay)


class ProcessDied(BaseException):
    """Simulates the process being killed (not an Exception: nothing may catch it)."""


def provider(ids: list[str]) -> Callable[[int], list[str]]:
    return lambda guild_id: list(ids)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "spotlight.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2025, 3, 1, 0, 0, tzinfo=UTC))  # a Saturday


@pytest.fixture
def poster() -> FakePoster:
    return FakePoster()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make_state(
    backend: str, db_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[[], Awaitable[State]]]:
    """Open a new state on the same file or database, as another process would."""
    opened: list[State] = []
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None

    async def make() -> State:
        if url is None:
            state: State = await SqliteState.open(db_path)
        else:
            from bot.state.postgres import PostgresState

            state = await PostgresState.open(url)
        opened.append(state)
        return state

    yield make
    for state in opened:
        await state.close()


@pytest.fixture
async def make_service(
    make_state: Callable[[], Awaitable[State]], clock: FakeClock, sleeps: Sleeps
) -> Callable[..., Awaitable[SpotlightService]]:
    """A service on a new state, as a restarted bot (or a second process) would have."""

    async def make(**kwargs: Any) -> SpotlightService:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("sleep", sleeps)
        return SpotlightService(await make_state(), **kwargs)

    return make


@pytest.fixture
async def service(make_service) -> SpotlightService:
    return await make_service()


@pytest.fixture
async def scheduled(service: SpotlightService) -> SpotlightService:
    await service.schedule(GUILD, CHANNEL, MON, dt.time(9, 30))
    return service


# --- schema ---------------------------------------------------------------------------------


async def test_migration_applies_alone_and_through_the_runner(tmp_path: Path):
    sql = (resources.files("bot.migrations") / "V003__spotlight.sql").read_text("utf-8")
    alone = await open_db(tmp_path / "alone.db")
    try:
        for statement in split_sql(sql):
            await alone.execute(statement)
        async with alone.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
            alone_tables = {row[0] for row in await cur.fetchall()}
        assert {"spotlight_schedule", "spotlight_history"} <= alone_tables
    finally:
        await alone.close()
    conn = await open_db(tmp_path / "full.db")
    try:
        assert await migrate(conn) >= 3
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
            tables = {row[0] for row in await cur.fetchall()}
        assert {"spotlight_schedule", "spotlight_history"} <= tables
    finally:
        await conn.close()


# --- schedule settings ----------------------------------------------------------------------


async def test_schedule_defaults_to_hong_kong(service: SpotlightService):
    schedule = await service.schedule(GUILD, CHANNEL, MON, dt.time(9, 30))
    assert schedule.timezone == "Asia/Hong_Kong"
    assert (schedule.weekday, schedule.time, schedule.channel_id) == (MON, dt.time(9, 30), CHANNEL)
    assert schedule.next_slot == SLOT
    assert not schedule.paused and schedule.cycle == 1 and schedule.last_result is None
    assert schedule.seed and schedule.featured_this_cycle == ()
    assert await service.get(999) is None


async def test_reschedule_keeps_rotation_state(service: SpotlightService):
    first = await service.schedule(GUILD, CHANNEL, MON, dt.time(9, 30))
    await service.set_next(GUILD, "delta")
    again = await service.schedule(GUILD, 3003, SUN, dt.time(21, 5), "europe/london")
    assert (again.channel_id, again.weekday, again.timezone) == (3003, SUN, "Europe/London")
    assert (again.seed, again.next_startup) == (first.seed, "delta")
    assert again.next_slot == dt.datetime(2025, 3, 2, 21, 5, tzinfo=UTC)


async def test_bad_schedule_input_is_rejected(service: SpotlightService):
    with pytest.raises(InvalidTimezone, match="Mars/Olympus"):
        await service.schedule(GUILD, CHANNEL, MON, dt.time(9, 30), "Mars/Olympus")
    with pytest.raises(ValueError, match="weekday"):
        await service.schedule(GUILD, CHANNEL, 7, dt.time(9, 30))
    with pytest.raises(ValueError, match="channel_id"):
        await service.schedule(GUILD, 0, MON, dt.time(9, 30))
    with pytest.raises(ValueError, match="minutes"):
        await service.schedule(GUILD, CHANNEL, MON, dt.time(9, 30, 15))
    assert await service.get(GUILD) is None
    for call in (service.pause(GUILD), service.set_next(GUILD, "x"), service.upcoming(GUILD, IDS)):
        with pytest.raises(NotScheduled):
            await call


async def test_naive_clock_is_refused(make_service):
    service = await make_service(clock=lambda: dt.datetime(2025, 3, 3))
    with pytest.raises(ValueError, match="aware"):
        await service.schedule(GUILD, CHANNEL, MON, dt.time(9, 30))


# --- on time, exactly once ------------------------------------------------------------------


async def test_posts_on_time_exactly_once(scheduled, clock, poster):
    clock.now = SLOT - dt.timedelta(minutes=1)
    assert await scheduled.run_due(provider(IDS), poster) == []
    clock.now = SLOT
    [entry] = await scheduled.run_due(provider(IDS), poster)
    assert entry.outcome == "posted" and entry.kind == "scheduled"
    assert entry.slot_key == f"{GUILD}:2025-03-03"
    assert (entry.slot_at, entry.posted_at) == (SLOT, SLOT)
    assert (entry.channel_id, entry.message_id) == (CHANNEL, 9000)
    assert poster.sent == [(GUILD, CHANNEL, entry.startup_id, entry.slot_key, 9000)]
    assert await scheduled.run_due(provider(IDS), poster) == []
    clock.advance(hours=1)
    assert await scheduled.run_due(provider(IDS), poster) == []
    assert len(poster.calls) == 1
    status = await scheduled.get(GUILD)
    assert status.last_result.ok and status.last_result.slot_key == entry.slot_key
    assert status.next_slot == SLOT + WEEK
    assert status.featured_this_cycle == (entry.startup_id,)


async def test_next_wakeup(scheduled, clock, poster):
    clock.now = SLOT - dt.timedelta(hours=2)
    assert await scheduled.next_wakeup() == clock.now + dt.timedelta(seconds=60)
    assert await scheduled.next_wakeup(max_sleep=dt.timedelta(days=30)) == SLOT
    clock.now = SLOT + dt.timedelta(minutes=5)
    assert await scheduled.next_wakeup() == clock.now  # due and not posted: now
    await scheduled.run_due(provider(IDS), poster)
    assert await scheduled.next_wakeup(max_sleep=dt.timedelta(days=30)) == SLOT + WEEK
    await scheduled.pause(GUILD)
    later = clock.now + dt.timedelta(days=30)
    assert await scheduled.next_wakeup(max_sleep=dt.timedelta(days=30)) == later


async def test_run_loop_sleeps_until_each_slot(scheduled, clock, poster):
    slept: list[float] = []
    stop_after = SLOT + dt.timedelta(seconds=30)

    async def fake_sleep(delay: float) -> None:
        slept.append(delay)
        clock.advance(seconds=delay)
        if clock.now > stop_after:
            raise asyncio.CancelledError

    # Default bound: never more than 60 s at a time, and exactly onto the slot.
    clock.now = SLOT - dt.timedelta(seconds=150)
    runner = SpotlightService(scheduled._state, clock=clock, sleep=fake_sleep)
    with pytest.raises(asyncio.CancelledError):
        await runner.run(provider(IDS), poster)
    assert slept == [60.0, 60.0, 30.0, 60.0]
    # With a long bound it sleeps straight to each following slot.
    slept.clear()
    stop_after = SLOT + 2 * WEEK
    with pytest.raises(asyncio.CancelledError):
        await runner.run(provider(IDS), poster, max_sleep=7 * 86400.0)
    history = await runner.history(GUILD)
    assert [e.slot_at for e in history] == [SLOT + 2 * WEEK, SLOT + WEEK, SLOT]
    assert all(e.posted_at == e.slot_at for e in history)  # on the dot, no drift
    assert len(slept) <= 4


async def test_concurrent_run_due_posts_once(scheduled, clock, poster):
    clock.now = SLOT
    results = await asyncio.gather(*(scheduled.run_due(provider(IDS), poster) for _ in range(5)))
    assert sum(len(r) for r in results) == 1
    assert len(poster.calls) == 1


async def test_two_processes_on_one_file_post_once(scheduled, make_service, clock, poster):
    other = await make_service()
    clock.now = SLOT
    results = await asyncio.gather(
        scheduled.run_due(provider(IDS), poster),
        other.run_due(provider(IDS), poster),
        scheduled.run_due(provider(IDS), poster),
        other.run_due(provider(IDS), poster),
    )
    assert sum(len(r) for r in results) == 1
    assert len(poster.calls) == 1


async def test_a_live_process_claim_is_left_to_it_a_stopped_one_is_resolved(
    scheduled, make_service, clock, poster
):
    """Two processes: the other one's 'sending' claim stays 'sending' while its heartbeat is
    fresh (it is sending right now), and becomes 'unknown' once the heartbeat is stale."""
    from bot.state import processes

    clock.now = SLOT
    poster.pause = asyncio.Event()
    sending = asyncio.create_task(scheduled.run_due(provider(IDS), poster))
    await asyncio.sleep(0.05)
    assert len(poster.calls) == 1  # claimed, send in flight
    other = await make_service(alive_within=processes.ALIVE_WITHIN)
    instance = scheduled._instance
    await processes.beat(other._state, instance=instance, host="h", pid=1, shards="",
                         data_version=None, started_at=clock.now, now=clock.now)
    assert await other.recover() == []  # alive: left alone
    [entry] = await other.history(GUILD)
    assert entry.outcome == "sending"
    clock.advance(seconds=processes.ALIVE_WITHIN.total_seconds() + 1)
    [resolved] = await other.recover()  # stopped beating: interrupted, never re-sent
    assert (resolved.outcome, resolved.reason) == ("unknown", "interrupted")
    poster.pause.set()  # the first process was only slow: its record wins
    [finished] = await sending
    assert finished.outcome == "posted"
    assert len(poster.calls) == 1
    assert [e.outcome for e in await other.history(GUILD)] == ["posted"]


async def test_process_dies_after_sending_is_not_resent(scheduled, make_service, clock, poster):
    clock.now = SLOT
    poster.script = [ProcessDied()]
    with pytest.raises(ProcessDied):
        await scheduled.run_due(provider(IDS), poster)
    [(_, _, startup, _)] = poster.calls
    # Restart a minute later, well within the grace window.
    clock.advance(minutes=1)
    restarted = await make_service()
    assert await restarted.run_due(provider(IDS), poster) == []
    assert len(poster.calls) == 1
    [entry] = await restarted.history(GUILD)
    assert (entry.outcome, entry.reason, entry.startup_id) == ("unknown", "interrupted", startup)
    status = await restarted.get(GUILD)
    assert status.last_result.outcome == "unknown" and not status.last_result.ok
    # Possibly posted counts as featured: the rotation moves on.
    assert await restarted.upcoming(GUILD, IDS) != startup
    assert startup in status.featured_this_cycle


@pytest.mark.parametrize("backend", ["postgresql"])  # several processes share a server
async def test_the_survivor_wakes_when_a_killed_process_claim_turns_stale(
    make_service, clock, poster
):
    """Two processes on one shared state: the one that claimed a slot is killed mid-send
    while its heartbeat is fresh. The survivor leaves the claim alone while that process
    could still be sending, wakes up the moment its heartbeat turns stale (not a pass
    later), and only then marks it possibly posted; nothing is sent twice."""
    victim = await make_service(instance="host:1:victim", alive_within=dt.timedelta(seconds=15))
    survivor = await make_service(instance="host:2:survivor",
                                  alive_within=dt.timedelta(seconds=15))
    await victim.schedule(GUILD, CHANNEL, MON, dt.time(9, 30))
    clock.now = SLOT
    await beat(victim._state, instance="host:1:victim", host="host", pid=1, shards="",
               data_version=None, started_at=SLOT, now=SLOT)
    poster.script = [ProcessDied()]
    with pytest.raises(ProcessDied):
        await victim.run_due(provider(IDS), poster)
    clock.advance(seconds=3)
    assert await survivor.run_due(provider(IDS), poster) == []  # live: left to it
    [entry] = await survivor.history(GUILD)
    assert entry.outcome == "sending"
    stale = SLOT + dt.timedelta(seconds=15.5)
    assert await survivor.next_wakeup(max_sleep=dt.timedelta(days=30)) == stale
    clock.now = stale
    assert await survivor.run_due(provider(IDS), poster) == []
    [entry] = await survivor.history(GUILD)
    assert (entry.outcome, entry.reason) == ("unknown", "interrupted")
    assert len(poster.calls) == 1
    # Resolved: the next wake-up is the next week's slot again.
    assert await survivor.next_wakeup(max_sleep=dt.timedelta(days=30)) == SLOT + WEEK


async def test_recording_failure_after_send_never_resends(scheduled, make_service, clock, poster):
    async def broken_finish(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    scheduled._finish = broken_finish
    clock.now = SLOT
    [entry] = await scheduled.run_due(provider(IDS), poster)
    assert entry.outcome == "sending" and entry.message_id == 9000
    assert await scheduled.run_due(provider(IDS), poster) == []
    restarted = await make_service()
    assert await restarted.run_due(provider(IDS), poster) == []
    assert [e.outcome for e in await restarted.history(GUILD)] == ["unknown"]
    assert len(poster.calls) == 1


# --- grace and restarts ---------------------------------------------------------------------


async def test_restart_within_grace_posts_once(scheduled, make_service, clock, poster):
    clock.now = SLOT + dt.timedelta(hours=5, minutes=59)  # the bot was down at the slot
    restarted = await make_service()
    [entry] = await restarted.run_due(provider(IDS), poster)
    assert entry.slot_at == SLOT and entry.posted_at == clock.now
    again = await make_service()
    assert await again.run_due(provider(IDS), poster) == []
    assert len(poster.sent) == 1


async def test_restart_beyond_grace_waits_for_next_slot(scheduled, make_service, clock, poster):
    clock.now = SLOT + dt.timedelta(hours=6, minutes=1)
    restarted = await make_service()
    assert await restarted.run_due(provider(IDS), poster) == []
    assert (await restarted.get(GUILD)).next_slot == SLOT + WEEK
    clock.now = SLOT + WEEK
    [entry] = await restarted.run_due(provider(IDS), poster)
    assert entry.slot_key == f"{GUILD}:2025-03-10"


async def test_grace_is_configurable(scheduled, make_service, clock, poster):
    strict = await make_service(grace=dt.timedelta(minutes=10))
    clock.now = SLOT + dt.timedelta(minutes=11)
    assert await strict.run_due(provider(IDS), poster) == []
    clock.now = SLOT + WEEK + dt.timedelta(minutes=10)
    assert len(await strict.run_due(provider(IDS), poster)) == 1


async def test_a_schedule_set_after_the_slot_does_not_post_it(service, clock, poster):
    clock.now = SLOT + dt.timedelta(minutes=30)
    await service.schedule(GUILD, CHANNEL, MON, dt.time(9, 30))
    assert await service.run_due(provider(IDS), poster) == []
    assert (await service.get(GUILD)).next_slot == SLOT + WEEK


# --- DST through the service ----------------------------------------------------------------


async def test_dst_slots_post_once(service, clock, poster):
    await service.schedule(GUILD, CHANNEL, SUN, dt.time(2, 30), "America/New_York")
    clock.now = dt.datetime(2025, 3, 9, 6, 59, tzinfo=UTC)  # 01:59 EST, 02:30 does not exist
    assert await service.run_due(provider(IDS), poster) == []
    clock.now = dt.datetime(2025, 3, 9, 7, 0, tzinfo=UTC)  # 03:00 EDT
    [spring] = await service.run_due(provider(IDS), poster)
    assert spring.slot_key == f"{GUILD}:2025-03-09"

    await service.schedule(GUILD, CHANNEL, SUN, dt.time(1, 30), "America/New_York")
    clock.now = dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # first 01:30 (EDT)
    [fall] = await service.run_due(provider(IDS), poster)
    assert fall.slot_at == clock.now
    clock.now = dt.datetime(2025, 11, 2, 6, 30, tzinfo=UTC)  # second 01:30 (EST)
    assert await service.run_due(provider(IDS), poster) == []
    assert len(poster.sent) == 2


# --- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["forbidden", "not_found"])
async def test_forbidden_or_deleted_channel_is_recorded_and_next_slot_tried(
    scheduled, clock, poster, sleeps, kind
):
    clock.now = SLOT
    poster.script = [PostError(kind, "Missing Access")]
    [failed] = await scheduled.run_due(provider(IDS), poster)
    assert (failed.outcome, failed.reason, failed.detail) == ("failed", kind, "Missing Access")
    assert sleeps == []  # not retried
    status = await scheduled.get(GUILD)
    assert not status.paused and status.last_result.outcome == "failed"
    assert status.last_result.reason == kind and status.next_slot == SLOT + WEEK
    assert await scheduled.upcoming(GUILD, IDS) == failed.startup_id  # still next in line
    clock.advance(minutes=5)
    assert await scheduled.run_due(provider(IDS), poster) == []  # that slot is over
    clock.now = SLOT + WEEK
    [posted] = await scheduled.run_due(provider(IDS), poster)
    assert (posted.outcome, posted.startup_id) == ("posted", failed.startup_id)
    assert [e.outcome for e in await scheduled.history(GUILD)] == ["posted", "failed"]


async def test_transient_failure_is_retried_then_succeeds(scheduled, clock, poster, sleeps):
    clock.now = SLOT
    poster.script = [PostError("transient", "503"), PostError("transient", "timeout")]
    [entry] = await scheduled.run_due(provider(IDS), poster)
    assert entry.outcome == "posted" and len(poster.calls) == 3
    assert sleeps == [1.0, 5.0]


async def test_transient_failure_gives_up_and_records(scheduled, clock, poster, sleeps):
    clock.now = SLOT
    poster.script = [PostError("transient", "429", retry_after=30.0)] + [
        PostError("transient", "502")
    ] * 3
    [entry] = await scheduled.run_due(provider(IDS), poster)
    assert (entry.outcome, entry.reason) == ("failed", "transient")
    assert "after 4 tries" in entry.detail
    assert sleeps == [30.0, 5.0, 15.0]
    assert (await scheduled.get(GUILD)).last_result.reason == "transient"


async def test_unexpected_errors_are_logged_and_never_raise(scheduled, clock, poster, caplog):
    caplog.set_level(logging.ERROR, logger="bot.spotlight")
    clock.now = SLOT
    poster.script = [RuntimeError("boom")]
    [entry] = await scheduled.run_due(provider(IDS), poster)
    assert (entry.outcome, entry.reason) == ("failed", "error")
    assert "RuntimeError: boom" in entry.detail
    assert any(r.exc_info and r.name == "bot.spotlight.service" for r in caplog.records)

    def broken_provider(guild_id: int) -> list[str]:
        raise OSError("data folder gone")

    caplog.clear()
    clock.now = SLOT + WEEK
    assert await scheduled.run_due(broken_provider, poster) == []
    assert any("could not list" in r.getMessage() for r in caplog.records)

    caplog.clear()
    await scheduled._state.execute("DROP TABLE spotlight_history")
    assert await scheduled.run_due(provider(IDS), poster) == []
    assert await scheduled.next_wakeup() is not None
    assert caplog.records and all(r.exc_info for r in caplog.records)


async def test_no_startups_at_a_slot_is_recorded(scheduled, clock, poster):
    clock.now = SLOT
    [entry] = await scheduled.run_due(provider([]), poster)
    assert (entry.outcome, entry.reason, entry.startup_id) == ("failed", "no_startups", None)
    assert poster.calls == []


# --- pause / resume -------------------------------------------------------------------------


async def test_pause_and_resume(scheduled, clock, poster):
    paused = await scheduled.pause(GUILD)
    assert paused.paused and paused.next_slot is None
    clock.now = SLOT
    assert await scheduled.run_due(provider(IDS), poster) == []
    clock.advance(minutes=30)
    resumed = await scheduled.resume(GUILD)
    assert not resumed.paused
    # The slot that passed while paused is dropped, not posted late.
    assert await scheduled.run_due(provider(IDS), poster) == []
    assert resumed.next_slot == SLOT + WEEK
    clock.now = SLOT + WEEK
    assert len(await scheduled.run_due(provider(IDS), poster)) == 1


# --- rotation -------------------------------------------------------------------------------


async def test_rotation_is_fair_reproducible_and_follows_the_data(scheduled, clock, poster):
    ids = ["alpha", "bravo", "charlie", "delta"]
    seed = (await scheduled.get(GUILD)).seed
    posted: list[tuple[int, str]] = []
    week = 0

    async def post_week() -> str:
        nonlocal week
        clock.now = SLOT + week * WEEK
        week += 1
        [entry] = await scheduled.run_due(lambda guild_id: list(ids), poster)
        posted.append((entry.cycle, entry.startup_id))
        return entry.startup_id

    # Cycle 1 follows the seeded order exactly.
    cycle1 = [await post_week() for _ in range(4)]
    assert cycle1 == rotation_order(seed, 1, ids)
    # Cycle 2: a startup added mid-cycle joins it, a removed one leaves it.
    first = await post_week()
    order2 = [i for i in rotation_order(seed, 2, ids) if i != first]
    leaving = order2[-1]
    ids.remove(leaving)
    ids.append("foxtrot")
    cycle2 = [first] + [await post_week() for _ in range(len(ids) - 1)]
    assert sorted(cycle2) == sorted(ids) and leaving not in cycle2
    # Cycles 3 and 4: everyone once per cycle, never back to back across the boundary.
    for _ in range(2 * len(ids)):
        await post_week()
    by_cycle: dict[int, list[str]] = {}
    for cycle, startup in posted:
        by_cycle.setdefault(cycle, []).append(startup)
    assert list(by_cycle) == [1, 2, 3, 4]
    assert (by_cycle[1], by_cycle[2]) == (cycle1, cycle2)
    assert sorted(by_cycle[3]) == sorted(by_cycle[4]) == sorted(ids)
    sequence = [startup for _, startup in posted]
    assert all(a != b for a, b in itertools.pairwise(sequence))
    assert (await scheduled.get(GUILD)).cycle == 4
    # A fresh service on the same file computes the same next startup.
    assert await scheduled.upcoming(GUILD, ids) == await SpotlightService(
        scheduled._state, clock=clock
    ).upcoming(GUILD, ids)


async def test_skip_passes_over_the_upcoming_startup(scheduled, clock, poster):
    skipped = await scheduled.upcoming(GUILD, IDS)
    assert await scheduled.skip(GUILD, IDS) == skipped
    [entry] = await scheduled.history(GUILD)
    assert (entry.kind, entry.outcome, entry.startup_id) == ("skip", "skipped", skipped)
    assert entry.message_id is None and poster.calls == []
    featured = []
    for week in range(len(IDS) - 1):
        clock.now = SLOT + week * WEEK
        [posted] = await scheduled.run_due(provider(IDS), poster)
        featured.append(posted.startup_id)
    assert sorted(featured) == sorted(set(IDS) - {skipped})
    assert (await scheduled.get(GUILD)).cycle == 1
    # Two skips at the same instant are two history rows.
    await scheduled.skip(GUILD, IDS)
    await scheduled.skip(GUILD, IDS)
    assert len({e.slot_key for e in await scheduled.history(GUILD, limit=50)}) == len(IDS) + 2
    with pytest.raises(NoStartups):
        await scheduled.skip(GUILD, [])


async def test_set_next_features_that_startup_next(scheduled, clock, poster):
    clock.now = SLOT
    [first] = await scheduled.run_due(provider(IDS), poster)
    # Choosing one already featured this cycle is allowed: it is featured again.
    await scheduled.set_next(GUILD, first.startup_id)
    assert await scheduled.upcoming(GUILD, IDS) == first.startup_id
    clock.now = SLOT + WEEK
    [again] = await scheduled.run_due(provider(IDS), poster)
    assert again.startup_id == first.startup_id
    assert (await scheduled.get(GUILD)).next_startup is None  # used up
    # A failed post keeps the choice for the next slot.
    chosen = next(i for i in IDS if i != first.startup_id)
    await scheduled.set_next(GUILD, chosen)
    poster.script = [PostError("forbidden", "Missing Permissions")]
    clock.now = SLOT + 2 * WEEK
    [failed] = await scheduled.run_due(provider(IDS), poster)
    assert (failed.startup_id, failed.outcome) == (chosen, "failed")
    assert (await scheduled.get(GUILD)).next_startup == chosen
    clock.now = SLOT + 3 * WEEK
    [posted] = await scheduled.run_due(provider(IDS), poster)
    assert posted.startup_id == chosen
    # Clearing, and a choice that left the data is ignored.
    before = await scheduled.upcoming(GUILD, IDS)
    await scheduled.set_next(GUILD, "gone")
    assert await scheduled.upcoming(GUILD, IDS) != "gone"
    assert await scheduled.upcoming(GUILD, IDS) == before  # as if nothing were chosen
    assert (await scheduled.set_next(GUILD, None)).next_startup is None


async def test_post_now(scheduled, clock, poster):
    await scheduled.pause(GUILD)
    clock.now = SLOT - dt.timedelta(days=1)
    upcoming = await scheduled.upcoming(GUILD, IDS)
    entry = await scheduled.post_now(GUILD, IDS, poster)
    assert (entry.kind, entry.outcome, entry.startup_id) == ("manual", "posted", upcoming)
    assert entry.slot_key == f"{GUILD}:manual:{clock.now.isoformat()}"
    assert await scheduled.upcoming(GUILD, IDS) != upcoming  # rotation advanced
    twice = await scheduled.post_now(GUILD, IDS, poster)  # same instant, separate post
    assert twice.slot_key.endswith("#2") and len(poster.sent) == 2
    # The weekly slot is untouched.
    await scheduled.resume(GUILD)
    clock.now = SLOT
    [weekly] = await scheduled.run_due(provider(IDS), poster)
    assert weekly.kind == "scheduled"
    poster.script = [PostError("not_found", "Unknown Channel")]
    failed = await scheduled.post_now(GUILD, IDS, poster)
    assert (failed.outcome, failed.reason) == ("failed", "not_found")
    with pytest.raises(NoStartups):
        await scheduled.post_now(GUILD, [], poster)
    with pytest.raises(NotScheduled):
        await scheduled.post_now(999, IDS, poster)


# --- history --------------------------------------------------------------------------------


async def test_history_newest_first_and_kept_for_removed_startups(scheduled, clock, poster):
    ids = list(IDS)
    entries = []
    for week in range(3):
        clock.now = SLOT + week * WEEK
        [entry] = await scheduled.run_due(provider(ids), poster)
        entries.append(entry)
    ids.remove(entries[0].startup_id)
    clock.now = SLOT + 3 * WEEK
    await scheduled.run_due(provider(ids), poster)
    history = await scheduled.history(GUILD)
    assert [e.slot_at for e in history] == [SLOT + n * WEEK for n in (3, 2, 1, 0)]
    assert history[-1].startup_id == entries[0].startup_id  # removed, history kept
    assert [e.id for e in await scheduled.history(GUILD, limit=2)] == [e.id for e in history[:2]]
    assert await scheduled.history(4242) == []
