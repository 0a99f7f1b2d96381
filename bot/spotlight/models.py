"""Records and errors of the spotlight service.

They are plain data so the cog, the command line and the tests can render or compare them
without touching the database. Errors carry what a reply needs (the bad input, suggestions, a
machine-readable kind) so one handler can word them, in any language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal, get_args

from bot.errors import SmartUpsError

ErrorKind = Literal["forbidden", "not_found", "transient"]
"""What a poster reports: 403 (no permission), 404 (channel deleted), or worth retrying."""

Outcome = Literal["sending", "posted", "failed", "skipped", "unknown"]
"""A history row's state. 'sending' = claimed, send in progress; 'unknown' = the process stopped
between claiming and recording, so the message may or may not have been posted."""

EntryKind = Literal["scheduled", "manual", "skip"]

FailureReason = Literal[
    "forbidden", "not_found", "transient", "error", "no_startups", "interrupted"
]
"""Why a row is 'failed' (or 'unknown' → 'interrupted'); stable codes a cog can translate."""

Poster = Callable[[int, int, str, str], Awaitable[int]]
"""``poster(guild_id, channel_id, startup_id, slot_key) -> message_id``.

Raises :class:`PostError` for the failures it recognises; anything else is treated as an
unexpected error (logged and recorded). ``slot_key`` lets a poster add its own idempotency
(e.g. look for a recent message carrying the key) if it wants to.
"""

StartupIdsProvider = Callable[[int], Iterable[str] | Awaitable[Iterable[str]]]
"""``provider(guild_id)`` → the startup ids that exist now (sync or async)."""


class PostError(Exception):
    """A post failed in a way the service knows how to handle.

    ``retry_after`` (seconds) lets a 429 ask for a longer wait than the default backoff.
    """

    def __init__(self, kind: ErrorKind, detail: str = "", *, retry_after: float | None = None):
        if kind not in get_args(ErrorKind):
            raise ValueError(f"PostError kind must be one of {get_args(ErrorKind)}, not {kind!r}")
        self.kind: ErrorKind = kind
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(f"{kind}: {detail}" if detail else kind)


class SpotlightError(SmartUpsError):
    """Base for spotlight errors a moderator gets explained."""


class NotScheduled(SpotlightError):
    """The guild has no spotlight schedule yet (so no channel and no rotation state)."""

    key: ClassVar[str] = "spotlight.not_scheduled"

    def __init__(self, guild_id: int) -> None:
        self.guild_id = guild_id
        super().__init__(f"no spotlight schedule for guild {guild_id}; set one first")


class NoStartups(SpotlightError):
    """There is no startup in the data to feature."""

    key: ClassVar[str] = "spotlight.no_startups"

    def __init__(self) -> None:
        super().__init__("there are no startups in the data to feature")


class InvalidTime(SpotlightError, ValueError):
    """A time of day that is not HH:MM on a 24-hour clock."""

    key: ClassVar[str] = "spotlight.bad_time"

    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem
        super().__init__(f"invalid time {text!r}: {problem}")

    def message_args(self, lang: str) -> dict[str, object]:
        return {"text": self.text}


class InvalidTimezone(SpotlightError, ValueError):
    """A name that is not an IANA time zone; ``suggestions`` are close real names."""

    key: ClassVar[str] = "spotlight.bad_timezone"

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(
            f"unknown time zone {name!r}: use an IANA name such as Asia/Hong_Kong{hint}"
        )

    def message_args(self, lang: str) -> dict[str, object]:
        return {"name": self.name}


@dataclass(frozen=True, slots=True)
class LastResult:
    """How the most recent post attempt ended, for the status command."""

    outcome: Literal["posted", "failed", "unknown"]
    at: dt.datetime
    slot_key: str
    reason: FailureReason | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "posted"


@dataclass(frozen=True, slots=True)
class Schedule:
    """A guild's spotlight settings and state, as a status command shows them.

    ``next_slot`` is when the next post will happen (aware UTC; possibly slightly in the past
    when a slot is due and not yet posted), or None while paused. ``featured_this_cycle``
    lists the startups already posted (or skipped, or possibly posted) in ``cycle``.
    """

    guild_id: int
    channel_id: int
    weekday: int
    time: dt.time
    timezone: str
    paused: bool
    seed: str
    cycle: int
    next_startup: str | None
    next_slot: dt.datetime | None
    last_result: LastResult | None
    active_from: dt.datetime
    featured_this_cycle: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One scheduled slot, manual post or skip, with what happened to it.

    ``slot_at`` is the slot's instant (for a manual post or skip: when it was asked for);
    ``posted_at`` is when the message was confirmed sent.
    """

    id: int
    guild_id: int
    slot_key: str
    kind: EntryKind
    startup_id: str | None
    cycle: int
    slot_at: dt.datetime
    outcome: Outcome
    channel_id: int | None = None
    message_id: int | None = None
    posted_at: dt.datetime | None = None
    reason: FailureReason | None = None
    detail: str | None = None
