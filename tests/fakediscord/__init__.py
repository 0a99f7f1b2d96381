"""A fake Discord (HTTP API v10 + gateway websocket) on 127.0.0.1 for end-to-end tests of the
real, unmodified discord.py client.

Quick start::

    from tests.fakediscord import FakeDiscord, run_client

    async def test_ping():
        async with FakeDiscord() as fake:              # starts + patches discord.py, then stops
            bot = make_bot()                            # any discord.Client / commands.Bot
            async with run_client(fake, bot):           # start(), wait for on_ready, close()
                await bot.tree.sync()
                ix = await fake.send_command("ping")
                cb = await fake.wait_for_callback(ix)
                assert cb.json["type"] == 4

or use the ``fake_discord`` fixture from ``tests.fakediscord.fixtures``.
"""

from .models import (
    DEFAULT_BOT_ROLE,
    DEFAULT_EVERYONE,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Overwrite,
    P,
    Snowflakes,
)
from .records import ApiError, FakeInteraction, Fault, GatewayFrame, Request, UploadedFile
from .runner import run_client
from .server import DEFAULT_TOKEN, FakeDiscord

__all__ = [
    "DEFAULT_BOT_ROLE",
    "DEFAULT_EVERYONE",
    "DEFAULT_TOKEN",
    "ApiError",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Fault",
    "GatewayFrame",
    "Overwrite",
    "P",
    "Request",
    "Snowflakes",
    "UploadedFile",
    "run_client",
]
