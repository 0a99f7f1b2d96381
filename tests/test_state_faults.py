"""The shared database goes away for a while (issue 17, faults): the real bot on PostgreSQL
against the fake Discord, its server stopped mid-run and started again.

Lookups keep answering from memory; commands that need state answer a clear, localized "try
again shortly"; a spotlight slot that falls due meanwhile is not claimed, and is posted once
the database is back (within grace); everything recovers without a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.state import StateUnavailable
from bot.state.postgres import PostgresState
from tests.discord_helpers import (
    EPHEMERAL,
    embed_text,
    make_settings,
    run_command,
    running_bot,
    spotlight_of,
)
from tests.fakediscord import FakeDiscord
from tests.pgserver import PgServer

START = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)  # a Sunday
FIRST_SLOT = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # Monday 09:30 in Hong Kong
AWAY_EN = "cannot reach its database right now"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def own_server(pg_server: PgServer) -> Iterator[PgServer]:
    """A server of this test's own, since it is stopped mid-test (``pg_server`` only makes
    sure a server binary exists, or skips as it does)."""
    server = PgServer(pg_server.bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.destroy()


def posts_in(fake: FakeDiscord, channel) -> list[dict]:  # type: ignore[no-untyped-def]
    """The channel's plain messages (type 0): spotlight posts, not interaction replies."""
    return [m for m in fake.messages_in(channel) if m["type"] == 0 and m.get("embeds")]


async def eventually(check, seconds: float = 20.0):  # type: ignore[no-untyped-def]
    """Retry ``check()`` (an awaitable that returns a truthy value) for a bounded time."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.25)


async def test_a_state_that_cannot_be_reached_is_state_unavailable(own_server: PgServer) -> None:
    state = await PostgresState.open(own_server.create_database("reach"))
    try:
        own_server.stop()
        with pytest.raises(StateUnavailable):
            await state.fetch("SELECT 1 AS one")
        with pytest.raises(StateUnavailable):  # at once, during the backoff
            async with state.transaction() as tx:
                await tx.execute("SELECT 1")
        own_server.start()
        assert await eventually(lambda: _try(state)) == [{"one": 1}]
    finally:
        await state.close()


async def _try(state: PostgresState) -> list[dict] | None:
    try:
        return await state.fetch("SELECT 1 AS one")
    except StateUnavailable:
        return None


async def test_database_away_then_back(
    fake_discord: FakeDiscord, own_server: PgServer, data_dir: Path, tmp_path: Path
) -> None:
    url = own_server.create_database("away")
    settings = make_settings(tmp_path, data_dir, SMARTUPS_DATABASE_URL=url)
    clock = Clock(START)
    general = fake_discord.channel
    admin = fake_discord.admin
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        scheduled = await run_command(
            fake_discord, "spotlight schedule",
            {"channel": general, "weekday": 0, "time": "09:30", "timezone": "Asia/Hong_Kong"},
            user=admin,
        )
        assert "Spotlight scheduled" in embed_text(scheduled)

        own_server.stop()
        # Lookups answer from memory.
        card = await run_command(fake_discord, "startup", {"name": "lalamove"})
        assert not card.get("flags", 0) & EPHEMERAL and "Lalamove" in embed_text(card)
        answer = await run_command(fake_discord, "ask", {"question": "who founded Lalamove?"})
        assert "Lalamove" in embed_text(answer)
        # State commands say so, in the member's language.
        status = await run_command(fake_discord, "spotlight status", user=admin)
        assert status["flags"] & EPHEMERAL and AWAY_EN in embed_text(status)
        zh = await run_command(fake_discord, "review list", user=admin, locale="zh-TW")
        assert "暫時無法連上資料庫" in embed_text(zh)
        # /data status still shows this process's data, and says the rest is unknown.
        data_status = embed_text(await run_command(fake_discord, "data status", user=admin))
        assert bot.store.current.version in data_status and "only this process" in data_status
        # A slot falls due while the database is away: nothing is claimed, nothing crashes.
        clock.now = FIRST_SLOT + dt.timedelta(minutes=1)
        assert await spotlight_of(bot).run_once() == []
        assert not posts_in(fake_discord, general)

        own_server.start()  # back after a few seconds; recovery needs no restart

        async def status_answers() -> bool:
            reply = await run_command(fake_discord, "spotlight status", user=admin)
            return AWAY_EN not in embed_text(reply)

        assert await eventually(status_answers)
        clock.now = FIRST_SLOT + dt.timedelta(minutes=3)  # still within the grace window
        entries = await eventually(spotlight_of(bot).run_once)
        assert [e.outcome for e in entries] == ["posted"]
        assert await spotlight_of(bot).run_once() == []
        assert len(posts_in(fake_discord, general)) == 1

        async def listed() -> bool:  # at the next heartbeat (every 5 s) it is listed again
            text = embed_text(await run_command(fake_discord, "data status", user=admin))
            return "Processes" in text and "(this one)" in text

        assert await eventually(listed)
