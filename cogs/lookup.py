"""Member commands: /city, /initiative, /startup, /organization, /ask, /browse.

Each command parses its options, calls :mod:`bot.answers` and sends the card; the lookups,
ranking and rendering live in ``bot/``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

from bot import answers, pressure
from bot.i18n import lang_of, tr
from bot.model import Kind, Record
from bot.paginator import Paginator
from bot.pressure import Admission, run_here
from bot.pressure.cooldowns import Cooldowns
from bot.question import Query
from bot.render import Card, error_card, to_embed
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
from bot.tree import leave_turnstile

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Per-member cooldowns of the heavy commands: this many uses per COOLDOWN_PER seconds. A
#: member reading answers asks a few times a minute; a script flooding the bot gets the tree's
#: "try again in N s" (error.cooldown) and costs nothing but that reply.
ASK_RATE = 5
BROWSE_RATE = 5
COOLDOWN_PER = 20.0



def member_cooldown(rate: int, per: float) -> Callable[[T], T]:
    """``rate`` uses per ``per`` seconds for each member, refused with discord.py's
    ``CommandOnCooldown`` (the tree's one handler answers it with the time left). Counted by
    :class:`bot.pressure.cooldowns.Cooldowns`, whose cost does not grow with the members."""
    windows = Cooldowns(rate, per)

    async def predicate(interaction: discord.Interaction) -> bool:
        retry_after = windows.hit(interaction.user.id, interaction.created_at.timestamp())
        if retry_after is None:
            return True
        raise app_commands.CommandOnCooldown(app_commands.Cooldown(rate, per), retry_after)

    return app_commands.check(predicate)


#: A command's pages with the first one already drawn as an embed (drawn in the worker).
Drawn = tuple[Sequence[Card], discord.Embed]


def draw(pages: Sequence[Card]) -> Drawn:
    """Draw the first page now, in the worker thread, rather than on the event loop."""
    return pages, to_embed(pages[0])


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
    @member_cooldown(ASK_RATE, COOLDOWN_PER)
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 500]
    ) -> None:
        knowledge, lang = self.bot.knowledge, lang_of(interaction.locale)
        query = Query.of(question)
        remembered = answers.remembered_reply(knowledge, query, lang)
        if remembered is not None:  # asked before on this data: answered at once, here
            reply, pages = remembered
            await self._send_pages(interaction, draw(pages))
            await answers.count_gap(knowledge, reply, lang)
            return

        def work() -> Drawn:
            # Parsing, planning, full text and the first page: all in a worker thread.
            return draw(run_here(lambda: answers.ask(knowledge, query, lang)))

        await self._serve(interaction, work)

    @app_commands.command(
        name="browse", description="List startups, cities, initiatives or organizations"
    )
    @app_commands.describe(
        kind="What to list", city="Only records of this city", sector="Only this sector or tag"
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @member_cooldown(BROWSE_RATE, COOLDOWN_PER)
    async def browse(
        self,
        interaction: discord.Interaction,
        kind: app_commands.Choice[str],
        city: CityArg | None = None,
        sector: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        knowledge, lang = knowledge_of(interaction), lang_of(interaction.locale)
        city_id = city.id if city is not None else None
        remembered = answers.remembered_browse(knowledge, Kind(kind.value), city_id, sector, lang)
        if remembered is not None:  # listed before on this data: answered at once, here
            await self._send_pages(interaction, draw(remembered))
            return

        def work() -> Drawn:
            return draw(answers.browse(knowledge, Kind(kind.value), city_id, sector, lang))

        await self._serve(interaction, work)

    async def _serve(self, interaction: discord.Interaction, work: Callable[[], Drawn]) -> None:
        """A heavy command under load: busy if it cannot be served in time, else its work in
        the line (arrival order), deferred when the answer is not ready by the budget counted
        from the interaction's creation, and then followed up."""
        lang = lang_of(interaction.locale)
        gate = pressure.of(self.bot)
        if gate.admit(interaction.created_at) is Admission.BUSY:
            log.info("busy: /%s refused", interaction.command.name if interaction.command else "?")
            busy = error_card(tr("error.busy", lang), lang)
            await interaction.response.send_message(embed=to_embed(busy), ephemeral=True)
            return
        job = asyncio.ensure_future(gate.run(work))
        leave_turnstile(interaction)  # in the worker line now, which keeps its own order
        try:
            # shield: running out of time defers; it does not cancel the work.
            drawn = await asyncio.wait_for(
                asyncio.shield(job), gate.until_defer(interaction.created_at)
            )
        except TimeoutError:
            gate.deferred_count += 1
            await interaction.response.defer(thinking=True)
            drawn = await job
        await self._send_pages(interaction, drawn)

    async def _send_pages(self, interaction: discord.Interaction, drawn: Drawn) -> None:
        """One card as is; more than one behind the paginator (only its invoker turns pages).
        A deferred interaction gets the answer in place of its "thinking…" message."""
        pages, first = drawn
        view: Paginator | None = None
        if len(pages) > 1:
            view = Paginator(pages, interaction.user.id, lang_of(interaction.locale))
            view.message_interaction = interaction
            self.bot.live_views.add(view)
        if interaction.response.is_done():
            if view is None:
                await interaction.edit_original_response(embed=first)
            else:
                await interaction.edit_original_response(embed=first, view=view)
        elif view is None:
            await interaction.response.send_message(embed=first)
        else:
            await interaction.response.send_message(embed=first, view=view)

    @browse.autocomplete("sector")
    async def _sector_choices(
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        knowledge = knowledge_of(interaction)
        if not knowledge.store.loaded or pressure.of(self.bot).late(interaction.created_at):
            return []
        needle = value.casefold().strip()
        sectors = [s for s in knowledge.sectors() if needle in s.casefold()]
        return [
            app_commands.Choice(name=choice_name(s), value=s[:CHOICE_VALUE_MAX])
            for s in sectors[:CHOICE_MAX]
        ]


async def setup(bot: SmartUpsBot) -> None:
    await bot.add_cog(Lookup(bot))
