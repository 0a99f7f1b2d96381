"""SmartUp spotlight: one startup profiled per guild each week, fairly and exactly once.

Discord-free: the cog (later) parses and renders, :class:`SpotlightService` decides and
records, and a ``poster`` callable injected by the cog does the sending. Slot arithmetic and
the rotation order are pure functions in :mod:`bot.spotlight.slots` and
:mod:`bot.spotlight.rotation`.
"""

from bot.spotlight.models import (
    EntryKind,
    ErrorKind,
    HistoryEntry,
    InvalidTime,
    InvalidTimezone,
    LastResult,
    NoStartups,
    NotScheduled,
    Outcome,
    Poster,
    PostError,
    Schedule,
    SpotlightError,
    StartupIdsProvider,
)
from bot.spotlight.rotation import Pick, pick_next, rotation_order
from bot.spotlight.service import SpotlightService
from bot.spotlight.slots import (
    DEFAULT_TIMEZONE,
    format_time,
    latest_slot,
    match_timezones,
    next_slot,
    parse_time,
    resolve_timezone,
    slot_instant,
    slot_key,
    valid_timezones,
)

__all__ = [
    "DEFAULT_TIMEZONE",
    "EntryKind",
    "ErrorKind",
    "HistoryEntry",
    "InvalidTime",
    "InvalidTimezone",
    "LastResult",
    "NoStartups",
    "NotScheduled",
    "Outcome",
    "Pick",
    "PostError",
    "Poster",
    "Schedule",
    "SpotlightError",
    "SpotlightService",
    "StartupIdsProvider",
    "format_time",
    "latest_slot",
    "match_timezones",
    "next_slot",
    "parse_time",
    "pick_next",
    "resolve_timezone",
    "rotation_order",
    "slot_instant",
    "slot_key",
    "valid_timezones",
]
