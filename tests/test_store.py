"""The store on a real SQLite file: loading, atomic reloads, restarts, the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.db import migrations
from bot.knowledge import Knowledge
from bot.model import Kind
from bot.store import Store
from tests.conftest import DATA_DIR, write_files
from tests.store_doubles import CrashingStore


async def one_row(conn: aiosqlite.Connection, sql: str) -> aiosqlite.Row:
    """The one row a query gives (the test fails if it gives none)."""
    async with conn.execute(sql) as cur:
        row = await cur.fetchone()
    assert row is not None, sql
    return row


async def test_the_shipped_data_loads_completely(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite", DATA_DIR)
    await store.open()
    try:
        report = await store.reload()
        assert report.ok, "\n".join(map(str, report.problems))
        counts = store.current.counts()
        assert counts["city"] == 2
        assert counts["startup"] == 30
        assert counts["initiative"] >= 12
        assert counts["organization"] >= 5
        top30 = store.current.dataset.lists["hk-smartups-2020-top30"]
        assert len(top30.entries) == 31
    finally:
        await store.close()


async def test_schema_is_migrated_and_versioned(store: Store) -> None:
    (version,) = await one_row(store.reader, "PRAGMA user_version")
    assert version == len(migrations())
    (mode,) = await one_row(store.reader, "PRAGMA journal_mode")
    assert mode == "wal"


async def test_reload_reports_what_changed(store: Store, sample_dir: Path) -> None:
    before = store.current.version
    text = (sample_dir / "startups.yaml").read_text()
    text = text.replace("sector: logistics", "sector: mobility")
    text = text.replace(
        "  - id: welab\n", "  - id: boxful\n    name: Boxful\n    city: hong-kong\n  - id: welab\n"
    )
    (sample_dir / "startups.yaml").write_text(text)
    (sample_dir / "organizations.yaml").write_text(
        (sample_dir / "organizations.yaml").read_text().split("initiatives:")[0]
    )
    report = await store.reload(actor="tester")
    assert report.outcome == "applied"
    assert report.version_before == before and report.version_after != before
    actions = {(c.kind, c.id, c.action): c.fields for c in report.changes}
    assert ("startup", "boxful", "added") in actions
    assert actions[("startup", "lalamove", "changed")] == ("sector",)
    assert ("initiative", "hk-smart-lampposts", "removed") in actions
    assert store.current.index.record(Kind.STARTUP, "boxful") is not None
    hits = await Knowledge(store).search("mobility")
    assert hits[0].record.id == "lalamove"
    records, indexed, orphans = await one_row(
        store.reader,
        "SELECT (SELECT count(*) FROM record), (SELECT count(*) FROM record_fts),"
        " (SELECT count(*) FROM record_fts WHERE rowid NOT IN (SELECT rowid FROM record))",
    )
    assert records == indexed == sum(store.current.counts().values()) and orphans == 0


async def test_unchanged_reload_is_a_no_op(store: Store) -> None:
    report = await store.reload()
    assert report.outcome == "unchanged"
    assert report.version_after == report.version_before


async def test_bad_reload_keeps_the_old_data_answering(store: Store, sample_dir: Path) -> None:
    version = store.current.version
    (sample_dir / "startups.yaml").write_text("startups:\n  - id: qupital\n    nme: Qupital\n")
    report = await store.reload(actor="tester")
    assert report.outcome == "rejected"
    assert any("nme" in str(p) for p in report.problems)
    assert store.current.version == version
    knowledge = Knowledge(store)
    assert knowledge.resolve(Kind.STARTUP, "Lalamove").id == "lalamove"
    assert (await knowledge.search("invoice"))[0].record.id == "qupital"
    history = await store.audit_log()
    assert history[0]["outcome"] == "rejected" and history[0]["problems"]


@pytest.fixture
async def crashing_store(sample_dir: Path, tmp_path: Path) -> AsyncIterator[CrashingStore]:
    """The sample data loaded into a store whose reloads can be made to crash."""
    store = CrashingStore(tmp_path / "crashing.db", sample_dir)
    await store.open()
    assert (await store.reload()).ok
    yield store
    await store.close()


async def test_crash_between_build_and_swap_leaves_old_data(
    crashing_store: CrashingStore, sample_dir: Path
) -> None:
    store = crashing_store
    version = store.current.version
    (sample_dir / "extra.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
    store.crash = RuntimeError("power cut")
    report = await store.reload()
    assert report.outcome == "failed" and "power cut" in (report.error or "")
    assert store.current.version == version
    assert store.current.index.record(Kind.STARTUP, "newco") is None
    assert await store.stored_version() == version
    assert (await one_row(store.reader, "SELECT count(*) FROM record WHERE id = 'newco'"))[0] == 0
    store.crash = None
    assert (await store.reload()).outcome == "applied"
    assert store.current.index.record(Kind.STARTUP, "newco") is not None


async def test_failed_write_rolls_back(store: Store, sample_dir: Path) -> None:
    version = store.current.version
    (sample_dir / "extra.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
    await store.writer.execute("DROP TABLE record_fts")  # make the write fail half-way
    report = await store.reload()
    assert report.outcome == "failed"
    assert store.current.version == version
    assert (await one_row(store.reader, "SELECT count(*) FROM record WHERE id = 'newco'"))[0] == 0


async def test_concurrent_reloads_are_serialized(store: Store, sample_dir: Path) -> None:
    (sample_dir / "extra.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
    first, second = await asyncio.gather(store.reload(), store.reload())
    assert sorted([first.outcome, second.outcome]) == ["applied", "unchanged"]


async def test_restart_serves_last_good_data_when_folder_is_broken(
    store: Store, sample_dir: Path, tmp_path: Path
) -> None:
    version = store.current.version
    await store.close()
    (sample_dir / "startups.yaml").write_text("startups: [\n")
    again = Store(tmp_path / "smartups.db", sample_dir)
    await again.open()
    try:
        assert again.loaded and again.current.version == version
        report = await again.reload()
        assert report.outcome == "rejected"
        assert Knowledge(again).resolve(Kind.STARTUP, "橋彼道").id == "qupital"
    finally:
        await again.close()


async def test_another_process_reload_is_picked_up(
    store: Store, sample_dir: Path, tmp_path: Path
) -> None:
    other = Store(tmp_path / "smartups.db", sample_dir)
    await other.open()
    try:
        (sample_dir / "extra.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
        assert (await other.reload(actor="cli")).outcome == "applied"
    finally:
        await other.close()
    assert await store.refresh_from_db() is True
    assert store.current.index.record(Kind.STARTUP, "newco") is not None


async def test_reader_keeps_its_snapshot_during_reload(store: Store, sample_dir: Path) -> None:
    knowledge = Knowledge(store)
    held = store.current
    (sample_dir / "startups.yaml").write_text(
        (sample_dir / "startups.yaml").read_text().replace("name: Lalamove", "name: Lalamove HK")
    )
    await store.reload()
    held_record = held.index.record(Kind.STARTUP, "lalamove")
    assert held_record is not None and held_record.name == "Lalamove"
    assert knowledge.resolve(Kind.STARTUP, "lalamove").name == "Lalamove HK"


@pytest.mark.parametrize("bad", ["", "   "])
async def test_empty_folder_is_rejected(tmp_path: Path, bad: str) -> None:
    folder = write_files(tmp_path / "empty", {})
    if bad:
        (folder / "blank.yaml").write_text(bad)
    store = Store(tmp_path / "e.db", folder)
    await store.open()
    try:
        report = await store.reload()
        assert report.outcome == "rejected" and not store.loaded
    finally:
        await store.close()
