"""/ask through the real client and the fake Discord: understood questions, paged lists,
facts with sources, honest gaps and off-topic replies, in English and Chinese."""

from __future__ import annotations

from tests.discord_helpers import embed_text, run_command, running_bot
from tests.fakediscord import FakeDiscord

ZH = "zh-TW"


async def test_ask_answers_what_was_asked(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        listing = await run_command(
            fake_discord, "ask", {"question": "fintech companies in hong kong?"}
        )
        assert listing["embeds"][0]["title"] == "Startups · Hong Kong · fintech — 10"
        assert "WeLab" in embed_text(listing) and "MioTech" in embed_text(listing)
        assert listing["allowed_mentions"] == {"parse": []}

        many = await run_command(fake_discord, "ask", {"question": "startups founded before 2016"})
        buttons = [c for row in many["components"] for c in row["components"]]
        assert buttons, "a list longer than a page gets the paginator"
        assert "Page 1 of 2" in many["embeds"][0]["footer"]["text"]

        fact = embed_text(
            await run_command(fake_discord, "ask", {"question": "Who started Boxful?"})
        )
        assert "Norman Cheung" in fact and "source" in fact

        gap = embed_text(
            await run_command(fake_discord, "ask", {"question": "When was ImageDeep founded?"})
        )
        assert "The data has no founding year for **ImageDeep**." in gap

        off = await run_command(fake_discord, "ask", {"question": "Who won the 2018 World Cup?"})
        assert "not something the SmartUps data covers" in embed_text(off)
        assert not off["embeds"][0].get("fields")


async def test_ask_in_chinese(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings):
        data = await run_command(
            fake_discord, "ask", {"question": "台北有哪些新創公司？"}, locale=ZH
        )
        text = embed_text(data)
        assert ("資料中沒有總部在" in text and "台北" in text) or "臺北" in text
        founded = await run_command(
            fake_discord, "ask", {"question": "WeLab 何時成立？"}, locale=ZH
        )
        assert "2013" in embed_text(founded) and "成立於" in embed_text(founded)
