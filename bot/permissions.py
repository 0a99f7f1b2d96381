"""Who may do what: member < moderator < admin, defined once and checked in code.

``default_permissions`` only hides commands in the client and server admins can override it
(and subcommands ignore it), so every privileged command also carries :func:`require`, which
the server-side command tree enforces for every invocation.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

import discord
from discord import app_commands

from bot.config import Settings
from bot.errors import SmartUpsError, Translated

if TYPE_CHECKING:
    from bot.client import SmartUpsBot

T = TypeVar("T")


class Level(IntEnum):
    """Permission levels in increasing order of trust."""

    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2


class MissingLevel(app_commands.CheckFailure, SmartUpsError):
    """The invoker is below the level a command needs."""

    key: ClassVar[str] = "error.missing_permission"

    def __init__(self, needed: Level) -> None:
        self.needed = needed
        super().__init__(f"needs {needed.name.lower()} level")

    def message_args(self, lang: str) -> dict[str, object]:
        role = "permission.admin" if self.needed >= Level.ADMIN else "permission.moderator"
        return {"permission": Translated(role)}


def _has_role(member: discord.Member, wanted: str | None) -> bool:
    if not wanted:
        return False
    wanted = wanted.strip()
    for role in member.roles:
        if str(role.id) == wanted or role.name.casefold() == wanted.casefold():
            return True
    return False


def level_of(interaction: discord.Interaction, settings: Settings) -> Level:
    """The invoker's level from their permissions in this guild and the configured roles."""
    user = interaction.user
    if interaction.guild is None or not isinstance(user, discord.Member):
        return Level.MEMBER
    perms = interaction.permissions
    if perms.administrator or _has_role(user, settings.admin_role):
        return Level.ADMIN
    if perms.manage_guild or _has_role(user, settings.moderator_role):
        return Level.MODERATOR
    return Level.MEMBER


def require(level: Level) -> Callable[[T], T]:
    """An app-command check that refuses anyone below ``level`` (in a guild only)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        # Checks receive the base Client type; the client is always a SmartUpsBot.
        settings: Settings = cast("SmartUpsBot", interaction.client).settings
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if level_of(interaction, settings) < level:
            raise MissingLevel(level)
        return True

    return app_commands.check(predicate)
