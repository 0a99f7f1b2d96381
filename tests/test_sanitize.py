"""The one sanitizer, alone and in every place that shows text: cards, embeds, choices, CLI."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from bot import answers
from bot.knowledge import Knowledge
from bot.model import Kind
from bot.render import defuse, esc, not_found_card, to_embed, to_text
from bot.sanitize import ZWSP, Where, shown, visible
from bot.store import Store
from bot.transformers import choice_name
from tests.discord_helpers import embed_text, make_settings, run_command, running_bot
from tests.fakediscord import FakeDiscord

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = "\u200b\u200c\u200d\u2060\u2061\ufeff\u00ad\U000e0041"
CONTROLS = "\x00\x07\x1b\x7f\x85\x9b"
#: Each a way text has been used to ping, impersonate, hide or reorder in a Discord bot.
HOSTILE = [
    "@everyone",
    "@here please",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&987654321098765432>",
    "<#111111111111111111>",
    "</ask:222222222222222222>",
    "<t:0:R>",
    "[click me](https://evil.example)",
    "[x]\n(https://evil.example)",
    "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```block```",
    "# heading\n> quote\n- list",
    "safe\u202eevil.exe",
    "\u2066isolated\u2069 \u2067rtl\u2069 \u2068first\u2069",
    "@\u200beveryone and @\u2060here and <\u200b@1>",
    "in\x00vis\x1bible\x7f \x85ctrl \ud800",
    "tag\U000e0041\U000e0042 chars",
    "zalgo: Z\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307a",
    "line\u2028sep\u2029para\tand\rcr",
]


def assert_safe(text: str, where: Where) -> None:
    """What must never reach a reader, whatever the place."""
    for ch in BIDI + INVISIBLE.replace(ZWSP, "") + CONTROLS + "\u2028\u2029\t\r":
        assert ch not in text, f"{ch!r} in {text!r}"
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
    assert not any(unicodedata.category(ch) == "Cf" and ch != ZWSP for ch in text), text
    if where is Where.TERMINAL:
        return
    # In markdown a backslash-escaped character is inert: look at what is left unescaped.
    live = re.sub(r"\\.", "", text, flags=re.S) if where is Where.MARKDOWN else text
    for mention in ("@everyone", "@here", "<@", "<#", "</", "<t:"):
        assert mention not in live, f"{mention!r} in {text!r}"
    # Our own masked links (sources) are fine; one pointing where hostile text said is not.
    assert not re.search(r"\]\s*\(<?https://e(vil)?\.example", live), text


@pytest.mark.parametrize("where", list(Where))
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_neutralised_everywhere(text: str, where: Where) -> None:
    out = shown(text, where)
    assert_safe(out, where)
    if where is Where.MARKDOWN:
        for mark in "*_~`|#>":
            assert all(out[i - 1] == "\\" for i, ch in enumerate(out) if ch == mark), out


def test_readable_text_is_kept() -> None:
    assert shown("Lalamove · 啦啦快送 (HK)", Where.PLAIN) == "Lalamove · 啦啦快送 (HK)"
    assert shown("a\nb", Where.TERMINAL) == "a\nb"
    assert shown("Zoë Café", Where.MARKDOWN) == "Zoë Café"
    assert visible("Z\u0300\u0301a") == "Z\u0300\u0301a", "a few accents are not zalgo"
    assert visible("👍\ufe0f") == "👍\ufe0f", "variation selectors stay"


def test_plain_and_terminal_are_idempotent() -> None:
    for text in HOSTILE:
        for where in (Where.PLAIN, Where.TERMINAL):
            once = shown(text, where)
            assert shown(once, where) == once
        # A title escaped where it is built, then defused for the embed, stays safe and stable.
        built = esc(text)
        assert defuse(defuse(built)) == defuse(built)


def test_every_format_character_is_removed() -> None:
    """The hand-written class covers every Cf and Cs this interpreter's Unicode knows."""
    missed = [
        f"U+{cp:04X}"
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in ("Cf", "Cs", "Cc", "Zl", "Zp")
        and chr(cp) != "\n"
        and visible(chr(cp)) not in ("", " ")
    ]
    assert not missed, missed


def test_render_helpers_delegate() -> None:
    for text in HOSTILE:
        assert esc(text) == shown(text, Where.MARKDOWN)
        assert defuse(text) == shown(text, Where.PLAIN)
        name = choice_name(text)
        assert 1 <= len(name) <= 100 and "\n" not in name
        assert_safe(name, Where.PLAIN)


# ------------------------------------------------------------------------ every shown place

