"""bot.pressure without Discord: the budget from creation time, the line, the busy decision."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import pytest

from bot.pressure import Admission, Budget, Pressure, WorkQueue, age, decide, run_here, until_defer
from bot.pressure.budget import Skew
from bot.pressure.cooldowns import Cooldowns
from bot.pressure.turnstile import Turnstile

T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def clock(seconds: float):
    return lambda: T0 + dt.timedelta(seconds=seconds)


def test_budget_counts_from_creation_not_from_arrival() -> None:
    budget = Budget(defer_after=1.5)
    assert until_defer(age(T0, clock(0.2)), budget) == pytest.approx(1.3)
    assert until_defer(age(T0, clock(2.0)), budget) == 0.0, "already late: defer at once"
    assert age(T0, clock(-1.0)) == 0.0, "a clock a little behind Discord's is not negative age"


def test_busy_decision() -> None:
    budget = Budget(max_wait=10.0, max_waiting=3)
    assert decide(0.1, 0, 0.0, budget) is Admission.SERVE
    assert decide(0.1, 3, 0.0, budget) is Admission.BUSY, "the line is full"
    assert decide(2.0, 1, 8.5, budget) is Admission.BUSY, "it would wait past max_wait"
    assert decide(2.0, 1, 7.5, budget) is Admission.SERVE


def test_pressure_counts_busy_and_autocomplete_lateness() -> None:
    gate = Pressure(Budget(max_waiting=0), now=clock(2.6))
    assert gate.admit(T0) is Admission.BUSY and gate.busy_count == 1
    assert gate.late(T0)
    assert not Pressure(now=clock(0.5)).late(T0)


async def test_jobs_run_bounded_and_in_arrival_order() -> None:
    queue = WorkQueue(workers=2)
    gate = threading.Event()
    started: list[int] = []
    lock = threading.Lock()
    running = peak = 0

    def job(n: int) -> int:
        nonlocal running, peak
        with lock:
            started.append(n)
            running += 1
            peak = max(peak, running)
        gate.wait(5)
        with lock:
            running -= 1
        return n

    tasks = [asyncio.ensure_future(queue.run(lambda n=n: job(n))) for n in range(8)]
    await asyncio.sleep(0)  # each task takes its place in the line on its first step
    assert queue.running == 2 and queue.waiting == 6
    assert queue.expected_wait() > 0
    gate.set()
    assert await asyncio.gather(*tasks) == list(range(8))
    assert sorted(started[:2]) == [0, 1] and started[2:] == list(range(2, 8))
    assert peak <= 2 and queue.running == 0 and queue.waiting == 0 and queue.done == 8


async def test_a_cancelled_waiter_gives_its_turn_on() -> None:
    queue = WorkQueue(workers=1)
    gate = threading.Event()
    first = asyncio.ensure_future(queue.run(lambda: gate.wait(5)))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(queue.run(lambda: "second"))
    third = asyncio.ensure_future(queue.run(lambda: "third"))
    await asyncio.sleep(0)
    second.cancel()
    gate.set()
    assert await third == "third" and await first is True
    with pytest.raises(asyncio.CancelledError):
        await second
    assert queue.running == 0 and queue.waiting == 0


async def test_a_failing_job_frees_its_worker() -> None:
    queue = WorkQueue(workers=1)

    def boom() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        await queue.run(boom)
    assert await queue.run(lambda: 7) == 7 and queue.running == 0


async def test_an_async_service_runs_in_a_worker_thread() -> None:
    loop_thread = threading.get_ident()

    async def service() -> int:
        await asyncio.sleep(0)
        return threading.get_ident()

    ran_in = await WorkQueue().run(lambda: run_here(service))
    assert ran_in != loop_thread


def test_a_worker_thread_keeps_one_loop_for_its_calls() -> None:
    async def which() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    seen: list[asyncio.AbstractEventLoop] = []
    worker = threading.Thread(target=lambda: seen.extend(run_here(which) for _ in range(3)))
    worker.start()
    worker.join(10)
    assert len(seen) == 3 and seen[0] is seen[1] is seen[2]
    # The thread has ended: its loop is closed with it, not left for the garbage collector
    # (which warned "unclosed event loop" in whatever test ran the next collection).
    for _ in range(100):
        if seen[0].is_closed():
            break
        time.sleep(0.01)
    assert seen[0].is_closed()


def test_cooldown_windows_per_member() -> None:
    windows = Cooldowns(rate=2, per=10.0)
    assert windows.hit("ann", 0.0) is None
    assert windows.hit("ann", 1.0) is None
    assert windows.hit("ann", 4.0) == pytest.approx(6.0)  # third use in the window: 6 s left
    assert windows.hit("bob", 4.0) is None  # another member has a window of their own
    assert windows.hit("ann", 10.0) is None  # the window ended: a new one starts
    assert windows.hit("ann", 11.0) is None
    assert windows.hit("ann", 12.0) == pytest.approx(8.0)


def test_cooldown_drops_ended_windows_as_it_goes() -> None:
    windows = Cooldowns(rate=5, per=20.0)
    for member in range(10_000):
        windows.hit(member, member * 0.001)  # 10,000 members within 10 s
    assert len(windows) == 10_000
    windows.hit("late", 25.0)  # the windows started in the first 5 s ended by then
    assert 4_990 <= len(windows) <= 5_010
    windows.hit("later", 30.0)  # and now all of them
    assert len(windows) == 2  # "late" and "later"
    with pytest.raises(ValueError):
        Cooldowns(rate=0, per=1.0)


def test_a_host_clock_ahead_of_discords_does_not_make_everything_late() -> None:
    ahead = 5.0  # our clock runs 5 s ahead: every interaction looks 5 s old on arrival
    mono = [0.0]
    gate = Pressure(now=clock(ahead), skew=Skew(monotonic=lambda: mono[0]))
    first = [gate.expired(T0) for _ in range(19)]
    assert all(first), "too few interactions yet to tell a wrong clock from an overload"
    assert not gate.expired(T0) and not gate.late(T0)
    assert gate.until_defer(T0) == pytest.approx(Budget().defer_after)
    # One that really waited 2 s on top of the skew is 2 s old.
    assert gate.age(T0 - dt.timedelta(seconds=2)) == pytest.approx(2.0)
    mono[0] = 601.0  # ten minutes later the old estimate has gone; it is built again
    assert gate.skew.offset() == 0.0


def test_delivery_time_is_not_taken_for_skew() -> None:
    gate = Pressure(now=clock(0.3), skew=Skew(monotonic=lambda: 0.0))
    for _ in range(50):
        gate.age(T0)
    assert gate.skew.offset() == 0.0 and gate.age(T0) == pytest.approx(0.3)


def test_autocomplete_takes_the_cheapest_path_when_the_bot_is_behind() -> None:
    assert Pressure(now=clock(0.1)).autocomplete_path(T0) == "full"
    assert Pressure(now=clock(0.8)).autocomplete_path(T0) == "cheap"
    assert Pressure(now=clock(2.6)).autocomplete_path(T0) == "none"


async def test_cheap_autocomplete_matches_no_typos(knowledge) -> None:
    from bot.model import Kind

    assert [h.record.id for h in knowledge.complete(Kind.STARTUP, "qupitel")][:1] == ["qupital"]
    assert knowledge.complete(Kind.STARTUP, "qupitel", typos=False) == []
    assert [h.record.id for h in knowledge.complete(Kind.STARTUP, "qupi", typos=False)] == [
        "qupital"]


async def test_the_turnstile_admits_a_few_at_once_in_arrival_order() -> None:
    gate = Turnstile(size=2, hold=5.0)
    order: list[int] = []
    tickets = {}

    async def one(n: int) -> None:
        tickets[n] = await gate.enter()
        order.append(n)

    waiters = [asyncio.create_task(one(n)) for n in range(5)]
    await asyncio.sleep(0.01)
    assert order == [0, 1] and gate.inside == 2 and gate.waiting == 3
    tickets[1].leave()
    tickets[1].leave()  # twice is once
    await asyncio.sleep(0.01)
    assert order == [0, 1, 2] and gate.inside == 2
    waiters[3].cancel()  # a cancelled waiter gives its turn on
    await asyncio.sleep(0.01)
    tickets[0].leave()
    await asyncio.sleep(0.01)
    assert order == [0, 1, 2, 4]
    for n in (2, 4):
        tickets[n].leave()
    assert gate.inside == 0 and gate.waiting == 0
    await asyncio.gather(*waiters, return_exceptions=True)


async def test_a_ticket_kept_too_long_goes_back_by_itself() -> None:
    gate = Turnstile(size=1, hold=0.05)
    await gate.enter()  # never left: a slow command, or a bug
    second = await asyncio.wait_for(gate.enter(), 2.0)
    assert gate.inside == 1
    second.leave()
    assert gate.inside == 0
    with pytest.raises(ValueError):
        Turnstile(size=0)
