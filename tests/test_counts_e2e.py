"""Usage counts and /data stats, and the daily drop of old counts, through the fake Discord."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import gaps, usage
from bot.clock import utcnow
from bot.model import Kind
from bot.state import SqliteState
from cogs.counts import record_options
from cogs.lookup import Lookup
from cogs.suggest import Suggest
from tests.discord_helpers import EPHEMERAL, embed_text, make_settings, run_command, running_bot
from tests.fakediscord import FakeDiscord


async def _usage(bot, what: usage.What) -> dict[str, int]:
    await usage.flush(bot.store)  # counts are written in batches; read what is counted so far
    return {u.name: u.count for u in await usage.top(bot.store.state, what, limit=100)}


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait for the bot's counting, which runs after the member got the answer."""
    try:
        async with asyncio.timeout(5):
            while True:
                if await check():
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"not counted within 5 s: {what}") from None


def test_record_options_are_read_from_the_command_types() -> None:
    assert record_options(Lookup.startup.callback) == (("name", Kind.STARTUP),)
    assert record_options(Lookup.browse.callback) == (("city", Kind.CITY),)  # CityArg | None
    assert record_options(Lookup.ask.callback) == ()
    assert record_options(Suggest.change.callback) == ()  # a plain str the cog resolves itself


async def test_data_stats_after_a_few_lookups(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings) as bot:
        await run_command(fake_discord, "startup", {"name": "lalamove"})
        await run_command(fake_discord, "startup", {"name": "Lalamov"})  # a typo, resolved
        await run_command(fake_discord, "city", {"name": "台北"}, locale="zh-TW")
        await run_command(fake_discord, "browse", {"kind": "startup", "city": "hong-kong"})
        await run_command(fake_discord, "startup", {"name": "Zorblax Robotics"})  # not found

        async def counted() -> bool:
            return (await _usage(bot, "command")).get("browse") == 1
        await _until(counted, "the four answered commands")
        assert await _usage(bot, "command") == {"startup": 2, "city": 1, "browse": 1}
        assert await _usage(bot, "record") == {
            "startup:lalamove": 2, "city:taipei": 1, "city:hong-kong": 1}
        async with bot.store.reader.execute("SELECT * FROM usage") as cur:
            assert [c[0] for c in cur.description] == ["day", "what", "name", "count"]

        data = await run_command(fake_discord, "data stats", {}, user=fake_discord.admin)
        assert data["flags"] & EPHEMERAL
        text = embed_text(data)
        lines = text.splitlines()
        assert "The last 30 days" in text
        records = lines[lines.index("Most looked-up records") + 1:lines.index("Most used commands")]
        assert records == ["**2** · Lalamove", "**1** · Hong Kong · 香港", "**1** · Taipei · 臺北"]
        assert "**2** · /startup" in lines and "**1** · /city" in lines and "Zorblax" not in text
        zh = embed_text(await run_command(fake_discord, "data stats", {"days": 7},
                                          user=fake_discord.admin, locale="zh-TW"))
        assert "最近 7 天" in zh and "最常查詢的資料" in zh and "臺北" in zh
        refused = await run_command(fake_discord, "data stats", {})
        assert refused["flags"] & EPHEMERAL and "admin" in embed_text(refused)
        await run_command(fake_discord, "startup", {"name": "lalamove"})

        async def after_the_refusal() -> bool:
            return (await _usage(bot, "command")).get("startup") == 3
        await _until(after_the_refusal, "the lookup sent after the refusal")
        assert (await _usage(bot, "command"))["data stats"] == 2  # the refused one is not a use


async def test_counts_older_than_the_retention_are_dropped_at_start(
    fake_discord: FakeDiscord, tmp_path: Path, data_dir: Path
) -> None:
    now = utcnow()
    old, recent = now - dt.timedelta(days=45), now - dt.timedelta(days=5)
    conn = await SqliteState.open(tmp_path / "bot.db")
    for when, label in ((old, "old"), (recent, "recent")):
        await gaps.record(conn, f"an {label} question", "en", "not_found",
                          clock=lambda when=when: when)
        await usage.record(conn, [("record", f"startup:{label}")],
                           clock=lambda when=when: when)
    await conn.close()

    settings = make_settings(tmp_path, data_dir, SMARTUPS_COUNTS_RETENTION_DAYS="30")
    async with running_bot(fake_discord, settings) as bot:
        async def dropped() -> bool:
            return "startup:old" not in await _usage(bot, "record")
        await _until(dropped, "the old usage count")
        assert await _usage(bot, "record") == {"startup:recent": 1}
        assert [g.question for g in await gaps.top(bot.store.state)] == ["an recent question"]
        data = await run_command(fake_discord, "data gaps", {}, user=fake_discord.admin)
        assert "kept 30 days" in embed_text(data)


async def test_uses_are_written_in_batches_before_a_read_or_after_a_few_seconds(store) -> None:
    """count_use adds to a tally (no I/O on the answering path); the batch write comes after
    FLUSH_AFTER seconds or before a read (and when the counts cog unloads), and adds up."""
    qupital = store.current.dataset.records[Kind.STARTUP]["qupital"]
    for _ in range(3):
        await usage.count_use(store, "startup", [qupital])
    await usage.count_use(store, "ask")
    assert await usage.top(store.state, "command") == []  # not written yet
    await usage.flush(store)
    assert {u.name: u.count for u in await usage.top(store.state, "command")} == {
        "startup": 3, "ask": 1}
    await usage.count_use(store, "startup", [qupital])
    await asyncio.sleep(usage.FLUSH_AFTER + 0.5)  # the timer's write, without a read first
    assert {u.name: u.count for u in await usage.top(store.state, "record")} == {
        "startup:qupital": 4}
