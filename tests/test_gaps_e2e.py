"""Gaps: real /ask replies counted as the answering path's hook does, then /data gaps."""

from __future__ import annotations

import asyncio

from bot import gaps
from tests.discord_helpers import EPHEMERAL, embed_text, run_command, running_bot
from tests.fakediscord import FakeDiscord


async def test_the_gaps_list_after_a_few_unanswered_questions(
    fake_discord: FakeDiscord, settings
) -> None:
    async with running_bot(fake_discord, settings) as bot:
        asked = [
            ("When was Goxip founded?", "en"),
            ("when was goxip founded", "en"),
            ("What is the website of Goxip?", "en"),
            ("flying cars on Mars", "en"),
            ("When was Boxful founded?", "en"),  # answered: not a gap
            ("what is the weather", "en"),  # not about us: not a gap
        ]
        for question, lang in asked:
            reply = await bot.knowledge.ask(question)
            await gaps.count_reply(bot.store, reply, lang)
        rows = await gaps.top(bot.store.state)
        assert (rows[0].count, rows[0].reason) == (2, "not_said")
        assert sorted((g.count, g.reason) for g in rows[1:]) == [(1, "not_found"), (1, "not_said")]
        async with bot.store.reader.execute("SELECT * FROM gap") as cur:
            columns = [c[0] for c in cur.description]
        assert columns == ["question", "lang", "reason", "count", "first_seen", "last_seen"]

        data = await run_command(fake_discord, "data gaps", {}, user=fake_discord.admin)
        text = embed_text(data)
        assert data["flags"] & EPHEMERAL
        assert "**2**" in embed_text(data, raw=True) and "when was goxip founded" in text
        assert "the data does not say" in text and "nothing found" in text
        assert "weather" not in text and "boxful" not in text
        refused = await run_command(fake_discord, "data gaps", {})
        assert "admin" in embed_text(refused)


async def _counted(bot, question: str) -> gaps.Gap:
    """The gap row of ``question``, once the bot has counted it (it counts after answering)."""
    async with asyncio.timeout(5):
        while True:
            rows = {g.question: g for g in await gaps.top(bot.store.state, limit=100)}
            if question in rows:
                return rows[question]
            await asyncio.sleep(0.02)


async def test_real_asks_and_lookups_on_discord_are_counted(
    fake_discord: FakeDiscord, settings
) -> None:
    async with running_bot(fake_discord, settings) as bot:
        for _ in range(2):
            await run_command(fake_discord, "ask", {"question": "When was ImageDeep founded?"})
        await run_command(fake_discord, "ask", {"question": "When was Boxful founded?"})
        missing = await run_command(fake_discord, "startup", {"name": "Zorblax Robotics"})
        assert missing["flags"] & EPHEMERAL and "Zorblax" in embed_text(missing)
        await run_command(fake_discord, "startup", {"name": "Smart"}, locale="zh-CN")

        said = await _counted(bot, "when was imagedeep founded")
        assert (said.count, said.reason, said.lang) == (2, "not_said", "en")
        nothing = await _counted(bot, "zorblax robotics")
        assert (nothing.count, nothing.reason) == (1, "not_found")
        guess = await _counted(bot, "smart")
        assert (guess.reason, guess.lang) == ("did_you_mean", "zh-CN")
        rows = await gaps.top(bot.store.state, limit=100)
        assert not any("boxful" in g.question for g in rows)  # answered: not a gap

        data = await run_command(fake_discord, "data gaps", {}, user=fake_discord.admin)
        text = embed_text(data)
        assert "when was imagedeep founded" in text and "zorblax robotics" in text
        lines = [line for line in text.splitlines() if "imagedeep" in line]
        assert lines and lines[0].startswith("**2** · "), lines
        zh = await run_command(fake_discord, "data gaps", {}, user=fake_discord.admin,
                               locale="zh-TW")
        assert "知識庫未能回答的問題" in embed_text(zh) and "資料未提及" in embed_text(zh)
