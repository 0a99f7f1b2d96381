"""The SQLite write of a reload: the rows it stores, in batches built while the previous one
is inserted, one transaction whatever batch fails, the log checkpointed after the commit."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot import store as store_module
from bot.db import open_db
from bot.loader import Loader
from bot.model import Kind
from bot.store import Store, _fts_row, _rows_for
from bot.wal import AUTOCHECKPOINT_PAGES, DeferredCheckpoint
from tests.conftest import DATA_DIR


def test_rows_are_the_records_json_hash_and_columns() -> None:
    """Every shipped record's row holds model_dump_json() and its hash (what restarts read)."""
    dataset = Loader(DATA_DIR).load().dataset
    assert dataset is not None
    targets = [(kind, rid) for kind in Kind for rid in dataset.records[kind]]
    rows, fts_rows = _rows_for(dataset, targets, 7)
    assert len(rows) == len(fts_rows) == len(targets) > 50
    for rowid, (kind, rid), row, fts in zip(
        range(7, 7 + len(targets)), targets, rows, fts_rows, strict=True
    ):
        rec = dataset.records[kind][rid]
        data = rec.model_dump_json(exclude_none=True)
        assert row == (
            rowid,
            kind.value,
            rid,
            rec.name,
            getattr(rec, "city", None),
            getattr(rec, "sector", None),
            data,
            hashlib.sha256(data.encode("utf-8")).hexdigest()[:16],
        )
        assert fts == (rowid, *_fts_row(rec))
    assert any(row[4] for row in rows) and any(row[5] for row in rows)


async def _stored(store: Store) -> list[tuple[object, ...]]:
    async with store.reader.execute(
        "SELECT r.rowid, r.kind, r.id, r.data, r.hash, f.name, f.description, f.figures "
        "FROM record r JOIN record_fts f ON f.rowid = r.rowid ORDER BY r.rowid"
    ) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def test_small_batches_store_what_one_batch_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = Store(tmp_path / "one.db", DATA_DIR)
    await one.open()
    try:
        assert (await one.reload()).outcome == "applied"
        expected = await _stored(one)
    finally:
        await one.close()
    monkeypatch.setattr(store_module, "WRITE_BATCH", 4)  # a dozen batches and more
    # 2 or 3 rows to a statement (8 or 6 columns): each batch in more than one, the last short.
    monkeypatch.setattr(store_module, "_bound_values_limit", lambda: 20)
    many = Store(tmp_path / "many.db", DATA_DIR)
    await many.open()
    try:
        assert (await many.reload()).outcome == "applied"
        assert await _stored(many) == expected
        assert len(expected) == sum(many.current.counts().values()) > 12 * 4
    finally:
        await many.close()


async def test_a_batch_failing_late_leaves_the_old_data(
    store: Store, sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches already inserted are rolled back with the failing one (a real SQLite error:
    a trigger aborts the insert of the 9th new record, while the next batch is being built)."""
    monkeypatch.setattr(store_module, "WRITE_BATCH", 2)
    version = store.current.version
    before = await _stored(store)
    extra = "".join(f"  - {{id: newco-{n}, name: NewCo {n}}}\n" for n in range(12))
    (sample_dir / "extra.yaml").write_text("startups:\n" + extra)
    await store.writer.execute(
        "CREATE TEMP TRIGGER full_disk BEFORE INSERT ON record WHEN NEW.id = 'newco-8' "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    report = await store.reload()
    assert report.outcome == "failed" and "disk full" in (report.error or "")
    assert store.current.version == version
    assert await _stored(store) == before
    await store.writer.execute("DROP TRIGGER full_disk")
    assert (await store.reload()).outcome == "applied"
    ids = {row[2] for row in await _stored(store)}
    assert {f"newco-{n}" for n in range(12)} <= ids


async def _scalar(conn: aiosqlite.Connection, sql: str) -> int:
    async with conn.execute(sql) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def test_a_full_write_is_checkpointed_after_its_commit(tmp_path: Path) -> None:
    """The commit leaves the log to a background checkpoint; once it is over, the database
    file alone (read ignoring the log) holds every record and the automatic one is back."""
    db = tmp_path / "cold.db"
    store = Store(db, DATA_DIR)
    await store.open()
    try:
        assert (await store.reload()).outcome == "applied"
        await store._wal.wait()
        assert await _scalar(store.writer, "PRAGMA wal_autocheckpoint") == AUTOCHECKPOINT_PAGES
        with sqlite3.connect(f"file:{db}?immutable=1", uri=True) as main_file:
            (count,) = main_file.execute("SELECT count(*) FROM record").fetchone()
        assert count == sum(store.current.counts().values()) > 50
    finally:
        await store.close()


async def test_a_failed_full_write_keeps_the_automatic_checkpoint(tmp_path: Path) -> None:
    store = Store(tmp_path / "cold.db", DATA_DIR)
    await store.open()
    try:
        await store.writer.execute(
            "CREATE TEMP TRIGGER full_disk BEFORE INSERT ON meta "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )  # after every record row: the commit's turn never comes
        report = await store.reload()
        assert report.outcome == "failed" and "disk full" in (report.error or "")
        assert await _scalar(store.writer, "PRAGMA wal_autocheckpoint") == AUTOCHECKPOINT_PAGES
        assert await _scalar(store.reader, "PRAGMA user_version") > 0
        assert await _scalar(store.reader, "SELECT count(*) FROM record") == 0
    finally:
        await store.close()


async def test_a_checkpoint_ending_leaves_a_later_hold_alone(tmp_path: Path) -> None:
    """Two full writes in a row: the first one's checkpoint, ending during the second write,
    must not turn the automatic checkpoint back on under it; a cancelled hold does."""
    db = str(tmp_path / "wal.db")
    conn = await open_db(db)
    try:
        wal = DeferredCheckpoint(db)
        await wal.hold(conn)
        wal.start(conn)
        await wal.hold(conn)  # the second write, before the first checkpoint is over
        await wal.wait()
        assert await _scalar(conn, "PRAGMA wal_autocheckpoint") == 0
        await wal.cancel(conn)  # the second write rolled back
        assert await _scalar(conn, "PRAGMA wal_autocheckpoint") == AUTOCHECKPOINT_PAGES
    finally:
        await conn.close()
    assert not DeferredCheckpoint(":memory:").enabled
