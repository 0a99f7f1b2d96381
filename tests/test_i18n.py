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


# ---------------------------------------------------------------------------- rendered replies


def test_zh_tw_startup_card_is_in_chinese(knowledge) -> None:
    from bot import answers
    from bot.model import Kind
    from bot.render import to_text

    card = answers.record(knowledge, Kind.STARTUP, "qupital", "zh-TW")
    assert card.title.startswith("橋彼道")
    labels = [name for name, _, _ in card.fields]
    assert "產業" in labels and "總部" in labels and "資料來源" in labels
    assert "Sector" not in labels and "Headquarters" not in labels
    assert card.author == "新創公司"
    assert card.footer and "資料版本" in card.footer and "data " not in card.footer
    # No description_zh in the data: the English one, never an empty field.
    assert "invoice\\-financing" in card.description
    assert all(value.strip() for _, value, _ in card.fields)
    english = answers.record(knowledge, Kind.STARTUP, "qupital", "en")
    assert [n for n, _, _ in english.fields][:2] == ["Sector", "Headquarters"]
    assert "資料" not in to_text(english)


def test_zh_tw_figures_qualifiers_and_provenance(knowledge) -> None:
    from bot import answers
    from bot.model import Kind

    text = "\n".join(
        value for _, value, _ in answers.record(knowledge, Kind.CITY, "hk", "zh-TW").fields
    )
    assert "超過 20,000" in text and "over" not in text
    assert "截至 2020 年" in text and "as of" not in text
    taipei = answers.record(knowledge, Kind.CITY, "taipei", "zh-TW")
    figures = next(value for name, value, _ in taipei.fields if name == "數據")
    assert "第 1 名" in figures and "#1" not in figures
    assert taipei.title == "臺北 (Taipei)"


async def test_zh_tw_answer_browse_help_and_about(knowledge) -> None:
    import datetime as dt

    from bot import answers
    from bot.model import Kind
    from bot.render import plain, to_text

    asked = (
        await answers.ask(knowledge, "How many free Wi-Fi hotspots does Hong Kong have?", "zh-TW")
    )[0]
    assert asked.title.startswith("問：") and "超過 20,000" in asked.description
    assert asked.footer and asked.footer.startswith("資料版本")

    pages = answers.browse(knowledge, Kind.STARTUP, city="hk", sector="fintech", lang="zh-TW")
    assert plain(pages[0].title) == "香港 (Hong Kong)的新創公司 · fintech"
    assert pages[0].footer == "第 1／1 頁 · 共 2 筆"

    help_text = to_text(answers.help_("zh-TW"))
    assert "指令說明" in help_text and "/提問" in help_text and "/ask" in help_text
    started = dt.datetime.now(dt.UTC) - dt.timedelta(days=2, hours=3, minutes=4)
    about = answers.about(knowledge, started, "zh-TW")
    values = {name: value for name, value, _ in about.fields}
    assert values["運作時間"] == "2 天 3 小時 4 分鐘"
    assert "3 家新創公司" in values["資料筆數"]
    english = answers.about(knowledge, started, "en")
    assert {n: v for n, v, _ in english.fields}["Uptime"] == "2d 3h 4m"


def test_card_words_follow_the_card_language() -> None:
    from bot.render import FIELDS_MAX, Card, to_embed

    card = Card("t", lang="zh-TW")
    card.add_lines("數據", [f"{'字' * 300} {i}" for i in range(8)])
    assert any(name == "數據 (續)" for name, _, _ in card.fields)
    for i in range(FIELDS_MAX + 3):
        card.add(f"f{i}", "v")
    embed = to_embed(card)
    assert embed.fields[-1].value.startswith("…另有")


def test_simplified_chinese_data_is_shown_in_traditional() -> None:
    from bot.model import Startup, Status
    from bot.render import display_name, status_line, traditional

    simplified = Startup(id="x", name="Science Park", name_zh="香港科技园")
    assert display_name(simplified, "zh-TW") == "香港科技園 (Science Park)"
    assert display_name(simplified, "en") == "Science Park · 香港科技园", (
        "English readers: as written"
    )
    assert traditional("數碼港") == "數碼港", "Traditional text keeps its own wording"
    status = Status(state="renamed", note="Renamed in 2021", note_zh="于2021年更名")
    assert status_line(status, "zh-TW") == "已更名 — 於2021年更名"
    assert status_line(status, "en") == "Renamed — Renamed in 2021"


def test_zh_tw_admin_cards(knowledge) -> None:
    from bot.render import audit_card, data_status_card

    rows = [
        {"at": "2026-01-01T00:00:00+00:00", "version_before": None, "version_after": "abc",
         "summary": {"changes": {"startup": {"added": ["a", "b"]}}}, "problems": [],
         "outcome": "applied", "command": "/data reload", "actor": "alice"},
    ]  # fmt: skip
    text = audit_card(rows, "zh-TW").description
    assert "已套用" in text and "由 alice" in text and "2 項變更" in text
    assert "applied" in audit_card(rows, "en").description
    status = data_status_card(knowledge.snapshot, True, "zh-TW")
    assert status.title == "資料狀態" and status.description == "目前正在重新載入資料。"


def test_terminal_title_underline_counts_chinese_as_two_columns() -> None:
    from bot.render import Card, text_width, to_text

    assert text_width("臺北 (Taipei)") == 13
    _title, underline = to_text(Card("資料狀態")).splitlines()[:2]
    assert underline == "=" * 8


def test_zh_cn_reads_the_zh_tw_texts_in_simplified(knowledge) -> None:
    import discord

    from bot import answers
    from bot.model import Kind, Startup
    from bot.render import display_name

    assert lang_of(discord.Locale.chinese) == "zh-CN" and lang_of("zh_cn") == "zh-CN"
    assert tr("label.sector", "zh-CN") == "产业"
    assert tr("browse.page", "zh-CN", page=1, pages=3, count=30) == "第 1／3 页 · 共 30 笔"
    assert set(strings("zh-CN")) == set(strings("zh-TW"))
    card = answers.record(knowledge, Kind.STARTUP, "qupital", "zh-CN")
    assert card.title == "桥彼道 (Qupital)" and card.author == "新创公司"
    labels = [name for name, _, _ in card.fields]
    assert "产业" in labels and "產業" not in labels and "Sector" not in labels
    park = Startup(id="x", name="Science Park", name_zh="香港科技園")
    assert display_name(park, "zh-CN") == "香港科技园 (Science Park)"
    assert display_name(park, "zh-TW") == "香港科技園 (Science Park)"
