"""The command tree: one place that answers every failure of every command.

Whatever goes wrong, the member gets a short ephemeral reply (never "The application did not
respond"), and unexpected errors are logged with the command, the user and the options.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord
from discord import app_commands

from bot.errors import DataNotLoaded, NotFound, SmartUpsError
from bot.i18n import lang_of, tr
from bot.permissions import Level, MissingLevel
from bot.render import error_card, esc, not_found_card, to_embed
from bot.spotlight import InvalidTime, InvalidTimezone, NoStartups, NotScheduled

log = logging.getLogger(__name__)


def describe_options(interaction: discord.Interaction) -> dict[str, Any]:
    """The options the member gave, flattened for a log line."""
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    found: dict[str, Any] = {}

    def walk(options: list[dict[str, Any]], prefix: str = "") -> None:
        for option in options:
            name = prefix + option.get("name", "?")
            if "options" in option:
                walk(option["options"], name + " ")
            else:
                found[name] = option.get("value")

    walk(data.get("options", []))
    return found


async def reply_ephemeral(interaction: discord.Interaction, embed: discord.Embed) -> None:
    """Reply or follow up, whichever the interaction still allows."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not send the error reply: %s", exc)


class SmartUpsTree(app_commands.CommandTree):
    """Command tree with the one error handler."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            log.exception("autocomplete failed", exc_info=error)
            if not interaction.response.is_done():
                with contextlib.suppress(discord.HTTPException):
                    await interaction.response.autocomplete([])
            return
        lang = lang_of(interaction.locale)
        cause: BaseException = error
        if isinstance(error, app_commands.TransformerError | app_commands.CommandInvokeError):
            cause = error.__cause__ or getattr(error, "original", None) or error
        if isinstance(cause, NotFound):
            card = not_found_card(cause.query, cause.kind, cause.suggestions[:5], lang)
            await reply_ephemeral(interaction, to_embed(card))
            return
        if isinstance(cause, MissingLevel):
            key = "permission.admin" if cause.needed >= Level.ADMIN else "permission.moderator"
            message = tr("error.missing_permission", lang, permission=tr(key, lang))
        elif isinstance(cause, app_commands.NoPrivateMessage):
            message = tr("error.guild_only", lang)
        elif isinstance(cause, DataNotLoaded):
            message = tr("error.data_unavailable", lang)
        elif isinstance(cause, NotScheduled):
            message = tr("spotlight.not_scheduled", lang)
        elif isinstance(cause, NoStartups):
            message = tr("spotlight.no_startups", lang)
        elif isinstance(cause, InvalidTimezone):
            message = tr("spotlight.bad_timezone", lang, name=esc(cause.name))
            if cause.suggestions:
                message += " " + tr(
                    "error.did_you_mean",
                    lang,
                    names=", ".join(esc(z) for z in cause.suggestions[:5]),
                )
        elif isinstance(cause, InvalidTime):
            message = tr("spotlight.bad_time", lang, text=esc(cause.text))
        elif isinstance(cause, SmartUpsError):
            message = str(cause)[:1].upper() + str(cause)[1:] + "."
        elif type(cause) is app_commands.CheckFailure:
            # discord.py's own wording ("The check functions for command ... failed.").
            message = tr("error.not_allowed", lang)
        elif isinstance(cause, app_commands.CheckFailure):
            message = str(cause) or tr("error.not_allowed", lang)
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "command /%s failed for user %s (%s) in guild %s with options %r",
                command,
                interaction.user,
                interaction.user.id,
                interaction.guild_id,
                describe_options(interaction),
                exc_info=cause,
            )
            message = tr("error.unexpected", lang)
        await reply_ephemeral(interaction, to_embed(error_card(message, lang)))
