"""Localized command names and descriptions for Discord, from editable YAML files.

discord.py asks the translator for every command, subcommand and option name, description and
choice name when it syncs; we look the English text up in
``bot/locales/commands.<lang>.yaml`` (English text -> translation). A missing entry returns
None, so Discord shows the English text: never a raw key. A translation Discord would reject
(a name with a space or capitals, a description over 100 characters) is logged and skipped
too, so a slip in a translation file can never break the sync.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import cache
from typing import Any

import discord
from discord import app_commands

from bot.i18n import locale_table
from bot.transformers import CHOICE_NAME_MAX

log = logging.getLogger(__name__)

#: Discord locales we localize commands for -> our language file.
COMMAND_LOCALES = {discord.Locale.taiwan_chinese: "zh-TW", discord.Locale.chinese: "zh-CN"}

NAME_MAX = 32
DESCRIPTION_MAX = 100

_NAME_LOCATIONS = {
    app_commands.TranslationContextLocation.command_name,
    app_commands.TranslationContextLocation.group_name,
    app_commands.TranslationContextLocation.parameter_name,
}


def _name_char_ok(ch: str) -> bool:
    if ch in "-_":
        return True
    if unicodedata.category(ch)[0] in "LN":
        return True
    # Devanagari and Thai (their combining marks are not letters).
    return "\u0900" <= ch <= "\u097f" or "\u0e00" <= ch <= "\u0e7f"


def valid_name(name: str) -> bool:
    """Discord's rule for command and option names, localized ones included.

    ``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, in lowercase where the script has
    case: 城市 and 重新載入 are fine, ``Data`` and ``資料 狀態`` are not.
    """
    return (
        1 <= len(name) <= NAME_MAX
        and all(_name_char_ok(ch) for ch in name)
        and name == name.lower()
    )


def valid_text(text: str, limit: int = DESCRIPTION_MAX) -> bool:
    """A description or choice name: 1 to ``limit`` characters, not blank."""
    return 1 <= len(text) <= limit and bool(text.strip())


@cache
def command_strings(lang: str) -> dict[str, str]:
    """English text -> translated text for command names, descriptions and choices (zh-CN:
    the zh-TW ones in Simplified, unless it gets a file of its own)."""

    def table(data: Any) -> dict[str, str]:
        if not isinstance(data, dict):
            log.error("commands.%s.yaml must be a mapping of English text to translation", lang)
            return {}
        return {str(k): str(v).strip() for k, v in data.items() if v is not None and str(v).strip()}

    return locale_table("commands.", lang, table)


class CommandTranslator(app_commands.Translator):
    """Serves zh-TW and zh-CN names and descriptions; everything else stays English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        lang = COMMAND_LOCALES.get(locale)
        if lang is None:
            return None
        text = command_strings(lang).get(string.message)
        if text is None:
            return None
        if context.location in _NAME_LOCATIONS:
            ok = valid_name(text)
        elif context.location is app_commands.TranslationContextLocation.choice_name:
            ok = valid_text(text, CHOICE_NAME_MAX)
        else:
            ok = valid_text(text, DESCRIPTION_MAX)
        if not ok:
            log.warning(
                "commands.%s.yaml: %r -> %r is not valid for Discord as a %s; using English",
                lang, string.message, text, context.location.name,
            )  # fmt: skip
            return None
        return text
