"""Gaps: real /ask replies counted as the answering path's hook does, then /data gaps."""

from __future__ import annotations

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
        rows = await gaps.top(bot.store.reader)
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
