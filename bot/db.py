"""Opening the SQLite database and bringing its schema up to date.

Schema changes are numbered SQL files in ``bot/migrations`` (``V001__records.sql``...), applied
in order inside one transaction each and remembered in ``PRAGMA user_version``, so a database
made by any earlier version is upgraded in place and a half-applied migration never sticks.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_RE = re.compile(r"^V(\d{3})__([a-z0-9_]+)\.sql$")


class DatabaseError(RuntimeError):
    """The database cannot be used (missing FTS5, newer schema than this code...)."""


def migrations() -> list[tuple[int, str, str]]:
    """Return ``(version, name, sql)`` for every migration file, in order."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files("bot.migrations").iterdir():
        match = _MIGRATION_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise DatabaseError(f"migration numbers must run 1..n without gaps, found {versions}")
    return found


def check_fts5() -> None:
    """Fail with a clear message when this SQLite was built without FTS5."""
    con = sqlite3.connect(":memory:")
    try:
        options = {row[0] for row in con.execute("PRAGMA compile_options")}
    finally:
        con.close()
    if "ENABLE_FTS5" not in options:
        raise DatabaseError(
            f"SQLite {sqlite3.sqlite_version} was built without FTS5, which search needs. "
            "Use a Python whose sqlite3 module has FTS5 (the python.org and Debian builds do)."
        )


async def open_db(path: str | Path, *, set_wal: bool = True) -> aiosqlite.Connection:
    """Open a connection; the writer's puts the database in WAL mode (it stays so), so
    readers never wait for the one writer."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA busy_timeout = 5000")
    if set_wal:
        await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply pending migrations; return the schema version now in force."""
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    current = int(row[0]) if row else 0
    known = migrations()
    if current > len(known):
        raise DatabaseError(
            f"the database schema is version {current}, newer than this code knows "
            f"({len(known)}); upgrade the bot or point SMARTUPS_DB at another file"
        )
    for version, name, sql in known[current:]:
        log.info("applying migration V%03d %s", version, name)
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_sql(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version:d}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
    return len(known)


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no triggers with inner ';')."""
    statements, buf = [], []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buf.append(line)
        joined = "\n".join(buf)
        if sqlite3.complete_statement(joined):
            statements.append(joined.strip())
            buf = []
    if "\n".join(buf).strip():
        raise DatabaseError("migration ends with an incomplete statement")
    return statements
