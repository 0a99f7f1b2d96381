"""The busy decision: serve a heavy command, or tell the member to try again in a moment.

A command is refused only when it cannot be served in reasonable time: the line is full, or
its age plus the expected wait for a worker passes the budget's ``max_wait``. Everything else
is admitted, in arrival order, and deferred if its answer is late (:func:`budget.until_defer`).
Refusing early is the kind answer under a burst: a quick ephemeral "busy" beats a "thinking…"
that ends in "The application did not respond".
"""

from __future__ import annotations

import datetime as dt
import enum
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from bot.clock import utcnow
from bot.pressure.budget import Budget, Skew, age, until_defer
from bot.pressure.queue import WorkQueue
from bot.pressure.turnstile import Turnstile

T = TypeVar("T")
AutocompletePath = Literal["none", "cheap", "full"]


class Admission(enum.Enum):
    SERVE = "serve"
    BUSY = "busy"


def decide(age_s: float, waiting: int, expected_wait: float, budget: Budget) -> Admission:
    """Pure decision from the interaction's age and the line's state."""
    if waiting >= budget.max_waiting or age_s + expected_wait > budget.max_wait:
        return Admission.BUSY
    return Admission.SERVE


@dataclass
class Pressure:
    """One process's heavy-work line and its budget; counts what it decided, for the logs."""

    budget: Budget = field(default_factory=Budget)
    queue: WorkQueue = field(default_factory=WorkQueue)
    turnstile: Turnstile = field(default_factory=Turnstile)
    now: Callable[[], dt.datetime] = utcnow
    skew: Skew = field(default_factory=Skew)
    busy_count: int = 0
    deferred_count: int = 0
    expired_count: int = 0

    def age(self, created_at: dt.datetime) -> float:
        """Seconds since the interaction was created, by Discord's clock as well as we know it
        (see :class:`Skew`)."""
        seen = age(created_at, self.now)  # a clock behind Discord's reads 0, never skew
        self.skew.observe(seen)
        return max(0.0, seen - self.skew.offset())

    def admit(self, created_at: dt.datetime) -> Admission:
        verdict = decide(
            self.age(created_at), self.queue.waiting, self.queue.expected_wait(), self.budget
        )
        if verdict is Admission.BUSY:
            self.busy_count += 1
        return verdict

    def until_defer(self, created_at: dt.datetime) -> float:
        return until_defer(self.age(created_at), self.budget)

    def late(self, created_at: dt.datetime) -> bool:
        """Whether an interaction that cannot defer (autocomplete) is past helping."""
        return self.autocomplete_path(created_at) == "none"

    def autocomplete_path(self, created_at: dt.datetime) -> AutocompletePath:
        """How an autocomplete of this age is served: not at all (too late to arrive), the
        cheapest way (the loop is behind: exact and prefix only), or in full."""
        seconds = self.age(created_at)
        if seconds >= self.budget.autocomplete_until:
            return "none"
        if seconds >= self.budget.autocomplete_cheap_after or self.queue.waiting:
            return "cheap"
        return "full"

    def expired(self, created_at: dt.datetime) -> bool:
        """Whether an interaction is too old for any reply to reach Discord in time (counted:
        the tree drops it unanswered rather than spend two failing requests on it)."""
        if self.age(created_at) < self.budget.give_up_after:
            return False
        self.expired_count += 1
        return True

    async def run(self, job: Callable[[], T]) -> T:
        return await self.queue.run(job)


_BY_CLIENT: weakref.WeakKeyDictionary[object, Pressure] = weakref.WeakKeyDictionary()


def of(client: object) -> Pressure:
    """The one :class:`Pressure` of a bot process's client (made on first use), shared by the
    heavy commands and the autocompletes, so they see the same line."""
    found = _BY_CLIENT.get(client)
    if found is None:
        found = _BY_CLIENT[client] = Pressure()
    return found
