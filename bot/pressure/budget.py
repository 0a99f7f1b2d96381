"""How long an interaction may wait, counted from its creation, not from when the bot saw it.

Discord drops an interaction not acknowledged within 3 s of its creation (404, code 10062).
Under a burst the event loop reaches an interaction late, so the clock that matters is the
interaction's own ``created_at`` (from its snowflake id), never the time the handler started.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import utcnow

#: Discord's acknowledgement deadline.
ACK_DEADLINE = 3.0


@dataclass(frozen=True)
class Budget:
    """The times, in seconds since the interaction was created, that decide how it is served.

    ``defer_after``: an answer not ready by then is deferred and followed up (well inside the
    3 s, so the deferral itself still arrives in time when the loop is slow). ``max_wait``: a
    command whose expected answer lies further out gets "busy, try again" instead of a long
    "thinking…"; a deferred answer can arrive up to 15 minutes later, but a member should not
    wait that long. ``max_waiting``: at most that many commands wait for a worker at once.
    """

    defer_after: float = 1.5
    max_wait: float = 10.0
    max_waiting: int = 400
    #: An autocomplete older than this cannot answer in time (it cannot defer): it gets none.
    autocomplete_until: float = 2.5


def age(created_at: dt.datetime, now: Callable[[], dt.datetime] = utcnow) -> float:
    """Seconds since the interaction was created (never negative: clocks disagree slightly)."""
    return max(0.0, (now() - created_at).total_seconds())


def until_defer(
    created_at: dt.datetime, budget: Budget, now: Callable[[], dt.datetime] = utcnow
) -> float:
    """How long the answer may still take before the command must defer (0 = defer now)."""
    return max(0.0, budget.defer_after - age(created_at, now))
