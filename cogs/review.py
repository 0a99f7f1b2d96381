"""Moderators review suggestions: /review list|show|accept|reject.

Every command checks the moderator level in code (:func:`bot.permissions.require`), not only
through ``default_permissions``. The work is :class:`bot.suggestions.service.SuggestionService`:
an accept writes the YAML, validates the folder and reloads; this cog defers, calls it, renders
the answer, and tells the member the outcome by DM (closed DMs are recorded, nothing fails).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

from bot.i18n import lang_of
from bot.permissions import Level, require
from bot.render import to_embed
from bot.suggestions.cards import PAGE_SIZE, decided_card, outcome_card, queue_card, suggestion_card
from bot.suggestions.fields import current_value
from bot.suggestions.models import Suggestion
from bot.suggestions.service import SuggestionService
from bot.suggestions.storage import SuggestionStore

log = logging.getLogger(__name__)


def actor(interaction: discord.Interaction) -> str:
    return f"{interaction.user} ({interaction.user.id})"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Review(commands.GroupCog, group_name="review",
             group_description="Moderators: the suggestion queue"):
    """The review queue; owns the service whose lock serializes accepts."""

    def __init__(self, bot: SmartUpsBot) -> None:
        self.bot = bot
        self._service: SuggestionService | None = None
        self._connecting = asyncio.Lock()
        super().__init__()

    async def service(self) -> SuggestionService:
        """The queue's service, connected on first use (loading the cog opens nothing)."""
        async with self._connecting:
            if self._service is None:
                queue = SuggestionStore(self.bot.state, clock=self.bot.clock)
                self._service = SuggestionService(self.bot.store, queue)
            return self._service


    async def cog_unload(self) -> None:
        if self._service is not None:
            await self._service.close()
            self._service = None

    @app_commands.command(name="list", description="Pending suggestions, oldest first")
    @app_commands.describe(page="Page number", record="Only suggestions about this record id")
    @require(Level.MODERATOR)
    async def list_(self, interaction: discord.Interaction, page: app_commands.Range[int, 1] = 1,
                    record: str | None = None) -> None:
        rows, total = await (await self.service()).queue.page(
            record_id=record, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        card = queue_card(rows, total, page, lang_of(interaction.locale))
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="show", description="A suggestion beside the current value")
    @app_commands.describe(id="Suggestion number")
    @require(Level.MODERATOR)
    async def show(self, interaction: discord.Interaction, id: int) -> None:
        service = await self.service()
        found = await service.queue.get(id)
        record = None if found.is_new_record else service.record(found.kind, found.record_id)
        current = current_value(record, found.field) if record is not None else None
        card = suggestion_card(found, current, lang_of(interaction.locale))
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="accept", description="Write the suggestion into the data")
    @app_commands.describe(id="Suggestion number", note="A note for the audit log")
    @require(Level.MODERATOR)
    async def accept(self, interaction: discord.Interaction, id: int,
                     note: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await (await self.service()).accept(id, actor(interaction), note)
        notified = await self.tell_member(done.suggestion)
        file = done.file.name
        card = decided_card(done.suggestion, lang_of(interaction.locale), file=file,
                            notified=notified)
        await interaction.followup.send(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="reject", description="Refuse the suggestion, with a reason")
    @app_commands.describe(id="Suggestion number", reason="Why, for the member")
    @require(Level.MODERATOR)
    async def reject(self, interaction: discord.Interaction, id: int,
                     reason: app_commands.Range[str, 1, 1000]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await (await self.service()).reject(id, actor(interaction), reason)
        notified = await self.tell_member(done)
        card = decided_card(done, lang_of(interaction.locale), notified=notified)
        await interaction.followup.send(embed=to_embed(card), ephemeral=True)

    async def tell_member(self, suggestion: Suggestion) -> str:
        """DM the outcome; a closed DM or a vanished user is recorded, never raised."""
        outcome = "sent"
        try:
            user = await self.bot.fetch_user(suggestion.author_id)
            await user.send(embed=to_embed(outcome_card(suggestion)))
        except discord.Forbidden:
            outcome = "dm_closed"
        except discord.HTTPException as exc:
            log.warning("could not tell %s about suggestion #%d: %s", suggestion.author_id,
                        suggestion.id, exc)
            outcome = "failed"
        await (await self.service()).queue.set_notified(suggestion.id, outcome)
        return outcome


async def setup(bot: SmartUpsBot) -> None:
    await bot.add_cog(Review(bot))
