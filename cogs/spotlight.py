"""Moderator commands for the weekly SmartUp spotlight.

Parsing, the moderator check and rendering happen here; deciding who is next, when, and
recording exactly-once posts is :class:`bot.spotlight.SpotlightService`.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import lang_of, tr
from bot.model import Kind, Record
from bot.permissions import Level, require
from bot.render import (
    COLOURS,
    WEEKDAYS,
    Card,
    discord_time,
    esc,
    short_name,
    spotlight_card,
    spotlight_history_card,
    spotlight_status_card,
    to_embed,
)
from bot.spotlight import (
    DEFAULT_TIMEZONE,
    NoStartups,
    NotScheduled,
    SpotlightService,
    format_time,
    match_timezones,
    parse_time,
    resolve_timezone,
)
from bot.transformers import StartupArg, knowledge_of
from bot.tree import reply_ephemeral

WEEKDAY_CHOICES = [
    app_commands.Choice(name=day.capitalize(), value=index) for index, day in enumerate(WEEKDAYS)
]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Spotlight(
    commands.GroupCog,
    group_name="spotlight",
    group_description="Moderators: the weekly SmartUp spotlight",
):
    """Schedule, preview, post and steer the weekly startup profile."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def service(self) -> SpotlightService:
        return self.bot.spotlight  # type: ignore[attr-defined,no-any-return]

    def _name(self, startup_id: str | None, lang: str) -> str:
        if not startup_id:
            return "—"
        knowledge = self.bot.knowledge  # type: ignore[attr-defined]
        record = knowledge.snapshot.index.record(Kind.STARTUP, startup_id)
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
        ids = self.bot.startup_ids()  # type: ignore[attr-defined]
        upcoming = await self.service.upcoming(interaction.guild_id, ids)
        card = spotlight_status_card(
            schedule,
            lang,
            upcoming=self._name(upcoming, lang) if upcoming else None,
            done=len(set(schedule.featured_this_cycle) & set(ids)),
            total=len(ids),
            loop_state=self.bot.spotlight_state,  # type: ignore[attr-defined]
            loop_failures=self.bot.spotlight_failures,  # type: ignore[attr-defined]
        )
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="preview", description="See the next post (only you)")
    @require(Level.MODERATOR)
    async def preview(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        assert interaction.guild_id is not None
        upcoming = await self.service.upcoming(interaction.guild_id, self.bot.startup_ids())  # type: ignore[attr-defined]
        if upcoming is None:
            raise NoStartups
        knowledge = knowledge_of(interaction)
        snapshot = knowledge.snapshot
        startup = snapshot.index.record(Kind.STARTUP, upcoming)
        card = spotlight_card(startup, knowledge, snapshot, lang)  # type: ignore[arg-type]
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
            self.bot.startup_ids(),  # type: ignore[attr-defined]
            self.bot.post_spotlight,  # type: ignore[attr-defined]
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
        ids = self.bot.startup_ids()  # type: ignore[attr-defined]
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


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Spotlight(bot))
