"""Transformers: a typed name becomes a record, and the same code serves its autocomplete.

A member may submit a value that was never suggested (or a suggestion from a version of the
data that has since been reloaded), so ``transform`` re-resolves whatever arrives: id, name,
alias, Chinese name, typo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot import pressure
from bot.i18n import lang_of
from bot.knowledge import Knowledge
from bot.model import Kind, Record
from bot.render import display_name
from bot.sanitize import Where, shown

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

CHOICE_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100


def choice_name(text: str) -> str:
    """A choice label within Discord's 1-100 characters, sanitized like every shown text."""
    text = " ".join(shown(text, Where.PLAIN).split()) or "?"
    return text if len(text) <= CHOICE_NAME_MAX else text[: CHOICE_NAME_MAX - 1] + "…"


def knowledge_of(interaction: discord.Interaction) -> Knowledge:
    """The knowledge of the bot that received ``interaction``.

    discord.py types a transformer's interaction with the base Client; every interaction this
    code sees was received by a SmartUpsBot, which is what the cast says.
    """
    return cast("SmartUpsBot", interaction.client).knowledge


class RecordTransformer(app_commands.Transformer):
    """Resolves one kind of record; suggests names as the member types."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    async def transform(self, interaction: discord.Interaction, value: str) -> Record:
        return knowledge_of(interaction).resolve(self.kind, value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        knowledge = knowledge_of(interaction)
        # Autocomplete cannot defer: past its time an answer is wasted work, so it gets none.
        # Otherwise it runs on the loop, never in the heavy-work line, so it waits for no
        # command: exact and prefix matches, typos only when those find nothing, and not even
        # then when the bot is behind (the interaction reached it late, or commands wait).
        path = pressure.of(interaction.client).autocomplete_path(interaction.created_at)
        if not knowledge.store.loaded or path == "none":
            return []
        lang = lang_of(interaction.locale)
        hits = knowledge.complete(self.kind, value, limit=CHOICE_MAX, typos=path == "full")
        choices = []
        for hit in hits:
            label = display_name(hit.record, lang)
            if hit.matched not in ("name", "list") and hit.label not in label:
                label = f"{label} ({hit.label})"
            choices.append(
                app_commands.Choice(name=choice_name(label), value=hit.record.id[:CHOICE_VALUE_MAX])
            )
        return choices


CityArg = app_commands.Transform[Record, RecordTransformer(Kind.CITY)]
InitiativeArg = app_commands.Transform[Record, RecordTransformer(Kind.INITIATIVE)]
OrganizationArg = app_commands.Transform[Record, RecordTransformer(Kind.ORGANIZATION)]
StartupArg = app_commands.Transform[Record, RecordTransformer(Kind.STARTUP)]
