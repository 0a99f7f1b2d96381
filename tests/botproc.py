"""One real bot process for the multi-process tests: ``python -m tests.botproc PORT TOKEN``.

Everything else comes from the environment, as in production (``SMARTUPS_DATABASE_URL``,
``SMARTUPS_SHARD_COUNT``, ``SMARTUPS_SHARD_IDS``, ``SMARTUPS_DB``, ``SMARTUPS_DATA_DIR``); only
discord.py is pointed at the fake Discord on 127.0.0.1:PORT. SIGTERM stops it cleanly; the
tests also SIGKILL it to play a process that dies.
"""

from __future__ import annotations

import asyncio
import signal
import sys


async def main(port: int, token: str) -> None:
    import discord.gateway
    import discord.http
    import yarl

    from bot.client import SmartUpsBot
    from bot.config import load_settings, setup_logging

    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/")
    settings = load_settings(env_file=None)
    setup_logging(settings.log_level)
    bot = SmartUpsBot(settings)
    bot._connection.guild_ready_timeout = 0.05  # the fake sends every guild at once
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with bot:
        runner = asyncio.create_task(bot.start(token))
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if runner.done():
            runner.result()
    # leaving ``async with`` closes the bot: cogs unloaded, heartbeat removed, state closed


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
