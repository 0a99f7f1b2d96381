"""The Discord client: resources injected, cogs discovered, commands synced only when changed.

Everything the cogs use (settings, store, knowledge, clock) hangs off the bot object, so tests
build a bot with a temporary database and a fake clock and drive it through a fake Discord.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import os
import pkgutil
import secrets
import socket
import weakref
from collections.abc import Callable
from typing import Any

import discord
from discord.ext import commands, tasks

import cogs
from bot.clock import utcnow
from bot.cluster import Cluster
from bot.config import Settings
from bot.knowledge import Knowledge
from bot.question import warm
from bot.state import State, open_state
from bot.store import Store
from bot.tree import SmartUpsTree

log = logging.getLogger(__name__)

DB_POLL_SECONDS = 30.0


def extension_names() -> list[str]:
    """Every module in ``cogs/`` that defines ``setup``: no central list to keep in sync."""
    names = []
    for module in pkgutil.iter_modules(cogs.__path__, prefix="cogs."):
        if not module.name.rsplit(".", 1)[-1].startswith("_"):
            names.append(module.name)
    return sorted(names)


def shard_options(settings: Settings) -> dict[str, Any]:
    """The AutoShardedBot arguments for the configured shards (none: discord.py decides)."""
    options: dict[str, Any] = {}
    if settings.shard_count is not None:
        options["shard_count"] = settings.shard_count
    if settings.shard_ids is not None:
        options["shard_ids"] = list(settings.shard_ids)
    return options


class SmartUpsBot(commands.AutoShardedBot):
    """The bot process: owns the store, the knowledge and the data jobs; features are cogs.

    An AutoShardedBot: with ``SMARTUPS_SHARD_COUNT``/``SMARTUPS_SHARD_IDS`` it runs those shards
    of a bot split over several processes; without them, discord.py's recommended count, all
    here (one shard for a small bot).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        sync_commands: bool = True,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=SmartUpsTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **shard_options(settings),
        )
        self.settings = settings
        self.clock = clock
        self.store = store or Store(settings.db, settings.data_dir, clock=clock)
        self.knowledge = Knowledge(self.store)
        self.started_at = clock()
        #: This process among the bot's processes: its heartbeat row and spotlight claims.
        self.instance = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._state: State | None = None
        self.cluster = Cluster(self)
        self.sync_commands = sync_commands
        self._watcher_task: asyncio.Task[None] | None = None
        self._startup_load: asyncio.Task[None] | None = None
        #: Views with timeouts: discord.py's close() leaves their timers running otherwise.
        self.live_views: weakref.WeakSet[discord.ui.View] = weakref.WeakSet()

    @property
    def state(self) -> State:
        """Guild and admin state: the SQLite file, or PostgreSQL shared by every process."""
        if self._state is None:
            raise RuntimeError("the bot's state is opened in setup_hook")
        return self._state

    def owns_guild(self, guild_id: int) -> bool:
        """Does this process run the Discord shard of ``guild_id`` (so it posts its spotlight)?
        Discord's rule: shard = (guild_id >> 22) % shard_count."""
        ids, count = self.settings.shard_ids, self.settings.shard_count
        if ids is None or count is None:
            return True
        return (guild_id >> 22) % count in ids

    async def setup_hook(self) -> None:
        if not self.store.is_open:
            await self.store.open()
        if self._state is None:
            # On SQLite the state shares the store's file and writer connection (as before).
            self._state = await open_state(
                self.settings, plain=self.store.writer, db=self.store.db_path
            )
            self.store.attach_state(self._state)
        if self.store.loaded:
            # Serve the last good data from SQLite at once; re-read the folder in the background.
            self._startup_load = asyncio.create_task(self.load_data_folder(), name="startup-load")
        else:
            await self.load_data_folder()
        for name in extension_names():
            await self.load_extension(name)
        from bot.i18n_discord import CommandTranslator

        await self.tree.set_translator(CommandTranslator())
        if self.sync_commands:
            await self.sync_if_changed()
        await self.cluster.start()
        self.watch_database.start()
        if self.settings.watch_data:
            from bot.watcher import DataWatcher

            self._watcher_task = asyncio.create_task(DataWatcher(self.store).run())

    async def close(self) -> None:
        for view in list(self.live_views):
            view.stop()
        self.watch_database.cancel()
        tasks_ = [t for t in (self._watcher_task, self._startup_load) if t]
        for task in tasks_:
            task.cancel()
        await asyncio.gather(*tasks_, return_exceptions=True)
        await super().close()  # unloads the cogs: the spotlight cog stops its job
        if self._state is not None:
            await self.cluster.stop()
            await self._state.close()
        await self.store.close()

    async def load_data_folder(self) -> None:
        """Read the data folder at start; problems are logged and the last good data stays."""
        report = await self.store.reload(actor="startup", command="startup", audit=False)
        if self.store.loaded:
            # Build the question facets off the event loop before the first /ask needs them.
            await asyncio.to_thread(warm, self.store.current)
        if report.ok:
            return
        for problem in report.problems[:20]:
            log.error("data: %s", problem)
        if report.error:
            log.error("data: %s", report.error)
        if self.store.loaded:
            log.error("the data folder has problems; serving the last good data")
        else:
            log.error("no valid data yet: commands will say so until a reload succeeds")

    # ------------------------------------------------------------------ command sync

    async def command_payload(self, guild: discord.abc.Snowflake | None) -> list[dict]:
        translator = self.tree.translator
        payload = []
        for command in self.tree.get_commands(guild=guild):
            if translator is not None:
                payload.append(await command.get_translated_payload(self.tree, translator))
            else:
                payload.append(command.to_dict(self.tree))
        return payload

    async def sync_if_changed(self) -> bool:
        """Sync only when the command set differs from the last sync (200 creates/day cap)."""
        guild = discord.Object(self.settings.dev_guild) if self.settings.dev_guild else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = await self.command_payload(guild)
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        scope = f"commands:{guild.id if guild else 'global'}:{self.application_id}"
        # One transaction under the "commands" lock: processes starting together queue here,
        # and only the first finds the digest changed and syncs (not once per process).
        async with self.state.transaction("commands") as tx:
            stored = await tx.fetchval("SELECT value FROM meta WHERE key = ?", (scope,))
            if stored == digest:
                log.info("commands unchanged (%s); not syncing", digest)
                return False
            synced = await self.tree.sync(guild=guild)
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (scope, digest),
            )
        log.info("synced %d command(s) to %s", len(synced), guild.id if guild else "all guilds")
        return True

    # ------------------------------------------------------------------ background jobs

    @tasks.loop(seconds=DB_POLL_SECONDS)
    async def watch_database(self) -> None:
        """Adopt data that `smartups reload` wrote from another process."""
        try:
            await self.store.refresh_from_db()
        except Exception:
            log.exception("could not check the database for new data")

    @watch_database.before_loop
    async def _before_watch(self) -> None:
        await self.wait_until_ready()

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))


async def run_bot(settings: Settings) -> int:
    """Run until stopped; a missing or rejected token is one clear line, never the token."""
    token = settings.token
    if not token:
        print("smartups: DISCORD_TOKEN is not set (see .env.example).")
        return 2
    bot = SmartUpsBot(settings)
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        print("smartups: Discord rejected DISCORD_TOKEN; reset it in the developer portal.")
        return 2
    except discord.PrivilegedIntentsRequired:
        print("smartups: Discord refused the gateway intents this bot asked for.")
        return 2
    except (asyncio.CancelledError, KeyboardInterrupt):
        pass
    return 0
