"""Counts what members use (for /data stats) and drops old counts (gaps and usage) daily.

The cog has no commands. After a command answered, discord.py dispatches
``app_command_completion``; the listener counts the command and the records its options named
(options typed as a record, resolved again on the live snapshot, an index hit for a picked
choice) through :func:`bot.usage.count_use`. Nothing about the member is kept.

The cog owns the retention job: it runs at start (so a bot that was down catches up) and then
every 24 hours, dropping gap and usage counts older than ``SMARTUPS_COUNTS_RETENTION_DAYS``.
A failure is logged and the next day tries again; it never ends the loop.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import gaps, usage
from bot.errors import SmartUpsError
from bot.model import Kind, Record
from bot.transformers import RecordTransformer

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

log = logging.getLogger(__name__)


@functools.cache
def record_options(callback: Callable[..., Any]) -> tuple[tuple[str, Kind], ...]:
    """The options of a command callback typed as a record (``StartupArg``, ``CityArg | None``)."""
    try:
        hints = typing.get_type_hints(callback, include_extras=True)
    except Exception:  # an annotation that does not evaluate: such a command names no records
        return ()
    found = []
    for name, hint in hints.items():
        for candidate in (hint, *typing.get_args(hint)):
            if isinstance(candidate, RecordTransformer):
                found.append((name, candidate.kind))
    return tuple(found)


class Counts(commands.Cog):
    """Usage counts after each command; the daily drop of old counts."""

    def __init__(self, bot: SmartUpsBot) -> None:
        self.bot = bot
        self.retention = dt.timedelta(days=bot.settings.counts_retention_days)

    async def cog_load(self) -> None:
        self.drop_old_counts.start()

    async def cog_unload(self) -> None:
        self.drop_old_counts.cancel()
        await usage.flush(self.bot.store)  # the counts of the last seconds, before the store closes

    def looked_up(self, interaction: discord.Interaction,
                  command: app_commands.Command[Any, ..., Any]) -> list[Record]:
        """The records the command's options named, as the command itself resolved them."""
        found = []
        for name, kind in record_options(command.callback):
            value = getattr(interaction.namespace, name, None)
            if isinstance(value, str) and value.strip():
                try:
                    found.append(self.bot.knowledge.resolve(kind, value))
                except SmartUpsError:  # no data yet, or the data was reloaded since
                    continue
        return found

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction,
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        records = (self.looked_up(interaction, command)
                   if isinstance(command, app_commands.Command) else [])
        await usage.count_use(self.bot.store, command.qualified_name, records)

    @tasks.loop(hours=24)
    async def drop_old_counts(self) -> None:
        store = self.bot.store
        if not store.is_open:
            return
        before = self.bot.clock() - self.retention
        try:
            dropped = (await gaps.prune(store.state, before),
                       await usage.prune(store.state, before))
        except Exception:
            log.exception("could not drop the counts older than %s", before.date())
            return
        if any(dropped):
            log.info("dropped %d gap and %d usage counts older than %s", *dropped, before.date())


async def setup(bot: SmartUpsBot) -> None:
    await bot.add_cog(Counts(bot))
