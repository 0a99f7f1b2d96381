"""Members suggest: /suggest change (a field of any record) and /suggest new (a startup).

The command picks the record (autocomplete, as the lookups) and the field (autocomplete over the
fields the schema allows for that kind), then opens a modal form for the value and its source.
The submitted form goes to :class:`bot.suggestions.service.SuggestionService`, which checks the
value against the model before anything is stored; the member sees the exact problem, or the
number of the queued suggestion, ephemerally and in their language.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

from bot.errors import SmartUpsError
from bot.i18n import lang_of, tr
from bot.model import Kind, Record
from bot.render import error_card, failure_card, to_embed
from bot.suggestions.cards import recorded_card
from bot.suggestions.errors import SuggestionInvalid
from bot.suggestions.fields import MAX_VALUE_CHARS, allowed_fields, current_value
from bot.suggestions.models import Suggestion
from bot.suggestions.service import Author, SuggestionService
from bot.suggestions.storage import Limits, SuggestionStore
from bot.transformers import CHOICE_MAX, RecordTransformer, choice_name, knowledge_of
from bot.tree import reply_ephemeral

log = logging.getLogger(__name__)

KIND_CHOICES = [
    app_commands.Choice(name=locale_str("startups"), value="startup"),
    app_commands.Choice(name=locale_str("cities"), value="city"),
    app_commands.Choice(name=locale_str("initiatives"), value="initiative"),
    app_commands.Choice(name=locale_str("organizations"), value="organization"),
]


def author_of(interaction: discord.Interaction) -> Author:
    return Author(interaction.user.id, str(interaction.user), lang_of(interaction.locale),
                  interaction.guild_id)


class _SuggestionForm(discord.ui.Modal):
    """A modal whose submit is checked and queued; errors answer in the member's language."""

    def __init__(self, title: str, custom_id: str) -> None:
        super().__init__(title=title[:45], custom_id=custom_id, timeout=900)

    async def submit(self, interaction: discord.Interaction) -> Suggestion:
        """Check and queue what the member typed (each form says how)."""
        raise NotImplementedError

    async def on_submit(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        try:
            made = await self.submit(interaction)
        except SmartUpsError as exc:
            await reply_ephemeral(interaction, to_embed(failure_card(exc, lang)))
            return
        await interaction.response.send_message(embed=to_embed(recorded_card(made, lang)),
                                                ephemeral=True)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        log.error("suggestion form failed for user %s (%s)", interaction.user,
                  interaction.user.id, exc_info=error)
        lang = lang_of(interaction.locale)
        await reply_ephemeral(interaction, to_embed(error_card(tr("error.unexpected", lang), lang)))


class ChangeForm(_SuggestionForm):
    """The value and the source of a change to one field."""

    def __init__(self, service: SuggestionService, record: Record, field: str, lang: str) -> None:
        super().__init__(tr("suggest.modal.title", lang), "suggest:change")
        self.suggestions, self.record, self.field = service, record, field
        spec = allowed_fields(record.kind)[field]
        current = current_value(record, field)
        label = "suggest.modal.value_list" if spec.shape == "list" else "suggest.modal.value"
        self.value: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=f"{tr(label, lang)} ({field})"[:45], custom_id="value",
            style=discord.TextStyle.paragraph, max_length=MAX_VALUE_CHARS,
            default=None if current is None or spec.shape == "list" else str(current)[:2000],
        )
        self.source: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=tr("suggest.modal.source", lang)[:45], custom_id="source", max_length=2000,
        )
        self.add_item(self.value)
        self.add_item(self.source)

    async def submit(self, interaction: discord.Interaction) -> Suggestion:
        return await self.suggestions.suggest(author_of(interaction), self.record.kind,
                                              self.record.id, self.field, self.value.value,
                                              self.source.value)


class NewStartupForm(_SuggestionForm):
    """A new startup: name, description and source are all required."""

    def __init__(self, service: SuggestionService, lang: str) -> None:
        super().__init__(tr("suggest.modal.title_new", lang), "suggest:new")
        self.suggestions = service
        self.name: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=tr("suggest.modal.name", lang)[:45], custom_id="name", max_length=300)
        self.description: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=tr("suggest.modal.description", lang)[:45], custom_id="description",
            style=discord.TextStyle.paragraph, max_length=MAX_VALUE_CHARS)
        self.source: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=tr("suggest.modal.source", lang)[:45], custom_id="source", max_length=2000)
        for item in (self.name, self.description, self.source):
            self.add_item(item)

    async def submit(self, interaction: discord.Interaction) -> Suggestion:
        return await self.suggestions.suggest_new(author_of(interaction), self.name.value,
                                                  self.description.value, self.source.value)


def _kind(interaction: discord.Interaction) -> Kind:
    value = getattr(interaction.namespace, "kind", None) or "startup"
    return Kind(value) if value in Kind._value2member_map_ else Kind.STARTUP


class Suggest(commands.GroupCog, group_name="suggest",
              group_description="Suggest a fact or a correction, with its source"):
    """Opens the suggestion forms; owns the queue connection members write to."""

    def __init__(self, bot: SmartUpsBot) -> None:
        self.bot = bot
        self._service: SuggestionService | None = None
        self._connecting = asyncio.Lock()
        super().__init__()

    async def service(self) -> SuggestionService:
        """The queue's service, connected on first use (loading the cog opens nothing)."""
        async with self._connecting:
            if self._service is None:
                settings = self.bot.settings
                limits = Limits(settings.suggest_max_pending, settings.suggest_max_per_day)
                queue = SuggestionStore(self.bot.state, clock=self.bot.clock, limits=limits)
                self._service = SuggestionService(self.bot.store, queue)
            return self._service


    async def cog_unload(self) -> None:
        if self._service is not None:
            await self._service.close()
            self._service = None

    @app_commands.command(name="change", description="Suggest a value for one field of a record")
    @app_commands.describe(kind="What kind of record", record="The record (type to search)",
                           field="The field to change")
    @app_commands.choices(kind=KIND_CHOICES)
    async def change(self, interaction: discord.Interaction, kind: app_commands.Choice[str],
                     record: str, field: str) -> None:
        lang = lang_of(interaction.locale)
        found = knowledge_of(interaction).resolve(Kind(kind.value), record)
        if field not in allowed_fields(found.kind):
            raise SuggestionInvalid(field, "unknown_field", ", ".join(allowed_fields(found.kind)))
        form = ChangeForm(await self.service(), found, field, lang)
        await interaction.response.send_modal(form)

    @change.autocomplete("record")
    async def _record_choices(self, interaction: discord.Interaction,
                              current: str) -> list[app_commands.Choice[str]]:
        return await RecordTransformer(_kind(interaction)).autocomplete(interaction, current)

    @change.autocomplete("field")
    async def _field_choices(self, interaction: discord.Interaction,
                             current: str) -> list[app_commands.Choice[str]]:
        typed = current.casefold().strip()
        names = [n for n in allowed_fields(_kind(interaction).value) if typed in n]
        return [app_commands.Choice(name=choice_name(n), value=n) for n in names[:CHOICE_MAX]]

    @app_commands.command(name="new", description="Suggest a startup the data lacks")
    async def new(self, interaction: discord.Interaction) -> None:
        lang = lang_of(interaction.locale)
        await interaction.response.send_modal(NewStartupForm(await self.service(), lang))


async def setup(bot: SmartUpsBot) -> None:
    await bot.add_cog(Suggest(bot))
