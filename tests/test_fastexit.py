"""A one-shot command ends without freeing what it read (bot.fastexit), and loses nothing:
its output is all written, its exit code kept, its worker threads finished; in-process
callers (these tests, ``cli.main``) keep the normal behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot import fastexit

REPO = Path(__file__).resolve().parent.parent


def _smartups(args: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The console script's own entry point (bot.cli.entry), in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env |= {
        "SMARTUPS_DATA_DIR": str(REPO / "data"),
        "SMARTUPS_DB": str(tmp_path / "s.db"),
        "SMARTUPS_CACHE_DIR": str(tmp_path / "cache"),
    }
    code = "import sys; from bot.cli import entry; sys.argv[0] = 'smartups'; entry()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_one_shot_command_writes_all_its_output_and_keeps_its_exit_code(tmp_path: Path) -> None:
    assert _smartups(["reload"], tmp_path).returncode == 0
    # Many lines through a pipe: all of them are there although the process ends with _exit.
    queries = "".join(f"welab {n}\n" for n in range(200))
    done = _smartups(["search", "-"], tmp_path, stdin=queries)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 200 and all('"results"' in line for line in lines)
    shown = _smartups(["show", "startup", "WeLab"], tmp_path)
    assert shown.returncode == 0 and "WeLab" in shown.stdout
    missing = _smartups(["show", "startup", "no such startup zzz"], tmp_path)
    assert missing.returncode == 1 and missing.stdout.strip()


def test_finish_waits_for_worker_threads_and_flushes(capsys: pytest.CaptureFixture[str]) -> None:
    ended: list[int] = []
    finished = threading.Event()

    def work() -> None:
        time.sleep(0.2)
        finished.set()

    worker = threading.Thread(target=work)
    worker.start()
    print("answer", end="")
    with pytest.raises(SystemExit) as leaving:  # exit_now returned: the normal exit follows
        fastexit.finish(3, exit_now=ended.append)
    assert ended == [3] and finished.is_set()
    assert leaving.value.code == 3
    assert capsys.readouterr().out == "answer"


def test_keep_holds_nothing_unless_armed() -> None:
    assert not fastexit.armed()
    fastexit.arm()  # not under fastexit.run: arming does nothing
    assert not fastexit.armed()
    fastexit.keep(object())
    assert fastexit._kept == []
