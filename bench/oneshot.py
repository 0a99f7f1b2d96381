"""The command line as admins run it: each command a fresh ``smartups`` process.

Every figure is a whole process, from exec to exit, with its own peak RSS (``wait4``), against
a database filled once by ``smartups reload`` (as an admin's would be):

- ``validate`` cold (an empty cache), unchanged and after editing one file (the cache the
  runs before filled);
- one-shot ``search``, ``show`` and ``ask`` against the existing database (each repeated
  while it stays cheap, the median kept);
- ``search --json -`` fed the query mix on stdin: the time per query is the gap between
  consecutive answer lines (the process's start-up is not in it);
- ``reload`` into a fresh database (the load an admin starts by hand).

Baselines from the same run: the bare interpreter (``python -c pass``), the bare C parser
over the same files (PyYAML's ``CSafeLoader``, no marks, no checks), and the SQLite LIKE scan
per query that the core task uses for /ask.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.edits import append_to_field
from bench.measure import summary
from bench.queries import build
from bot.loader import Loader, discover
from bot.model import Kind

REPO = Path(__file__).resolve().parent.parent
#: A one-shot command is repeated (median kept) while its runs stay under this many seconds.
REPEAT_BUDGET_S = 12.0
MAX_REPEATS = 3
COMMAND_TIMEOUT_S = 900.0

_BARE_PARSE = """
import sys, yaml
from pathlib import Path
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(path.read_bytes(), Loader=loader)
"""


@dataclass
class Run:
    """One finished process: wall time, peak RSS, exit code, and its output lines as they
    arrived (seconds since start)."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    lines: list[tuple[float, str]] = field(default_factory=list)
    stderr: str = ""

    def brief(self) -> dict[str, float]:
        return {"s": round(self.seconds, 3), "peak_rss_mb": round(self.peak_rss_mb, 1)}


#: Started between this process and each command, it reports the command's rusage. The
#: ru_maxrss that wait4 gives for a child counts the memory of the process that started it
#: (Linux carries the parent's high-water mark over the exec): `python -c pass` started from
#: a process holding 500 MB "peaked" at 511 MB. Started from this small runner instead, a
#: command's figure is its own.
_RUNNER = """
import json, os, sys
out, argv = sys.argv[1], sys.argv[2:]
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
with open(out, "w") as f:
    json.dump({"code": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss}, f)
sys.exit(0)
"""


def run(argv: list[str], env: dict[str, str], stdin_text: str | None = None) -> Run:
    """Run ``argv`` to its end (killed after COMMAND_TIMEOUT_S), through the runner that
    reports its own rusage (see _RUNNER); the wall time includes the runner's start
    (~20 ms, the same for every command and for the interpreter baseline)."""
    report = Path(tempfile.mkstemp(prefix="bench-rusage-", suffix=".json")[1])
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, str(report), *_resolved(argv)],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
        start_new_session=True,  # the runner and the command: one group, killed together
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    lines: list[tuple[float, str]] = []
    errors: list[str] = []

    def read_out() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append((time.perf_counter() - start, line))

    def read_err() -> None:
        assert proc.stderr is not None
        errors.append(proc.stderr.read())

    def write_in() -> None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(stdin_text or "")
        finally:
            proc.stdin.close()

    threads = [threading.Thread(target=read_out), threading.Thread(target=read_err)]
    if stdin_text is not None:
        threads.append(threading.Thread(target=write_in))
    for thread in threads:
        thread.start()
    killer = threading.Timer(COMMAND_TIMEOUT_S, os.killpg, (proc.pid, signal.SIGKILL))
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    seconds = time.perf_counter() - start
    for thread in threads:
        thread.join(timeout=30)
    try:
        reported = json.loads(report.read_text() or "{}")
    except (OSError, ValueError):
        reported = {}
    finally:
        report.unlink(missing_ok=True)
    code = reported.get("code", os.waitstatus_to_exitcode(status) or -1)
    peak_kb = reported.get("maxrss_kb", usage.ru_maxrss)
    return Run(seconds, peak_kb / 1024, code, lines, "".join(errors))


def _resolved(argv: list[str]) -> list[str]:
    """``argv`` with its program as a path (posix_spawn does not search PATH)."""
    program = shutil.which(argv[0]) or argv[0]
    return [program, *argv[1:]]


