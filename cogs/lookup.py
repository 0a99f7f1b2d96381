"""Member commands: /city, /initiative, /startup, /organization, /ask, /browse.

Each command parses its options, calls :mod:`bot.answers` and sends the card; the lookups,
ranking and rendering live in ``bot/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

from bot import answers
from bot.i18n import lang_of
from bot.model import Kind, Record
from bot.paginator import Paginator
from bot.question import Query
from bot.render import Card, to_embed
from bot.transformers import (
    CHOICE_MAX,
    CHOICE_VALUE_MAX,
    CityArg,
    InitiativeArg,
    OrganizationArg,
    StartupArg,
    choice_name,
    knowledge_of,
)

#: Choice names are translated at sync (bot/locales/commands.<lang>.yaml); values stay fixed.
KIND_CHOICES = [
    app_commands.Choice(name=locale_str("startups"), value="startup"),
    app_commands.Choice(name=locale_str("cities"), value="city"),
    app_commands.Choice(name=locale_str("initiatives"), value="initiative"),
    app_commands.Choice(name=locale_str("organizations"), value="organization"),
]


class Lookup(commands.Cog):
    """Answers about records and free questions."""

    def __init__(self, bot: SmartUpsBot) -> None:
        self.bot = bot

    async def _show(self, interaction: discord.Interaction, record: Record) -> None:
        card = answers.profile_card(self.bot.knowledge, record, lang_of(interaction.locale))
        await interaction.response.send_message(embed=to_embed(card))

    @app_commands.command(
        name="city", description="A city's smart-city figures, initiatives and startups"
    )
    @app_commands.describe(name="City name, e.g. Hong Kong or 台北")
    async def city(self, interaction: discord.Interaction, name: CityArg) -> None:
        await self._show(interaction, name)

    @app_commands.command(name="initiative", description="One smart-city initiative")
    @app_commands.describe(name="Initiative name, e.g. smart lampposts")
    async def initiative(self, interaction: discord.Interaction, name: InitiativeArg) -> None:
        await self._show(interaction, name)

    @app_commands.command(name="startup", description="A startup's profile")
    @app_commands.describe(name="Startup name, e.g. Lalamove or 橋彼道")
    async def startup(self, interaction: discord.Interaction, name: StartupArg) -> None:
        await self._show(interaction, name)

    @app_commands.command(
        name="organization", description="An ecosystem body: agency, park, association"
    )
    @app_commands.describe(name="Organization name, e.g. HKSTP or InvestHK")
    async def organization(self, interaction: discord.Interaction, name: OrganizationArg) -> None:
        await self._show(interaction, name)

    @app_commands.command(
        name="ask", description="Ask a question about the cities, startups and initiatives"
    )
    @app_commands.describe(question="e.g. How many free Wi-Fi hotspots does Hong Kong have?")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 500]
    ) -> None:
        pages = await answers.ask(
            self.bot.knowledge, Query.of(question), lang_of(interaction.locale)
        )
        await self._send_pages(interaction, pages)

    @app_commands.command(
        name="browse", description="List startups, cities, initiatives or organizations"
    )
    @app_commands.describe(
        kind="What to list", city="Only records of this city", sector="Only this sector or tag"
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def browse(
        self,
        interaction: discord.Interaction,
        kind: app_commands.Choice[str],
        city: CityArg | None = None,
        sector: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        lang = lang_of(interaction.locale)
        city_id = city.id if city is not None else None
        pages = answers.browse(knowledge_of(interaction), Kind(kind.value), city_id, sector, lang)
        await self._send_pages(interaction, pages)

    async def _send_pages(self, interaction: discord.Interaction, pages: Sequence[Card]) -> None:
        """One card as is; more than one behind the paginator (only its invoker turns pages)."""
        if len(pages) == 1:
            await interaction.response.send_message(embed=to_embed(pages[0]))
            return
        view = Paginator(pages, interaction.user.id, lang_of(interaction.locale))
        view.message_interaction = interaction
        self.bot.live_views.add(view)
        await interaction.response.send_message(embed=view.embed(), view=view)

    @browse.autocomplete("sector")
    async def _sector_choices(
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        knowledge = knowledge_of(interaction)
        if not knowledge.store.loaded:
            return []
        needle = value.casefold().strip()
        sectors = [s for s in knowledge.sectors() if needle in s.casefold()]
        return [
            app_commands.Choice(name=choice_name(s), value=s[:CHOICE_VALUE_MAX])
            for s in sectors[:CHOICE_MAX]
        ]


async def setup(bot: SmartUpsBot) -> None:
    await bot.add_cog(Lookup(bot))
