"""Slash commands in both languages: every English text has a zh-TW one, and every payload the
bot would sync stays within Discord's limits, in English and in Traditional Chinese.

The payloads are built offline exactly as ``tree.sync`` builds them:
``await command.get_translated_payload(tree, translator)`` for every command of a SmartUpsBot
with all cogs loaded.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.client import SmartUpsBot, extension_names
from bot.i18n_discord import CommandTranslator, command_strings, valid_name
from tests.discord_helpers import make_settings, walk

ZH = discord.Locale.taiwan_chinese.value  # "zh-TW"


def build_payloads(settings) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """The translated payload of every command, and every (command, location, English text)."""
    bot = SmartUpsBot(settings, sync_commands=False)
    asked: list[tuple[str, str, str]] = []

    class Recording(CommandTranslator):
        async def translate(self, string, locale, context):  # type: ignore[no-untyped-def]
            if locale is discord.Locale.taiwan_chinese:
                asked.append(("", context.location.name, string.message))
            return await super().translate(string, locale, context)

    async def build() -> list[dict[str, Any]]:
        for name in extension_names():
            await bot.load_extension(name)
        translator = Recording()
        payloads = []
        for command in bot.tree.get_commands():
            start = len(asked)
            payloads.append(await command.get_translated_payload(bot.tree, translator))
            for i in range(start, len(asked)):
                asked[i] = (command.name, *asked[i][1:])
        return payloads

    return asyncio.run(build()), asked


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    tmp = tmp_path_factory.mktemp("commands")
    return build_payloads(make_settings(tmp, tmp / "data"))


def test_names_and_descriptions_fit_discord_in_both_languages(built) -> None:
    payloads, _ = built
    assert {p["name"] for p in payloads} >= {"city", "startup", "ask", "browse", "data"}
    problems = []
    for payload in payloads:
        for path, item in walk(payload):
            names = {"en": item["name"], **(item.get("name_localizations") or {})}
            for lang, name in names.items():
                if not valid_name(name):
                    problems.append(f"/{path} name [{lang}] {name!r}")
            descriptions = {
                "en": item.get("description", ""),
                **(item.get("description_localizations") or {}),
            }
            for lang, text in descriptions.items():
                if not 1 <= len(text) <= 100:
                    problems.append(f"/{path} description [{lang}] has {len(text)} characters")
            for choice in item.get("choices") or []:
                labels = {"en": choice["name"], **(choice.get("name_localizations") or {})}
                for lang, label in labels.items():
                    if not 1 <= len(label) <= 100:
                        problems.append(f"/{path} choice [{lang}] {label!r}")
    assert not problems, "\n".join(problems)


def test_option_names_stay_unique_in_chinese(built) -> None:
    """Two options of one command must not translate to the same name (Discord refuses it)."""
    payloads, _ = built
    for payload in payloads:
        for path, item in walk(payload):
            options = item.get("options") or []
            zh = [(o.get("name_localizations") or {}).get(ZH, o["name"]) for o in options]
            assert len(zh) == len(set(zh)), f"/{path}: {zh}"


def test_every_english_command_text_has_a_zh_tw_entry(built) -> None:
    payloads, asked = built
    table = command_strings("zh-TW")
    assert {p["name"] for p in payloads} >= {"startup", "data", "spotlight"}
    missing = [
        f"/{command}: {location}: {text!r}"
        for command, location, text in asked
        if text not in table
    ]
    assert not missing, "commands.zh-TW.yaml lacks:\n" + "\n".join(missing)


def test_every_zh_tw_entry_is_still_used(built) -> None:
    """An entry whose English text changed in the code is dead: the member sees English."""
    _, asked = built
    used = {text for _, _, text in asked}
    stale = sorted(set(command_strings("zh-TW")) - used)
    assert not stale, f"commands.zh-TW.yaml entries no command uses any more: {stale}"


def test_every_synced_command_has_zh_tw_names_and_descriptions(built) -> None:
    payloads, _ = built
    for payload in payloads:
        for path, item in walk(payload):
            assert ZH in (item.get("name_localizations") or {}), f"/{path} has no zh-TW name"
            assert ZH in (item.get("description_localizations") or {}), f"/{path} description"
            for choice in item.get("choices") or []:
                assert ZH in (choice.get("name_localizations") or {}), f"/{path} {choice}"


def test_zh_tw_command_names_read_as_chinese(built) -> None:
    payloads, _ = built
    named = {
        p["name"]: p["name_localizations"][ZH] for p in payloads if p.get("name_localizations")
    }
    assert named["city"] == "城市" and named["startup"] == "新創" and named["ask"] == "提問"
    assert named["browse"] == "瀏覽" and named["help"] == "說明" and named["about"] == "關於"
    browse = next(p for p in payloads if p["name"] == "browse")
    kind = next(o for o in browse["options"] if o["name"] == "kind")
    assert [c["name_localizations"][ZH] for c in kind["choices"]] == [
        "新創公司", "城市", "智慧城市措施", "生態系機構",
    ]  # fmt: skip
    sector = next(o for o in browse["options"] if o["name"] == "sector")
    assert sector["name_localizations"][ZH] == "產業"


def test_zh_cn_commands_are_the_zh_tw_ones_in_simplified(built) -> None:
    """Simplified-Chinese clients get the zh-TW texts converted; names stay valid and, among
    siblings, distinct (Discord rejects a sync otherwise)."""
    from bot.chinese import to_simplified

    cn = discord.Locale.chinese.value
    payloads, _ = built
    for payload in payloads:
        for path, item in walk(payload):
            names = item.get("name_localizations") or {}
            assert names.get(cn) == to_simplified(names[ZH]), path
            assert valid_name(names[cn]), (path, names[cn])
            descriptions = item.get("description_localizations") or {}
            assert descriptions.get(cn) == to_simplified(descriptions[ZH]), path
            siblings = [o["name_localizations"][cn] for o in item.get("options") or []]
            assert len(siblings) == len(set(siblings)), (path, siblings)
    top = [p["name_localizations"][cn] for p in payloads]
    assert len(top) == len(set(top))
    named = {p["name"]: p["name_localizations"][cn] for p in payloads}
    assert named["startup"] == "新创" and named["browse"] == "浏览" and named["help"] == "说明"


def test_valid_name_follows_discords_rule() -> None:
    for good in ("城市", "重新載入", "data", "top-10", "a_b", "新創2020", "हिंदी", "ไทย"):
        assert valid_name(good), good
    for bad in ("", "Data", "資料 狀態", "a" * 33, "what?", "城市！", "emoji🌟"):
        assert not valid_name(bad), bad


async def test_an_invalid_translation_falls_back_to_english(monkeypatch, caplog) -> None:
    import bot.i18n_discord as i18n_discord

    monkeypatch.setattr(
        i18n_discord,
        "command_strings",
        lambda lang: {"city": "城市 名稱", "A description": "長" * 101, "startups": "新創公司"},
    )
    translator = CommandTranslator()
    name = app_commands.TranslationContext(
        app_commands.TranslationContextLocation.command_name, None
    )
    desc = app_commands.TranslationContext(
        app_commands.TranslationContextLocation.command_description, None
    )
    choice = app_commands.TranslationContext(
        app_commands.TranslationContextLocation.choice_name, None
    )
    zh = discord.Locale.taiwan_chinese
    locale_str = app_commands.locale_str
    assert await translator.translate(locale_str("city"), zh, name) is None
    assert await translator.translate(locale_str("A description"), zh, desc) is None
    assert await translator.translate(locale_str("startups"), zh, choice) == "新創公司"
    assert await translator.translate(locale_str("startups"), discord.Locale.french, choice) is None
    assert "not valid for Discord" in caplog.text