def smartups() -> list[str]:
    """The installed ``smartups`` script beside this interpreter (what admins run)."""
    script = Path(sys.executable).parent / "smartups"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def _checked(what: str, result: Run, ok: tuple[int, ...] = (0,)) -> Run:
    if result.returncode not in ok:
        raise SystemExit(f"bench: {what} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return result


def repeated(argv: list[str], env: dict[str, str], what: str) -> dict[str, Any]:
    """The median of up to MAX_REPEATS runs (fewer when each is slow), and the worst RSS."""
    runs = [_checked(what, run(argv, env))]
    while len(runs) < MAX_REPEATS and sum(r.seconds for r in runs) < REPEAT_BUDGET_S / 2:
        runs.append(_checked(what, run(argv, env)))
    return {
        "s": round(statistics.median(r.seconds for r in runs), 3),
        "peak_rss_mb": round(max(r.peak_rss_mb for r in runs), 1),
        "runs": len(runs),
    }


def precompile(env: dict[str, str]) -> None:
    """Write the bytecode of the bot's own modules (site-packages has its own already)."""
    _checked(
        "compileall",
        run([sys.executable, "-m", "compileall", "-q", "bot", "cogs", "bench"], env),
    )


def edit_a_startup_file(data_dir: Path) -> tuple[Path, bytes]:
    """Append to the first description of the largest file holding startups; return the
    original bytes to put back."""
    files = [p for p in discover(data_dir) if b"\nstartups:" in b"\n" + p.read_bytes()[:4096]]
    path = max(files, key=lambda p: p.stat().st_size)
    return path, append_to_field(path, "description", " It now also serves Macau.")


def cli(size: int, data_dir: Path, work: Path) -> dict[str, Any]:
    """Every command-line figure for one data folder (see the module's docstring)."""
    # A folder of its own: the database and whatever the commands keep beside it (caches)
    # start empty, so "cold" is cold.
    home = work / f"cli-{size}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    db = home / "smartups.db"
    # As an installed bot runs: its modules compiled once, not again by every command (a
    # PYTHONDONTWRITEBYTECODE=1 in the caller's environment would make each one-shot
    # recompile the bot, ~0.3 s that no admin pays).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISCORD_TOKEN", "PYTHONDONTWRITEBYTECODE")
    }
    precompile(env)
    env |= {"SMARTUPS_DATA_DIR": str(data_dir), "SMARTUPS_DB": str(db)}
    # validate's cache in the fresh folder: empty for "cold", then warm for "unchanged" and
    # "edited" (one file changed since the run before).
    env["SMARTUPS_CACHE_DIR"] = str(home / "validate-cache")
    cmd = smartups()
    result: dict[str, Any] = {"size": size}
    result["baseline_interpreter"] = run([sys.executable, "-c", "pass"], env).brief()
    result["import_cli"] = _checked(
        "import bot.cli", run([sys.executable, "-c", "import bot.cli"], env)
    ).brief()
    result["baseline_parse"] = _checked(
        "bare parse", run([sys.executable, "-c", _BARE_PARSE, str(data_dir)], env)
    ).brief() | {"what": "PyYAML CSafeLoader over every file, no marks or checks"}

    result["reload"] = _checked("reload", run([*cmd, "reload"], env)).brief()

    outcome = Loader(data_dir).load()
    assert outcome.dataset is not None, outcome.problems[:5]
    dataset = outcome.dataset
    queries = build(dataset)
    name = min(dataset.records[Kind.STARTUP].values(), key=lambda r: r.id).name
    question = next(q.text for q in queries if q.category == "question")
    result["search"] = repeated([*cmd, "search", queries[0].text], env, "search")
    result["show"] = repeated([*cmd, "show", "startup", name], env, "show")
    result["ask"] = repeated([*cmd, "ask", question], env, "ask")

    stdin = "".join(q.text + "\n" for q in queries)
    piped = _checked("search --json -", run([*cmd, "search", "--json", "-"], env, stdin))
    times = [t for t, _ in piped.lines]
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(times)]
    result["search_json"] = {
        "per_query_ms": round((times[-1] - times[0]) * 1000 / max(1, len(times) - 1), 3),
        "gaps": summary(gaps),
        "answers": len(piped.lines),
        "queries": len(queries),
        "first_answer_s": round(times[0], 3) if times else None,
    } | piped.brief()
    if len(piped.lines) != len(queries):
        raise SystemExit(f"bench: search --json - answered {len(piped.lines)} of {len(queries)}")

    plain = sqlite3.connect(str(db))
    samples = []
    for q in queries:
        pattern = f"%{q.text}%"
        start = time.perf_counter_ns()
        plain.execute(
            "SELECT kind, id FROM record WHERE name LIKE ? OR data LIKE ? LIMIT 50",
            (pattern, pattern),
        ).fetchall()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    plain.close()
    result["baseline_search"] = summary(samples) | {
        "what": "SQLite LIKE scan of the record table per query"
    }
    # Last: the edit (and its revert) changes the folder's fingerprint, after which the
    # one-shot commands above would read the folder instead of the database.
    result["validate_cold"] = _checked("validate", run([*cmd, "validate"], env)).brief()
    result["validate_unchanged"] = _checked("validate", run([*cmd, "validate"], env)).brief()
    path, original = edit_a_startup_file(data_dir)
    try:
        result["validate_edited"] = _checked("validate", run([*cmd, "validate"], env)).brief()
    finally:
        path.write_bytes(original)
    commands = ("reload", "validate_cold", "validate_unchanged", "validate_edited", "search",
                "show", "ask", "search_json")  # fmt: skip
    worst = max(commands, key=lambda c: result[c]["peak_rss_mb"])
    result["peak_rss_mb"] = result[worst]["peak_rss_mb"]
    result["peak_rss_command"] = worst
    return result
