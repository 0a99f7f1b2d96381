"""What members look at: commands run and records looked up, counted per day for /data stats.

A count is one row per (UTC day, command or record, name): ``/startup`` is ``command:startup``,
the record it showed ``record:startup:lalamove``. Nothing about who asked is kept. Rows of days
older than the retention period are dropped by :func:`prune` (the counts cog runs it daily).

Counting shares the gaps' rules: one UPSERT per name on the store's writer connection, never
raised (an answer must not fail because it could not be counted), and done after the member has
the answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import aiosqlite

from bot.clock import Clock, utcnow

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


async def record(conn: aiosqlite.Connection, uses: Iterable[tuple[What, str]], *,
                 clock: Clock = utcnow) -> None:
    """Count each (what, name) once for today."""
    day = _day(clock())
    rows = [(day, what, name[:MAX_NAME_CHARS]) for what, name in uses if name]
    if rows:
        await conn.executemany(
            "INSERT INTO usage (day, what, name, count) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (day, what, name) DO UPDATE SET count = count + 1",
            rows,
        )


async def count_use(store: Store, command: str | None, records: Iterable[Record] = ()) -> None:
    """The hook after a command answered: count it and the records it showed, never raise."""
    uses: list[tuple[What, str]] = [("command", command)] if command else []
    uses += [("record", record_name(r)) for r in records]
    if not uses or not store.is_open:
        return
    try:
        await record(store.writer, uses, clock=store.clock)
    except Exception:
        log.exception("could not count the use of %s", command)


async def top(conn: aiosqlite.Connection, what: What, *, since: dt.datetime | None = None,
              limit: int = 10) -> list[Used]:
    """The most used commands or records since ``since`` (all kept days when None)."""
    async with conn.execute(
        "SELECT name, SUM(count) AS total FROM usage WHERE what = ? AND day >= ?"
        " GROUP BY name ORDER BY total DESC, name LIMIT ?",
        (what, _day(since) if since else "", limit),
    ) as cur:
        rows = await cur.fetchall()
    return [Used(what, r[0], int(r[1])) for r in rows]


@dataclass(frozen=True, slots=True)
class Stats:
    """What /data stats and ``smartups stats`` show: gathered first, then drawn."""

    days: int | None
    records: list[tuple[str, int]]  # a reader's name of the record, looked up how often
    commands: list[tuple[str, int]]


async def gather(store: Store, conn: aiosqlite.Connection, *, days: int | None, lang: str,
                 limit: int = 10) -> Stats:
    """The most looked-up records (named as ``lang`` reads them) and commands of the period."""
    from bot.model import Kind
    from bot.render import display_name

    since = store.clock() - dt.timedelta(days=days) if days else None
    records = []
    live = store.current.dataset.records if store.loaded else {}
    for used in await top(conn, "record", since=since, limit=limit):
        kind, record_id = used.record_key
        found = live.get(Kind(kind), {}).get(record_id) if kind in Kind._value2member_map_ else None
        records.append((display_name(found, lang) if found else record_id, used.count))
    commands = [(f"/{u.name}", u.count) for u in await top(conn, "command", since=since,
                                                            limit=limit)]
    return Stats(days, records, commands)


async def prune(conn: aiosqlite.Connection, before: dt.datetime) -> int:
    """Drop the days before ``before``; how many rows went."""
    cur = await conn.execute("DELETE FROM usage WHERE day < ?", (_day(before),))
    return cur.rowcount
