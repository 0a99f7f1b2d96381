"""Reply strings: every English text has a Traditional Chinese one, and nothing shows a raw key."""

from __future__ import annotations

import logging
import string
from types import SimpleNamespace

import pytest

from bot import i18n
from bot.config import load_settings
from bot.i18n import LANGUAGES, lang_for_guild, lang_of, strings, tr

CJK = "\u4e00-\u9fff"


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_english_string_has_a_zh_tw_entry() -> None:
    english, chinese = strings("en"), strings("zh-TW")
    assert english, "en.yaml did not load"
    missing = sorted(set(english) - set(chinese))
    assert not missing, f"zh-TW.yaml lacks {missing}"
    extra = sorted(set(chinese) - set(english))
    assert not extra, f"zh-TW.yaml has keys en.yaml does not know (typos?): {extra}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_keep_the_placeholders(lang: str) -> None:
    english, other = strings("en"), strings(lang)
    wrong = {
        key: (sorted(placeholders(english[key])), sorted(placeholders(text)))
        for key, text in other.items()
        if key in english and placeholders(text) != placeholders(english[key])
    }
    assert not wrong, f"{lang}: placeholders differ from en.yaml: {wrong}"


def test_translations_are_chinese_text() -> None:
    """A pasted English line in zh-TW.yaml is a mistake, except where the text is a name."""
    import re

    allowed_latin = {"help.title", "about.title", "spotlight.status_title", "browse.title"}
    allowed_latin |= {k for k in strings("en") if k.startswith("browse.title")}
    for key, text in strings("zh-TW").items():
        if key in allowed_latin or not re.sub(r"\{[^}]*\}|[\W\d_]", "", text):
            continue
        assert re.search(f"[{CJK}]", text), f"zh-TW {key!r} has no Chinese: {text!r}"


def test_tr_gives_chinese_for_zh_tw() -> None:
    assert tr("label.sector", "zh-TW") == "產業"
    assert tr("label.sector") == "Sector"
    assert tr("browse.page", "zh-TW", page=1, pages=3, count=30) == "第 1／3 頁 · 共 30 筆"


def test_a_key_only_in_english_falls_back_to_english(monkeypatch, caplog) -> None:
    english = dict(strings("en"), **{"test.only_english": "Only in {where}"})
    chinese = dict(strings("zh-TW"))
    chinese.pop("test.only_english", None)
    monkeypatch.setattr(i18n, "strings", lambda lang: english if lang == "en" else chinese)
    monkeypatch.setattr(i18n, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert tr("test.only_english", "zh-TW", where="English") == "Only in English"
    assert any("test.only_english" in r.getMessage() for r in caplog.records)


def test_a_key_missing_everywhere_is_readable_and_logged(monkeypatch, caplog) -> None:
    monkeypatch.setattr(i18n, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        for lang in ("en", "zh-TW"):
            text = tr("nowhere.similar_things", lang)
            assert text == "Similar things"
            assert "." not in text and "_" not in text
    logged = [r for r in caplog.records if "nowhere.similar_things" in r.getMessage()]
    assert len(logged) == 1, "a missing key is logged once, not on every reply"


def test_a_translation_with_broken_placeholders_falls_back_to_english(monkeypatch) -> None:
    chinese = dict(strings("zh-TW"), **{"browse.page": "第 {pagee} 頁"})
    english = strings("en")
    monkeypatch.setattr(i18n, "strings", lambda lang: english if lang == "en" else chinese)
    assert tr("browse.page", "zh-TW", page=1, pages=2, count=3) == "Page 1 of 2 · 3 in all"


def test_lang_of_discord_locales() -> None:
    import discord

    assert lang_of(discord.Locale.taiwan_chinese) == "zh-TW"
    assert lang_of("zh-TW") == lang_of("zh_tw") == "zh-TW"
    assert lang_of(discord.Locale.american_english) == "en"
    assert lang_of(discord.Locale.japanese) == "en"
    assert lang_of(None) == "en"


def test_lang_for_guild_uses_the_preferred_locale_unless_configured(tmp_path) -> None:
    import discord

    taiwan = SimpleNamespace(preferred_locale=discord.Locale.taiwan_chinese)
    american = SimpleNamespace(preferred_locale=discord.Locale.american_english)
    assert lang_for_guild(taiwan) == "zh-TW"
    assert lang_for_guild(american) == "en"
    assert lang_for_guild(None) == "en"
    default = load_settings({}, None)
    assert lang_for_guild(taiwan, default) == "zh-TW", "an unset SMARTUPS_LANG must not override"
    assert lang_for_guild(taiwan, load_settings({"SMARTUPS_LANG": "en"}, None)) == "en"
    assert lang_for_guild(american, load_settings({"SMARTUPS_LANG": "zh-TW"}, None)) == "zh-TW"