HOSTILE_NAME = "Evil\u202eoC <@&1> @everyone **x** [l](https://evil.example)\u2066"
HOSTILE_DATA = (
    "startups:\n"
    "  - id: evilco\n"
    f'    name: "{HOSTILE_NAME.encode("unicode_escape").decode()}"\n'
    '    description: "Pays @here \\u202Egnp.exe <#5> ||spoiler|| \\u200B\\u2067x\\u2069"\n'
    "    sector: fintech\n"
    "    aliases: [\"evil\\u2068alias\\u2069 <@1>\"]\n"
)


def write_hostile(data_dir: Path) -> None:
    (data_dir / "zz-hostile.yaml").write_text(HOSTILE_DATA, encoding="utf-8")


def embeds_safe(data: dict[str, Any]) -> None:
    for embed in data.get("embeds", []):
        for where, text in (
            (Where.PLAIN, embed.get("title", "")),
            (Where.MARKDOWN, embed.get("description", "")),
            (Where.PLAIN, embed.get("footer", {}).get("text", "")),
            (Where.PLAIN, embed.get("author", {}).get("name", "")),
        ):
            assert_safe(text, where)
        for f in embed.get("fields", []):
            assert_safe(f["name"], Where.MARKDOWN)
            assert_safe(f["value"], Where.MARKDOWN)


@pytest.fixture
async def hostile_knowledge(data_dir: Path, tmp_path: Path) -> Any:
    write_hostile(data_dir)
    store = Store(tmp_path / "hostile.db", data_dir)
    await store.open()
    report = await store.reload()
    assert report.ok, report.problems
    try:
        yield Knowledge(store)
    finally:
        await store.close()


async def test_every_card_and_cli_line_is_safe(hostile_knowledge: Knowledge) -> None:
    k = hostile_knowledge
    cards = []
    for lang in ("en", "zh-TW"):
        cards.append(answers.record(k, Kind.STARTUP, "evilco", lang))
        for kind in Kind:
            cards += list(answers.browse(k, kind, None, "fin\u202etech <@1> @here", lang))
        cards += list(answers.browse(k, Kind.STARTUP, "hk", None, lang))
        cards += list(await answers.ask(k, "@everyone \u202e<@1> [x](https://e.example) evilco", lang))
        cards += list(await answers.ask(k, "which fintech startups are there?", lang))
        cards.append(not_found_card("\u202e@everyone <#1>", "startup", [HOSTILE_NAME], lang))
    assert any("Evil" in card.title for card in cards)
    for card in cards:
        embed = to_embed(card).to_dict()
        embeds_safe({"embeds": [embed]})
        assert_safe(to_text(card), Where.TERMINAL)
    for hit in k.complete(Kind.STARTUP, "evil", limit=25):
        assert_safe(choice_name(hit.record.name), Where.PLAIN)


async def test_hostile_text_through_discord(
    fake_discord: FakeDiscord, tmp_path: Path, data_dir: Path
) -> None:
    write_hostile(data_dir)
    settings = make_settings(tmp_path, data_dir)
    async with running_bot(fake_discord, settings):
        browsed = await run_command(
            fake_discord, "browse", {"kind": "startup", "sector": "fin\u202etech @everyone"}
        )
        title = browsed["embeds"][0]["title"]
        assert "\u202e" not in title and "fintech" in title.replace("\\", "")
        embeds_safe(browsed)
        for name, options in (
            ("startup", {"name": "evilco"}),
            ("ask", {"question": "\u202e@everyone <@&1> tell me about evilco"}),
            ("browse", {"kind": "startup", "sector": "fintech"}),
            ("startup", {"name": "\u202e@here <#1> nothing"}),
        ):
            data = await run_command(fake_discord, name, options)
            embeds_safe(data)
            assert embed_text(data).strip()
        ix = await fake_discord.send_autocomplete("startup", {"name": "evil"})
        callback = (await fake_discord.wait_for_callback(ix)).json
        names = [c["name"] for c in callback["data"]["choices"]]
        assert any(n.startswith("Evil") for n in names)
        for n in names:
            assert_safe(n, Where.PLAIN)
    fake_discord.assert_no_unknown_routes()


def test_the_search_command_lines_are_safe(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    write_hostile(data_dir)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("SMARTUPS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SMARTUPS_DB", str(tmp_path / "cli.db"))
    assert main(["search", "evil"]) == 0
    found = capsys.readouterr().out
    assert "evilco" in found
    assert main(["search", "zzz\u202e\u200b@everyone"]) == 0
    for line in (found + capsys.readouterr().out).splitlines():
        assert_safe(line, Where.TERMINAL)
