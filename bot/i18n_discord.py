"""Localized command names and descriptions for Discord, from editable YAML files.

discord.py asks the translator for every name, description and choice when it syncs; we look
the English text up in ``bot/locales/commands.<locale>.yaml``. A missing entry returns None,
so Discord shows the English text: never a raw key.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources

import discord
import yaml
from discord import app_commands

log = logging.getLogger(__name__)

#: Discord locales we localize commands for.
COMMAND_LOCALES = {discord.Locale.taiwan_chinese: "zh-TW"}


@cache
def command_strings(lang: str) -> dict[str, str]:
    """English text -> translated text for command names, descriptions and choices."""
    try:
        raw = resources.files("bot.locales").joinpath(f"commands.{lang}.yaml").read_text("utf-8")
    except FileNotFoundError:
        return {}
    data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    return {str(k): str(v) for k, v in data.items() if v is not None}


class CommandTranslator(app_commands.Translator):
    """Serves zh-TW names and descriptions; everything else stays English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        lang = COMMAND_LOCALES.get(locale)
        if lang is None:
            return None
        return command_strings(lang).get(string.message)
