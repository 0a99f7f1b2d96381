"""A real PostgreSQL server for the tests, on 127.0.0.1 and a free port, in a throwaway folder.

The server binaries are the OS package's (``/usr/lib/postgresql/<n>/bin``; ``.ci/run`` installs
it when missing). ``initdb`` refuses to run as root, so as root the cluster is made and run by
the ``postgres`` user (the child process is started with that user id, so the pid we hold is
the postmaster's own). Settings are for tests: no fsync, trust
authentication on loopback only. Every start waits a bounded time for the server to accept
connections; :meth:`stop` ends the one process it started (by its pid), fast shutdown.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
USER = "smartups"


def find_bin_dir() -> Path | None:
    """The newest installed server's bin folder, or None when no server is installed."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """One cluster: :meth:`start` (initdb on first start), :meth:`stop`, :meth:`start` again on
    the same port (the tests of a database going away), :meth:`destroy` at the end."""

    def __init__(self, bin_dir: Path, *, fsync: bool = False) -> None:
        self.bin_dir = bin_dir
        self.fsync = fsync
        self.root = Path(tempfile.mkdtemp(prefix="smartups-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.root / "server.log"
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        """The maintenance database; tests make their own with :meth:`create_database`."""
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    @property
    def _run_as(self) -> str | None:
        """The user (and group) a child runs as: postgres when we are root, else ourselves."""
        return "postgres" if self._as_postgres else None

    def _initdb(self) -> None:
        self.sockets.mkdir()
        if self._as_postgres:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sockets, "postgres", "postgres")
        subprocess.run(
            [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", USER,
             "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
            check=True, capture_output=True, timeout=120, cwd=self.root, user=self._run_as, group=self._run_as,
        )

    def start(self) -> None:
        if self.proc is not None:
            return
        if not self.data.exists():
            self._initdb()
        options = ["-c", f"fsync={'on' if self.fsync else 'off'}",
                   "-c", f"synchronous_commit={'on' if self.fsync else 'off'}",
                   "-c", "full_page_writes=off" if not self.fsync else "full_page_writes=on",
                   "-c", "max_connections=100", "-c", "shared_buffers=32MB"]
        log = open(self.log, "ab")  # noqa: SIM115 (handed to the child, closed with it)
        try:
            self.proc = subprocess.Popen(
                [str(self.bin_dir / "postgres"), "-D", str(self.data),
                 "-h", "127.0.0.1", "-p", str(self.port), "-k", str(self.sockets), *options],
                stdout=log, stderr=log, start_new_session=True, cwd=self.root, user=self._run_as, group=self._run_as,
            )
        finally:
            log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited at start:\n{self.log.read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.port), timeout=0.5
            ):
                ready = subprocess.run(
                    [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port),
                     "-U", USER, "-d", "postgres", "-t", "1"],
                    capture_output=True, timeout=5,
                )
                if ready.returncode == 0:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"postgres not ready after {START_TIMEOUT}s:\n"
                           f"{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster we started): clients are disconnected."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, signal.SIGINT)  # our child is the postmaster itself
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGQUIT)  # immediate shutdown
            proc.wait(timeout=STOP_TIMEOUT)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [str(self.bin_dir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database, "-c", sql],
            check=True, capture_output=True, text=True, timeout=60,
        )
        return out.stdout

    def create_database(self, name: str) -> str:
        """A fresh, empty database; its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url_of(name)
