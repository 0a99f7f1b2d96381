"""What members look at: commands run and records looked up, counted per day for /data stats.

A count is one row per (UTC day, command or record, name): ``/startup`` is ``command:startup``,
the record it showed ``record:startup:lalamove``. Nothing about who asked is kept. Rows of days
older than the retention period are dropped by :func:`prune` (the counts cog runs it daily).

Counting never raises (an answer must not fail because it could not be counted) and costs the
answering path no I/O: :func:`count_use` adds to an in-memory :class:`Tally` of the store, and
one batch UPSERT writes it :data:`FLUSH_AFTER` seconds later (before any read, and when the
bot stops). Under a burst a write per command was a round trip through aiosqlite's thread for
each interaction, on the event loop that has to acknowledge the next ones. A crash loses at
most those few seconds of counts.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.clock import Clock, utcnow
from bot.state import State, StateUnavailable

if TYPE_CHECKING:
    from bot.model import Record
    from bot.store import Store

log = logging.getLogger(__name__)

What = Literal["command", "record"]
MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class Used:
    """How often one command ran, or one record was looked up, over a period."""

    what: str
    name: str
    count: int

    @property
    def record_key(self) -> tuple[str, str]:
        """(kind, id) of a record row."""
        kind, _, record_id = self.name.partition(":")
        return kind, record_id


def record_name(record: Record) -> str:
    return f"{record.kind}:{record.id}"


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).date().isoformat()


#: Seconds between a first uncounted use and the batch write that counts it.
FLUSH_AFTER = 2.0

Key = tuple[str, What, str]  # (day, what, name)


async def write(db: State, counts: dict[Key, int]) -> None:
    """Add ``counts`` to the table in one statement (on SQLite the cursor is closed on the
    connection's own thread)."""
    rows = [(day, what, name, n) for (day, what, name), n in counts.items() if n > 0]
    if not rows:
        return
    await db.executemany(
        "INSERT INTO usage (day, what, name, count) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (day, what, name) DO UPDATE SET count = usage.count + excluded.count",
        rows,
    )


def keys(uses: Iterable[tuple[What, str]], clock: Clock = utcnow) -> list[Key]:
    day = _day(clock())
    return [(day, what, name[:MAX_NAME_CHARS]) for what, name in uses if name]


async def record(db: State, uses: Iterable[tuple[What, str]], *,
                 clock: Clock = utcnow) -> None:
    """Count each (what, name) once for today, now."""
    await write(db, collections.Counter(keys(uses, clock)))


class Tally:
    """The uses of one store not written yet, and the one pending write that will."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: collections.Counter[Key] = collections.Counter()
        self._timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()

    def add(self, found: Iterable[Key]) -> None:
        self.pending.update(found)
        if self.pending and self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(FLUSH_AFTER, self._flush_soon, loop)

    def _flush_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        task = loop.create_task(self.flush())
        _flushing.add(task)
        task.add_done_callback(_flushing.discard)

    async def flush(self) -> None:
        """Write what is pending, never raise; counts that could not be written are logged
        and dropped (a broken database must not grow the tally without bound)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._lock:
            counts, self.pending = self.pending, collections.Counter()
            if not counts or not self.store.is_open:
                return
            try:
                await write(self.store.state, counts)
            except StateUnavailable as exc:
                log.warning("%d usage counts not written: the state database is unavailable "
                            "(%s)", sum(counts.values()), exc.detail)
            except Exception:
                log.exception("could not write %d usage counts", sum(counts.values()))


_tallies: weakref.WeakKeyDictionary[Store, Tally] = weakref.WeakKeyDictionary()
_flushing: set[asyncio.Task[None]] = set()


def tally_of(store: Store) -> Tally:
    found = _tallies.get(store)
    if found is None:
        found = _tallies[store] = Tally(store)
    return found


async def flush(store: Store) -> None:
    """Write the store's pending counts now (before reading them, and when stopping)."""
    found = _tallies.get(store)
    if found is not None:
        await found.flush()


async def count_use(store: Store, command: str | None, records: Iterable[Record] = ()) -> None:
    """The hook after a command answered: count it and the records it showed, never raise."""
    uses: list[tuple[What, str]] = [("command", command)] if command else []
    uses += [("record", record_name(r)) for r in records]
    if not uses or not store.is_open:
        return
    try:
        tally_of(store).add(keys(uses, store.clock))
    except Exception:
        log.exception("could not count the use of %s", command)


async def top(db: State, what: What, *, since: dt.datetime | None = None,
              limit: int = 10) -> list[Used]:
    """The most used commands or records since ``since`` (all kept days when None)."""
    rows = await db.fetch(
        "SELECT name, SUM(count) AS total FROM usage WHERE what = ? AND day >= ?"
        " GROUP BY name ORDER BY total DESC, name LIMIT ?",
        (what, _day(since) if since else "", limit),
    )
    return [Used(what, r["name"], int(r["total"])) for r in rows]


@dataclass(frozen=True, slots=True)
class Stats:
    """What /data stats and ``smartups stats`` show: gathered first, then drawn."""

    days: int | None
    records: list[tuple[str, int]]  # a reader's name of the record, looked up how often
    commands: list[tuple[str, int]]


async def gather(store: Store, db: State, *, days: int | None, lang: str,
                 limit: int = 10) -> Stats:
    """The most looked-up records (named as ``lang`` reads them) and commands of the period."""
    from bot.model import Kind
    from bot.render import display_name

    await flush(store)
    since = store.clock() - dt.timedelta(days=days) if days else None
    records = []
    live = store.current.dataset.records if store.loaded else {}
    for used in await top(db, "record", since=since, limit=limit):
        kind, record_id = used.record_key
        found = live.get(Kind(kind), {}).get(record_id) if kind in Kind._value2member_map_ else None
        records.append((display_name(found, lang) if found else record_id, used.count))
    commands = [(f"/{u.name}", u.count) for u in await top(db, "command", since=since,
                                                            limit=limit)]
    return Stats(days, records, commands)


async def prune(db: State, before: dt.datetime) -> int:
    """Drop the days before ``before``; how many rows went."""
    return await db.execute("DELETE FROM usage WHERE day < ?", (_day(before),))
