"""User-facing strings per language, kept in editable YAML files under ``bot/locales``.

``tr("label.founded", "zh-TW")`` returns the Traditional Chinese text, falls back to English
for a missing entry, and never shows a raw key to a user. Translators edit the YAML files only
(see ``bot/locales/README.md``).

Which language a reply uses: the member's Discord locale for an interaction (:func:`lang_of`),
the guild's preferred locale for a scheduled post (:func:`lang_for_guild`).

zh-CN has no file of its own: its texts are the zh-TW ones in Simplified characters (OpenCC,
character by character), which a Simplified-Chinese reader reads more easily than English.
A ``zh-CN.yaml``, if a translator writes one, takes its place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import yaml

from bot.chinese import to_simplified

log = logging.getLogger(__name__)

DEFAULT_LANG = "en"
#: Our languages (one ``<lang>.yaml`` file each).
LANGUAGES = ("en", "zh-TW", "zh-CN")
#: Discord locale codes we have translations for -> our language.
SUPPORTED = {"en": "en", "en-US": "en", "en-GB": "en", "zh-TW": "zh-TW", "zh-CN": "zh-CN"}
#: The same, for codes spelled loosely in settings or on the command line (zh_tw, ZH-tw).
_LOOSE = {code.casefold().replace("_", "-"): lang for code, lang in SUPPORTED.items()}
#: Languages made from another one's texts when they have no file: -> (source, conversion).
DERIVED: dict[str, tuple[str, Callable[[str], str]]] = {"zh-CN": ("zh-TW", to_simplified)}

_warned: set[tuple[str, str]] = set()


def language(word: str) -> str | None:
    """One of LANGUAGES for a loosely written code ('zh_tw', 'ZH-TW', 'en-US'), else None."""
    return _LOOSE.get(word.strip().casefold().replace("_", "-"))


def lang_of(locale: object) -> str:
    """Our language for a Discord locale (``discord.Locale`` or its string), English otherwise."""
    return language(str(getattr(locale, "value", locale) or "")) or DEFAULT_LANG


def lang_for_guild(guild: object | None, settings: object | None = None) -> str:
    """The language of posts nobody asked for (the weekly spotlight) in ``guild``.

    ``SMARTUPS_LANG`` (``settings.lang``), when it is set explicitly, wins; otherwise the
    guild's preferred locale (Community servers set it; others report en-US); English without
    a guild.
    """
    if settings is not None and "lang" in getattr(settings, "model_fields_set", ()):
        return lang_of(getattr(settings, "lang", DEFAULT_LANG))
    if guild is None:
        return DEFAULT_LANG
    return lang_of(getattr(guild, "preferred_locale", None))


def locale_table(
    prefix: str, lang: str, table: Callable[[Any], dict[str, str]]
) -> dict[str, str]:
    """``bot/locales/<prefix><lang>.yaml`` made into a flat table by ``table``; empty when there
    is no such file, unless ``lang`` is derived (DERIVED): then its source's table, converted."""
    try:
        path = resources.files("bot.locales").joinpath(f"{prefix}{lang}.yaml")
        raw = path.read_text("utf-8")
    except FileNotFoundError:
        if lang in DERIVED:
            source, convert = DERIVED[lang]
            return {key: convert(text) for key, text in locale_table(prefix, source, table).items()}
        return {}
    return table(yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {})


@cache
def strings(lang: str) -> dict[str, str]:
    """The flat ``key -> text`` table of one language (empty if there is none)."""
    return locale_table("", lang, _flatten)


def _flatten(data: Any) -> dict[str, str]:
    """Nested mappings of texts as dotted keys: {"label": {"sector": ...}} -> "label.sector"."""
    flat: dict[str, str] = {}

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif node is not None and str(node).strip():
            flat[prefix] = str(node)

    walk("", data)
    return flat


def readable(key: str) -> str:
    """Last-resort English made from a key: 'label.similar_startups' -> 'Similar startups'."""
    words = key.rsplit(".", 1)[-1].replace("_", " ").strip() or key
    return words[:1].upper() + words[1:]


def _warn_once(kind: str, key: str, message: str, *args: object) -> None:
    if (kind, key) not in _warned:
        _warned.add((kind, key))
        log.warning(message, *args)


def _format(text: str, values: dict[str, object]) -> str | None:
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return None


def tr(key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``values``.

    A key missing from ``lang`` falls back to English; a key missing everywhere becomes a
    readable English phrase made from its last segment (and is logged once), never the dotted
    key. A translation whose placeholders do not fit falls back to the English text.
    """
    text = strings(lang).get(key)
    if text is None and lang != DEFAULT_LANG:
        text = strings(DEFAULT_LANG).get(key)
        if text is not None:
            _warn_once(lang, key, "no %s translation for %r; showing English", lang, key)
    if text is None:
        _warn_once("", key, "missing string %r (in every language)", key)
        text = readable(key)
    if not values:
        return text
    formatted = _format(text, values)
    if formatted is None:
        _warn_once(
            "format", f"{lang}:{key}", "string %r (%s) does not fit its values %s",
            key, lang, sorted(values),
        )  # fmt: skip
        english = strings(DEFAULT_LANG).get(key)
        formatted = _format(english, values) if english else None
    return formatted if formatted is not None else text
