"""One-shot commands answer from the configured database while the data folder is as it was
read (issue 14 point 3: no re-read of an unchanged folder), and read the folder again once a
file changed."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot import cli
from bot.fingerprint import folder_stats, stored_matches

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    monkeypatch.setenv("SMARTUPS_DATA_DIR", str(data))
    monkeypatch.setenv("SMARTUPS_DB", str(tmp_path / "smartups.db"))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    return data


def _swap_name_keeping_stat(path: Path, old: str, new: str) -> None:
    """Change ``old`` to ``new`` (same length) without changing the file's size or mtime."""
    info = path.stat()
    text = path.read_text("utf-8")
    assert old in text and len(old) == len(new)
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_one_shots_answer_from_the_database_until_a_file_changes(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "smartups.db"
    assert not stored_matches(db, folder)  # no database yet: the folder is read
    assert cli.main(["reload"]) == 0
    assert stored_matches(db, folder)
    capsys.readouterr()

    # Same size, same mtime: the fingerprint holds, so the answer is the stored data's.
    startups = folder / "startups.yaml"
    _swap_name_keeping_stat(startups, "name: WeLab\n", "name: WeLob\n")
    assert folder_stats(folder) and stored_matches(db, folder)
    assert cli.main(["search", "welab"]) == 0
    assert "WeLab" in capsys.readouterr().out

    # A real edit changes the mtime: the folder is read again and the new name answers.
    os.utime(startups)
    startups.write_text(startups.read_text("utf-8") + "\n", encoding="utf-8")
    assert not stored_matches(db, folder)
    assert cli.main(["search", "welob"]) == 0
    assert "WeLob" in capsys.readouterr().out
    assert cli.main(["show", "startup", "WeLob"]) == 0
    assert "WeLob" in capsys.readouterr().out


def test_touched_but_unchanged_files_still_match_and_a_reload_renews_the_fingerprint(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "smartups.db"
    assert cli.main(["reload"]) == 0
    stored = _stored_stats(db)
    os.utime(folder / "cities.yaml", ns=(1, 1_000_000_000))  # as a checkout would
    assert folder_stats(folder) != stored
    # The touched file still has the content hash stored with the data: no re-read.
    assert stored_matches(db, folder)
    assert cli.main(["reload"]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert _stored_stats(db) == folder_stats(folder)  # the reload stored the new times
    assert stored_matches(db, folder)


def test_a_touched_file_whose_content_changed_does_not_match(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "smartups.db"
    assert cli.main(["reload"]) == 0
    capsys.readouterr()
    startups = folder / "startups.yaml"
    info = startups.stat()
    text = startups.read_text("utf-8")
    startups.write_text(text.replace("name: WeLab\n", "name: WeLob\n"), encoding="utf-8")
    os.utime(startups, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    assert startups.stat().st_size == info.st_size  # same size, new time, other content
    assert not stored_matches(db, folder)
    assert cli.main(["search", "welob"]) == 0
    assert "WeLob" in capsys.readouterr().out


def test_an_added_or_removed_file_does_not_match(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "smartups.db"
    assert cli.main(["reload"]) == 0
    extra = folder / "more.yaml"
    extra.write_text((folder / "sources.yaml").read_text("utf-8"), encoding="utf-8")
    assert not stored_matches(db, folder)
    extra.unlink()
    assert stored_matches(db, folder)
    (folder / "sources.yaml").unlink()
    assert not stored_matches(db, folder)


def _stored_stats(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("SELECT value FROM meta WHERE key = 'file_stats'").fetchone()[0])
    finally:
        conn.close()
