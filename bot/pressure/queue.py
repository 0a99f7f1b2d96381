"""A bounded, first-come-first-served queue of CPU-heavy work run in worker threads.

Parsing a question, full-text ranking and drawing a page are pure Python: on the event loop
they hold up every other interaction's acknowledgement. Here at most ``workers`` jobs run at
once, each in a thread (the loop keeps its share of the GIL and answers, defers and serves
autocomplete meanwhile), and jobs start in the order they were submitted: a waiter is woken
only by a finishing job, strictly from the head of the line, so no burst can overtake it.

The queue also keeps an exponentially weighted mean of how long a job takes, which is what the
busy decision (:mod:`bot.pressure.gate`) multiplies by the line's length.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: Weight of the newest job in the mean service time.
EWMA_WEIGHT = 0.1


class WorkQueue:
    """Runs submitted functions in threads, at most ``workers`` at a time, in arrival order."""

    def __init__(self, workers: int = 2, first_guess: float = 0.02) -> None:
        if workers < 1:
            raise ValueError("a work queue needs at least one worker")
        self.workers = workers
        self.running = 0
        self.mean_service = first_guess
        self.done = 0
        self._line: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        """Jobs submitted and not yet started."""
        return len(self._line)

    def expected_wait(self) -> float:
        """Seconds a job submitted now would wait before it starts, on current form."""
        ahead = self.waiting + max(0, self.running - self.workers + 1)
        return ahead * self.mean_service / self.workers

    async def run(self, job: Callable[[], T]) -> T:
        """Run ``job()`` in a worker thread once every earlier job has started."""
        await self._start()
        began = time.perf_counter()
        try:
            return await asyncio.to_thread(job)
        finally:
            spent = time.perf_counter() - began
            self.mean_service += EWMA_WEIGHT * (spent - self.mean_service)
            self.done += 1
            self._finish()

    async def _start(self) -> None:
        if self.running < self.workers and not self._line:
            self.running += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._line.append(turn)
        try:
            await turn  # the finishing job counted us as running when it woke us
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._finish()  # woken and cancelled at once: pass the slot on
            else:
                with contextlib.suppress(ValueError):  # _finish may have dropped it already
                    self._line.remove(turn)
            raise

    def _finish(self) -> None:
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot passes straight to the head of the line
                return
        self.running -= 1
