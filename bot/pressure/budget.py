"""How long an interaction may wait, counted from its creation, not from when the bot saw it.

Discord drops an interaction not acknowledged within 3 s of its creation (404, code 10062).
Under a burst the event loop reaches an interaction late, so the clock that matters is the
interaction's own ``created_at`` (from its snowflake id), never the time the handler started.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import utcnow

#: Discord's acknowledgement deadline.
ACK_DEADLINE = 3.0


@dataclass(frozen=True)
class Budget:
    """The times, in seconds since the interaction was created, that decide how it is served.

    ``defer_after``: an answer not ready by then is deferred and followed up (well inside the
    3 s, so the deferral itself still arrives in time when the loop is slow, and early enough
    that a member sees "thinking…" within a second). ``max_wait``: a
    command whose expected answer lies further out gets "busy, try again" instead of a long
    "thinking…"; a deferred answer can arrive up to 15 minutes later, but a member should not
    wait that long. ``max_waiting``: at most that many commands wait for a worker at once.
    """

    defer_after: float = 1.0
    max_wait: float = 10.0
    max_waiting: int = 400
    #: An autocomplete older than this cannot answer in time (it cannot defer): it gets none.
    autocomplete_until: float = 2.5
    #: An autocomplete this old (the loop is behind) takes the cheapest path: exact and
    #: prefix matches only, never typo scoring.
    autocomplete_cheap_after: float = 0.5
    #: An interaction the bot reaches this late is dropped unanswered: its reply would most
    #: likely arrive after the 3 s and be refused (10062), and then the error reply too. Under
    #: an overload that cost, two failed requests each, is what made the next ones late.
    give_up_after: float = 2.75


def age(created_at: dt.datetime, now: Callable[[], dt.datetime] = utcnow) -> float:
    """Seconds since the interaction was created (never negative: clocks disagree slightly)."""
    return max(0.0, (now() - created_at).total_seconds())


def until_defer(age_s: float, budget: Budget) -> float:
    """How long the answer of an interaction ``age_s`` old may still take before the command
    must defer (0 = defer now)."""
    return max(0.0, budget.defer_after - age_s)


class Skew:
    """How far this host's clock runs ahead of Discord's, so a wrong clock cannot make every
    interaction look late (and be dropped or deferred at once).

    Estimated as the smallest age of the interactions seen over the last ``window`` seconds:
    the freshest interaction left Discord a few milliseconds before we saw it, so a smallest
    age of 5 s means our clock is about 5 s ahead. Below ``ignore_below`` the smallest age is
    taken for delivery time, not skew; with fewer than ``min_seen`` interactions in the window
    there is no estimate. (A clock behind Discord's gives negative ages, read as 0: safe.)
    The price: an overload in which even the freshest interaction of ten minutes was over a
    second late is read as skew, and the budget then counts from that freshest one.
    """

    def __init__(
        self,
        window: float = 600.0,
        buckets: int = 10,
        ignore_below: float = 1.0,
        min_seen: int = 20,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.span = window / buckets
        self.buckets = buckets
        self.ignore_below = ignore_below
        self.min_seen = min_seen
        self.monotonic = monotonic or time.monotonic
        #: (bucket number, smallest age, how many) of the recent buckets, oldest first.
        self._recent: list[tuple[int, float, int]] = []

    def observe(self, raw_age: float) -> None:
        bucket = self._expire()
        recent = self._recent
        if recent and recent[-1][0] == bucket:
            _, smallest, seen = recent[-1]
            recent[-1] = (bucket, min(smallest, raw_age), seen + 1)
        else:
            recent.append((bucket, raw_age, 1))

    def _expire(self) -> int:
        """Drop the buckets older than the window; the current bucket's number."""
        bucket = int(self.monotonic() // self.span)
        recent = self._recent
        while recent and recent[0][0] <= bucket - self.buckets:
            recent.pop(0)
        return bucket

    def offset(self) -> float:
        """Seconds to take off every age (0 when there is no sign of a wrong clock)."""
        self._expire()
        if sum(seen for _, _, seen in self._recent) < self.min_seen:
            return 0.0
        smallest = min(s for _, s, _ in self._recent)
        return smallest if smallest > self.ignore_below else 0.0
