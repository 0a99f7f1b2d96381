"""Timing helpers: percentiles, a timer, and an event-loop lag ticker."""

from __future__ import annotations

import asyncio
import contextlib
import math
import resource
import time
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100): a value that was actually measured."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples_ms: Sequence[float]) -> dict[str, float | int]:
    """Median, p99, max and count of samples in milliseconds."""
    return {
        "median_ms": round(percentile(samples_ms, 50), 4),
        "p99_ms": round(percentile(samples_ms, 99), 4),
        "max_ms": round(max(samples_ms), 4) if samples_ms else float("nan"),
        "n": len(samples_ms),
    }


def status_mb(field: str, pid: int | str = "self") -> float:
    """A memory figure of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``) in MB; NaN where
    there is no such file or field."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb() -> float:
    """This process's own peak resident set size so far: its memory's high-water mark
    (VmHWM). Not getrusage's ru_maxrss, which Linux carries over exec from the process that
    started this one: a bench worker started by a bench holding 231 MB reported a peak of
    231 MB for 1,000 records whose own peak was 82 MB."""
    peak = status_mb("VmHWM")
    return peak if peak == peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process's resident set size now (NaN where /proc is not there)."""
    return status_mb("VmRSS")


class LagTicker:
    """Measures how late the event loop wakes a task that asks to sleep ``interval`` seconds.

    While running, any synchronous work on the loop (a long parse, a big sort, a blocking
    SQLite call) shows up as lag: the wake-up comes late by about as long as the loop was
    blocked. ``max_ms`` is the worst lag seen between ``start()`` and ``stop()``.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.max_ms = 0.0
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval)
            late = (time.perf_counter() - before - self.interval) * 1000
            self.ticks += 1
            self.max_ms = max(self.max_ms, late)

    def start(self) -> LagTicker:
        self.max_ms, self.ticks = 0.0, 0
        self._task = asyncio.create_task(self._run())
        return self

    async def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        return round(self.max_ms, 2)
