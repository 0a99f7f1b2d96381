"""Guild and admin state on PostgreSQL, shared by every process of one bot (asyncpg).

Why asyncpg: it is asyncio-native and the fastest Python driver on loopback (binary protocol,
prepared statements cached per connection), has a built-in pool, and gives LISTEN/NOTIFY on a
plain connection (``add_listener``), which the data-version broadcast needs. psycopg 3 async
would do too; asyncpg needs no libpq and ships manylinux wheels.

- Statements use ``?`` like SQLite; they are rewritten to ``$1, $2...`` once and cached.
- :meth:`PostgresState.transaction` takes ``pg_advisory_xact_lock`` on a hash of its ``lock``
  name first: writers under one name queue across processes as SQLite's ``BEGIN IMMEDIATE``
  makes them queue, so a check-then-insert stays atomic.
- A lost server is :class:`~bot.state.base.StateUnavailable`, at once: after a failure, calls
  fail fast for a backoff (0.25 s doubling to :data:`MAX_BACKOFF`) instead of each waiting for a
  connect timeout; the next call after it tries again, and the pool's dead connections are
  expired so the first call after the server returns gets a fresh one.
- One connection outside the pool listens (LISTEN); a task reconnects it with the same bounded
  backoff and re-subscribes, then calls the ``on_reconnect`` hooks (a missed notification is
  caught up by the caller's periodic check).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import inspect
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from importlib import resources
from typing import Any, ClassVar

import asyncpg

from bot.db import DatabaseError, migrations
from bot.state.base import Dialect, Listener, Params, Row, State, StateUnavailable

log = logging.getLogger(__name__)

#: Longest wait between two reconnection attempts.
MAX_BACKOFF = 5.0
FIRST_BACKOFF = 0.25
#: A statement that has not answered after this many seconds fails (a hung server).
COMMAND_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
_ROWCOUNT = re.compile(r"(\d+)$")


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """``?`` placeholders as ``$1, $2...``; a ``?`` inside a quoted literal stays."""
    out, n, quote = [], 0, ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(char)
    return "".join(out)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock``."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lost(exc: BaseException) -> bool:
    """Does ``exc`` mean the server is gone (or going), rather than a bug in a statement?"""
    if isinstance(exc, OSError | TimeoutError | asyncpg.PostgresConnectionError):
        return True
    if isinstance(exc, asyncpg.exceptions.OperatorInterventionError):  # 57P01..57P03
        return True
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        # Seen when the pool resets a connection whose server just went away ("cannot switch
        # to state ..."): the connection is unusable, the pool's are expired on failure.
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return isinstance(exc, asyncpg.exceptions.ConnectionDoesNotExistError) or (
            "closed" in str(exc) or "connection was closed" in str(exc)
        )
    return False


_Conn = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy


class _PgTx:
    def __init__(self, conn: _Conn) -> None:
        self.conn = conn

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        return [dict(r) for r in await self.conn.fetch(numbered(sql), *params)]

    async def fetchrow(self, sql: str, params: Params = ()) -> Row | None:
        row = await self.conn.fetchrow(numbered(sql), *params)
        return dict(row) if row is not None else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        return await self.conn.fetchval(numbered(sql), *params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        status = await self.conn.execute(numbered(sql), *params)
        match = _ROWCOUNT.search(status or "")
        return int(match.group(1)) if match else 0

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            await self.conn.executemany(numbered(sql), batch)


def pg_migrations() -> list[tuple[int, str, str]]:
    """The SQLite migrations' numbers and names, each with its PostgreSQL text: the file of
    the same name in ``bot/migrations/postgresql/`` where the SQL differs, else the common one."""
    folder = resources.files("bot.migrations").joinpath("postgresql")
    found = []
    for version, name, sql in migrations():
        own = folder.joinpath(f"V{version:03d}__{name}.sql")
        found.append((version, name, own.read_text("utf-8") if own.is_file() else sql))
    return found


class PostgresState(State):
    """State on a PostgreSQL server (see the module docstring)."""

    dialect: ClassVar[Dialect] = "postgresql"

    def __init__(self, url: str, *, max_size: int = 5) -> None:
        self.url = url
        self.max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._backoff = 0.0
        self._retry_at = 0.0
        self._listeners: dict[str, list[Listener]] = {}
        self._listen_conn: asyncpg.Connection | None = None
        self._listen_task: asyncio.Task[None] | None = None
        self._listen_wakeup = asyncio.Event()
        self.on_reconnect: list[Callable[[], Awaitable[None]]] = []
        self._closed = False

    @property
    def shared(self) -> bool:
        return True

    @classmethod
    async def open(cls, url: str, *, wait: float = 30.0, max_size: int = 5) -> PostgresState:
        """Connect and bring the schema up to date, trying for at most ``wait`` seconds."""
        state = cls(url, max_size=max_size)
        deadline = time.monotonic() + wait
        delay = FIRST_BACKOFF
        while True:
            try:
                state._pool = await asyncpg.create_pool(
                    url, min_size=0, max_size=max_size, command_timeout=COMMAND_TIMEOUT,
                    timeout=CONNECT_TIMEOUT,
                )
                await state.migrate()
                return state
            except Exception as exc:
                if not _lost(exc) or time.monotonic() + delay > deadline:
                    if state._pool is not None:
                        await state._pool.close()
                    if _lost(exc):
                        raise StateUnavailable(f"cannot reach {_safe(url)}: {exc}") from exc
                    raise
                log.warning("state: %s not reachable yet (%s); retrying", _safe(url), exc)
                if state._pool is not None:
                    await state._pool.close()
                    state._pool = None
                await asyncio.sleep(delay)
                delay = min(MAX_BACKOFF, delay * 2)

    async def migrate(self) -> int:
        """Apply pending migrations in one transaction, under an advisory lock so two
        processes starting together do not both apply them."""
        known = pg_migrations()
        assert self._pool is not None
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key("migrations"))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            current = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            if current > len(known):
                raise DatabaseError(
                    f"the database schema is version {current}, newer than this code knows "
                    f"({len(known)}); upgrade the bot or point SMARTUPS_DATABASE_URL elsewhere"
                )
            for version, name, sql in known[current:]:
                log.info("applying migration V%03d %s (postgresql)", version, name)
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES ($1, $2)", version, name
                )
        return len(known)

    # ------------------------------------------------------------------ connections

    def _check_backoff(self) -> None:
        if self._closed:
            raise StateUnavailable("closed")
        if self._backoff and time.monotonic() < self._retry_at:
            raise StateUnavailable("reconnecting")

    async def _failed(self, exc: BaseException) -> StateUnavailable:
        self._backoff = min(MAX_BACKOFF, self._backoff * 2 if self._backoff else FIRST_BACKOFF)
        self._retry_at = time.monotonic() + self._backoff
        if self._pool is not None:
            # Idle connections to a server that went away are dead: replace them all.
            await self._pool.expire_connections()
        log.warning("state: database unavailable (%s: %s); next try in %.2fs",
                    type(exc).__name__, exc, self._backoff)
        return StateUnavailable(f"{type(exc).__name__}: {exc}")

    def _recovered(self) -> None:
        if self._backoff:
            log.info("state: database reachable again")
        self._backoff = 0.0

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[_Conn]:
        self._check_backoff()
        assert self._pool is not None
        try:
            async with self._pool.acquire(timeout=CONNECT_TIMEOUT) as conn:
                yield conn
        except Exception as exc:
            if _lost(exc):
                raise await self._failed(exc) from exc
            raise
        self._recovered()

    @contextlib.asynccontextmanager
    async def autocommit(self) -> AsyncIterator[_PgTx]:
        async with self._connection() as conn:
            yield _PgTx(conn)

    @contextlib.asynccontextmanager
    async def transaction(self, lock: str = "state") -> AsyncIterator[_PgTx]:
        async with self._connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(lock))
            yield _PgTx(conn)

    async def close(self) -> None:
        self._closed = True
        if self._listen_task is not None:
            self._listen_task.cancel()
            await asyncio.gather(self._listen_task, return_exceptions=True)
            self._listen_task = None
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._listen_conn.close(), 2.0)
            self._listen_conn = None
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), 5.0)
            except Exception:  # a hung close: do not wait for a dead server
                self._pool.terminate()
            self._pool = None

    # ------------------------------------------------------------------ LISTEN / NOTIFY

    async def notify(self, channel: str, payload: str) -> None:
        await self.execute("SELECT pg_notify(?, ?)", (channel, payload))

    async def listen(self, channel: str, callback: Listener) -> None:
        self._listeners.setdefault(channel, []).append(callback)
        if self._listen_task is None:
            self._listen_task = asyncio.create_task(self._keep_listening(), name="state-listen")
        elif self._listen_conn is not None and not self._listen_conn.is_closed():
            await self._listen_conn.add_listener(channel, self._dispatch)

    def _dispatch(self, _conn: object, _pid: int, channel: str, payload: object) -> None:
        for callback in self._listeners.get(channel, []):
            result = callback(str(payload))
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                task.add_done_callback(_log_failure)

    def _lost_listener(self, _conn: object) -> None:
        self._listen_wakeup.set()

    async def _keep_listening(self) -> None:
        """Hold the listening connection; reconnect with backoff when it drops."""
        delay = FIRST_BACKOFF
        first = True
        while not self._closed:
            try:
                conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
            except Exception as exc:
                if not _lost(exc):
                    log.exception("state: cannot listen for notifications")
                await asyncio.sleep(delay)
                delay = min(MAX_BACKOFF, delay * 2)
                continue
            delay = FIRST_BACKOFF
            self._listen_wakeup.clear()
            conn.add_termination_listener(self._lost_listener)
            try:
                for channel in list(self._listeners):
                    await conn.add_listener(channel, self._dispatch)
                self._listen_conn = conn
                if not first:
                    log.info("state: listening again after a lost connection")
                    for hook in list(self.on_reconnect):
                        try:
                            await hook()
                        except Exception:
                            log.exception("state: a reconnect hook failed")
                first = False
                # Wake on termination, or every few seconds to notice a silent loss.
                while not conn.is_closed() and not self._closed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._listen_wakeup.wait(), 5.0)
                    if not conn.is_closed():
                        try:
                            await asyncio.wait_for(conn.execute("SELECT 1"), 5.0)
                        except Exception:
                            break
            except Exception as exc:
                if not _lost(exc):
                    log.exception("state: the listening connection failed")
            finally:
                self._listen_conn = None
                conn.terminate()


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("state: a notification handler failed", exc_info=task.exception())


def _safe(url: str) -> str:
    """The URL without its password, for logs and messages."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
