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
import pkgutil
import weakref
from collections.abc import Callable

import discord
from discord.ext import commands, tasks

import cogs
from bot.clock import utcnow
from bot.config import Settings
from bot.db import open_db
from bot.i18n import lang_for_guild
from bot.knowledge import Knowledge
from bot.model import Kind
from bot.render import spotlight_card, to_embed
from bot.spotlight import PostError, SpotlightService
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


class SmartUpsBot(commands.Bot):
    """The bot process: owns the store and the background jobs."""

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
        )
        self.settings = settings
        self.clock = clock
        self.store = store or Store(settings.db, settings.data_dir, clock=clock)
        self.knowledge = Knowledge(self.store)
        self.started_at = clock()
        self.sync_commands = sync_commands
        self._watcher_task: asyncio.Task[None] | None = None
        self._startup_load: asyncio.Task[None] | None = None
        self.spotlight: SpotlightService | None = None
        #: The weekly-post loop's state for /spotlight status: a key of spotlight.loop_state.*,
        #: and what made it restart last (error type, count), if anything did.
        self.spotlight_state = "not_started"
        self.spotlight_failures: tuple[str, int] | None = None
        self._spotlight_task: asyncio.Task[None] | None = None
        self._spotlight_conn = None
        #: Views with timeouts: discord.py's close() leaves their timers running otherwise.
        self.live_views: weakref.WeakSet[discord.ui.View] = weakref.WeakSet()

    async def setup_hook(self) -> None:
        if self.store._writer is None:
            await self.store.open()
        if self.store.loaded:
            # Serve the last good data from SQLite at once; re-read the folder in the background.
            self._startup_load = asyncio.create_task(self.load_data_folder(), name="startup-load")
        else:
            await self.load_data_folder()
        # The spotlight runs its own transactions: it gets its own connection.
        self._spotlight_conn = await open_db(self.settings.db)
        self.spotlight = SpotlightService(
            self._spotlight_conn, clock=self.clock, grace=self.settings.spotlight_grace
        )
        for name in extension_names():
            await self.load_extension(name)
        from bot.i18n_discord import CommandTranslator

        await self.tree.set_translator(CommandTranslator())
        if self.sync_commands:
            await self.sync_if_changed()
        self.watch_database.start()
        self._spotlight_task = asyncio.create_task(self._run_spotlight(), name="spotlight")
        if self.settings.watch_data:
            from bot.watcher import DataWatcher

            self._watcher_task = asyncio.create_task(DataWatcher(self.store).run())

    async def close(self) -> None:
        for view in list(self.live_views):
            view.stop()
        self.watch_database.cancel()
        tasks_ = [t for t in (self._watcher_task, self._spotlight_task, self._startup_load) if t]
        for task in tasks_:
            task.cancel()
        await asyncio.gather(*tasks_, return_exceptions=True)
        await super().close()
        if self._spotlight_conn is not None:
            await self._spotlight_conn.close()
        await self.store.close()

    async def load_data_folder(self) -> None:
        """Read the data folder at start; problems are logged and the last good data stays."""
        report = await self.store.reload(actor="startup", command="startup", audit=False)
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
        for command in self.tree._get_all_commands(guild=guild):
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
        conn = self.store.writer
        async with conn.execute("SELECT value FROM meta WHERE key = ?", (scope,)) as cur:
            row = await cur.fetchone()
        if row and row[0] == digest:
            log.info("commands unchanged (%s); not syncing", digest)
            return False
        synced = await self.tree.sync(guild=guild)
        await conn.execute(
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

    # ------------------------------------------------------------------ spotlight

    def startup_ids(self, _guild_id: int = 0) -> list[str]:
        """The startups that exist now (the rotation follows the data across reloads)."""
        if not self.store.loaded:
            return []
        return [r.id for r in self.store.current.index.of_kind(Kind.STARTUP)]

    async def post_spotlight(
        self, guild_id: int, channel_id: int, startup_id: str, slot_key: str
    ) -> int:
        """Send one spotlight post; Discord failures become PostError kinds the service knows."""
        snapshot = self.store.current
        startup = snapshot.index.record(Kind.STARTUP, startup_id)
        if startup is None:
            raise PostError("not_found", f"startup {startup_id} is no longer in the data")
        guild = self.get_guild(guild_id)
        lang = lang_for_guild(guild, self.settings)
        card = spotlight_card(startup, self.knowledge, snapshot, lang)  # type: ignore[arg-type]
        try:
            channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
            message = await channel.send(embed=to_embed(card))  # type: ignore[union-attr]
        except discord.Forbidden as exc:
            raise PostError("forbidden", exc.text or "missing permissions") from exc
        except discord.NotFound as exc:
            raise PostError("not_found", exc.text or "unknown channel") from exc
        except discord.HTTPException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise PostError("transient", f"HTTP {exc.status}") from exc
            raise
        except (TimeoutError, OSError) as exc:
            raise PostError("transient", type(exc).__name__) from exc
        return message.id

    async def run_spotlight_once(self) -> list:
        """Post every due slot now (the loop calls the same; tests call it after moving time)."""
        assert self.spotlight is not None
        return await self.spotlight.run_due(self.startup_ids, self.post_spotlight)

    async def _run_spotlight(self) -> None:
        """The weekly-post loop; it restarts itself after any failure and says so in status."""
        await self.wait_until_ready()
        failures = 0
        while not self.is_closed() and self.spotlight is not None:
            self.spotlight_state = "running"
            try:
                await self.spotlight.run(self.startup_ids, self.post_spotlight)
            except asyncio.CancelledError:
                self.spotlight_state = "stopped"
                raise
            except Exception as exc:
                failures += 1
                self.spotlight_state = "restarting"
                self.spotlight_failures = (type(exc).__name__, failures)
                log.exception("spotlight loop stopped; restarting in %s s", min(60, 2**failures))
                await asyncio.sleep(min(60, 2**failures))

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
