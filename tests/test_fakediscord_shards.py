"""The fake Discord serves several shards: IDENTIFY with [shard_id, shard_count], each guild's
events to shard (guild_id >> 22) % count only, DMs to shard 0, the recommended count on
GET /gateway/bot. Driven by two real discord.py AutoShardedClients in one process."""

from __future__ import annotations

import discord
from discord import app_commands

from tests.fakediscord import FakeDiscord, FakeGuild, run_client

BASE = 1_200_000_000_000_000_000 >> 22  # a realistic snowflake's timestamp part


def add_sharded_guilds(fake: FakeDiscord, count: int) -> list[FakeGuild]:
    """One guild per shard: guild k lives on shard k of ``count``."""
    guilds = []
    for k in range(count):
        gid = ((BASE // count) * count + k) << 22
        guild = fake.add_guild(f"Shard {k} guild", id=gid)
        guild.add_member(fake.user)
        guild.add_channel("general")
        guilds.append(guild)
    return guilds


class Client(discord.AutoShardedClient):
    def __init__(self, shard_ids: list[int] | None, shard_count: int | None) -> None:
        options = {"shard_ids": shard_ids, "shard_count": shard_count} if shard_ids else {}
        super().__init__(intents=discord.Intents.none() | discord.Intents(guilds=True),
                         **options)
        self.tree = app_commands.CommandTree(self)
        self.answered: list[tuple[int | None, int | None]] = []

        @self.tree.command(name="where", description="Which shard answers")
        async def where(interaction: discord.Interaction) -> None:
            self.answered.append((interaction.guild_id, self.shard_of(interaction.guild_id)))
            await interaction.response.send_message("here")

    def shard_of(self, guild_id: int | None) -> int | None:
        guild = self.get_guild(guild_id) if guild_id else None
        return guild.shard_id if guild else None


async def test_two_processes_of_two_shards_each_split_four_guilds() -> None:
    async with FakeDiscord(default_world=False) as fake:
        guilds = add_sharded_guilds(fake, 4)
        low, high = Client([0, 1], 4), Client([2, 3], 4)
        async with run_client(fake, low, timeout=10), run_client(fake, high, timeout=10):
            identified = sorted(tuple(p["shard"]) for p in fake.identify_payloads)
            assert identified == [(0, 4), (1, 4), (2, 4), (3, 4)]
            assert {g.id for g in low.guilds} == {guilds[0].id, guilds[1].id}
            assert {g.id for g in high.guilds} == {guilds[2].id, guilds[3].id}
            await low.tree.sync()
            for guild in guilds:
                ix = await fake.send_command("where", guild=guild)
                assert (await fake.wait_for_callback(ix)).json["type"] == 4
            assert low.answered == [(guilds[0].id, 0), (guilds[1].id, 1)]
            assert high.answered == [(guilds[2].id, 2), (guilds[3].id, 3)]
            ix = await fake.send_command("where", dm=True)  # outside a guild: shard 0
            await fake.wait_for_callback(ix)
            assert low.answered[-1] == (None, None) and len(high.answered) == 2
        assert not fake.server_errors


async def test_the_recommended_count_is_used_when_none_is_chosen() -> None:
    async with FakeDiscord(default_world=False, shards=2) as fake:
        guilds = add_sharded_guilds(fake, 2)
        client = Client(None, None)
        async with run_client(fake, client, timeout=10):
            assert client.shard_count == 2
            assert sorted(tuple(p["shard"]) for p in fake.identify_payloads) == [(0, 2), (1, 2)]
            assert {g.id: g.shard_id for g in client.guilds} == {guilds[0].id: 0, guilds[1].id: 1}
