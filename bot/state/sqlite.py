"""Guild and admin state in the bot's SQLite file: the default, one process, as before.

The state tables live in the same file as the knowledge (migrations V001..), so nothing changes
for a single-process bot. Two connections, as the components had before this interface:

- single statements (a gap or usage count, a read for a command) go to the ``plain``
  connection, which is the store's writer when the bot passes it: a count made during a
  reload joins the reload's transaction instead of waiting for SQLite's write lock;
- transactions run on a connection of their own, one at a time (an asyncio lock), opened with
  ``BEGIN IMMEDIATE`` so a check-then-insert is atomic against any other process on the file.

SQLite errors that mean the file cannot be used at all (it cannot be opened, the disk is gone)
are :class:`~bot.state.base.StateUnavailable`; a busy database past the 5 s busy timeout too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import ClassVar

import aiosqlite

from bot.db import migrate, open_db
from bot.state.base import Dialect, Params, Row, RowReads, State, StateUnavailable

log = logging.getLogger(__name__)

#: SQLite error texts that mean "cannot reach the data right now", not a bug in our SQL.
_UNAVAILABLE = ("database is locked", "unable to open", "disk i/o error", "readonly database")


def _unavailable(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(
        text in str(exc).lower() for text in _UNAVAILABLE
    )


class _SqliteTx(RowReads):
    """Statements on one aiosqlite connection; rows come back as dicts."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.conn.execute(sql, params) as cur:
            names = [column[0] for column in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]

    async def execute(self, sql: str, params: Params = ()) -> int:
        # The cursor is closed on the connection's own thread (not left to the collector).
        async with self.conn.execute(sql, params) as cur:
            return int(cur.rowcount)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.conn.executemany(sql, rows):
            pass


class SqliteState(State):
    """State in a SQLite file (see the module docstring)."""

    dialect: ClassVar[Dialect] = "sqlite"

    def __init__(self, path: str | Path, *, plain: aiosqlite.Connection | None = None) -> None:
        """``plain``: an open, migrated connection to the same file for single statements
        (the store's writer); without it the state opens and migrates its own."""
        self.path = str(path)
        self._plain = plain
        self._owns_plain = plain is None
        self._tx_conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._opening = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteState:
        """A state with its own connections, the schema brought up to date."""
        state = cls(path)
        await state._plain_conn()
        return state

    def local_to(self, sqlite_path: str) -> bool:
        return str(sqlite_path) == self.path

    async def _connect(self) -> aiosqlite.Connection:
        try:
            conn = await open_db(self.path)
        except (sqlite3.OperationalError, OSError) as exc:
            raise StateUnavailable(f"cannot open {self.path}: {exc}") from exc
        try:
            await migrate(conn)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _plain_conn(self) -> aiosqlite.Connection:
        async with self._opening:
            if self._plain is None:
                self._plain = await self._connect()
            return self._plain

    async def _transaction_conn(self) -> aiosqlite.Connection:
        async with self._opening:
            if self._tx_conn is None:
                if self.path == ":memory:":
                    # An in-memory database exists per connection: share the one.
                    if self._plain is None:
                        self._plain = await self._connect()
                    self._tx_conn = self._plain
                else:
                    self._tx_conn = await self._connect()
            return self._tx_conn

    @contextlib.asynccontextmanager
    async def autocommit(self) -> AsyncIterator[_SqliteTx]:
        conn = await self._plain_conn()
        try:
            yield _SqliteTx(conn)
        except sqlite3.OperationalError as exc:
            if _unavailable(exc):
                raise StateUnavailable(str(exc)) from exc
            raise

    @contextlib.asynccontextmanager
    async def transaction(self, lock: str = "state") -> AsyncIterator[_SqliteTx]:
        # ``lock`` names what is serialized; SQLite's write lock covers every name at once.
        conn = await self._transaction_conn()
        async with self._lock:
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _unavailable(exc):
                    raise StateUnavailable(str(exc)) from exc
                raise
            try:
                yield _SqliteTx(conn)
                await conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
                if _unavailable(exc):
                    raise StateUnavailable(str(exc)) from exc
                raise

    async def close(self) -> None:
        conns = [self._tx_conn] + ([self._plain] if self._owns_plain else [])
        for conn in {id(c): c for c in conns if c is not None}.values():
            await conn.close()
        self._tx_conn = None
        if self._owns_plain:
            self._plain = None
