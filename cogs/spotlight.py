"""The weekly SmartUp spotlight's Discord side: the moderator commands and the posting job.

The cog owns the job: ``cog_load`` builds :class:`bot.spotlight.SpotlightService` on the bot's
state (SQLite or the shared PostgreSQL) and starts the loop; ``cog_unload`` stops the loop, so
unloading the extension stops the job and the client knows nothing about spotlights. With
several processes, each posts only for the guilds of its own shards (``bot.owns_guild``).
Deciding who is next, when, and recording exactly-once posts is the service's.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import answers
from bot.i18n import lang_for_guild, lang_of, tr
from bot.model import Kind, Record
from bot.permissions import Level, require
from bot.render import (
    COLOURS,
    WEEKDAYS,
    Card,
    discord_time,
    esc,
    short_name,
    spotlight_history_card,
    spotlight_status_card,
    to_embed,
)
from bot.spotlight import (
    DEFAULT_TIMEZONE,
    HistoryEntry,
    NoStartups,
    NotScheduled,
    PostError,
    SpotlightService,
    format_time,
    match_timezones,
    parse_time,
    resolve_timezone,
)
from bot.state.processes import ALIVE_WITHIN
from bot.transformers import StartupArg
from bot.tree import reply_ephemeral

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

log = logging.getLogger(__name__)

WEEKDAY_CHOICES = [
    app_commands.Choice(name=day.capitalize(), value=index) for index, day in enumerate(WEEKDAYS)
]
#: The loop's restart delay after a crash: 2, 4, 8... seconds, at most this.
MAX_BACKOFF_SECONDS = 60.0
#: The longest pause of the job between passes, alone and among several processes.
MAX_SLEEP = 60.0
SHARED_MAX_SLEEP = 10.0


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Spotlight(
    commands.GroupCog,
    group_name="spotlight",
    group_description="Moderators: the weekly SmartUp spotlight",
):
    """Schedule, preview, post and steer the weekly startup profile; run the weekly job."""

    def __init__(self, bot: SmartUpsBot) -> None:
        self.bot = bot
        self._service: SpotlightService | None = None
        self._task: asyncio.Task[None] | None = None
        #: The job's state for /spotlight status: a key of spotlight.loop_state.*, and what
        #: made it restart last (error type, count), if anything did.
        self.state = "not_started"
        self.failures: tuple[str, int] | None = None
        super().__init__()

    # ------------------------------------------------------------------ the job

    async def cog_load(self) -> None:
        # The service is built on first use: the bot's state opens in its setup_hook, which
        # a cog loaded on its own (the offline payload test) never runs.
        self._task = asyncio.create_task(self._keep_running(), name="spotlight")

    async def cog_unload(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.state = "stopped"
        self._service = None

    @property
    def service(self) -> SpotlightService:
        if self._service is None:
            self._service = SpotlightService(
                self.bot.state,
                clock=self.bot.clock,
                grace=self.bot.settings.spotlight_grace,
                instance=self.bot.instance,
                owns=self.bot.owns_guild,
                alive_within=ALIVE_WITHIN,
            )
        return self._service

    @property
    def max_sleep(self) -> float:
        """The longest pause between two passes of the job. On a shared state, passes are
        more frequent: each resolves the claims of a process that stopped (and notices a
        schedule another process changed) within seconds rather than a minute."""
        return SHARED_MAX_SLEEP if self.bot.state.shared else MAX_SLEEP

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def startup_ids(self, _guild_id: int = 0) -> list[str]:
        """The startups that exist now (the rotation follows the data across reloads)."""
        store = self.bot.store
        if not store.loaded:
            return []
        return [r.id for r in store.current.index.of_kind(Kind.STARTUP)]

    async def send_post(
        self, guild_id: int, channel_id: int, startup_id: str, slot_key: str
    ) -> int:
        """Send one spotlight post; Discord failures become PostError kinds the service knows."""
        startup = self.bot.store.current.index.record(Kind.STARTUP, startup_id)
        if startup is None:
            raise PostError("not_found", f"startup {startup_id} is no longer in the data")
        lang = lang_for_guild(self.bot.get_guild(guild_id), self.bot.settings)
        card = answers.spotlight_post(self.bot.knowledge, startup, lang)
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                raise PostError("not_found", f"channel {channel_id} cannot take messages")
            message = await channel.send(embed=to_embed(card))
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

    async def run_once(self) -> list[HistoryEntry]:
        """Post every due slot now (the loop calls the same; tests call it after moving time)."""
        return await self.service.run_due(self.startup_ids, self.send_post)

    async def _keep_running(self) -> None:
        """The one layer that keeps the job alive: a crash is logged, counted, shown in
        /spotlight status, and the loop restarts after a bounded backoff."""
        await self.bot.wait_until_ready()
        failures = 0
        while not self.bot.is_closed():
            self.state = "running"
            try:
                await self.service.run(
                    self.startup_ids, self.send_post, max_sleep=self.max_sleep
                )
            except asyncio.CancelledError:
                self.state = "stopped"
                raise
            except Exception as exc:
                failures += 1
                self.state = "restarting"
                self.failures = (type(exc).__name__, failures)
                delay = min(MAX_BACKOFF_SECONDS, 2.0**failures)
                log.exception("spotlight loop stopped; restarting in %s s", delay)
                await asyncio.sleep(delay)

    # ------------------------------------------------------------------ helpers

    def _name(self, startup_id: str | None, lang: str) -> str:
        if not startup_id:
            return "—"
        record = self.bot.knowledge.snapshot.index.record(Kind.STARTUP, startup_id)
        return short_name(record, lang) if record else startup_id

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        lang = lang_of(interaction.locale)
        card = Card(
            tr("spotlight.status_title", lang), text, colour=COLOURS["spotlight"], lang=lang
        )
        await reply_ephemeral(interaction, to_embed(card))

    # ------------------------------------------------------------------ commands

    @app_commands.command(name="schedule", description="Post a startup profile every week")
    @app_commands.describe(
        channel="Where to post",
        weekday="Day of the week",
        time="Local time, 24-hour HH:MM, e.g. 09:30",
        timezone="IANA time zone (default Asia/Hong_Kong)",
    )
    @app_commands.choices(weekday=WEEKDAY_CHOICES)
    @require(Level.MODERATOR)
    async def schedule(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        weekday: app_commands.Choice[int],
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64] = DEFAULT_TIMEZONE,
    ) -> None:
        lang = lang_of(interaction.locale)
        at = parse_time(time)
        zone = resolve_timezone(timezone)
        assert interaction.guild_id is not None
        saved = await self.service.schedule(
            interaction.guild_id, channel.id, weekday.value, at, zone
        )
        text = tr(
            "spotlight.scheduled",
            lang,
            weekday=tr(f"weekday.{WEEKDAYS[weekday.value]}", lang),
            time=format_time(at),
            timezone=zone,
            channel=channel.mention,
            next=discord_time(saved.next_slot),
        )
        me = interaction.guild.me if interaction.guild else None
        if me is not None:
            perms = channel.permissions_for(me)
            if not (perms.view_channel and perms.send_messages and perms.embed_links):
                text += "\n⚠️ " + tr("spotlight.cannot_post", lang, channel=channel.mention)
        await self._reply(interaction, text)

    @schedule.autocomplete("timezone")
    async def _timezones(
        self, _interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in match_timezones(value)]

    @app_commands.command(name="status", description="Channel, next post, rotation, last result")
    @require(Level.MODERATOR)
    async def status(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        assert interaction.guild_id is not None
        schedule = await self.service.get(interaction.guild_id)
        if schedule is None:
            raise NotScheduled(interaction.guild_id)  # answered by the tree's error handler
        ids = self.startup_ids()
        upcoming = await self.service.upcoming(interaction.guild_id, ids)
        card = spotlight_status_card(
            schedule,
            lang,
            upcoming=self._name(upcoming, lang) if upcoming else None,
            done=len(set(schedule.featured_this_cycle) & set(ids)),
            total=len(ids),
            loop_state=self.state,
            loop_failures=self.failures,
        )
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="preview", description="See the next post (only you)")
    @require(Level.MODERATOR)
    async def preview(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        assert interaction.guild_id is not None
        upcoming = await self.service.upcoming(interaction.guild_id, self.startup_ids())
        startup = self.bot.store.current.index.record(Kind.STARTUP, upcoming) if upcoming else None
        if startup is None:
            raise NoStartups
        card = answers.spotlight_post(self.bot.knowledge, startup, lang)
        await interaction.response.send_message(
            content=tr("spotlight.preview_note", lang), embed=to_embed(card), ephemeral=True
        )

    @app_commands.command(name="post", description="Post the next startup now")
    @require(Level.MODERATOR)
    async def post(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        entry = await self.service.post_now(
            interaction.guild_id,
            self.startup_ids(),
            self.send_post,
        )
        name = self._name(entry.startup_id, lang)
        if entry.outcome == "posted":
            text = tr(
                "spotlight.posted_now", lang, name=esc(name), channel=f"<#{entry.channel_id}>"
            )
        else:
            reason = tr(f"spotlight.reason.{entry.reason or 'error'}", lang)
            text = tr("spotlight.post_failed", lang, reason=reason)
        await self._reply(interaction, text)

    @app_commands.command(name="skip", description="Pass over the next startup this cycle")
    @require(Level.MODERATOR)
    async def skip(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        assert interaction.guild_id is not None
        ids = self.startup_ids()
        skipped = await self.service.skip(interaction.guild_id, ids)
        upcoming = await self.service.upcoming(interaction.guild_id, ids)
        text = tr(
            "spotlight.skipped_now",
            lang,
            name=esc(self._name(skipped, lang)),
            next=esc(self._name(upcoming, lang)),
        )
        await self._reply(interaction, text)

    @app_commands.command(name="next", description="Choose the startup featured next")
    @app_commands.describe(startup="The startup to feature next")
    @require(Level.MODERATOR)
    async def next(self, interaction: discord.Interaction, startup: StartupArg) -> None:
        lang = lang_of(interaction.locale)
        assert interaction.guild_id is not None
        record: Record = startup
        await self.service.set_next(interaction.guild_id, record.id)
        await self._reply(
            interaction, tr("spotlight.next_set", lang, name=esc(short_name(record, lang)))
        )

    @app_commands.command(name="pause", description="Stop the weekly posts until resumed")
    @require(Level.MODERATOR)
    async def pause(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await self.service.pause(interaction.guild_id)
        await self._reply(interaction, tr("spotlight.paused_now", lang_of(interaction.locale)))

    @app_commands.command(name="resume", description="Restart the weekly posts")
    @require(Level.MODERATOR)
    async def resume(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        assert interaction.guild_id is not None
        schedule = await self.service.resume(interaction.guild_id)
        await self._reply(
            interaction, tr("spotlight.resumed_now", lang, next=discord_time(schedule.next_slot))
        )

    @app_commands.command(name="history", description="Past spotlight posts")
    @require(Level.MODERATOR)
    async def history(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        assert interaction.guild_id is not None
        entries = await self.service.history(interaction.guild_id, limit=15)
        names = {e.startup_id: self._name(e.startup_id, lang) for e in entries if e.startup_id}
        card = spotlight_history_card(entries, names, lang)
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)


async def setup(bot: SmartUpsBot) -> None:
    await bot.add_cog(Spotlight(bot))
