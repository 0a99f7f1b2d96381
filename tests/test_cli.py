"""The smartups command line, run in-process on real files (no Discord)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bot.cli import LocalSession, main, run_local
from bot.config import load_settings
from bot.knowledge import Knowledge
from bot.store import Store


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, sample_dir: Path, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("SMARTUPS_DATA_DIR", str(sample_dir))
    monkeypatch.setenv("SMARTUPS_DB", str(tmp_path / "cli.db"))


def test_search_json(capsys) -> None:
    assert main(["search", "--json", "--kind", "startup", "lalamvoe"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["results"][0] | {"score": 0} == {
        "kind": "startup",
        "id": "lalamove",
        "name": "Lalamove",
        "score": 0,
        "matched": "typo",
    }


def test_search_reads_queries_from_stdin(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('橋彼道\n\nNEAR("x\n香港\n'))
    assert main(["search", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["query"] for line in lines] == ["橋彼道", 'NEAR("x', "香港"]
    assert lines[0]["results"][0]["id"] == "qupital"
    assert lines[2]["results"][0]["id"] == "hong-kong"
    assert all({"kind", "id", "name", "score"} <= set(r) for line in lines for r in line["results"])


def test_show_and_not_found(capsys) -> None:
    assert main(["show", "startup", "桥彼道"]) == 0
    out = capsys.readouterr().out
    assert "Qupital" in out and "fintech" in out and "qupital.com" in out
    assert "\\" not in out and "**" not in out  # plain text, no markdown escapes
    assert main(["show", "city", "Atlantis"]) == 1
    assert "Nothing matched" in capsys.readouterr().out


def test_ask_gives_the_figure_and_its_source(capsys) -> None:
    assert main(["ask", "How many free Wi-Fi hotspots does Hong Kong have?"]) == 0
    out = capsys.readouterr().out
    assert "over 20,000" in out and "https://www.smartcity.gov.hk/vision/" in out


def test_reload_and_history_use_the_configured_database(capsys, tmp_path: Path) -> None:
    assert main(["reload"]) == 0
    assert "applied" in capsys.readouterr().out
    assert main(["reload"]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert (tmp_path / "cli.db").exists()
    assert main(["history"]) == 0
    assert "applied" in capsys.readouterr().out


def test_run_without_token_opens_the_local_session(capsys, monkeypatch) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("/startup lalamove\nwho does invoice financing?\n/quit\n")
    )
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "No DISCORD_TOKEN is configured" in out and "DISCORD_TOKEN=" in out
    assert "Lalamove" in out and "Qupital" in out


async def test_local_session_commands(store: Store) -> None:
    session = LocalSession(Knowledge(store))
    assert "Hong Kong" in await session.handle("/city hk")
    assert "Smart lampposts" in await session.handle("/initiative lampposts")
    assert "HKSTP" in await session.handle("/organization 科技園")
    assert "Startups in Hong Kong" in await session.handle("/browse startup city:hk")
    assert "/startup" in await session.handle("/help")
    assert "LinkedIn group" in await session.handle("/about")
    assert "Did you mean: Lalamove" in await session.handle("/city lalamove")
    assert "Unknown command" in await session.handle("/frobnicate")
    assert await session.handle("/quit") is None


async def test_local_session_reads_until_eof(sample_dir: Path, tmp_path: Path) -> None:
    settings = load_settings(
        {"SMARTUPS_DATA_DIR": str(sample_dir), "SMARTUPS_DB": str(tmp_path / "x.db")}, None
    )
    out = io.StringIO()
    assert await run_local(settings, "en", io.StringIO("/city 台北\n"), out) == 0
    assert "Taipei" in out.getvalue()
    assert out.getvalue().startswith("SmartUps bot") and "local session" in out.getvalue()


def test_settings_never_show_the_token() -> None:
    settings = load_settings({"DISCORD_TOKEN": "secret-token-value"}, None)
    assert settings.token == "secret-token-value"
    assert "secret-token-value" not in repr(settings) and "secret-token-value" not in str(settings)


def test_an_unknown_smartups_lang_is_a_configuration_error() -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match=r"SMARTUPS_LANG='fr'.*en or zh-TW"):
        load_settings({"SMARTUPS_LANG": "fr"}, None)
    assert load_settings({"SMARTUPS_LANG": "zh_tw"}, None).lang == "zh-TW"


def test_a_reload_report_names_a_few_records_and_counts_the_rest(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import REPORT_NAMES
    from tests.conftest import write_files

    many = "startups:\n" + "".join(
        f"  - id: s{n:03d}\n    name: Startup {n:03d}\n    description: d\n    sector: fintech\n"
        for n in range(REPORT_NAMES + 5)
    )
    folder = write_files(tmp_path / "many", {"startups.yaml": many})
    monkeypatch.setenv("SMARTUPS_DATA_DIR", str(folder))
    assert main(["reload"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "startup added" in x)
    assert f"({REPORT_NAMES + 5})" in line and line.endswith(" and 5 more")
    assert "Startup 000" in line and f"Startup {REPORT_NAMES + 4:03d}" not in line
