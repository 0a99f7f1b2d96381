"""Members suggest and moderators review, end to end through the fake Discord on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.model import Kind
from tests.discord_helpers import (
    EPHEMERAL,
    embed_text,
    make_settings,
    reply_of,
    run_command,
    running_bot,
)
from tests.fakediscord import FakeDiscord

SOURCE = "https://www.scmp.com/tech/article/2013/lalamove-founding"


@pytest.fixture
def settings(tmp_path: Path, data_dir: Path, backend_env: dict[str, str]):
    """The bot's settings with its guild/admin state on SQLite, then on PostgreSQL."""
    return make_settings(tmp_path, data_dir, **backend_env)


async def open_form(fake: FakeDiscord, options: dict[str, Any], user=None, locale="en-US"):
    """Run /suggest change and return the modal Discord was asked to show."""
    ix = await fake.send_command("suggest change", options, user=user, locale=locale)
    callback = (await fake.wait_for_callback(ix)).json
    assert callback["type"] == 9, callback
    return callback["data"]


async def submit(fake: FakeDiscord, custom_id: str, fields: dict[str, str], user=None,
                 locale="en-US") -> dict[str, Any]:
    ix = await fake.send_modal_submit(custom_id, fields, user=user, locale=locale)
    callback = (await fake.wait_for_callback(ix)).json
    assert callback["type"] == 4, callback
    data = reply_of(callback)
    assert data["flags"] & EPHEMERAL
    return data


async def suggest(fake: FakeDiscord, record: str, field: str, value: str, source: str = SOURCE,
                  user=None, locale="en-US") -> dict[str, Any]:
    await open_form(fake, {"kind": "startup", "record": record, "field": field}, user, locale)
    return await submit(fake, "suggest:change", {"value": value, "source": source}, user, locale)


async def test_a_member_suggests_and_a_moderator_accepts(
    fake_discord: FakeDiscord, settings, data_dir: Path
) -> None:
    path = data_dir / "startups.yaml"
    before = path.read_bytes()
    async with running_bot(fake_discord, settings) as bot:
        form = await open_form(fake_discord, {"kind": "startup", "record": "Lalamove",
                                              "field": "founded"})
        inputs = [c["components"][0] for c in form["components"]]
        assert [i["custom_id"] for i in inputs] == ["value", "source"]
        assert inputs[0]["value"] == "2013"  # the current value, to correct
        reply = await submit(fake_discord, "suggest:change", {"value": "2014", "source": SOURCE})
        assert "Suggestion #1 recorded" in embed_text(reply)
        assert path.read_bytes() == before  # nothing is written before a review

        shown = embed_text(await run_command(fake_discord, "review show", {"id": 1},
                                             user=fake_discord.admin))
        assert "2013" in shown and "2014" in shown and SOURCE in shown and "bob" in shown
        listed = embed_text(await run_command(fake_discord, "review list", {},
                                              user=fake_discord.admin))
        assert "#1" in listed and "lalamove" in listed

        mark = len(fake_discord.requests)
        done = embed_text(await run_command(fake_discord, "review accept",
                                            {"id": 1, "note": "SCMP says 2014"},
                                            user=fake_discord.admin))
        assert "accepted" in done and "startups.yaml" in done and "direct message" in done
        assert bot.store.current.dataset.records[Kind.STARTUP]["lalamove"].founded == 2014  # type: ignore[union-attr]
        after = path.read_bytes()
        old_lines, new_lines = before.splitlines(True), after.splitlines(True)
        changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
        assert len(changed) == 1
        assert (old_lines[changed[0]], new_lines[changed[0]]) == (b"  founded: 2013\n",
                                                                  b"  founded: 2014\n")
        dm = await fake_discord.wait_for(
            lambda r: r.method == "POST" and r.path.startswith("/channels/")
            and r.path.endswith("/messages"), since=mark)
        assert "accepted" in embed_text(dm.json)

        card = await run_command(fake_discord, "startup", {"name": "lalamove"})
        assert "2014" in embed_text(card)

        history = await run_command(fake_discord, "data history", {}, user=fake_discord.admin)
        assert sum(len(embed_text({"embeds": [e]})) for e in history["embeds"]) <= 6000
        text = embed_text(history)
        assert "suggestion accept #1" in text and "applied" in text  # the reload
        assert "#1 · accepted · alice" in text and "#1 · suggested · bob" in text


async def test_a_member_suggests_a_new_startup(
    fake_discord: FakeDiscord, settings, data_dir: Path
) -> None:
    async with running_bot(fake_discord, settings) as bot:
        ix = await fake_discord.send_command("suggest new", {})
        form = (await fake_discord.wait_for_callback(ix)).json
        assert form["type"] == 9 and form["data"]["custom_id"] == "suggest:new"
        reply = await submit(fake_discord, "suggest:new", {
            "name": "Acme Robotics", "description": "", "source": SOURCE})
        assert "needs a description" in embed_text(reply)
        await fake_discord.wait_for_callback(await fake_discord.send_command("suggest new", {}))
        reply = await submit(fake_discord, "suggest:new", {
            "name": "Acme Robotics", "description": "Warehouse robots: 無人倉庫", "source": SOURCE})
        assert "recorded" in embed_text(reply) and "acme-robotics" in embed_text(reply)
        await run_command(fake_discord, "review accept", {"id": 1}, user=fake_discord.admin)
        acme = bot.store.current.dataset.records[Kind.STARTUP]["acme-robotics"]
        assert acme.description == "Warehouse robots: 無人倉庫" and acme.sources == [SOURCE]
        assert (data_dir / "startups.yaml").read_text().endswith(
            "- id: acme-robotics\n  name: Acme Robotics\n"
            '  description: "Warehouse robots: 無人倉庫"\n  sources:\n  - ' + SOURCE + "\n")


