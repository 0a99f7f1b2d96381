"""The state interface on both backends: migrations, transactions, the cross-process lock."""

from __future__ import annotations

import asyncio

import pytest

from bot.db import migrations
from bot.state import State
from bot.state.postgres import numbered, pg_migrations


def test_placeholders_are_numbered_outside_literals() -> None:
    assert numbered("SELECT ? , '?' , ?") == "SELECT $1 , '?' , $2"


def test_postgresql_migrations_have_the_same_numbers_and_names() -> None:
    assert [(v, n) for v, n, _ in pg_migrations()] == [(v, n) for v, n, _ in migrations()]


async def test_tables_of_every_migration_exist(state: State) -> None:
    for table in ("meta", "data_load", "spotlight_schedule", "spotlight_history", "suggestion",
                  "suggestion_event", "gap", "usage", "process"):
        assert await state.fetchval(f"SELECT COUNT(*) FROM {table}") == 0


async def test_transaction_commits_and_rolls_back(state: State) -> None:
    async with state.transaction() as tx:
        await tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("a", "1"))
    with pytest.raises(RuntimeError):
        async with state.transaction() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("b", "2"))
            raise RuntimeError("boom")
    assert await state.fetch("SELECT key, value FROM meta ORDER BY key") == [
        {"key": "a", "value": "1"}
    ]
    assert await state.execute("UPDATE meta SET value = ? WHERE key = ?", ("3", "a")) == 1
    new_id = await state.fetchval(
        "INSERT INTO data_load (at, actor, command, outcome) VALUES (?, ?, ?, ?) RETURNING id",
        ("2024-01-01T00:00:00+00:00", "t", "reload", "applied"),
    )
    assert new_id == 1


async def test_check_then_insert_is_atomic_between_two_connections(
    state: State, backend: str, tmp_path, request: pytest.FixtureRequest
) -> None:
    """Two independent states (as two processes) race a check-then-insert under one lock
    name: exactly one inserts, neither fails."""
    if backend == "sqlite":
        from bot.state import SqliteState

        other: State = await SqliteState.open(tmp_path / "state.db")
    else:
        from bot.state.postgres import PostgresState

        other = await PostgresState.open(state.url)  # type: ignore[attr-defined]

    async def claim(db: State) -> bool:
        async with db.transaction("claim") as tx:
            if await tx.fetchrow("SELECT 1 FROM meta WHERE key = 'slot'"):
                return False
            await asyncio.sleep(0.05)  # widen the window between check and insert
            await tx.execute("INSERT INTO meta (key, value) VALUES ('slot', 'x')")
            return True

    try:
        results = await asyncio.gather(claim(state), claim(other))
    finally:
        await other.close()
    assert sorted(results) == [False, True]


def test_smartups_reload_and_history_use_the_shared_state(
    pg_url: str, sample_dir, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """The command line on a shared state: its reload is audited there (where the running
    processes' periodic check finds the new version) and `history` reads it back."""
    from bot.cli import main
    from bot.state.postgres import PostgresState

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMARTUPS_DATA_DIR", str(sample_dir))
    monkeypatch.setenv("SMARTUPS_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("SMARTUPS_DATABASE_URL", pg_url)
    assert main(["reload"]) == 0
    assert main(["history"]) == 0
    assert "smartups reload" in capsys.readouterr().out

    async def audited() -> list[dict]:
        state = await PostgresState.open(pg_url)
        try:
            return await state.fetch("SELECT command, outcome FROM data_load")
        finally:
            await state.close()

    assert asyncio.run(audited()) == [{"command": "smartups reload", "outcome": "applied"}]


async def test_notify_reaches_another_process_and_survives_a_dropped_connection(
    pg_url: str,
) -> None:
    """LISTEN/NOTIFY between two states (two processes): an announcement reaches the other's
    listener; when the server drops the listening connection, the listener reconnects by
    itself, runs its reconnect hooks (the data-version catch-up) and hears the next one."""
    from bot.state.postgres import PostgresState

    speaker, listener = await PostgresState.open(pg_url), await PostgresState.open(pg_url)
    heard: asyncio.Queue[str] = asyncio.Queue()
    reconnected = asyncio.Event()

    async def hook() -> None:
        reconnected.set()

    async def announce_until_heard(payload: str) -> None:
        # The subscription is made in the background: announce until it is heard (bounded).
        for _ in range(100):
            await speaker.notify("smartups_test", payload)
            try:
                while await asyncio.wait_for(heard.get(), 0.1) != payload:
                    pass  # a repeat of the previous announcement
                return
            except TimeoutError:
                continue
        raise AssertionError(f"{payload!r} never heard")

    try:
        listener.on_reconnect.append(hook)
        await listener.listen("smartups_test", heard.put_nowait)
        await announce_until_heard("v1")
        dropped = await speaker.fetchval(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert dropped >= 1
        await asyncio.wait_for(reconnected.wait(), 15)
        await announce_until_heard("v2")
    finally:
        await listener.close()
        await speaker.close()
