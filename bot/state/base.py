"""The one interface the services use for guild and admin state, whatever holds it.

Services (the spotlight, the suggestion queue, the audit log, gap and usage counts, command
sync and process heartbeats) write SQL in the subset SQLite and PostgreSQL share: ``?``
placeholders (the PostgreSQL side numbers them), ``INSERT ... ON CONFLICT ... DO UPDATE``,
``RETURNING id``, ISO 8601 text for times, 0/1 integers for flags. They never learn which
backend answers:

- :meth:`State.transaction` is a write transaction that is atomic against every other process
  writing under the same ``lock`` name: SQLite takes its database-wide write lock up front
  (``BEGIN IMMEDIATE``), PostgreSQL a transaction-scoped advisory lock on the name. A
  check-then-insert inside it (a spotlight claim, a suggestion under a member's limit) is
  therefore atomic across processes on both.
- Outside a transaction, :meth:`State.fetch` and :meth:`State.execute` run one statement in
  autocommit.
- When the database cannot be reached, every call raises :class:`StateUnavailable` (a
  :class:`~bot.errors.SmartUpsError`: the command tree answers "try again shortly" in the
  member's language); the backend reconnects by itself on a later call.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, ClassVar, Literal, Protocol

from bot.errors import SmartUpsError

Row = dict[str, Any]
Params = Sequence[object]
Dialect = Literal["sqlite", "postgresql"]
Listener = Callable[[str], Awaitable[None] | None]


class StateUnavailable(SmartUpsError):
    """The shared database cannot be reached (or went away mid-command); retry shortly."""

    key: ClassVar[str] = "error.state_unavailable"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"the state database is unavailable{': ' + detail if detail else ''}")


class Tx(Protocol):
    """The statements of one open transaction."""

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchrow(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...


class RowReads:
    """``fetchrow`` and ``fetchval`` derived from a class's ``fetch`` (one place for both)."""

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchrow(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchrow(sql, params)
        return next(iter(row.values())) if row else None


class State(RowReads, ABC):
    """Guild and admin state on one backend (see the module docstring)."""

    dialect: ClassVar[Dialect]

    @abstractmethod
    def transaction(self, lock: str = "state") -> contextlib.AbstractAsyncContextManager[Tx]:
        """A write transaction, serialized with every other one under ``lock`` in any
        process; committed when the block ends, rolled back when it raises."""

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.autocommit() as tx:
            return await tx.fetch(sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.autocommit() as tx:
            return await tx.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.autocommit() as tx:
            await tx.executemany(sql, rows)

    @abstractmethod
    def autocommit(self) -> contextlib.AbstractAsyncContextManager[Tx]:
        """Statements outside a transaction, each committed on its own."""

    @abstractmethod
    async def close(self) -> None: ...

    def local_to(self, sqlite_path: str) -> bool:
        """True when this state lives in that SQLite file (the default, single-process setup):
        the store may then write its audit row inside its own reload transaction."""
        return False

    @property
    def shared(self) -> bool:
        """True when other processes may share this state (a database server)."""
        return False

    async def notify(self, channel: str, payload: str) -> None:
        """Tell every process listening on ``channel`` (a no-op where nobody else listens)."""

    async def listen(self, channel: str, callback: Listener) -> None:
        """Call ``callback(payload)`` for each notification on ``channel`` (PostgreSQL's
        LISTEN); re-subscribed after a reconnect. A no-op on a single-process backend."""
