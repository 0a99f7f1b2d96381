"""The real discord.py client, running the real bot, against the fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot import paginator
from bot.client import SmartUpsBot, extension_names, run_bot
from tests.discord_helpers import (
    EPHEMERAL,
    embed_text,
    make_settings,
    reply_of,
    run_command,
    running_bot,
    walk,
)
from tests.fakediscord import FakeDiscord

PUBLIC_COMMANDS = {
    "city",
    "initiative",
    "startup",
    "organization",
    "ask",
    "browse",
    "help",
    "about",
}


async def reply(fake: FakeDiscord, name: str, options=None, **kwargs) -> dict:
    return await run_command(fake, name, options, **kwargs)


async def choices(fake: FakeDiscord, name: str, options: dict, **kwargs) -> list[dict]:
    ix = await fake.send_autocomplete(name, options, **kwargs)
    callback = await fake.wait_for_callback(ix)
    assert callback.json["type"] == 8
    found = callback.json["data"]["choices"]
    assert len(found) <= 25
    for choice in found:
        assert 1 <= len(choice["name"]) <= 100 and len(choice["value"]) <= 100
    return found


async def test_login_sync_and_no_resync_on_restart(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings) as bot:
        assert bot.guilds and bot.guilds[0].name == "SmartUps Test Guild"
        names = {c["name"] for c in fake_discord.commands_in(None)}
        assert PUBLIC_COMMANDS | {"data"} <= names
    assert fake_discord.sync_count == 1
    async with running_bot(fake_discord, settings):
        pass
    assert fake_discord.sync_count == 1, "an unchanged command set must not be synced again"
    fake_discord.assert_no_unknown_routes()
    fake_discord.assert_secret_not_leaked()


async def test_record_commands_show_embeds(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        data = await reply(fake_discord, "startup", {"name": "lalamove"})
        embed = data["embeds"][0]
        assert embed["title"] == "Lalamove" and "lalamove.com" in embed.get("url", "")
        assert "delivery" in embed["description"]
        assert not data.get("flags", 0) & EPHEMERAL
        # A value typed without picking a suggestion is resolved the same way.
        assert (
            "Hong Kong"
            in (await reply(fake_discord, "city", {"name": "香港"}))["embeds"][0]["title"]
        )
        assert (
            "Qupital"
            in (await reply(fake_discord, "startup", {"name": "桥彼道"}))["embeds"][0]["title"]
        )
        city = embed_text(await reply(fake_discord, "city", {"name": "HK"}))
        assert "20,000" in city and "Lalamove" in city
        lamp = embed_text(await reply(fake_discord, "initiative", {"name": "smart lampost"}))
        assert "Lampposts" in lamp and "Hong Kong" in lamp
        org = embed_text(await reply(fake_discord, "organization", {"name": "HKSTP"}))
        assert "Science Park" in org


async def test_autocomplete_for_every_kind(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        assert (await choices(fake_discord, "startup", {"name": "lalamvoe"}))[0][
            "value"
        ] == "lalamove"
        assert (await choices(fake_discord, "startup", {"name": "EasyVan"}))[0][
            "value"
        ] == "lalamove"
        assert (await choices(fake_discord, "startup", {"name": "橋彼道"}))[0]["value"] == "qupital"
        assert (await choices(fake_discord, "startup", {"name": "la"}))[0]["value"] == "lalamove"
        assert len(await choices(fake_discord, "startup", {"name": ""})) == 25
        assert (await choices(fake_discord, "city", {"name": "臺北"}))[0]["value"] == "taipei"
        assert (await choices(fake_discord, "city", {"name": "hong kng"}))[0][
            "value"
        ] == "hong-kong"
        initiatives = await choices(fake_discord, "initiative", {"name": "lampost"})
        assert initiatives[0]["value"] == "hk-smart-lampposts"
        assert (await choices(fake_discord, "organization", {"name": "科技园"}))[0][
            "value"
        ] == "hkstp"
        sectors = await choices(
            fake_discord, "browse", {"kind": "startup", "sector": "fin"}, focused="sector"
        )
        assert any("fintech" in c["name"] for c in sectors)


async def test_ask_answers_a_figure_with_its_source(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        data = await reply(
            fake_discord, "ask", {"question": "How many free Wi-Fi hotspots does Hong Kong have?"}
        )
        text = embed_text(data)
        assert "20,000" in text and "http" in text


async def test_no_match_is_ephemeral_with_suggestions(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        data = await reply(fake_discord, "city", {"name": "Lalamove"})
        assert data["flags"] & EPHEMERAL
        assert "Did you mean" in embed_text(data) and "Lalamove" in embed_text(data)
        data = await reply(fake_discord, "startup", {"name": "zzzzqqq"})
        assert data["flags"] & EPHEMERAL and "Nothing matched" in embed_text(data)


async def test_browse_paginates_for_the_invoker_only(
    fake_discord: FakeDiscord, settings, monkeypatch
) -> None:
    monkeypatch.setattr(paginator, "PAGE_TIMEOUT", 0.6)
    async with running_bot(fake_discord, settings):
        ix = await fake_discord.send_command("browse", {"kind": "startup"})
        first = reply_of((await fake_discord.wait_for_callback(ix)).json)
        assert "Page 1 of 3" in first["embeds"][0]["footer"]["text"]
        message = fake_discord.response_message(ix)
        buttons = [c for row in message["components"] for c in row["components"]]
        previous, nxt = buttons
        assert previous["disabled"] is True and not nxt.get("disabled")

        click = await fake_discord.send_component(nxt["custom_id"], ix)
        update = (await fake_discord.wait_for_callback(click)).json
        assert (
            update["type"] == 7 and "Page 2 of 3" in update["data"]["embeds"][0]["footer"]["text"]
        )

        stranger = await fake_discord.send_component(nxt["custom_id"], ix, user=fake_discord.admin)
        refusal = (await fake_discord.wait_for_callback(stranger)).json
        assert refusal["type"] == 4 and refusal["data"]["flags"] & EPHEMERAL

        edit = await fake_discord.wait_for(
            lambda r: r.method == "PATCH" and r.path.endswith("/messages/@original") and r.ok,
            timeout=5,
        )
        disabled = [c["disabled"] for row in edit.json["components"] for c in row["components"]]
        assert disabled == [True, True]

        filtered = await reply(
            fake_discord, "browse", {"kind": "startup", "city": "hk", "sector": "fintech"}
        )
        assert "Qupital" in embed_text(filtered) and "Lalamove" not in embed_text(filtered)


async def test_help_and_about(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        help_data = await reply(fake_discord, "help")
        assert help_data["flags"] & EPHEMERAL and "/ask" in embed_text(help_data)
        about = embed_text(await reply(fake_discord, "about"))
        assert "linkedin.com/groups/6717003" in about and "30 startups" in about


async def test_over_long_data_and_mentions_stay_within_limits(
    fake_discord: FakeDiscord, settings, data_dir: Path
) -> None:
    aliases = "\n".join(f"      - Alias number {i} @everyone" for i in range(60))
    sentence = "Very long text with [a link](https://evil.example) and `code`. "
    (data_dir / "zz-long.yaml").write_text(
        "startups:\n"
        "  - id: longco\n"
        "    name: LongCo <@&123> @here **bold**\n"
        f'    description: "{sentence * 170}"\n'
        "    sector: fintech\n"
        "    aliases:\n" + aliases + "\n",
        encoding="utf-8",
    )
    async with running_bot(fake_discord, settings):
        data = await reply(fake_discord, "startup", {"name": "longco"})
        embed = data["embeds"][0]
        assert embed["description"].endswith("…")
        text = embed_text(data, raw=True)
        assert "@everyone" not in text and "@here" not in text
        assert "<@&123>" not in text and "](https://evil.example)" not in text
        asked = await reply(
            fake_discord, "ask", {"question": "@everyone <@1> [x](https://evil.example) lalamove"}
        )
        shown = embed_text(asked, raw=True)
        assert "@everyone" not in shown and "](https://evil" not in shown


async def test_member_is_refused_an_admin_command(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        data = await reply(fake_discord, "data status")
        assert data["flags"] & EPHEMERAL
        assert "You need the Administrator permission" in embed_text(data)
        allowed = await reply(fake_discord, "data status", user=fake_discord.admin)
        assert "Data status" in embed_text(allowed)


async def test_callback_429_is_retried(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        fake_discord.fail_next("POST", r"/interactions/\d+/[^/]+/callback", 429)
        ix = await fake_discord.send_command("startup", {"name": "welab"})
        callback = await fake_discord.wait_for_callback(ix)
        assert "WeLab" in callback.json["data"]["embeds"][0]["title"]
        statuses = [r.status for r in fake_discord.callbacks_for(ix)]
        assert statuses[0] == 429 and statuses[-1] == 200


async def test_unexpected_error_is_answered_and_logged(
    fake_discord: FakeDiscord, settings, caplog, monkeypatch
) -> None:
    async with running_bot(fake_discord, settings) as bot:

        async def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(bot.knowledge, "ask", broken)
        with caplog.at_level(logging.ERROR, logger="bot.tree"):
            data = await reply(fake_discord, "ask", {"question": "anything"})
        assert data["flags"] & EPHEMERAL and "Something went wrong" in embed_text(data)
        record = next(r for r in caplog.records if "command /ask failed" in r.getMessage())
        assert "anything" in record.getMessage() and "bob" in record.getMessage()


async def test_clean_shutdown_leaves_no_tasks(fake_discord: FakeDiscord, settings) -> None:
    before = set(asyncio.all_tasks())
    async with running_bot(fake_discord, settings):
        await reply(fake_discord, "browse", {"kind": "startup"})
    await asyncio.sleep(0)
    leftover = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert leftover == [], leftover


async def test_bad_token_is_one_clear_line(
    fake_discord: FakeDiscord, tmp_path: Path, data_dir, capsys, caplog
) -> None:
    settings = make_settings(tmp_path, data_dir, DISCORD_TOKEN="not-the-right-token")
    with caplog.at_level(logging.DEBUG):
        assert await asyncio.wait_for(run_bot(settings), 10) == 2
    out = capsys.readouterr()
    assert out.out.count("\n") == 1 and "rejected DISCORD_TOKEN" in out.out
    assert "not-the-right-token" not in out.out + out.err
    assert all("not-the-right-token" not in r.getMessage() for r in caplog.records)


def test_every_command_payload_is_valid_offline(settings) -> None:
    bot = SmartUpsBot(settings, sync_commands=False)

    async def build() -> list[dict]:
        for name in extension_names():
            await bot.load_extension(name)
        payloads = [c.to_dict(bot.tree) for c in bot.tree.get_commands()]
        for name in extension_names():  # a cog that owns a job (the spotlight) releases it
            await bot.unload_extension(name)
        return payloads

    payloads = asyncio.run(build())
    assert PUBLIC_COMMANDS | {"data", "spotlight"} <= {p["name"] for p in payloads}
    for payload in payloads:
        for path, item in walk(payload):
            assert 1 <= len(item["name"]) <= 32 and item["name"].islower(), path
            assert 1 <= len(item["description"]) <= 100, path
            assert len(item.get("options") or []) <= 25, path
            for choice in item.get("choices") or []:
                assert 1 <= len(choice["name"]) <= 100, path