async def test_a_schema_error_is_shown_before_anything_is_stored(
    fake_discord: FakeDiscord, settings
) -> None:
    async with running_bot(fake_discord, settings):
        reply = await suggest(fake_discord, "lalamove", "founded", "twenty-thirteen")
        assert "expected a whole number" in embed_text(reply)
        reply = await suggest(fake_discord, "lalamove", "website", "https://lalamove.example/x",
                              source="")
        assert "needs a source" in embed_text(reply)
        reply = await suggest(fake_discord, "lalamove", "sector", "crypto", locale="zh-TW")
        assert "須為下列其中之一" in embed_text(reply) and "fintech" in embed_text(reply)
        listed = await run_command(fake_discord, "review list", {}, user=fake_discord.admin)
        assert "Nothing is waiting" in embed_text(listed)


async def test_reject_tells_the_member_and_a_closed_dm_is_recorded(
    fake_discord: FakeDiscord, settings
) -> None:
    async with running_bot(fake_discord, settings):
        await suggest(fake_discord, "lalamove", "hq", "Kowloon Bay")
        fake_discord.fail_next("POST", r"^/channels/\d+/messages$", 403,
                               body={"message": "Cannot send messages to this user",
                                     "code": 50007})
        done = embed_text(await run_command(
            fake_discord, "review reject", {"id": 1, "reason": "the article says Cheung Sha Wan"},
            user=fake_discord.admin))
        assert "rejected" in done and "closed" in done
        shown = embed_text(await run_command(fake_discord, "review show", {"id": 1},
                                             user=fake_discord.admin))
        assert "Cheung Sha Wan" in shown and "rejected" in shown


async def test_a_hand_edit_after_the_suggestion_is_a_conflict(
    fake_discord: FakeDiscord, settings, data_dir: Path
) -> None:
    async with running_bot(fake_discord, settings):
        await suggest(fake_discord, "lalamove", "sector", "mobility")
        path = data_dir / "startups.yaml"
        path.write_text(path.read_text().replace("sector: logistics", "sector: e-commerce", 1))
        edited = path.read_bytes()
        done = embed_text(await run_command(fake_discord, "review accept", {"id": 1},
                                            user=fake_discord.admin))
        assert "no longer fits" in done and "logistics" in done and "e-commerce" in done
        assert path.read_bytes() == edited


async def test_a_member_is_refused_review(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        await suggest(fake_discord, "lalamove", "hq", "Kowloon Bay")
        for name, options in (("review list", {}), ("review accept", {"id": 1})):
            reply = await run_command(fake_discord, name, options)
            assert reply["flags"] & EPHEMERAL and "moderator" in embed_text(reply)
        shown = await run_command(fake_discord, "review show", {"id": 1}, user=fake_discord.admin)
        assert "waiting for review" in embed_text(shown)


async def test_flood_limit(fake_discord: FakeDiscord, tmp_path: Path, data_dir: Path) -> None:
    settings = make_settings(tmp_path, data_dir, SMARTUPS_SUGGEST_MAX_PENDING="2")
    async with running_bot(fake_discord, settings):
        for value in ("A", "B"):
            assert "recorded" in embed_text(await suggest(fake_discord, "lalamove", "hq", value))
        reply = await suggest(fake_discord, "lalamove", "hq", "C")
        assert "limit of 2" in embed_text(reply)


async def test_mention_injection_is_escaped(fake_discord: FakeDiscord, settings) -> None:
    hostile = "@everyone <@123> [click](https://evil.example) **bold**"
    async with running_bot(fake_discord, settings):
        reply = await suggest(fake_discord, "lalamove", "hq", hostile)
        raw = embed_text(reply, raw=True)
        assert "@everyone" not in raw and "<@123>" not in raw and "](https" not in raw
        shown = await run_command(fake_discord, "review show", {"id": 1}, user=fake_discord.admin)
        raw = embed_text(shown, raw=True)
        assert "@everyone" not in raw and "<@123>" not in raw and "\\*\\*bold" in raw


async def test_the_queue_survives_a_restart(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        await suggest(fake_discord, "lalamove", "hq", "Kwun Tong")
    async with running_bot(fake_discord, settings):
        shown = await run_command(fake_discord, "review show", {"id": 1}, user=fake_discord.admin)
        assert "Kwun Tong" in embed_text(shown)


async def test_a_simplified_chinese_member_reads_chinese_throughout(
    fake_discord: FakeDiscord, settings
) -> None:
    async with running_bot(fake_discord, settings):
        form = await open_form(fake_discord, {"kind": "startup", "record": "lalamove",
                                              "field": "hq"}, locale="zh-CN")
        labels = [c["components"][0]["label"] for c in form["components"]]
        assert form["title"] == "建议修改" and labels[1] == "来源网址（事实出处的网页）"
        reply = await submit(fake_discord, "suggest:change",
                             {"value": "觀塘", "source": SOURCE}, locale="zh-CN")
        assert "已记录第 1 号建议" in embed_text(reply)
        wrong = await suggest(fake_discord, "lalamove", "founded", "去年", locale="zh-CN")
        assert "须为整数" in embed_text(wrong) and "去年" in embed_text(wrong)

        mark = len(fake_discord.requests)
        await run_command(fake_discord, "review accept", {"id": 1}, user=fake_discord.admin)
        dm = await fake_discord.wait_for(
            lambda r: r.method == "POST" and r.path.startswith("/channels/")
            and r.path.endswith("/messages"), since=mark)
        assert "你的第 1 号建议已获接受" in embed_text(dm.json) and "觀塘" in embed_text(dm.json)
