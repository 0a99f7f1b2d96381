"""The spotlight scheduler: which startup to post, when, and never twice.

Plain async Python over the guild state (:class:`bot.state.State`: the bot's SQLite file, or
PostgreSQL shared by several processes); the Discord side only injects a ``poster`` and renders
what comes back. The rules it keeps:

- **Exactly once.** A slot is claimed by inserting its history row (unique slot key, state
  ``sending``, the claiming process's id) in a committed write transaction *before* the message
  is sent; the message id is recorded afterwards (state ``posted``). The transaction is
  serialized across processes (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL)
  and the unique key backs it: a retry, a second runner, another process or a restart finds
  the claim and does not send again. A claim still ``sending`` whose process is gone (it no
  longer beats in the ``process`` table, or it is an earlier run of this one) was interrupted
  between send and record: it becomes ``unknown`` (possibly posted), is never re-sent, and
  counts as featured. A live process's claim is left to it.
- **Only our guilds.** ``owns(guild_id)`` says whether this process posts for a guild (the
  guild's Discord shard runs here); the others' slots are theirs.
- **Catch up once.** The most recent slot is posted if it is not claimed yet, is no older than
  ``grace`` (default 6 h) and is not older than the schedule itself (``active_from``: set by
  ``schedule`` and ``resume``, so slots before the schedule existed or during a pause are
  dropped, not posted late).
- **Faults never kill the runner.** 403/404 and exhausted transient retries are recorded as a
  failed slot (history and last result) and the runner moves on to the next slot; the
  startup stays next in line. Anything unexpected is logged with its traceback and recorded.
  A database that cannot be reached claims nothing: the slot stays due and the next pass
  (at most a minute later) tries again while it is within grace; a result that cannot be
  recorded after a send is retried with a bounded backoff before it is left to recovery.
- **Time is injected.** ``clock()`` returns aware UTC datetimes and ``sleep`` is awaited for
  retry backoff, so tests move time instead of waiting.

Every use of the state goes through one lock of the service, so the handle of an open
transaction (``self._db``) is never seen by another of its calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, utcnow
from bot.spotlight.models import (
    EntryKind,
    FailureReason,
    HistoryEntry,
    LastResult,
    NoStartups,
    NotScheduled,
    Poster,
    PostError,
    Schedule,
    StartupIdsProvider,
)
from bot.spotlight.rotation import Pick, pick_next
from bot.spotlight.slots import (
    DEFAULT_TIMEZONE,
    _require_aware,
    check_slot_args,
    format_time,
    latest_slot,
    next_slot,
    resolve_timezone,
    slot_key,
)
from bot.state import State, StateUnavailable, Tx

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[object]]

# States that mean "this startup has had its turn in this cycle".
_DONE_STATES = ("sending", "posted", "unknown", "skipped")
# States that mean "this startup was (or may have been) shown" — for no back-to-back repeats.
_FEATURED_STATES = ("sending", "posted", "unknown")

_INTERRUPTED = (
    "the bot stopped after claiming this slot and before recording the send; "
    "the message may have been posted, so it is not sent again"
)

#: How long after another process's heartbeat turns stale the next pass looks (the clocks of
#: two machines differ a little; a pass that comes too early finds the claim still live and
#: looks again a second later).
_STALE_MARGIN = dt.timedelta(seconds=0.5)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _parse_iso(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _aware_utc(value: dt.datetime, what: str) -> dt.datetime:
    _require_aware(value, what)
    return value.astimezone(dt.UTC)


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


@dataclass(frozen=True, slots=True)
class _Claim:
    """A committed claim: the row exists in state 'sending'; now send and record."""

    entry_id: int
    guild_id: int
    channel_id: int
    startup_id: str
    slot_key: str
    slot_at: dt.datetime
    cycle: int
    kind: EntryKind
    by_override: bool


@dataclass(frozen=True, slots=True)
class _Attempt:
    """How sending went: 'posted' with a message id, or 'failed' with a reason."""

    outcome: str
    message_id: int | None = None
    reason: FailureReason | None = None
    detail: str | None = None


class SpotlightService:
    """Schedules, rotation, posting and history of the weekly SmartUp spotlight."""

    def __init__(
        self,
        state: State,
        *,
        clock: Clock,
        grace: dt.timedelta = dt.timedelta(hours=6),
        sleep: Sleep = asyncio.sleep,
        retry_delays: Sequence[float] = (1.0, 5.0, 15.0),
        instance: str | None = None,
        owns: Callable[[int], bool] | None = None,
        alive_within: dt.timedelta = dt.timedelta(seconds=30),
        record_delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0),
    ) -> None:
        """``retry_delays``: the waits before each retry of a transient failure (so
        ``len(retry_delays) + 1`` tries in all); a 429's ``retry_after`` can lengthen one.
        ``instance``: this process's id in the ``process`` table (its claims carry it);
        ``alive_within``: how recent another process's heartbeat must be for its 'sending'
        claims to count as in flight. ``owns``: whether this process posts a guild's slots.
        ``record_delays``: the waits between tries to record a sent post while the database
        is unavailable."""
        if grace < dt.timedelta(0):
            raise ValueError("grace must not be negative")
        self._state = state
        self._db: State | Tx = state
        self._instance = instance or secrets.token_hex(8)
        self._owns = owns or (lambda _guild_id: True)
        self._alive_within = alive_within
        self._record_delays = tuple(float(d) for d in record_delays)
        self._clock = clock
        self._grace = grace
        self._sleep = sleep
        self._retry_delays = tuple(float(d) for d in retry_delays)
        # Every state use goes through this lock (so ``self._db`` is one call's), which is
        # never held while sending or sleeping.
        self._lock = asyncio.Lock()
        self._recover_lock = asyncio.Lock()
        self._recovered = False
        self._in_flight: set[str] = set()

    # --- moderator settings ---------------------------------------------------------------

    async def schedule(
        self,
        guild_id: int,
        channel_id: int,
        weekday: int,
        time: dt.time,
        tz: str = DEFAULT_TIMEZONE,
    ) -> Schedule:
        """Create or change a guild's schedule; rotation state and paused flag are kept.

        The schedule is active from now: a slot earlier than this call is never posted late.
        Raises ``ValueError`` (``InvalidTimezone`` for the zone) with a readable message.
        """
        zone = resolve_timezone(tz)
        if isinstance(weekday, bool) or not isinstance(weekday, int):
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}")
        if isinstance(channel_id, bool) or not isinstance(channel_id, int) or channel_id <= 0:
            raise ValueError(f"channel_id must be a positive integer, not {channel_id!r}")
        if not isinstance(time, dt.time):
            raise ValueError(f"time must be a datetime.time, not {time!r}")
        check_slot_args(weekday, time)  # the range of the weekday; a naive (wall-clock) time
        if time.second or time.microsecond:
            raise ValueError("time must be whole minutes (HH:MM)")
        now = self._now()
        async with self._tx():
            await self._exec(
                """
                INSERT INTO spotlight_schedule (guild_id, channel_id, weekday, local_time,
                    timezone, active_from, seed, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET
                    channel_id = excluded.channel_id,
                    weekday = excluded.weekday,
                    local_time = excluded.local_time,
                    timezone = excluded.timezone,
                    active_from = excluded.active_from,
                    updated_at = excluded.updated_at
                """,
                (
                    guild_id,
                    channel_id,
                    weekday,
                    format_time(time),
                    zone,
                    _iso(now),
                    secrets.token_hex(8),
                    _iso(now),
                    _iso(now),
                ),
            )
        log.info(
            "spotlight: guild %s scheduled weekday %s %s %s in channel %s",
            guild_id,
            weekday,
            format_time(time),
            zone,
            channel_id,
        )
        return await self._require_schedule(guild_id)

    async def get(self, guild_id: int) -> Schedule | None:
        """The guild's schedule with its next slot, last result and cycle progress."""
        now = self._now()
        async with self._lock:
            return await self._load_schedule(guild_id, now)

    async def pause(self, guild_id: int) -> Schedule:
        """Stop posting; slots that pass while paused are dropped, not caught up."""
        now = self._now()
        async with self._tx():
            changed = await self._exec(
                "UPDATE spotlight_schedule SET paused = 1, updated_at = ? WHERE guild_id = ?",
                (_iso(now), guild_id),
            )
            if not changed:
                raise NotScheduled(guild_id)
        return await self._require_schedule(guild_id)

    async def resume(self, guild_id: int) -> Schedule:
        """Post again from the next slot on (a no-op when not paused)."""
        now = self._now()
        async with self._tx():
            row = await self._schedule_row(guild_id)
            if row is None:
                raise NotScheduled(guild_id)
            if row["paused"]:
                await self._exec(
                    "UPDATE spotlight_schedule SET paused = 0, active_from = ?, updated_at = ?"
                    " WHERE guild_id = ?",
                    (_iso(now), _iso(now), guild_id),
                )
        return await self._require_schedule(guild_id)

    async def set_next(self, guild_id: int, startup_id: str | None) -> Schedule:
        """Make ``startup_id`` the next one featured (None clears the choice).

        It is featured next even if it already was this cycle: that is the moderator's call.
        The choice is used up once it is posted (or skipped); a failed post keeps it.
        """
        now = self._now()
        async with self._tx():
            changed = await self._exec(
                "UPDATE spotlight_schedule SET next_startup = ?, updated_at = ? WHERE guild_id = ?",
                (startup_id, _iso(now), guild_id),
            )
            if not changed:
                raise NotScheduled(guild_id)
        return await self._require_schedule(guild_id)

    # --- rotation -------------------------------------------------------------------------

    async def upcoming(self, guild_id: int, startup_ids: Iterable[str]) -> str | None:
        """Who the next post would feature (None if there is no startup); changes nothing."""
        ids = list(startup_ids)
        async with self._lock:
            row = await self._schedule_row(guild_id)
            if row is None:
                raise NotScheduled(guild_id)
            pick = await self._pick(row, ids)
        return pick.startup_id if pick else None

    async def skip(self, guild_id: int, startup_ids: Iterable[str]) -> str:
        """Pass over the upcoming startup for this cycle; returns its id.

        Recorded in history as 'skipped' (nothing is posted); the next slot features the one
        after it. Skipping a moderator's "next" choice uses that choice up.
        """
        ids = list(startup_ids)
        now = self._now()
        async with self._tx():
            row, pick = await self._row_and_pick(guild_id, ids)
            await self._advance(row, pick)
            key = await self._unique_key(f"{guild_id}:skip:{_iso(now)}")
            await self._insert_history(
                guild_id=guild_id,
                key=key,
                kind="skip",
                startup_id=pick.startup_id,
                cycle=pick.cycle,
                slot_at=now,
                state="skipped",
                channel_id=None,
                now=now,
            )
        log.info("spotlight: guild %s skipped %s (cycle %s)", guild_id, pick.startup_id, pick.cycle)
        return pick.startup_id

    # --- posting --------------------------------------------------------------------------

    async def post_now(
        self, guild_id: int, startup_ids: Iterable[str], poster: Poster
    ) -> HistoryEntry:
        """Post the upcoming startup now, outside the schedule (works while paused too).

        It gets its own slot key (``<guild>:manual:<UTC time>``), advances the rotation like a
        scheduled post and leaves the weekly slot alone. A failed send comes back as a
        'failed' entry rather than an exception; ``NotScheduled``/``NoStartups`` are raised.
        """
        await self._ensure_recovered()
        ids = list(startup_ids)
        now = self._now()
        async with self._tx():
            row, pick = await self._row_and_pick(guild_id, ids)
            key = await self._unique_key(f"{guild_id}:manual:{_iso(now)}")
            claim = await self._claim(row, pick, kind="manual", key=key, slot_at=now, now=now)
        return await self._deliver(claim, poster)

    async def run_due(self, startup_ids: StartupIdsProvider, poster: Poster) -> list[HistoryEntry]:
        """Post every due, unclaimed slot across guilds; return what was attempted.

        ``startup_ids(guild_id)`` (sync or async) lists the startups that exist now. Guilds
        are handled concurrently, so one guild's retry backoff does not delay another. This
        never raises (except on cancellation): every failure is logged and, where a slot was
        claimed, recorded.
        """
        try:
            await self._ensure_recovered(again=True)
            now = self._now()
            async with self._lock:
                rows = await self._rows(
                    "SELECT * FROM spotlight_schedule WHERE paused = 0 ORDER BY guild_id"
                )
                due: list[int] = []
                for row in rows:
                    if not self._owns(row["guild_id"]):
                        continue  # another process runs this guild's shard
                    try:
                        if await self._pending_slot(row, now) is not None:
                            due.append(row["guild_id"])
                    except Exception:
                        log.exception(
                            "spotlight: cannot compute the slot of guild %s", row["guild_id"]
                        )
        except StateUnavailable as exc:
            log.warning("spotlight: the state database is unavailable (%s); due slots are "
                        "tried again on the next pass", exc.detail)
            return []
        except Exception:
            log.exception("spotlight: could not read the schedules")
            return []
        results = await asyncio.gather(
            *(self._run_guild(guild_id, now, startup_ids, poster) for guild_id in due)
        )
        return [entry for entry in results if entry is not None]

    async def next_wakeup(
        self,
        now: dt.datetime | None = None,
        *,
        max_sleep: dt.timedelta = dt.timedelta(seconds=60),
    ) -> dt.datetime:
        """When the runner should next call :meth:`run_due`: ``now`` if a slot is due, else
        the earliest next slot across unpaused guilds or (on a shared state) the moment
        another process's 'sending' claim turns stale (its last heartbeat plus
        ``alive_within``: a killed process's claim is then resolved at once, not a pass
        later), but never later than ``now + max_sleep`` (so schedule changes are noticed).
        Never raises."""
        try:
            now = self._now() if now is None else _aware_utc(now, "now")
        except Exception:
            log.exception("spotlight: the clock returned an unusable time")
            return utcnow() + max_sleep
        wake = now + max_sleep
        try:
            async with self._lock:
                rows = await self._rows("SELECT * FROM spotlight_schedule WHERE paused = 0")
                for row in rows:
                    if not self._owns(row["guild_id"]):
                        continue
                    try:
                        if await self._pending_slot(row, now) is not None:
                            return now
                        upcoming = next_slot(
                            now, row["weekday"], self._local_time(row), row["timezone"]
                        )
                        wake = min(wake, upcoming)
                    except Exception:
                        log.exception(
                            "spotlight: cannot compute the slot of guild %s", row["guild_id"]
                        )
                stale = [] if not self._state.shared else await self._rows(
                    "SELECT MIN(p.beat_at) AS beat_at FROM spotlight_history AS h"
                    " JOIN process AS p ON p.instance = h.claimed_by"
                    " WHERE h.state = 'sending' AND h.claimed_by <> ?",
                    (self._instance,),
                )
                if stale and stale[0]["beat_at"]:
                    beat_at = dt.datetime.fromisoformat(stale[0]["beat_at"])
                    wake = min(wake, max(now, beat_at + self._alive_within + _STALE_MARGIN))
        except StateUnavailable:
            pass  # said by run_due; wake up at max_sleep and try again
        except Exception:
            log.exception("spotlight: could not read the schedules")
        return wake

    async def run(
        self,
        startup_ids: StartupIdsProvider,
        poster: Poster,
        *,
        max_sleep: float = 60.0,
        min_sleep: float = 1.0,
    ) -> None:
        """Run :meth:`run_due` forever, sleeping until the next slot (bounded); cancel to stop."""
        # No catch-all here: an error ends this call, and the caller (the spotlight cog) is the
        # one layer that logs it, shows it in /spotlight status and restarts.
        while True:
            await self.run_due(startup_ids, poster)
            wake = await self.next_wakeup(max_sleep=dt.timedelta(seconds=max_sleep))
            delay = (wake - self._now()).total_seconds()
            await self._sleep(min(max(delay, min_sleep), max_sleep))

    async def recover(self) -> list[HistoryEntry]:
        """Mark claims left 'sending' by a process that is gone as 'unknown' (possibly posted).

        Gone: an earlier run (its id is not ours), a process that stopped beating in the
        ``process`` table more than ``alive_within`` ago, or a claim of ours no longer in
        flight (its result could not be recorded). They are never re-sent. Called before this
        service first posts and again on every pass of :meth:`run_due`, so a surviving
        process resolves the claims of one that was killed.
        """
        now = self._now()
        recovered: list[HistoryEntry] = []
        async with self._tx():
            rows = await self._rows(
                "SELECT * FROM spotlight_history AS h WHERE h.state = 'sending' AND ("
                " h.claimed_by IS NULL OR h.claimed_by = ? OR NOT EXISTS ("
                "  SELECT 1 FROM process AS p WHERE p.instance = h.claimed_by"
                "  AND p.beat_at >= ?))",
                (self._instance, _iso(now - self._alive_within)),
            )
            for row in rows:
                if row["slot_key"] in self._in_flight:
                    continue  # ours, being sent right now
                await self._exec(
                    "UPDATE spotlight_history SET state = 'unknown', reason = 'interrupted',"
                    " detail = ?, updated_at = ? WHERE id = ? AND state = 'sending'",
                    (_INTERRUPTED, _iso(now), row["id"]),
                )
                await self._set_last(
                    row["guild_id"], "unknown", now, row["slot_key"], "interrupted", _INTERRUPTED
                )
                entry = await self._entry_by_id(row["id"])
                log.warning(
                    "spotlight: guild %s slot %s was interrupted while sending %s; "
                    "marked unknown, not re-sent",
                    row["guild_id"],
                    row["slot_key"],
                    row["startup_id"],
                )
                recovered.append(entry)
        self._recovered = True
        return recovered

    async def history(self, guild_id: int, limit: int = 10) -> list[HistoryEntry]:
        """The guild's posts, failures and skips, newest first."""
        async with self._lock:
            rows = await self._rows(
                "SELECT * FROM spotlight_history WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
                (guild_id, max(0, int(limit))),
            )
        return [self._entry(row) for row in rows]

    # --- one guild's due slot -------------------------------------------------------------

    async def _run_guild(
        self, guild_id: int, now: dt.datetime, provider: StartupIdsProvider, poster: Poster
    ) -> HistoryEntry | None:
        try:
            ids = await self._startup_ids(provider, guild_id)
        except Exception:
            log.exception("spotlight: could not list the startups for guild %s", guild_id)
            return None
        try:
            claimed = await self._claim_scheduled(guild_id, now, ids)
        except StateUnavailable as exc:
            log.warning("spotlight: cannot claim the due slot of guild %s now (%s); it stays "
                        "due and is tried again on the next pass", guild_id, exc.detail)
            return None
        except Exception:
            log.exception("spotlight: could not claim the due slot of guild %s", guild_id)
            return None
        if claimed is None or isinstance(claimed, HistoryEntry):
            return claimed
        return await self._deliver(claimed, poster)

    @staticmethod
    async def _startup_ids(provider: StartupIdsProvider, guild_id: int) -> list[str]:
        result = provider(guild_id)
        if inspect.isawaitable(result):
            result = await result
        return [str(startup_id) for startup_id in result]

    async def _claim_scheduled(
        self, guild_id: int, now: dt.datetime, ids: list[str]
    ) -> _Claim | HistoryEntry | None:
        """Claim the guild's due slot (re-checked inside the write transaction)."""
        async with self._tx():
            row = await self._schedule_row(guild_id)
            if row is None or row["paused"]:
                return None
            slot = await self._pending_slot(row, now)
            if slot is None:
                return None  # claimed meanwhile by another call or process
            key = slot_key(guild_id, slot, row["timezone"])
            pick = await self._pick(row, ids)
            if pick is None:
                detail = "there were no startups in the data to feature"
                entry_id = await self._insert_history(
                    guild_id=guild_id,
                    key=key,
                    kind="scheduled",
                    startup_id=None,
                    cycle=row["cycle"],
                    slot_at=slot,
                    state="failed",
                    channel_id=row["channel_id"],
                    now=now,
                    reason="no_startups",
                    detail=detail,
                )
                await self._set_last(guild_id, "failed", now, key, "no_startups", detail)
                log.warning("spotlight: guild %s slot %s: no startups to feature", guild_id, key)
                return await self._entry_by_id(entry_id)
            return await self._claim(row, pick, kind="scheduled", key=key, slot_at=slot, now=now)

    async def _claim(
        self,
        row: dict[str, Any],
        pick: Pick,
        *,
        kind: EntryKind,
        key: str,
        slot_at: dt.datetime,
        now: dt.datetime,
    ) -> _Claim:
        """Insert the 'sending' row and move the rotation on; the caller's transaction commits
        both before anything is sent."""
        await self._advance(row, pick)
        entry_id = await self._insert_history(
            guild_id=row["guild_id"],
            key=key,
            kind=kind,
            startup_id=pick.startup_id,
            cycle=pick.cycle,
            slot_at=slot_at,
            state="sending",
            channel_id=row["channel_id"],
            now=now,
        )
        self._in_flight.add(key)
        return _Claim(
            entry_id=entry_id,
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            startup_id=pick.startup_id,
            slot_key=key,
            slot_at=slot_at,
            cycle=pick.cycle,
            kind=kind,
            by_override=pick.by_override,
        )

    async def _deliver(self, claim: _Claim, poster: Poster) -> HistoryEntry:
        """Send a committed claim and record how it went. Raises only on cancellation."""
        try:
            attempt = await self._send(claim, poster)
            try:
                return await self._record(claim, attempt)
            except Exception:
                log.exception(
                    "spotlight: guild %s slot %s: could not record the result (%s); the claim "
                    "stays 'sending' and reads 'unknown' after a restart, never re-sent",
                    claim.guild_id,
                    claim.slot_key,
                    attempt.outcome,
                )
                return HistoryEntry(
                    id=claim.entry_id,
                    guild_id=claim.guild_id,
                    slot_key=claim.slot_key,
                    kind=claim.kind,
                    startup_id=claim.startup_id,
                    cycle=claim.cycle,
                    slot_at=claim.slot_at,
                    outcome="sending",
                    channel_id=claim.channel_id,
                    message_id=attempt.message_id,
                    reason=attempt.reason,
                    detail=attempt.detail,
                )
        finally:
            self._in_flight.discard(claim.slot_key)

    async def _send(self, claim: _Claim, poster: Poster) -> _Attempt:
        """Call the poster, retrying transient failures with backoff."""
        tries = len(self._retry_delays) + 1
        for attempt in range(tries):
            try:
                message_id = await poster(
                    claim.guild_id, claim.channel_id, claim.startup_id, claim.slot_key
                )
            except PostError as exc:
                if exc.kind == "transient" and attempt + 1 < tries:
                    delay = self._retry_delays[attempt]
                    if exc.retry_after is not None:
                        delay = max(delay, exc.retry_after)
                    log.warning(
                        "spotlight: guild %s slot %s: transient failure (%s), retry %d/%d in %.1fs",
                        claim.guild_id,
                        claim.slot_key,
                        exc.detail,
                        attempt + 1,
                        tries - 1,
                        delay,
                    )
                    await self._sleep(delay)
                    continue
                detail = exc.detail or exc.kind
                if exc.kind == "transient":
                    detail = f"{detail} (after {tries} tries)"
                log.warning(
                    "spotlight: guild %s channel %s slot %s: post failed: %s: %s",
                    claim.guild_id,
                    claim.channel_id,
                    claim.slot_key,
                    exc.kind,
                    detail,
                )
                return _Attempt("failed", reason=exc.kind, detail=detail)
            except Exception as exc:
                log.exception(
                    "spotlight: guild %s slot %s: unexpected error while posting %s",
                    claim.guild_id,
                    claim.slot_key,
                    claim.startup_id,
                )
                return _Attempt("failed", reason="error", detail=f"{type(exc).__name__}: {exc}")
            log.info(
                "spotlight: guild %s posted %s in channel %s (slot %s, message %s)",
                claim.guild_id,
                claim.startup_id,
                claim.channel_id,
                claim.slot_key,
                message_id,
            )
            return _Attempt("posted", message_id=int(message_id))
        raise AssertionError("unreachable")

    async def _record(self, claim: _Claim, attempt: _Attempt) -> HistoryEntry:
        """Record how a send went; while the database is unavailable, try again after each of
        ``record_delays`` (the message is out: its id must not be lost to a short outage)."""
        for delay in (*self._record_delays, None):
            try:
                return await self._finish(claim, attempt)
            except StateUnavailable as exc:
                if delay is None:
                    raise
                log.warning(
                    "spotlight: guild %s slot %s: cannot record the result yet (%s); "
                    "retrying in %.1fs", claim.guild_id, claim.slot_key, exc.detail, delay
                )
                await self._sleep(delay)
        raise AssertionError("unreachable")

    async def _finish(self, claim: _Claim, attempt: _Attempt) -> HistoryEntry:
        now = self._now()
        async with self._tx():
            await self._exec(
                """
                UPDATE spotlight_history
                SET state = ?, message_id = ?, posted_at = ?, reason = ?, detail = ?,
                    updated_at = ?
                WHERE id = ? AND state IN ('sending', 'unknown')
                """,
                (
                    attempt.outcome,
                    attempt.message_id,
                    _iso(now) if attempt.outcome == "posted" else None,
                    attempt.reason,
                    attempt.detail,
                    _iso(now),
                    claim.entry_id,
                ),
            )
            if attempt.outcome != "posted" and claim.by_override:
                # The moderator's choice was used up by the claim; a failed post gives it back
                # (unless a new choice was made meanwhile).
                await self._exec(
                    "UPDATE spotlight_schedule SET next_startup = ?"
                    " WHERE guild_id = ? AND next_startup IS NULL",
                    (claim.startup_id, claim.guild_id),
                )
            await self._set_last(
                claim.guild_id, attempt.outcome, now, claim.slot_key, attempt.reason, attempt.detail
            )
            return await self._entry_by_id(claim.entry_id)

    # --- rotation state -------------------------------------------------------------------

    async def _row_and_pick(self, guild_id: int, ids: list[str]) -> tuple[dict[str, Any], Pick]:
        """The guild's schedule row and who is next, or the error a moderator is told."""
        row = await self._schedule_row(guild_id)
        if row is None:
            raise NotScheduled(guild_id)
        pick = await self._pick(row, ids)
        if pick is None:
            raise NoStartups()
        return row, pick

    async def _pick(self, row: dict[str, Any], ids: list[str]) -> Pick | None:
        guild_id = row["guild_id"]
        done = await self._done_ids(guild_id, row["cycle"])
        last = await self._row(
            f"SELECT startup_id FROM spotlight_history WHERE guild_id = ? AND state IN"
            f" ({_placeholders(_FEATURED_STATES)}) ORDER BY id DESC LIMIT 1",
            (guild_id, *_FEATURED_STATES),
        )
        return pick_next(
            row["seed"],
            row["cycle"],
            ids,
            done=set(done),
            override=row["next_startup"],
            last=last["startup_id"] if last else None,
        )

    async def _advance(self, row: dict[str, Any], pick: Pick) -> None:
        """Persist a new cycle, and use up (or drop a stale) moderator "next" choice."""
        override = row["next_startup"]
        if pick.cycle != row["cycle"]:
            log.info("spotlight: guild %s starts rotation cycle %s", row["guild_id"], pick.cycle)
        if override is not None and not pick.by_override:
            log.info(
                "spotlight: guild %s: next choice %r is not in the data any more; dropped",
                row["guild_id"],
                override,
            )
        await self._exec(
            "UPDATE spotlight_schedule SET cycle = ?, next_startup = NULL WHERE guild_id = ?",
            (pick.cycle, row["guild_id"]),
        )

    async def _done_ids(self, guild_id: int, cycle: int) -> list[str]:
        """Startups that had their turn in ``cycle``, in the order they had it."""
        rows = await self._rows(
            f"SELECT startup_id FROM spotlight_history WHERE guild_id = ? AND cycle = ?"
            f" AND startup_id IS NOT NULL AND state IN ({_placeholders(_DONE_STATES)})"
            f" ORDER BY id",
            (guild_id, cycle, *_DONE_STATES),
        )
        return list(dict.fromkeys(row["startup_id"] for row in rows))

    # --- slots ----------------------------------------------------------------------------

    @staticmethod
    def _local_time(row: dict[str, Any]) -> dt.time:
        return dt.time.fromisoformat(row["local_time"])

    async def _pending_slot(self, row: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
        """The most recent slot if it should be posted now: not claimed, within grace, and not
        from before the schedule was (re)activated. Caller holds the lock."""
        slot = latest_slot(now, row["weekday"], self._local_time(row), row["timezone"])
        active_from = _parse_iso(row["active_from"])
        if (active_from is not None and slot < active_from) or now - slot > self._grace:
            return None
        claimed = await self._row(
            "SELECT 1 FROM spotlight_history WHERE slot_key = ?",
            (slot_key(row["guild_id"], slot, row["timezone"]),),
        )
        return None if claimed else slot

    # --- rows -----------------------------------------------------------------------------

    async def _schedule_row(self, guild_id: int) -> dict[str, Any] | None:
        return await self._row("SELECT * FROM spotlight_schedule WHERE guild_id = ?", (guild_id,))

    async def _require_schedule(self, guild_id: int) -> Schedule:
        schedule = await self.get(guild_id)
        if schedule is None:
            raise NotScheduled(guild_id)
        return schedule

    async def _load_schedule(self, guild_id: int, now: dt.datetime) -> Schedule | None:
        row = await self._schedule_row(guild_id)
        if row is None:
            return None
        local_time = self._local_time(row)
        next_at: dt.datetime | None = None
        if not row["paused"]:
            next_at = await self._pending_slot(row, now) or next_slot(
                now, row["weekday"], local_time, row["timezone"]
            )
        last = None
        if row["last_outcome"] is not None:
            last = LastResult(
                outcome=row["last_outcome"],
                at=_parse_iso(row["last_at"]) or now,
                slot_key=row["last_slot_key"],
                reason=row["last_reason"],
                detail=row["last_detail"],
            )
        return Schedule(
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            weekday=row["weekday"],
            time=local_time,
            timezone=row["timezone"],
            paused=bool(row["paused"]),
            seed=row["seed"],
            cycle=row["cycle"],
            next_startup=row["next_startup"],
            next_slot=next_at,
            last_result=last,
            active_from=_parse_iso(row["active_from"]) or now,
            featured_this_cycle=tuple(await self._done_ids(guild_id, row["cycle"])),
        )

    async def _insert_history(
        self,
        *,
        guild_id: int,
        key: str,
        kind: EntryKind,
        startup_id: str | None,
        cycle: int,
        slot_at: dt.datetime,
        state: str,
        channel_id: int | None,
        now: dt.datetime,
        reason: str | None = None,
        detail: str | None = None,
    ) -> int:
        entry_id = await self._db.fetchval(
            """
            INSERT INTO spotlight_history (guild_id, slot_key, kind, startup_id, cycle, slot_at,
                state, channel_id, reason, detail, created_at, updated_at, claimed_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING id
            """,
            (
                guild_id,
                key,
                kind,
                startup_id,
                cycle,
                _iso(slot_at),
                state,
                channel_id,
                reason,
                detail,
                _iso(now),
                _iso(now),
                self._instance if state == "sending" else None,
            ),
        )
        if entry_id is None:
            raise RuntimeError("the database returned no id for the new history row")
        return int(entry_id)

    async def _unique_key(self, base: str) -> str:
        """``base``, or ``base#n`` when two manual actions share the same instant."""
        key, n = base, 1
        while await self._row("SELECT 1 FROM spotlight_history WHERE slot_key = ?", (key,)):
            n += 1
            key = f"{base}#{n}"
        return key

    async def _set_last(
        self,
        guild_id: int,
        outcome: str,
        at: dt.datetime,
        key: str,
        reason: str | None,
        detail: str | None,
    ) -> None:
        await self._exec(
            """
            UPDATE spotlight_schedule
            SET last_outcome = ?, last_reason = ?, last_detail = ?, last_at = ?, last_slot_key = ?
            WHERE guild_id = ?
            """,
            (outcome, reason, detail, _iso(at), key, guild_id),
        )

    async def _entry_by_id(self, entry_id: int) -> HistoryEntry:
        row = await self._row("SELECT * FROM spotlight_history WHERE id = ?", (entry_id,))
        if row is None:
            raise RuntimeError(f"history row {entry_id} vanished")
        return self._entry(row)

    @staticmethod
    def _entry(row: dict[str, Any]) -> HistoryEntry:
        slot_at = _parse_iso(row["slot_at"])
        assert slot_at is not None
        return HistoryEntry(
            id=row["id"],
            guild_id=row["guild_id"],
            slot_key=row["slot_key"],
            kind=row["kind"],
            startup_id=row["startup_id"],
            cycle=row["cycle"],
            slot_at=slot_at,
            outcome=row["state"],
            channel_id=row["channel_id"],
            message_id=row["message_id"],
            posted_at=_parse_iso(row["posted_at"]),
            reason=row["reason"],
            detail=row["detail"],
        )

    # --- plumbing -------------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return _aware_utc(self._clock(), "clock()")

    async def _ensure_recovered(self, *, again: bool = False) -> None:
        """Recover once before the first post; ``again``: on every pass after that too (a
        failure then is logged by the caller's next step, not raised)."""
        async with self._recover_lock:
            if not self._recovered:
                await self.recover()
            elif again:
                try:
                    await self.recover()
                except StateUnavailable:
                    raise
                except Exception:
                    log.exception("spotlight: could not check for interrupted claims")

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[None]:
        """A write transaction, serialized with every other spotlight write in any process
        (SQLite's write lock taken up front; PostgreSQL's advisory lock), so a
        check-then-insert inside it is atomic."""
        async with self._lock, self._state.transaction("spotlight") as tx:
            self._db = tx
            try:
                yield
            finally:
                self._db = self._state

    async def _rows(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        return await self._db.fetch(sql, params)

    async def _row(self, sql: str, params: Sequence[object] = ()) -> dict[str, Any] | None:
        return await self._db.fetchrow(sql, params)

    async def _exec(self, sql: str, params: Sequence[object] = ()) -> int:
        return await self._db.execute(sql, params)
