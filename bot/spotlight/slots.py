"""Weekly slot arithmetic, and the parsers for what a moderator types (time, time zone).

Pure functions: no database, no clock. A slot is "weekday W at local time T in zone Z"; its
instant is computed with zoneinfo from the wall-clock time each week, so the post follows
daylight saving instead of drifting by an hour. Two local times need a rule:

- a time that does not exist (02:30 on a spring-forward night) posts at the first valid
  instant after it — the moment the clocks jump (03:00 new time);
- a time that happens twice (01:30 on a fall-back night) posts once, at the first occurrence.

Every returned instant is an aware UTC datetime.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import logging
import re
import unicodedata
import zoneinfo
from zoneinfo import ZoneInfo

from bot.spotlight.models import InvalidTime, InvalidTimezone

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Asia/Hong_Kong"

# Offered first when the autocomplete box is still empty: our two cities, then common zones.
POPULAR_TIMEZONES = (
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)

_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_CHOICE_MAX = 100  # Discord: an autocomplete choice name/value is at most 100 characters
_CHOICES_MAX = 25  # Discord: at most 25 autocomplete choices


# --- what a moderator types ---------------------------------------------------------------


def parse_time(text: str) -> dt.time:
    """Parse ``"09:30"``, ``"9:30"`` or ``"21:05"`` (24-hour clock) into a naive time.

    Full-width digits and colon (typed with a Chinese input method) are accepted.
    """
    normal = unicodedata.normalize("NFKC", text or "").strip()
    if not normal:
        raise InvalidTime(text, "it is empty; use HH:MM on a 24-hour clock, e.g. 09:30")
    match = _TIME_RE.fullmatch(normal)
    if match is None:
        raise InvalidTime(text, "use HH:MM on a 24-hour clock, e.g. 09:30 or 21:05")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise InvalidTime(text, "the hour must be 00-23 and the minute 00-59")
    return dt.time(hour, minute)


def format_time(value: dt.time) -> str:
    """The stored and displayed form, ``HH:MM``."""
    return f"{value.hour:02d}:{value.minute:02d}"


@functools.cache
def valid_timezones() -> tuple[str, ...]:
    """Every IANA zone name this Python knows (tzdata), sorted; computed once."""
    return tuple(sorted(zoneinfo.available_timezones() - _NOT_ZONES))


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in valid_timezones()}


def _fold_query(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold().replace(" ", "_")


def resolve_timezone(text: str) -> str:
    """Return the canonical IANA name for ``text`` (case and spaces forgiven).

    Raises :class:`InvalidTimezone` (a ``ValueError``) with suggestions otherwise. Only names
    from :func:`valid_timezones` are accepted, so validation and autocomplete agree.
    """
    query = _fold_query(text)
    name = _zones_by_folded_name().get(query) if query else None
    if name is None:
        raise InvalidTimezone(text, _suggest_timezones(query) if query else ())
    ZoneInfo(name)  # fail here, not at the first post, if tzdata lists a zone it cannot load
    return name


def _suggest_timezones(query: str, limit: int = 5) -> list[str]:
    """Close real names for a mistyped zone: substring matches, else by similarity with the
    separators ignored (``asia/hongkong`` → ``Asia/Hong_Kong``)."""
    found = match_timezones(query, limit=limit)
    if found:
        return found

    def bare(name: str) -> str:
        return re.sub(r"[/_\-]", "", name.casefold())

    by_bare = {bare(name): name for name in valid_timezones()}
    close = difflib.get_close_matches(bare(query), list(by_bare), n=limit, cutoff=0.75)
    return [by_bare[key] for key in close]


def match_timezones(text: str, limit: int = _CHOICES_MAX) -> list[str]:
    """Zone names for autocomplete: exact, then a prefix of the name or of a part, then a
    substring.

    ``"hong kong"``, ``"HONG"`` and ``"kong"`` all find ``Asia/Hong_Kong``. An empty query
    offers :data:`POPULAR_TIMEZONES` first. At most ``min(limit, 25)`` names, each ≤ 100 chars.
    """
    limit = max(0, min(limit, _CHOICES_MAX))
    names = [n for n in valid_timezones() if len(n) <= _CHOICE_MAX]
    query = _fold_query(text)
    if not query:
        known = set(names)
        popular = [n for n in POPULAR_TIMEZONES if n in known]
        rest = [n for n in names if n not in set(popular)]
        return (popular + rest)[:limit]
    ranked: list[tuple[int, bool, str]] = []
    for name in names:
        folded = name.casefold()
        if folded == query:
            rank = 0
        elif folded.startswith(query) or any(
            part.startswith(query) for part in re.split(r"[/_-]", folded)
        ):
            rank = 1
        elif query in folded:
            rank = 2
        else:
            continue
        # Among equals, "Area/City" names before legacy aliases such as "Hongkong" or "ROC".
        ranked.append((rank, "/" not in name, name))
    ranked.sort()
    return [name for *_, name in ranked[:limit]]


# --- slot arithmetic ----------------------------------------------------------------------


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


def check_slot_args(weekday: int, at: dt.time) -> None:
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}")
    if at.tzinfo is not None:
        raise ValueError("the slot time is a local wall-clock time: pass a naive time")


def _wall(instant_ts: int, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(instant_ts, tz).replace(tzinfo=None)


def slot_instant(local_date: dt.date, at: dt.time, tz: ZoneInfo | str) -> dt.datetime:
    """The UTC instant of wall-clock ``at`` on ``local_date`` in ``tz`` (DST rules above)."""
    zone = _zone(tz)
    naive = dt.datetime.combine(local_date, at)
    first = naive.replace(tzinfo=zone, fold=0)  # fold=0: the first of two ambiguous instants
    utc = first.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == naive:
        return utc
    # The wall time falls in a gap. Interpreted with the offsets before and after the jump it
    # gives two instants that bracket the transition; the transition itself (the first
    # instant whose wall time is not before ``naive``) is found by bisection over seconds.
    lo, hi = sorted(
        int(naive.replace(tzinfo=zone, fold=f).astimezone(dt.UTC).timestamp()) for f in (0, 1)
    )
    if _wall(hi, zone) < naive or _wall(lo, zone) >= naive:  # cannot happen with zoneinfo
        log.warning("no gap found around %s in %s; using fold=0", naive, zone.key)
        return utc
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _wall(mid, zone) >= naive:
            hi = mid
        else:
            lo = mid
    return dt.datetime.fromtimestamp(hi, dt.UTC)


def next_slot(after: dt.datetime, weekday: int, at: dt.time, tz: ZoneInfo | str) -> dt.datetime:
    """The first slot strictly after ``after`` (aware), as aware UTC."""
    _require_aware(after, "after")
    check_slot_args(weekday, at)
    zone = _zone(tz)
    local_day = after.astimezone(zone).date()
    for offset in range(-1, 16):
        day = local_day + dt.timedelta(days=offset)
        if day.weekday() == weekday:
            instant = slot_instant(day, at, zone)
            if instant > after:
                return instant
    raise AssertionError("unreachable: a weekly slot always exists within two weeks")


def latest_slot(
    at_or_before: dt.datetime, weekday: int, at: dt.time, tz: ZoneInfo | str
) -> dt.datetime:
    """The most recent slot at or before ``at_or_before`` (aware), as aware UTC."""
    _require_aware(at_or_before, "at_or_before")
    check_slot_args(weekday, at)
    zone = _zone(tz)
    local_day = at_or_before.astimezone(zone).date()
    for offset in range(1, -16, -1):
        day = local_day + dt.timedelta(days=offset)
        if day.weekday() == weekday:
            instant = slot_instant(day, at, zone)
            if instant <= at_or_before:
                return instant
    raise AssertionError("unreachable: a weekly slot always exists within two weeks")


def slot_key(guild_id: int, slot: dt.datetime, tz: ZoneInfo | str) -> str:
    """``"<guild>:<local date>"``: one post per guild per slot date, whatever the retries."""
    _require_aware(slot, "slot")
    return f"{guild_id}:{slot.astimezone(_zone(tz)).date().isoformat()}"
