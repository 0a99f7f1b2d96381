"""The suggestion queue in SQLite (migration V004): the rows, the per-member limits, the audit.

The queue lives in the bot's database, so a restart keeps it. The limit check and the insert
run in one ``BEGIN IMMEDIATE`` transaction, so two suggestions sent at once cannot both slip
under a limit; a decision only moves a row out of 'pending' (``WHERE state = 'pending'``), so
two moderators can never both decide one suggestion.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.clock import Clock, utcnow
from bot.suggestions.errors import SuggestionLimit, SuggestionNotFound, SuggestionNotPending
from bot.suggestions.models import Suggestion

log = logging.getLogger(__name__)

_COLUMNS = (
    "id, kind, record_id, field, value, seen, source, author_id, author_name, lang, state,"
    " created_at, data_version, decided_at, decided_by, reason, notified"
)


@dataclass(frozen=True, slots=True)
class Limits:
    """How many suggestions one member may have waiting, and make in 24 hours."""

    pending: int = 10
    per_day: int = 20


#: The limits when none are configured (the issue's 10 pending, 20 a day).
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class NewSuggestion:
    """What a member proposes, checked, before it has a number."""

    kind: str
    record_id: str
    field: str
    value: Any
    seen: Any
    source: str
    author_id: int
    author_name: str
    lang: str = "en"
    guild_id: int | None = None
    data_version: str | None = None


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _row(row: aiosqlite.Row) -> Suggestion:
    created = _time(row[11])
    assert created is not None
    return Suggestion(
        id=row[0], kind=row[1], record_id=row[2], field=row[3], value=json.loads(row[4]),
        seen=json.loads(row[5]), source=row[6], author_id=row[7], author_name=row[8],
        lang=row[9], state=row[10], created_at=created, data_version=row[12],
        decided_at=_time(row[13]), decided_by=row[14], reason=row[15], notified=row[16],
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class SuggestionStore:
    """Reads and writes the queue on one connection of its own."""

    def __init__(self, conn: aiosqlite.Connection, *, clock: Clock = utcnow,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.conn = conn
        self.clock = clock
        self.limits = limits

    async def _count(self, sql: str, args: tuple[Any, ...]) -> int:
        async with self.conn.execute(sql, args) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def add(self, new: NewSuggestion) -> Suggestion:
        """Store a checked suggestion, unless its author reached a limit."""
        now = self.clock()
        conn = self.conn
        await conn.execute("BEGIN IMMEDIATE")
        try:
            pending = await self._count(
                "SELECT COUNT(*) FROM suggestion WHERE author_id = ? AND state = 'pending'",
                (new.author_id,),
            )
            if pending >= self.limits.pending:
                raise SuggestionLimit("pending", self.limits.pending)
            today = await self._count(
                "SELECT COUNT(*) FROM suggestion WHERE author_id = ? AND created_at > ?",
                (new.author_id, (now - dt.timedelta(days=1)).isoformat()),
            )
            if today >= self.limits.per_day:
                raise SuggestionLimit("daily", self.limits.per_day)
            cur = await conn.execute(
                "INSERT INTO suggestion (kind, record_id, field, value, seen, source, author_id,"
                " author_name, lang, guild_id, data_version, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new.kind, new.record_id, new.field, _json(new.value), _json(new.seen),
                 new.source, new.author_id, new.author_name, new.lang, new.guild_id,
                 new.data_version, now.isoformat()),
            )
            number = cur.lastrowid
            assert number is not None
            await self._event(number, new.author_name, "suggested", {"field": new.field},
                              new.data_version, None)
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return await self.get(number)

    async def get(self, number: int) -> Suggestion:
        async with self.conn.execute(
            f"SELECT {_COLUMNS} FROM suggestion WHERE id = ?", (number,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise SuggestionNotFound(number)
        return _row(row)

    async def pending(self, number: int) -> Suggestion:
        """The suggestion, which must still wait for a decision."""
        found = await self.get(number)
        if found.state != "pending":
            raise SuggestionNotPending(number, found.state)
        return found

    async def page(self, *, state: str | None = "pending", kind: str | None = None,
                   record_id: str | None = None, limit: int = 10,
                   offset: int = 0) -> tuple[list[Suggestion], int]:
        """One page of suggestions, oldest first, and how many match in all."""
        where, args = ["1 = 1"], []
        for column, value in (("state", state), ("kind", kind), ("record_id", record_id)):
            if value is not None:
                where.append(f"{column} = ?")  # column names are ours, values are bound
                args.append(value)
        condition = " AND ".join(where)
        total = await self._count(f"SELECT COUNT(*) FROM suggestion WHERE {condition}",
                                  tuple(args))
        async with self.conn.execute(
            f"SELECT {_COLUMNS} FROM suggestion WHERE {condition} ORDER BY id LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ) as cur:
            rows = await cur.fetchall()
        return [_row(r) for r in rows], total

    async def decide(self, number: int, state: str, actor: str, reason: str | None, *,
                     version_before: str | None = None,
                     version_after: str | None = None) -> Suggestion:
        """Accept or reject a pending suggestion, with its audit event, in one transaction."""
        conn = self.conn
        await conn.execute("BEGIN IMMEDIATE")
        try:
            cur = await conn.execute(
                "UPDATE suggestion SET state = ?, decided_at = ?, decided_by = ?, reason = ?"
                " WHERE id = ? AND state = 'pending'",
                (state, self.clock().isoformat(), actor, reason, number),
            )
            if cur.rowcount != 1:
                await conn.execute("ROLLBACK")
                found = await self.get(number)
                raise SuggestionNotPending(number, found.state)
            await self._event(number, actor, state, {"reason": reason} if reason else {},
                              version_before, version_after)
            await conn.execute("COMMIT")
        except SuggestionNotPending:
            raise
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return await self.get(number)

    async def record_event(self, number: int, actor: str, action: str,
                           detail: dict[str, Any] | None = None) -> None:
        """An event outside a decision (a refused accept, an outcome message)."""
        await self._event(number, actor, action, detail or {}, None, None)

    async def set_notified(self, number: int, notified: str) -> None:
        await self.conn.execute("UPDATE suggestion SET notified = ? WHERE id = ?",
                                (notified, number))
        await self.record_event(number, "bot", f"notified:{notified}")

    async def _event(self, number: int, actor: str, action: str, detail: dict[str, Any],
                     version_before: str | None, version_after: str | None) -> None:
        await self.conn.execute(
            "INSERT INTO suggestion_event (suggestion_id, at, actor, action, version_before,"
            " version_after, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (number, self.clock().isoformat(), actor, action, version_before, version_after,
             _json(detail)),
        )

    async def events(self, limit: int = 15) -> list[dict[str, Any]]:
        """The newest queue events first, for /data history and the CLI."""
        async with self.conn.execute(
            "SELECT id, suggestion_id, at, actor, action, version_before, version_after, detail"
            " FROM suggestion_event ORDER BY id DESC LIMIT ?",
            (limit,),
        ) as cur:
            rows = await cur.fetchall()
        return [
            {"id": r[0], "suggestion": r[1], "at": r[2], "actor": r[3], "action": r[4],
             "version_before": r[5], "version_after": r[6], "detail": json.loads(r[7])}
            for r in rows
        ]
