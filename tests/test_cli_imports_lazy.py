"""What ``import bot.cli`` leaves out (issue 14: a one-shot command's start is mostly imports).

Each entry here was once imported at the command line's start and cost time a command that
answers from the database never uses back: the package version (importlib.metadata's
``version()``, read now only for ``--version``, the about card and the validate cache), the
loader's process pool (multiprocessing, only a large reload parses in child processes) and
the rapidyaml parser (only those children load it), and the validator of a suggestion's
source URL (a pydantic TypeAdapter builds when made; no command line start checks one). A real interpreter imports the real
modules; each test fails if someone brings one of them back to import time.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_imports import _run as run_python

REPO = Path(__file__).resolve().parent.parent
#: Modules a command-line start must not import (top-level names and dotted ones).
LAZY = ("discord", "aiohttp", "ryml", "multiprocessing", "concurrent.futures.process")

_REPORT = (
    "import json, sys, bot; print(json.dumps({{'loaded': sorted(m for m in {lazy!r} "
    "if m in sys.modules), 'version_read': bot.version.cache_info().currsize}}))"
)


def _run(code: str, tmp_path: Path) -> dict[str, object]:
    """What ``code`` left loaded, run by a fresh interpreter (see tests.test_cli_imports)."""
    done = run_python(code + "; " + _REPORT.format(lazy=LAZY), tmp_path)
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return report


def test_importing_the_command_line_leaves_the_heavy_parts_out(tmp_path: Path) -> None:
    assert _run("import bot.cli", tmp_path) == {"loaded": [], "version_read": 0}


def test_a_one_shot_show_from_the_database_leaves_them_out_too(tmp_path: Path) -> None:
    """After a reload into the database, ``show`` answers from it: no parse, no version."""
    code = (
        "import sys, bot.cli; assert bot.cli.main(['reload']) == 0; "
        "assert bot.cli.main(['show', 'startup', 'lalamove']) == 0; "
        # the suggestion commands are registered, their URL validator is not built
        "assert sys.modules['bot.suggestions.fields']._url_adapter.cache_info().currsize == 0"
    )
    assert _run(code, tmp_path) == {"loaded": [], "version_read": 0}


def test_the_version_is_still_there_when_asked(tmp_path: Path) -> None:
    """The check can fail: asking for the version reads it (and ``bot.__version__`` works)."""
    code = "import bot.cli; assert bot.__version__ == bot.version() != ''"
    assert _run(code, tmp_path) == {"loaded": [], "version_read": 1}


def test_the_parallel_reload_still_imports_its_pool(tmp_path: Path) -> None:
    """The check can fail: the loader's process pool is imported when it is used."""
    code = (
        "import bot.cli, bot.loader as L; from pathlib import Path; "
        "L.PARALLEL_MIN_BYTES = L.PARALLEL_MIN_FILES = 0; "
        f"assert L.Loader(Path({str(REPO / 'data')!r})).load().dataset is not None"
    )
    report = _run(code, tmp_path)
    assert "multiprocessing" in report["loaded"]  # type: ignore[operator]
