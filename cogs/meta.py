"""/help and /about."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

from bot import answers
from bot.i18n import lang_of
from bot.render import to_embed
from bot.transformers import knowledge_of


class Meta(commands.Cog):
    """What the bot can do and what it runs on."""

    def __init__(self, bot: SmartUpsBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What SmartUps bot can answer, with examples")
    async def help(self, interaction: discord.Interaction) -> None:
        card = answers.help_(lang_of(interaction.locale))
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="about", description="Version, data, uptime and community links")
    async def about(self, interaction: discord.Interaction) -> None:
        started = self.bot.started_at
        card = answers.about(knowledge_of(interaction), started, lang_of(interaction.locale))
        await interaction.response.send_message(embed=to_embed(card))


async def setup(bot: SmartUpsBot) -> None:
    await bot.add_cog(Meta(bot))
