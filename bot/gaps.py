"""The questions nobody could answer: counted by normalized question, kept for a while.

What is kept is deliberately small: the question folded by :func:`bot.text.normalize` (so
"Who founded Qupital?" and "who founded qupital" are one row), its language, why it was a gap
(``not_found``, ``did_you_mean``, ``not_said``), a count and the first and last time it was seen.
No user id, no guild, no member data. Rows unseen for the retention period
(``SMARTUPS_COUNTS_RETENTION_DAYS``, 180 days by default) are dropped by :func:`prune`: the
counts cog runs it daily, ``smartups gaps`` before it lists.

Three paths count: :func:`count_reply` (/ask, ``smartups ask`` and the local session, through
:mod:`bot.answers`), :func:`count_miss` (a lookup whose name matched nothing, or only "did you
mean": the command tree's error handler and the command line) and :func:`count_gap` under both.

Counting is one UPSERT statement on the store's state (:attr:`bot.store.Store.state`): on the
bot's SQLite file that is the store's writer connection, so outside a reload it commits at once
(autocommit) and during a reload it joins the reload's transaction (should that roll back, one
count is lost, which a counter can afford); on a shared PostgreSQL database every process counts
into the same rows. A store kept in memory (the command line's private one) counts into the
configured state instead, through :func:`counted_in`. A counting failure is logged, never
raised: an answer must not fail because its gap could not be counted (nor because the database
is away).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.clock import Clock, utcnow
from bot.state import State, StateUnavailable
from bot.text import clean_input, normalize

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.errors import NotFound
    from bot.question.plan import Reply
    from bot.store import Store

log = logging.getLogger(__name__)

Reason = Literal["not_found", "did_you_mean", "not_said"]
RETENTION = dt.timedelta(days=180)
MAX_QUESTION_CHARS = 300


@dataclass(frozen=True, slots=True)
class Gap:
    """One unanswered question and how often it came."""

    question: str
    lang: str
    reason: str
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime


def gap_of(reply: Reply) -> Reason | None:
    """Why a reply to /ask is a gap, or None when it answered (or the question was not ours)."""
    if reply.missing:
        return "not_said"
    if reply.intent == "offtopic":
        return None
    if reply.parsed.guessed:
        return "did_you_mean"
    if not (reply.records or reply.facts or reply.figures or reply.hits):
        return "not_found"
    return None


def question_key(text: str) -> str:
    """The normalized form a gap is counted under."""
    return normalize(clean_input(text, MAX_QUESTION_CHARS))[:MAX_QUESTION_CHARS]


async def record(db: State, question: str, lang: str, reason: Reason, *,
                 clock: Clock = utcnow) -> None:
    """Count one gap."""
    key = question_key(question)
    if not key:
        return
    now = clock()
    # (On SQLite the state closes the cursor on the connection's own thread: one left to the
    # garbage collector raced that thread under a burst.)
    await db.execute(
        "INSERT INTO gap (question, lang, reason, count, first_seen, last_seen)"
        " VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (question, lang, reason) DO UPDATE SET"
        " count = gap.count + 1, last_seen = excluded.last_seen",
        (key, lang, reason, now.isoformat(), now.isoformat()),
    )


class _Elsewhere:
    """The configured state a private store's gaps go to, opened at the first gap."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: State | None = None
        self.broken = False

    async def connection(self) -> State | None:
        if self.conn is None and not self.broken:
            from bot.state import open_state

            try:
                self.conn = await open_state(self.settings)
            except Exception as exc:  # a read-only deployment: say so once, answer anyway
                self.broken = True
                log.warning("gaps are not counted: cannot open %s (%s)", self.where, exc)
                return None
        return self.conn

    @property
    def where(self) -> str:
        return "SMARTUPS_DATABASE_URL" if self.settings.database_url else str(self.settings.db)


_elsewhere: weakref.WeakKeyDictionary[Store, _Elsewhere] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def counted_in(store: Store, settings: Settings) -> AsyncIterator[None]:
    """While inside, gaps of ``store`` are counted in the configured state (when it is not the
    store's own file).

    The command line answers from a private in-memory store (a query writes no records into
    the bot's database), yet its unanswered questions belong in the configured database.
    """
    if settings.database_url is None and str(store.db_path) == str(Path(settings.db)):
        yield
        return
    sink = _elsewhere[store] = _Elsewhere(settings)
    try:
        yield
    finally:
        _elsewhere.pop(store, None)
        if sink.conn is not None:
            await sink.conn.close()


async def count_gap(store: Store, question: str, lang: str, reason: Reason | None) -> None:
    """The hook the answering paths call: count a gap in the store's database, never raise."""
    if reason is None:
        return
    try:
        sink = _elsewhere.get(store)
        if sink is not None:
            conn = await sink.connection()
        else:
            conn = store.state if store.is_open else None
        if conn is None:
            return
        if conn.shared:
            # A database server may be slow or away: the answer never waits for its count.
            task = asyncio.create_task(_record_quietly(conn, question, lang, reason, store.clock))
            _counting.add(task)
            task.add_done_callback(_counting.discard)
        else:
            await _record_quietly(conn, question, lang, reason, store.clock)
    except Exception:
        log.exception("could not count the gap %r", question[:80])


_counting: set[asyncio.Task[None]] = set()


async def _record_quietly(db: State, question: str, lang: str, reason: Reason,
                          clock: Clock) -> None:
    try:
        await record(db, question, lang, reason, clock=clock)
    except StateUnavailable as exc:
        log.warning("gap not counted: the state database is unavailable (%s)", exc.detail)
    except Exception:
        log.exception("could not count the gap %r", question[:80])


async def count_reply(store: Store, reply: Reply, lang: str) -> None:
    """Count ``reply`` if it is a gap (the /ask hook)."""
    await count_gap(store, reply.question, lang, gap_of(reply))


def miss_of(missing: NotFound) -> Reason:
    """A lookup that raised NotFound: "did you mean" when it had names to offer."""
    return "did_you_mean" if missing.suggestions else "not_found"


async def count_miss(store: Store, missing: NotFound, lang: str) -> None:
    """Count a lookup whose name matched no record (the lookup hook), never raise."""
    await count_gap(store, missing.query, lang, miss_of(missing))


async def prune(db: State, before: dt.datetime) -> int:
    """Drop gaps last seen before ``before``; how many went."""
    return await db.execute("DELETE FROM gap WHERE last_seen < ?", (before.isoformat(),))


async def top(db: State, *, limit: int = 20, since: dt.datetime | None = None,
              lang: str | None = None) -> list[Gap]:
    """The most frequent gaps (seen since ``since``), most counted first."""
    where, args = ["1 = 1"], []
    if since is not None:
        where.append("last_seen >= ?")
        args.append(since.isoformat())
    if lang is not None:
        where.append("lang = ?")
        args.append(lang)
    rows = await db.fetch(
        "SELECT question, lang, reason, count, first_seen, last_seen FROM gap WHERE "
        + " AND ".join(where)  # fixed conditions; values are bound
        + " ORDER BY count DESC, last_seen DESC LIMIT ?",
        (*args, limit),
    )
    return [
        Gap(r["question"], r["lang"], r["reason"], int(r["count"]),
            dt.datetime.fromisoformat(r["first_seen"]), dt.datetime.fromisoformat(r["last_seen"]))
        for r in rows
    ]
