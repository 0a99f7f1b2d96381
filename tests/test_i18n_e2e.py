"""Traditional Chinese through the fake Discord: the synced commands carry zh-TW names, and a
zh-TW member gets Chinese answers while an en-US member keeps English ones."""

from __future__ import annotations

from typing import Any

from bot import paginator
from tests.discord_helpers import EPHEMERAL, embed_text, reply_of, run_command, running_bot, walk
from tests.fakediscord import FakeDiscord

ZH = "zh-TW"


def field_names(data: dict[str, Any]) -> list[str]:
    return [f["name"] for embed in data["embeds"] for f in embed.get("fields", [])]


async def test_the_put_body_carries_zh_tw_names_and_descriptions(
    fake_discord: FakeDiscord, settings
) -> None:
    async with running_bot(fake_discord, settings):
        pass
    puts = [
        r for r in fake_discord.requests
        if r.method == "PUT" and r.route and r.route.endswith("/commands")
    ]  # fmt: skip
    assert puts and all(r.ok for r in puts), "the fake (which checks Discord's limits) refused"
    body = puts[-1].json
    checked = set()
    for command in body:
        for path, item in walk(command):
            assert ZH in (item.get("name_localizations") or {}), f"/{path}"
            assert ZH in (item.get("description_localizations") or {}), f"/{path}"
            for choice in item.get("choices") or []:
                assert ZH in (choice.get("name_localizations") or {}), f"/{path} {choice}"
        checked.add(command["name"])
    assert {"city", "initiative", "startup", "organization", "ask", "browse", "help", "about",
            "data", "spotlight"} <= checked  # fmt: skip
    stored = {c["name"]: c for c in fake_discord.commands_in(None)}
    assert stored["startup"]["name_localizations"][ZH] == "新創"
    assert stored["ask"]["name_localizations"][ZH] == "提問"


async def test_zh_tw_member_gets_a_chinese_startup_profile(
    fake_discord: FakeDiscord, settings
) -> None:
    async with running_bot(fake_discord, settings):
        data = await run_command(fake_discord, "startup", {"name": "qupital"}, locale=ZH)
        embed = data["embeds"][0]
        assert embed["title"] == "橋彼道 (Qupital)"
        assert embed["author"]["name"] == "新創公司"
        names = field_names(data)
        assert "產業" in names and "總部" in names and "網站" in names and "資料來源" in names
        assert "Sector" not in names
        assert "資料版本" in embed["footer"]["text"]

        english = await run_command(fake_discord, "startup", {"name": "qupital"}, locale="en-US")
        assert "Sector" in field_names(english) and "產業" not in field_names(english)

        simplified = await run_command(fake_discord, "startup", {"name": "橋彼道"}, locale="zh-CN")
        assert simplified["embeds"][0]["title"] == "桥彼道 (Qupital)"
        assert "产业" in field_names(simplified) and "產業" not in field_names(simplified)
        assert english["embeds"][0]["author"]["name"] == "Startup"


async def test_zh_tw_member_asks_in_chinese(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        question = "香港有多少個免費 Wi-Fi 熱點？"
        data = await run_command(fake_discord, "ask", {"question": question}, locale=ZH)
        text = embed_text(data)
        assert text.startswith(f"問：{question}\n")
        assert "超過 20,000" in text and "截至" in text and "來源" in text
        figures = data["embeds"][0]["description"]  # the words around the data are Chinese
        assert "over 20,000" not in figures and "as of" not in figures


async def test_zh_tw_errors_help_and_refusals(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        missing = await run_command(fake_discord, "startup", {"name": "zzzzqqq"}, locale=ZH)
        assert missing["flags"] & EPHEMERAL and "找不到與「zzzzqqq」相符" in embed_text(missing)
        wrong_kind = await run_command(fake_discord, "city", {"name": "Lalamove"}, locale=ZH)
        assert "您要找的是不是" in embed_text(wrong_kind)

        help_text = embed_text(await run_command(fake_discord, "help", locale=ZH))
        assert "指令說明" in help_text and "/提問" in help_text

        refused = await run_command(fake_discord, "data status", locale=ZH)
        assert refused["flags"] & EPHEMERAL
        assert "使用這個指令需要「管理員」權限或管理員身分組" in embed_text(refused)
        status = await run_command(fake_discord, "data status", user=fake_discord.admin, locale=ZH)
        assert "資料狀態" in embed_text(status) and "資料筆數" in embed_text(status)


async def test_zh_tw_pagination_buttons_and_autocomplete(
    fake_discord: FakeDiscord, settings, monkeypatch
) -> None:
    monkeypatch.setattr(paginator, "PAGE_TIMEOUT", 5)
    async with running_bot(fake_discord, settings):
        ix = await fake_discord.send_command("browse", {"kind": "startup"}, locale=ZH)
        first = reply_of((await fake_discord.wait_for_callback(ix)).json)
        assert first["embeds"][0]["title"] == "新創公司"
        assert first["embeds"][0]["footer"]["text"].startswith("第 1／3 頁")
        message = fake_discord.response_message(ix)
        labels = [c["label"] for row in message["components"] for c in row["components"]]
        assert labels == ["上一頁", "下一頁"]
        stranger = await fake_discord.send_component(
            message["components"][0]["components"][1]["custom_id"],
            ix,
            user=fake_discord.admin,
            locale=ZH,
        )
        refusal = (await fake_discord.wait_for_callback(stranger)).json
        assert refusal["data"]["content"] == "這些按鈕只限執行指令的成員使用。"

        ac = await fake_discord.send_autocomplete("city", {"name": "台北"}, locale=ZH)
        found = (await fake_discord.wait_for_callback(ac)).json["data"]["choices"]
        assert found[0] == {"name": "臺北 (Taipei)", "value": "taipei"}
