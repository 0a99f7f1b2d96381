"""Two real bot processes of two shards each, one fake Discord serving 4 shards, one PostgreSQL
(issue 17): spotlights exactly once, a process killed just after it claimed a slot, the database
stopped for a few seconds, a reload in one process followed by the other, commands synced once.

Each bot is a child process (``tests/botproc.py``) with its own SQLite knowledge file and the
shared data folder; the fake Discord and the test run in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.clock import utcnow
from bot.spotlight import SpotlightService
from bot.state.postgres import PostgresState
from tests.conftest import REPO
from tests.discord_helpers import copy_data, embed_text, run_command
from tests.fakediscord import FakeDiscord, FakeGuild, P
from tests.pgserver import PgServer

SHARDS = 4
BASE = 1_200_000_000_000_000_000 >> 22
AWAY_EN = "cannot reach its database right now"
LOW, HIGH = "0,1", "2,3"


@pytest.fixture(scope="module")
def server(pg_server: PgServer) -> Iterator[PgServer]:
    """This module's own server: one test stops it."""
    own = PgServer(pg_server.bin_dir)
    own.start()
    try:
        yield own
    finally:
        own.destroy()


def sharded_world(fake: FakeDiscord) -> list[FakeGuild]:
    """Guild k on shard k of 4, each with #general, an admin (alice) and a member (bob)."""
    guilds = []
    for k in range(SHARDS):
        guild = fake.add_guild(f"Guild on shard {k}", id=((BASE // SHARDS) * SHARDS + k) << 22)
        guild.add_member(fake.admin, [guild.add_role("Admin", P.ADMINISTRATOR)])
        guild.add_member(fake.user)
        guild.add_channel("general")
        guilds.append(guild)
    return guilds


@dataclass
class BotProcess:
    shards: str
    log: Path
    proc: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def tail(self) -> str:
        text = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return f"--- bot {self.shards} ---\n" + text[-3000:]


@dataclass
class Cluster:
    fake: FakeDiscord
    url: str
    guilds: list[FakeGuild]
    data_dir: Path
    work: Path
    bots: dict[str, BotProcess] = field(default_factory=dict)

    def env(self, shards: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMARTUPS_", "DISCORD"))}
        env.update({
            "SMARTUPS_DATABASE_URL": self.url, "SMARTUPS_SHARD_COUNT": str(SHARDS),
            "SMARTUPS_SHARD_IDS": shards, "SMARTUPS_DATA_DIR": str(self.data_dir),
            "SMARTUPS_DB": str(self.work / f"knowledge-{shards.replace(',', '')}.db"),
            "LOG_LEVEL": "INFO", "PYTHONPATH": str(REPO),
        })
        return env

    async def start(self, shards: str) -> BotProcess:
        bot = self.bots.get(shards) or BotProcess(shards, self.work / f"bot-{shards}.log")
        self.bots[shards] = bot
        with bot.log.open("ab") as log:
            bot.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.botproc", str(self.fake.port), self.fake.token,
                cwd=REPO, env=self.env(shards), stdout=log, stderr=log,
            )
        return bot

    def ready_shards(self) -> set[int]:
        return {s.shard[0] for s in self.fake.sessions if s.ready and s.shard}

    async def wait_ready(self, shard_ids: set[int], seconds: float = 60.0) -> None:
        await self.fake.wait_until(
            lambda: shard_ids <= self.ready_shards()
            and any(c["name"] == "startup" for c in self.fake.commands_in(None)),
            seconds, f"shards {sorted(shard_ids)} ready\n{self.logs()}",
        )

    async def kill(self, shards: str) -> None:
        bot = self.bots[shards]
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(bot.proc.wait(), 10)

    async def stop_all(self) -> None:
        for bot in self.bots.values():
            if bot.proc is not None and bot.proc.returncode is None:
                bot.proc.send_signal(signal.SIGTERM)
        for bot in self.bots.values():
            if bot.proc is not None and bot.proc.returncode is None:
                try:
                    await asyncio.wait_for(bot.proc.wait(), 15)
                except TimeoutError:
                    bot.proc.kill()
                    await bot.proc.wait()

    def logs(self) -> str:
        return "\n".join(b.tail() for b in self.bots.values())

    def posts(self, guild: FakeGuild) -> list[dict[str, Any]]:
        channel = guild.text_channels[0]
        return [m for m in self.fake.messages_in(channel) if m["type"] == 0 and m.get("embeds")]

    def post_attempts(self, guild: FakeGuild) -> int:
        path = f"/channels/{guild.text_channels[0].id}/messages"
        return sum(1 for r in self.fake.requests if r.method == "POST" and r.path.endswith(path))


@contextlib.asynccontextmanager
async def cluster(server: PgServer, tmp_path: Path, name: str) -> AsyncIterator[Cluster]:
    async with FakeDiscord(default_world=False) as fake:
        guilds = sharded_world(fake)
        url = server.create_database(name)
        found = Cluster(fake, url, guilds, copy_data(tmp_path), tmp_path)
        try:
            yield found
        finally:
            await found.stop_all()


async def seed_due_slots(url: str, guilds: list[FakeGuild]) -> dt.datetime:
    """Schedule every guild so that a slot fell due two minutes ago (within grace): the
    processes post it as their start-up catch-up."""
    now = utcnow()
    slot = (now - dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    state = await PostgresState.open(url)
    try:
        service = SpotlightService(state, clock=lambda: slot - dt.timedelta(minutes=1))
        for guild in guilds:
            await service.schedule(guild.id, guild.text_channels[0].id, slot.weekday(),
                                   slot.time().replace(tzinfo=None), "UTC")
    finally:
        await state.close()
    return slot


async def rows(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    state = await PostgresState.open(url)
    try:
        return await state.fetch(sql, params)
    finally:
        await state.close()


async def until(check: Callable[[], Awaitable[Any]], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        await asyncio.sleep(0.25)


def pid_of(instance: str | None) -> int:
    assert instance is not None
    return int(instance.split(":")[-2])


async def test_spotlights_on_every_shard_post_exactly_once_and_commands_sync_once(
    server: PgServer, tmp_path: Path
) -> None:
    async with cluster(server, tmp_path, "once") as c:
        await seed_due_slots(c.url, c.guilds)
        low, high = await c.start(LOW), await c.start(HIGH)
        await c.wait_ready({0, 1, 2, 3})

        async def all_posted() -> list[dict[str, Any]] | None:
            found = await rows(c.url, "SELECT guild_id, state, claimed_by FROM spotlight_history"
                                      " ORDER BY guild_id")
            return found if [r["state"] for r in found] == ["posted"] * SHARDS else None

        history = await until(all_posted, 45, f"four posts\n{c.logs()}")
        owner = {g.id: (low.pid if k < 2 else high.pid) for k, g in enumerate(c.guilds)}
        assert {r["guild_id"]: pid_of(r["claimed_by"]) for r in history} == owner
        assert len(history) == SHARDS  # one claim per slot
        assert [c.post_attempts(g) for g in c.guilds] == [1] * SHARDS, c.logs()
        assert [len(c.posts(g)) for g in c.guilds] == [1] * SHARDS, c.logs()
        assert c.fake.sync_count == 1  # two processes started together: one sync

        # /data status in either process lists both, on the same data version.
        for guild in (c.guilds[0], c.guilds[3]):
            text = embed_text(await run_command(c.fake, "data status", guild=guild,
                                                user=c.fake.admin))
            assert "shards 0,1/4" in text and "shards 2,3/4" in text, text
            assert "(this one)" in text and "different data versions" not in text


async def test_a_process_killed_just_after_its_claim_neither_doubles_nor_loses_the_slot(
    server: PgServer, tmp_path: Path
) -> None:
    async with cluster(server, tmp_path, "killed") as c:
        victim = c.guilds[1]  # shard 1: the low process's
        channel = victim.text_channels[0]
        c.fake.delay_next("POST", rf"/channels/{channel.id}/messages$", 3.0)
        await seed_due_slots(c.url, c.guilds)
        await c.start(LOW)
        await c.start(HIGH)

        async def claimed() -> bool:
            found = {r["guild_id"]: r["state"] for r in await rows(
                c.url, "SELECT guild_id, state FROM spotlight_history")}
            return found.get(victim.id) == "sending" and found.get(c.guilds[0].id) == "posted"

        await until(claimed, 45, f"the claim of guild 1\n{c.logs()}")
        await c.kill(LOW)  # between claim and record: the send is in flight
        await c.start(LOW)  # restarted on the same shards

        async def resolved() -> dict[str, Any] | None:
            [row] = await rows(c.url, "SELECT state, reason FROM spotlight_history"
                                      " WHERE guild_id = ?", (victim.id,))
            return row if row["state"] != "sending" else None

        row = await until(resolved, 60, f"the interrupted claim resolved\n{c.logs()}")
        assert (row["state"], row["reason"]) == ("unknown", "interrupted")
        await c.wait_ready({0, 1, 2, 3})
        assert c.post_attempts(victim) == 1  # sent once, by the killed process; never again
        # Not lost either: the send the killed process started reached Discord (the fake
        # answers it after its delay), and the history says the slot was possibly posted.
        await c.fake.wait_until(lambda: all(r.status for r in c.fake.requests if r.method ==
                                            "POST" and r.path.endswith(f"{channel.id}/messages")),
                                10, "the delayed send answered")
        assert len(c.posts(victim)) == 1
        assert [len(c.posts(g)) for g in (c.guilds[0], c.guilds[2], c.guilds[3])] == [1, 1, 1]
        [count] = await rows(c.url, "SELECT COUNT(*) AS n FROM spotlight_history")
        assert count["n"] == SHARDS  # one row per slot: nothing claimed twice
        status = embed_text(await run_command(c.fake, "spotlight status", guild=victim,
                                              user=c.fake.admin))
        assert "Possibly posted" in status, status


async def test_database_stopped_for_a_few_seconds_lookups_answer_state_recovers(
    server: PgServer, tmp_path: Path
) -> None:
    async with cluster(server, tmp_path, "away") as c:
        await c.start(LOW)
        await c.start(HIGH)
        await c.wait_ready({0, 1, 2, 3})
        server.stop()
        try:
            for guild in (c.guilds[0], c.guilds[2]):  # one guild of each process
                card = await run_command(c.fake, "startup", {"name": "lalamove"}, guild=guild)
                assert "Lalamove" in embed_text(card)
            for guild in (c.guilds[1], c.guilds[3]):
                reply = await run_command(c.fake, "review list", guild=guild, user=c.fake.admin)
                assert AWAY_EN in embed_text(reply)
            await asyncio.sleep(3)
        finally:
            server.start()
        for guild in (c.guilds[1], c.guilds[3]):
            async def answers(guild: FakeGuild = guild) -> bool:
                reply = await run_command(c.fake, "review list", guild=guild, user=c.fake.admin)
                return AWAY_EN not in embed_text(reply)

            await until(answers, 30, f"state commands to recover\n{c.logs()}")


async def test_a_reload_in_one_process_is_followed_by_the_other(
    server: PgServer, tmp_path: Path
) -> None:
    async with cluster(server, tmp_path, "reload") as c:
        await c.start(LOW)
        await c.start(HIGH)
        await c.wait_ready({0, 1, 2, 3})
        startups = c.data_dir / "startups.yaml"
        startups.write_text(startups.read_text("utf-8").replace(
            "name: Boxful", "name: Boxful Storage"), "utf-8")
        reply = embed_text(await run_command(c.fake, "data reload", guild=c.guilds[0],
                                             user=c.fake.admin))
        assert "Data reloaded" in reply, reply

        async def followed() -> bool:  # the other process's card, within seconds
            card = await run_command(c.fake, "startup", {"name": "boxful"}, guild=c.guilds[3])
            return "Boxful Storage" in embed_text(card)

        await until(followed, 10, f"the high process to follow the reload\n{c.logs()}")

        async def same_version() -> set[str] | None:
            found = {r["data_version"] for r in await rows(
                c.url, "SELECT data_version FROM process")}
            count = len(await rows(c.url, "SELECT 1 FROM process"))
            return found if count == 2 and len(found) == 1 else None

        [version] = await until(same_version, 5, f"both on one version\n{c.logs()}")
        assert version in reply
        text = embed_text(await run_command(c.fake, "data status", guild=c.guilds[2],
                                            user=c.fake.admin))
        assert text.count(f"`{version}`") >= 3 and "different data versions" not in text, text
