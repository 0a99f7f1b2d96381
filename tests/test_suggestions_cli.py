"""smartups suggestions ... and smartups gaps, on a real data folder and SQLite file."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
from pathlib import Path

import pytest

from bot import gaps
from bot.cli import main
from bot.clock import utcnow
from bot.config import load_settings
from bot.state import SqliteState
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
        settings = load_settings({"SMARTUPS_DB": str(tmp_path / "cli.db")}, None)
        service = await SuggestionService.connect(store, settings)
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
    now = utcnow()  # smartups gaps drops what is older than the retention from today

    async def run() -> None:
        conn = await SqliteState.open(tmp_path / "cli.db")
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


def _gap_rows(db: Path) -> dict[str, tuple[int, str]]:
    async def run() -> dict[str, tuple[int, str]]:
        conn = await SqliteState.open(db)
        try:
            return {g.question: (g.count, g.reason) for g in await gaps.top(conn, limit=100)}
        finally:
            await conn.close()

    return asyncio.run(run())


def test_smartups_ask_and_show_count_gaps_in_the_configured_database(
    capsys, tmp_path: Path
) -> None:
    # The command line answers from a private in-memory store; its gaps must still land here.
    assert main(["ask", "flying", "cars", "on", "Mars"]) == 0
    assert main(["ask", "Flying cars on Mars?"]) == 0
    assert main(["show", "startup", "Zorblax", "Robotics"]) == 1
    assert main(["show", "startup", "lalamove"]) == 0  # found: not a gap
    capsys.readouterr()
    rows = _gap_rows(tmp_path / "cli.db")
    assert rows == {"flying cars on mars": (2, "not_found"), "zorblax robotics": (1, "not_found")}
    assert main(["gaps"]) == 0
    out = capsys.readouterr().out
    assert "flying cars on mars" in out and out.splitlines()[0].split()[0] == "2"


def test_a_database_the_cli_cannot_open_still_gets_an_answer(
    capsys, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    monkeypatch.setenv("SMARTUPS_DB", str(blocker / "cli.db"))
    assert main(["show", "startup", "Zorblax"]) == 1
    captured = capsys.readouterr()
    assert "Zorblax" in captured.out and "Traceback" not in captured.err
    said = [r.getMessage() for r in caplog.records if r.name == "bot.gaps"]
    assert len(said) == 1 and said[0].startswith(f"gaps are not counted: cannot open {blocker}")


async def test_the_local_session_counts_its_lookups_that_missed(
    sample_dir: Path, tmp_path: Path
) -> None:
    import io

    from bot.cli import run_local
    from bot.config import load_settings

    settings = load_settings(
        {"SMARTUPS_DATA_DIR": str(sample_dir), "SMARTUPS_DB": str(tmp_path / "local.db")}, None
    )
    out = io.StringIO()
    lines = "/startup zorblax\nflying cars on Mars\n/startup lalamove\n"
    assert await run_local(settings, "en", io.StringIO(lines), out) == 0
    conn = await SqliteState.open(tmp_path / "local.db")
    try:
        found = {g.question: g.reason for g in await gaps.top(conn)}
    finally:
        await conn.close()
    assert found == {"zorblax": "not_found", "flying cars on mars": "not_found"}


def test_smartups_stats_names_the_records_of_the_period(capsys, tmp_path: Path) -> None:
    from bot import usage

    now = utcnow()

    async def run() -> None:
        conn = await SqliteState.open(tmp_path / "cli.db")
        for _ in range(3):
            await usage.record(conn, [("command", "startup"), ("record", "startup:qupital")])
        await usage.record(conn, [("record", "startup:gone-since")])  # no longer in the data
        long_ago = now - dt.timedelta(days=60)
        await usage.record(conn, [("record", "city:taipei")], clock=lambda: long_ago)
        await conn.close()

    asyncio.run(run())
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "The last 30 days" in out and "  3 · Qupital · 橋彼道" in out and "gone-since" in out
    assert "  3 · /startup" in out and "Taipei" not in out
    assert main(["stats", "--days", "0"]) == 0
    out = capsys.readouterr().out
    assert "All kept counts (up to 180 days)" in out and "Taipei" in out
