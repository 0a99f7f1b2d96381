"""The suggestion queue in the guild state (migration V004): rows, per-member limits, audit.

The queue lives in the bot's state (its SQLite file, or PostgreSQL shared by every process), so
a restart keeps it. The limit check and the insert run in one write transaction serialized
across processes, so two suggestions sent at once cannot both slip under a limit; a decision
only moves a row out of 'pending' (``WHERE state = 'pending'``), so two moderators can never
both decide one suggestion.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, utcnow
from bot.state import Row, State, Tx
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


def _row(row: Row) -> Suggestion:
    created = _time(row["created_at"])
    assert created is not None
    return Suggestion(
        id=row["id"], kind=row["kind"], record_id=row["record_id"], field=row["field"],
        value=json.loads(row["value"]), seen=json.loads(row["seen"]), source=row["source"],
        author_id=row["author_id"], author_name=row["author_name"], lang=row["lang"],
        state=row["state"], created_at=created, data_version=row["data_version"],
        decided_at=_time(row["decided_at"]), decided_by=row["decided_by"],
        reason=row["reason"], notified=row["notified"],
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class SuggestionStore:
    """Reads and writes the queue in the state."""

    def __init__(self, db: State, *, clock: Clock = utcnow,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.db = db
        self.clock = clock
        self.limits = limits

    @staticmethod
    async def _count(db: State | Tx, sql: str, args: tuple[Any, ...]) -> int:
        return int(await db.fetchval(sql, args) or 0)

    async def add(self, new: NewSuggestion) -> Suggestion:
        """Store a checked suggestion, unless its author reached a limit."""
        now = self.clock()
        async with self.db.transaction("suggestions") as tx:
            pending = await self._count(
                tx,
                "SELECT COUNT(*) FROM suggestion WHERE author_id = ? AND state = 'pending'",
                (new.author_id,),
            )
            if pending >= self.limits.pending:
                raise SuggestionLimit("pending", self.limits.pending)
            today = await self._count(
                tx,
                "SELECT COUNT(*) FROM suggestion WHERE author_id = ? AND created_at > ?",
                (new.author_id, (now - dt.timedelta(days=1)).isoformat()),
            )
            if today >= self.limits.per_day:
                raise SuggestionLimit("daily", self.limits.per_day)
            number = int(await tx.fetchval(
                "INSERT INTO suggestion (kind, record_id, field, value, seen, source, author_id,"
                " author_name, lang, guild_id, data_version, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (new.kind, new.record_id, new.field, _json(new.value), _json(new.seen),
                 new.source, new.author_id, new.author_name, new.lang, new.guild_id,
                 new.data_version, now.isoformat()),
            ))
            await self._event(number, new.author_name, "suggested", {"field": new.field},
                              new.data_version, None, db=tx)
        return await self.get(number)

    async def get(self, number: int) -> Suggestion:
        row = await self.db.fetchrow(f"SELECT {_COLUMNS} FROM suggestion WHERE id = ?", (number,))
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
        total = await self._count(self.db, f"SELECT COUNT(*) FROM suggestion WHERE {condition}",
                                  tuple(args))
        rows = await self.db.fetch(
            f"SELECT {_COLUMNS} FROM suggestion WHERE {condition} ORDER BY id LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
        return [_row(r) for r in rows], total

    async def decide(self, number: int, state: str, actor: str, reason: str | None, *,
                     version_before: str | None = None,
                     version_after: str | None = None) -> Suggestion:
        """Accept or reject a pending suggestion, with its audit event, in one transaction."""
        decided = False
        async with self.db.transaction("suggestions") as tx:
            changed = await tx.execute(
                "UPDATE suggestion SET state = ?, decided_at = ?, decided_by = ?, reason = ?"
                " WHERE id = ? AND state = 'pending'",
                (state, self.clock().isoformat(), actor, reason, number),
            )
            if changed == 1:
                await self._event(number, actor, state, {"reason": reason} if reason else {},
                                  version_before, version_after, db=tx)
                decided = True
        if not decided:
            found = await self.get(number)
            raise SuggestionNotPending(number, found.state)
        return await self.get(number)

    async def record_event(self, number: int, actor: str, action: str,
                           detail: dict[str, Any] | None = None) -> None:
        """An event outside a decision (a refused accept, an outcome message)."""
        await self._event(number, actor, action, detail or {}, None, None)

    async def set_notified(self, number: int, notified: str) -> None:
        await self.db.execute("UPDATE suggestion SET notified = ? WHERE id = ?",
                              (notified, number))
        await self.record_event(number, "bot", f"notified:{notified}")

    async def _event(self, number: int, actor: str, action: str, detail: dict[str, Any],
                     version_before: str | None, version_after: str | None, *,
                     db: State | Tx | None = None) -> None:
        await (db or self.db).execute(
            "INSERT INTO suggestion_event (suggestion_id, at, actor, action, version_before,"
            " version_after, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (number, self.clock().isoformat(), actor, action, version_before, version_after,
             _json(detail)),
        )

    async def events(self, limit: int = 15) -> list[dict[str, Any]]:
        """The newest queue events first, for /data history and the CLI."""
        rows = await self.db.fetch(
            "SELECT id, suggestion_id, at, actor, action, version_before, version_after, detail"
            " FROM suggestion_event ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            {"id": r["id"], "suggestion": r["suggestion_id"], "at": r["at"], "actor": r["actor"],
             "action": r["action"], "version_before": r["version_before"],
             "version_after": r["version_after"], "detail": json.loads(r["detail"])}
            for r in rows
        ]
