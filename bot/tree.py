"""The command tree: one place that answers every failure of every command.

Whatever goes wrong, the member gets a short ephemeral reply (never "The application did not
respond"), and unexpected errors are logged with the command, the user and the options.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
from discord import app_commands

from bot import gaps, pressure
from bot.errors import NotFound, SmartUpsError
from bot.i18n import lang_of, tr
from bot.render import error_card, failure_card, to_embed

log = logging.getLogger(__name__)

#: Discord's error code for an interaction it no longer knows (not acknowledged within 3 s).
UNKNOWN_INTERACTION = 10062
#: Where an interaction keeps its turnstile ticket (``Interaction.extras``).
TICKET = "smartups.ticket"


def leave_turnstile(interaction: discord.Interaction) -> None:
    """Give the interaction's turnstile ticket back early: a heavy command once its work is in
    the worker line, which has its own order, so it does not keep lighter ones waiting."""
    ticket = interaction.extras.get(TICKET)
    if ticket is not None:
        ticket.leave()


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

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Let the interaction through the turnstile (bot.pressure.turnstile: a few at once,
        in arrival order, so a burst is answered in order rather than all late together), then
        drop it if it is already too late to answer (see Budget.give_up_after): its reply and
        then its error reply would both fail, and spend the time the next ones need."""
        gate = pressure.of(interaction.client)
        ticket = await gate.turnstile.enter()
        if gate.expired(interaction.created_at):
            ticket.leave()
            if gate.expired_count in (1, 10, 100) or gate.expired_count % 1000 == 0:
                log.warning("%d interactions reached the bot too late to answer",
                            gate.expired_count)
            return False
        interaction.extras[TICKET] = ticket
        task = asyncio.current_task()
        if task is not None:  # the ticket goes back when the command's task ends, at the latest
            task.add_done_callback(lambda _task: ticket.leave())
        return True

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
        if isinstance(cause, discord.NotFound) and cause.code == UNKNOWN_INTERACTION:
            # Answered too late (past Discord's 3 s): an error reply would be refused too.
            log.warning("/%s answered too late: %s",
                        interaction.command.qualified_name if interaction.command else "?", cause)
            return
        if isinstance(cause, SmartUpsError):
            await reply_ephemeral(interaction, to_embed(failure_card(cause, lang)))
            store = getattr(interaction.client, "store", None)
            if isinstance(cause, NotFound) and store is not None:
                await gaps.count_miss(store, cause, lang)  # answered first; counted for /data gaps
            return
        if isinstance(cause, app_commands.NoPrivateMessage):
            message = tr("error.guild_only", lang)
        elif isinstance(cause, app_commands.CommandOnCooldown):
            message = tr("error.cooldown", lang, seconds=max(1, round(cause.retry_after)))
        elif isinstance(cause, app_commands.CheckFailure):
            # discord.py's own sentences are English only: members get ours.
            message = tr("error.not_allowed", lang)
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
