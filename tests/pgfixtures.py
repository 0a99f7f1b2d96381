"""pytest fixtures for a real PostgreSQL server (see :mod:`tests.pgserver`).

``pg_server`` is started once per session on 127.0.0.1 and stopped at the end; each test that
asks for ``pg_url`` gets a fresh database of its own. ``backend`` is parametrized over
``sqlite`` and ``postgresql``; ``state`` is an opened :class:`bot.state.State` on it, and
``backend_env`` the environment a bot needs to use it.

Without a server binary the PostgreSQL cases are skipped with the reason, except under CI
(``CI`` set), where ``.ci/run`` installs the server and a missing one is a failure.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.state import SqliteState, State
from tests.pgserver import PgServer, find_bin_dir

BACKENDS = ["sqlite", "postgresql"]
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL server binary (initdb) found; .ci/run should install it")
        pytest.skip("no PostgreSQL server binary (initdb under /usr/lib/postgresql/*/bin)")
    server = PgServer(bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server."""
    return pg_server.create_database(f"t{os.getpid()}_{next(_numbers)}")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend_env(backend: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """Extra settings for a bot on ``backend``: nothing for SQLite, the URL for PostgreSQL."""
    if backend == "sqlite":
        return {}
    return {"SMARTUPS_DATABASE_URL": request.getfixturevalue("pg_url")}


@pytest.fixture
async def state(backend: str, tmp_path: Path, request: pytest.FixtureRequest
                ) -> AsyncIterator[State]:
    """An opened, migrated state on ``backend``; closed afterwards."""
    opened: State
    if backend == "sqlite":
        opened = await SqliteState.open(tmp_path / "state.db")
    else:
        from bot.state.postgres import PostgresState

        opened = await PostgresState.open(request.getfixturevalue("pg_url"))
    try:
        yield opened
    finally:
        await opened.close()


async def reopen(state: State) -> State:
    """Another state on the same file or database (another process, or a restart)."""
    if isinstance(state, SqliteState):
        return await SqliteState.open(state.path)
    from bot.state.postgres import PostgresState

    assert isinstance(state, PostgresState)
    return await PostgresState.open(state.url)
