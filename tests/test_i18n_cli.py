"""--lang on the command line (before or after the subcommand) and /lang in the local session."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import LocalSession, build_parser, main, run_local
from bot.config import load_settings
from bot.knowledge import Knowledge


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, sample_dir: Path, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("SMARTUPS_LANG", raising=False)
    monkeypatch.setenv("SMARTUPS_DATA_DIR", str(sample_dir))
    monkeypatch.setenv("SMARTUPS_DB", str(tmp_path / "cli.db"))


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "startup", "qupital", "--lang", "zh-TW"],
        ["show", "--lang", "zh-TW", "startup", "qupital"],
        ["--lang", "zh-TW", "show", "startup", "qupital"],
        ["show", "startup", "qupital", "--lang=zh_tw"],
    ],
)
def test_show_in_chinese_wherever_lang_is_given(argv, capsys) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("橋彼道 (Qupital)") and "產業:" in out and "Sector" not in out


def test_lang_after_the_subcommand_wins_and_default_is_english(capsys) -> None:
    assert main(["--lang", "zh-TW", "show", "startup", "qupital", "--lang", "en"]) == 0
    assert "Sector:" in capsys.readouterr().out
    assert main(["show", "startup", "qupital"]) == 0
    assert "Sector:" in capsys.readouterr().out


def test_smartups_lang_setting_applies_unless_overridden(capsys, monkeypatch) -> None:
    monkeypatch.setenv("SMARTUPS_LANG", "zh-TW")
    assert main(["ask", "How many free Wi-Fi hotspots does Hong Kong have?"]) == 0
    assert "超過 20,000" in capsys.readouterr().out
    assert main(["ask", "How many free Wi-Fi hotspots does Hong Kong have?", "--lang", "en"]) == 0
    assert "over 20,000" in capsys.readouterr().out


def test_not_found_and_browse_in_chinese(capsys) -> None:
    assert main(["show", "city", "Atlantis", "--lang", "zh-TW"]) == 1
    assert "找不到與「Atlantis」相符的城市" in capsys.readouterr().out
    assert main(["browse", "startup", "--sector", "fintech", "--lang", "zh-TW"]) == 0
    assert "新創公司 · fintech" in capsys.readouterr().out


def test_an_unknown_language_is_refused(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["show", "startup", "qupital", "--lang", "fr"])
    assert exit_.value.code == 2
    assert "unknown language 'fr'; expected en or zh-TW" in capsys.readouterr().err


def test_every_subcommand_accepts_lang_after_it() -> None:
    parser = build_parser()
    for argv in (["local"], ["run"], ["search", "x"], ["ask", "x"], ["browse", "startup"],
                 ["validate"], ["reload"], ["history"]):  # fmt: skip
        assert parser.parse_args([*argv, "--lang", "zh-TW"]).lang == "zh-TW", argv
        assert parser.parse_args(["--lang", "zh-TW", *argv]).lang == "zh-TW", argv


async def test_local_session_lang_switch(knowledge: Knowledge) -> None:
    session = LocalSession(knowledge, "en")
    assert "Sector:" in await session.handle("/startup qupital")
    assert await session.handle("/lang zh-TW") == "語言：zh-TW"  # in the new language
    reply = await session.handle("/startup 桥彼道")
    assert reply.startswith("橋彼道 (Qupital)") and "產業:" in reply
    assert "問：" in await session.handle("How many free Wi-Fi hotspots does Hong Kong have?")
    assert "找不到" in await session.handle("/city Atlantis")
    assert await session.handle("/lang klingon") == "用法：/lang en|zh-TW|zh-CN"
    assert session.lang == "zh-TW"
    assert await session.handle("/frobnicate") == "沒有 /frobnicate 這個指令。輸入 /help 查看指令清單。"
    assert await session.handle("/ask") == "用法：/ask 問題"
    assert await session.handle("/lang en") == "Language: en"
    assert "Sector:" in await session.handle("/startup qupital")
    assert await session.handle("/browse") == (
        "Usage: /browse city|initiative|organization|startup [city:NAME] [sector:NAME]"
    )


async def test_local_command_with_lang() -> None:
    settings = load_settings(None, None)
    out = io.StringIO()
    assert await run_local(settings, "zh-TW", io.StringIO("/help\n"), out) == 0
    assert "指令說明" in out.getvalue()
    banner = out.getvalue().split("\n\n")[0]
    assert banner.startswith("SmartUps bot") and "本機模式" in banner and "、新創公司 " in banner
    assert "DISCORD_TOKEN" in banner and "local session" not in banner


def test_smartups_local_lang_after_subcommand(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("/startup qupital\n"))
    assert main(["local", "--lang", "zh-TW"]) == 0
    assert "產業:" in capsys.readouterr().out
