"""User-facing strings per language, kept in editable YAML files under ``bot/locales``.

``tr("label.founded", "zh-TW")`` returns the Traditional Chinese text, falls back to English
for a missing entry, and never shows a raw key to a user. Translators edit the YAML files only.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources

import yaml

log = logging.getLogger(__name__)

DEFAULT_LANG = "en"
#: Discord locale codes we have translations for -> our language file.
SUPPORTED = {"en": "en", "en-US": "en", "en-GB": "en", "zh-TW": "zh-TW"}


def lang_of(locale: object) -> str:
    """Our language for a Discord locale (``discord.Locale`` or its string), English otherwise."""
    value = str(getattr(locale, "value", locale) or "")
    return SUPPORTED.get(value, DEFAULT_LANG)


@cache
def strings(lang: str) -> dict[str, str]:
    """The flat ``key -> text`` table of one language file (empty if there is none)."""
    name = f"{lang}.yaml"
    try:
        raw = resources.files("bot.locales").joinpath(name).read_text("utf-8")
    except FileNotFoundError:
        return {}
    data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    flat: dict[str, str] = {}

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif node is not None:
            flat[prefix] = str(node)

    walk("", data)
    return flat


def tr(key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``values``; English if missing there."""
    text = strings(lang).get(key)
    if text is None and lang != DEFAULT_LANG:
        text = strings(DEFAULT_LANG).get(key)
    if text is None:
        log.warning("missing string %r", key)
        text = key.rsplit(".", 1)[-1].replace("_", " ")
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            log.warning("string %r does not fit its values %s", key, sorted(values))
            return text
    return text
