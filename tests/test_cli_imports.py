"""The command line starts lean (issue 14): importing it, and answering a one-shot command,
loads neither discord.py nor aiohttp (~1 s of every admin's command before); only commands
that talk to Discord import them. Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("discord", "aiohttp")

_REPORT = "import json, sys; print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))"


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env |= {"SMARTUPS_DATA_DIR": str(REPO / "data"), "SMARTUPS_DB": str(tmp_path / "s.db")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_importing_the_command_line_loads_no_discord(tmp_path: Path) -> None:
    done = _run("import bot.cli; " + _REPORT.format(heavy=HEAVY), tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_a_one_shot_search_loads_no_discord(tmp_path: Path) -> None:
    code = "import bot.cli; code = bot.cli.main(['search', 'welab']); " + _REPORT.format(
        heavy=HEAVY
    )
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("welab" in line and "WeLab" in line for line in lines), done.stdout
    assert json.loads(lines[-1]) == []


def test_the_bot_itself_still_imports_discord(tmp_path: Path) -> None:
    """The check can fail: the client module does pull discord.py in."""
    done = _run("import bot.client; " + _REPORT.format(heavy=HEAVY), tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == ["aiohttp", "discord"]
