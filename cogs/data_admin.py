"""Admin commands: /data reload, validate, status, history, gaps and stats.

The work (reading, validating, swapping, auditing) is :meth:`bot.store.Store.reload`; this cog
checks the admin level, defers (a reload may take longer than Discord's 3 seconds) and renders.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import SmartUpsBot
    from bot.store import Store

from bot.i18n import lang_of
from bot.permissions import Level, require
from bot.render import audit_card, data_status_card, reload_card, to_embed


def actor(interaction: discord.Interaction) -> str:
    return f"{interaction.user} ({interaction.user.id})"


@app_commands.guild_only()
@app_commands.default_permissions(administrator=True)
class DataAdmin(
    commands.GroupCog, group_name="data", group_description="Admin: the knowledge base"
):
    """Live updates of the YAML knowledge, with an audit trail."""

    def __init__(self, bot: SmartUpsBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def store(self) -> Store:
        return self.bot.store

    @app_commands.command(name="reload", description="Re-read the data folder and swap it in")
    @require(Level.ADMIN)
    async def reload(self, interaction: discord.Interaction) -> None:
        await self._load(interaction, "/data reload", dry_run=False)

    @app_commands.command(name="validate", description="Check the data folder without swapping")
    @require(Level.ADMIN)
    async def validate(self, interaction: discord.Interaction) -> None:
        await self._load(interaction, "/data validate", dry_run=True)

    async def _load(self, interaction: discord.Interaction, command: str, dry_run: bool) -> None:
        """Reload (or only check) the data folder and answer with what changed or what is
        wrong; deferred, since a large folder takes seconds."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.store.reload(actor=actor(interaction), command=command, dry_run=dry_run)
        await interaction.followup.send(
            embed=to_embed(reload_card(report, lang_of(interaction.locale))), ephemeral=True
        )

    @app_commands.command(name="status", description="Data version, who loaded it, counts")
    @require(Level.ADMIN)
    async def status(self, interaction: discord.Interaction) -> None:
        from bot.state import StateUnavailable
        from bot.state.processes import Process, alive

        snapshot = self.store.current  # the data answers even while the state is away
        processes: list[Process] | None
        try:
            processes = await alive(self.bot.state, self.bot.clock())
        except StateUnavailable:
            processes = None
        card = data_status_card(
            snapshot, self.store.reloading, lang_of(interaction.locale),
            processes=processes, this=self.bot.instance,
        )
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="history", description="The audit log of data loads")
    @require(Level.ADMIN)
    async def history(self, interaction: discord.Interaction) -> None:
        from bot.suggestions.cards import events_card
        from bot.suggestions.storage import SuggestionStore

        lang = lang_of(interaction.locale)
        rows = await self.store.audit_log(limit=15)
        events = await SuggestionStore(self.store.state).events(limit=10)
        embeds = [to_embed(audit_card(rows, lang)), to_embed(events_card(events, lang))]
        await interaction.response.send_message(embeds=embeds, ephemeral=True)

    @app_commands.command(name="gaps", description="Questions the knowledge could not answer")
    @app_commands.describe(days="Only questions asked in the last N days")
    @require(Level.ADMIN)
    async def gaps(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] | None = None
    ) -> None:
        from bot import gaps
        from bot.suggestions.cards import gaps_card

        since = self.bot.clock() - dt.timedelta(days=days) if days else None
        rows = await gaps.top(self.store.state, limit=20, since=since)
        card = gaps_card(rows, lang_of(interaction.locale), self.bot.settings.counts_retention_days)
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="stats", description="The most looked-up records and commands")
    @app_commands.describe(days="Only the last N days (default 30)")
    @require(Level.ADMIN)
    async def stats(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30
    ) -> None:
        from bot import usage
        from bot.suggestions.cards import stats_card

        lang = lang_of(interaction.locale)
        stats = await usage.gather(self.store, self.store.state, days=days, lang=lang)
        card = stats_card(stats, lang, self.bot.settings.counts_retention_days)
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)


async def setup(bot: SmartUpsBot) -> None:
    await bot.add_cog(DataAdmin(bot))
