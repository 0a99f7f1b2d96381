"""Database start-up checks: FTS5 present, migrations in order, newer schemas refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot import db


def test_missing_fts5_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoFts5:
        def execute(self, _sql: str):
            return [("ENABLE_JSON1",), ("THREADSAFE=1",)]

        def close(self) -> None:
            pass

    monkeypatch.setattr(db.sqlite3, "connect", lambda *_a, **_k: NoFts5())
    with pytest.raises(db.DatabaseError, match="without FTS5"):
        db.check_fts5()


def test_this_sqlite_has_fts5() -> None:
    db.check_fts5()


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [version for version, _, _ in db.migrations()]
    assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 3


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 999")
    con.close()
    conn = await db.open_db(path)
    try:
        with pytest.raises(db.DatabaseError, match="newer than this code"):
            await db.migrate(conn)
    finally:
        await conn.close()


async def test_migrate_is_idempotent(tmp_path: Path) -> None:
    conn = await db.open_db(tmp_path / "x.db")
    try:
        first = await db.migrate(conn)
        assert await db.migrate(conn) == first
    finally:
        await conn.close()
