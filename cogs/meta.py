"""/help and /about."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import answers
from bot.i18n import lang_of
from bot.render import to_embed
from bot.transformers import knowledge_of


class Meta(commands.Cog):
    """What the bot can do and what it runs on."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What SmartUps bot can answer, with examples")
    async def help(self, interaction: discord.Interaction) -> None:
        card = answers.help_(lang_of(interaction.locale))
        await interaction.response.send_message(embed=to_embed(card), ephemeral=True)

    @app_commands.command(name="about", description="Version, data, uptime and community links")
    async def about(self, interaction: discord.Interaction) -> None:
        started = self.bot.started_at  # type: ignore[attr-defined]
        card = answers.about(knowledge_of(interaction), started, lang_of(interaction.locale))
        await interaction.response.send_message(embed=to_embed(card))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Meta(bot))
