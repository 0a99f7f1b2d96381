"""smartups suggestions ... and smartups gaps, on a real data folder and SQLite file."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
from pathlib import Path

import pytest

from bot import gaps
from bot.cli import main
from bot.db import migrate, open_db
from bot.store import Store
from bot.suggestions.service import Author, SuggestionService

SOURCE = "https://example.org/qupital-2015"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, sample_dir: Path, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("SMARTUPS_DATA_DIR", str(sample_dir))
    monkeypatch.setenv("SMARTUPS_DB", str(tmp_path / "cli.db"))


def queue(tmp_path: Path, sample_dir: Path, *changes: tuple[str, str, str]) -> None:
    """Queue suggestions as a member would (through the service the bot uses)."""

    async def run() -> None:
        store = Store(tmp_path / "cli.db", sample_dir)
        await store.open()
        await store.reload()
        service = await SuggestionService.connect(store, tmp_path / "cli.db")
        try:
            for record, field, value in changes:
                await service.suggest(Author(5, "carol"), "startup", record, field, value, SOURCE)
            await service.suggest_new(Author(5, "carol"), "Boxful", "Storage: on demand", SOURCE)
        finally:
            await service.close()
            await store.close()

    asyncio.run(run())


def test_list_show_reject_accept(capsys, tmp_path: Path, sample_dir: Path) -> None:
    queue(tmp_path, sample_dir, ("qupital", "founded", "2015"), ("welab", "hq", "no"))
    assert main(["suggestions", "list"]) == 0
    out = capsys.readouterr().out
    assert "#1" in out and "#2" in out and "#3" in out and "qupital" in out
    assert main(["suggestions", "show", "1"]) == 0
    out = capsys.readouterr().out
    assert "2015" in out and SOURCE in out and "carol" in out
    assert main(["suggestions", "reject", "2", "no source says so"]) == 0
    assert main(["suggestions", "accept", "1", "--note", "checked"]) == 0
    assert "startups.yaml changed" in capsys.readouterr().out
    assert "    founded: 2015\n" in (sample_dir / "startups.yaml").read_text()
    assert main(["suggestions", "accept", "1"]) == 1
    assert "already accepted" in capsys.readouterr().err
    assert main(["suggestions", "list", "--state", "accepted"]) == 0
    assert "#1" in capsys.readouterr().out


def test_export_patch_applies_with_git(capsys, tmp_path: Path, sample_dir: Path) -> None:
    queue(tmp_path, sample_dir, ("qupital", "founded", "2015"), ("welab", "hq", "1:30"))
    before = (sample_dir / "startups.yaml").read_bytes()
    assert main(["suggestions", "export", "--patch"]) == 0
    diff = capsys.readouterr().out
    assert diff.startswith("--- a/data/startups.yaml\n+++ b/data/startups.yaml\n")
    assert '+    hq: "1:30"\n' in diff and "+- id: boxful\n" not in diff
    assert (sample_dir / "startups.yaml").read_bytes() == before  # nothing written
    (tmp_path / "change.patch").write_text(diff)
    subprocess.run(["git", "apply", "change.patch"], cwd=tmp_path, check=True)
    text = (sample_dir / "startups.yaml").read_text()
    assert "founded: 2015" in text and "id: boxful" in text


def test_gaps_are_listed_and_old_ones_dropped(capsys, tmp_path: Path) -> None:
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

    async def run() -> None:
        conn = await open_db(tmp_path / "cli.db")
        await migrate(conn)
        for question in ("Who founded Qupital?", "who founded qupital", "WHO FOUNDED QUPITAL"):
            await gaps.record(conn, question, "en", "not_said", clock=lambda: now)
        await gaps.record(conn, "誰創辦了橋彼道", "zh-TW", "not_said", clock=lambda: now)
        old = now - dt.timedelta(days=200)
        await gaps.record(conn, "an old question", "en", "not_found", clock=lambda: old)
        assert await gaps.prune(conn, now - gaps.RETENTION) == 1
        await conn.close()

    asyncio.run(run())
    assert main(["gaps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["3", "not_said", "en"] and "qupital" in lines[0]
    assert "誰創辦了橋彼道" in lines[1] or "谁创办了桥彼道" in lines[1]
    assert all("old question" not in line for line in lines)
