"""The weekly spotlight end to end: moderators schedule it through the fake Discord, it posts
on time into the channel, survives a restart and a 403, and time is moved, never slept."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.discord_helpers import (
    EPHEMERAL,
    check_embed_limits,
    embed_text,
    make_settings,
    run_command,
    running_bot,
    spotlight_of,
)
from tests.fakediscord import FakeDiscord

START = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)  # a Sunday
FIRST_SLOT = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # Monday 09:30 in Hong Kong


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def settings(tmp_path: Path, data_dir: Path, backend_env: dict[str, str]):
    """The bot's settings with its guild/admin state on SQLite, then on PostgreSQL."""
    return make_settings(tmp_path, data_dir, **backend_env)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def command(fake: FakeDiscord, name: str, options=None, user=None) -> dict:
    """Run a spotlight command as alice (an administrator) unless told otherwise."""
    return await run_command(fake, name, options, user=user or fake.admin)


def spotlight_posts(fake: FakeDiscord, channel, title: str = "SmartUp spotlight") -> list[dict]:
    return [
        m
        for m in fake.messages_in(channel)
        if not m["flags"] & EPHEMERAL
        and m.get("embeds")
        and m["embeds"][0].get("title", "").startswith(title)
    ]


async def schedule(fake: FakeDiscord, channel) -> dict:
    return await command(
        fake,
        "spotlight schedule",
        {"channel": channel, "weekday": 0, "time": "09:30", "timezone": "Asia/Hong_Kong"},
    )


async def test_schedule_post_restart_and_history(
    fake_discord: FakeDiscord, settings, clock: Clock
) -> None:
    general = fake_discord.channel
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        data = await schedule(fake_discord, general)
        assert data["flags"] & EPHEMERAL
        text = embed_text(data)
        assert "Spotlight scheduled" in text and f"<t:{int(FIRST_SLOT.timestamp())}:F>" in text

        await fake_discord.wait_until(lambda: spotlight_of(bot).state == "running")
        status = embed_text(await command(fake_discord, "spotlight status"))
        assert f"<#{general.id}>" in status and f"<t:{int(FIRST_SLOT.timestamp())}:F>" in status
        assert "Scheduler\nRunning" in status
        assert "Monday 09:30 (Asia/Hong_Kong)" in status

        preview = await command(fake_discord, "spotlight preview")
        assert preview["flags"] & EPHEMERAL and "SmartUp spotlight" in embed_text(preview)
        upcoming_title = preview["embeds"][0]["title"]

        posted = await command(fake_discord, "spotlight post")
        assert "Posted" in embed_text(posted)
        posts = spotlight_posts(fake_discord, general)
        assert len(posts) == 1 and posts[0]["embeds"][0]["title"] == upcoming_title
        check_embed_limits(posts[0]["embeds"][0])
        request = await fake_discord.wait_for("POST", rf"/channels/{general.id}/messages")
        assert request.json["allowed_mentions"]["parse"] == []

        assert await spotlight_of(bot).run_once() == []  # nothing due yet
        clock.now = FIRST_SLOT + dt.timedelta(minutes=1)
        entries = await spotlight_of(bot).run_once()
        assert [e.outcome for e in entries] == ["posted"]
        assert await spotlight_of(bot).run_once() == []  # never twice for one slot
        posts = spotlight_posts(fake_discord, general)
        assert len(posts) == 2 and posts[0]["embeds"][0]["title"] != posts[1]["embeds"][0]["title"]

    # Restart on the same database: the schedule and the history are kept.
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        assert await spotlight_of(bot).run_once() == []
        history = embed_text(await command(fake_discord, "spotlight history"))
        assert history.count("Posted") == 2 and "message" in history
        status = embed_text(await command(fake_discord, "spotlight status"))
        next_slot = FIRST_SLOT + dt.timedelta(days=7)
        assert f"<t:{int(next_slot.timestamp())}:F>" in status
        assert "2 of 30 featured" in status


async def test_missed_slot_within_grace_posts_once_on_start(
    fake_discord: FakeDiscord, settings, clock: Clock
) -> None:
    async with running_bot(fake_discord, settings, clock=clock):
        await schedule(fake_discord, fake_discord.channel)
    clock.now = FIRST_SLOT + dt.timedelta(hours=2)  # the bot was down at the slot
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        await fake_discord.wait_until(lambda: spotlight_posts(fake_discord, fake_discord.channel))
        assert await spotlight_of(bot).run_once() == []
    assert len(spotlight_posts(fake_discord, fake_discord.channel)) == 1


async def test_forbidden_channel_is_recorded_and_next_slot_posts(
    fake_discord: FakeDiscord, settings, clock: Clock
) -> None:
    general = fake_discord.channel
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        await schedule(fake_discord, general)
        fake_discord.fail_next("POST", rf"/channels/{general.id}/messages", 403)
        clock.now = FIRST_SLOT + dt.timedelta(minutes=1)
        entries = await spotlight_of(bot).run_once()
        assert [(e.outcome, e.reason) for e in entries] == [("failed", "forbidden")]

        status = embed_text(await command(fake_discord, "spotlight status"))
        assert "Failed" in status and "permission" in status
        # The bot keeps answering members.
        ix = await fake_discord.send_command("startup", {"name": "lalamove"})
        assert "Lalamove" in embed_text((await fake_discord.wait_for_callback(ix)).json["data"])

        clock.now = FIRST_SLOT + dt.timedelta(days=7, minutes=1)
        entries = await spotlight_of(bot).run_once()
        assert [e.outcome for e in entries] == ["posted"]
        assert len(spotlight_posts(fake_discord, general)) == 1
        history = embed_text(await command(fake_discord, "spotlight history"))
        assert "Failed" in history and "Posted" in history


async def test_moderator_commands_are_checked_in_code(
    fake_discord: FakeDiscord, settings, clock: Clock
) -> None:
    async with running_bot(fake_discord, settings, clock=clock):
        for name in ("spotlight status", "spotlight post", "spotlight pause"):
            data = await command(fake_discord, name, user=fake_discord.user)
            assert data["flags"] & EPHEMERAL and "Manage Server" in embed_text(data)
            assert "You need" in embed_text(data)


async def test_bad_time_and_timezone_are_clear(
    fake_discord: FakeDiscord, settings, clock: Clock
) -> None:
    async with running_bot(fake_discord, settings, clock=clock):
        data = await command(
            fake_discord,
            "spotlight schedule",
            {"channel": fake_discord.channel, "weekday": 0, "time": "25:00"},
        )
        assert data["flags"] & EPHEMERAL and "25:00" in embed_text(data)
        data = await command(
            fake_discord,
            "spotlight schedule",
            {
                "channel": fake_discord.channel,
                "weekday": 0,
                "time": "09:30",
                "timezone": "Asia/Hong_Kongg",
            },
        )
        assert "Asia/Hong_Kong" in embed_text(data)
        ix = await fake_discord.send_autocomplete(
            "spotlight schedule",
            {"channel": fake_discord.channel, "weekday": 0, "time": "09:30", "timezone": "hong"},
            focused="timezone",
        )
        choices = (await fake_discord.wait_for_callback(ix)).json["data"]["choices"]
        assert choices[0]["value"] == "Asia/Hong_Kong" and len(choices) <= 25
        data = await command(fake_discord, "spotlight status")
        assert "No spotlight is scheduled" in embed_text(data)


async def test_skip_next_pause_resume(fake_discord: FakeDiscord, settings, clock: Clock) -> None:
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        await schedule(fake_discord, fake_discord.channel)
        data = await command(fake_discord, "spotlight next", {"startup": "qupital"})
        assert "Qupital will be featured next" in embed_text(data)
        skipped = embed_text(await command(fake_discord, "spotlight skip"))
        assert "Qupital is skipped" in skipped
        assert "is paused" in embed_text(await command(fake_discord, "spotlight pause"))
        status = embed_text(await command(fake_discord, "spotlight status"))
        assert "Paused" in status
        clock.now = FIRST_SLOT + dt.timedelta(minutes=1)
        assert await spotlight_of(bot).run_once() == []  # paused: nothing posts
        resumed = embed_text(await command(fake_discord, "spotlight resume"))
        assert "running again" in resumed
        await command(fake_discord, "spotlight next", {"startup": "lalamove"})
        posted = await command(fake_discord, "spotlight post")
        assert "Lalamove" in embed_text(posted)
        history = embed_text(await command(fake_discord, "spotlight history"))
        assert "Skipped" in history and "Lalamove" in history


async def test_zh_tw_moderator_and_a_chinese_guild_get_chinese(
    fake_discord: FakeDiscord, settings, clock: Clock
) -> None:
    fake_discord.guild.preferred_locale = "zh-TW"
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        ix = await fake_discord.send_command(
            "spotlight schedule",
            {"channel": fake_discord.channel, "weekday": 0, "time": "09:30"},
            user=fake_discord.admin,
            locale="zh-TW",
        )
        data = (await fake_discord.wait_for_callback(ix)).json["data"]
        assert "焦點發文已排定" in embed_text(data) and "星期一" in embed_text(data)
        data = await run_command(
            fake_discord,
            "spotlight schedule",
            {"channel": fake_discord.channel, "weekday": 0, "time": "9點"},
            user=fake_discord.admin,
            locale="zh-TW",
        )
        assert "不是有效的時間" in embed_text(data)
        clock.now = FIRST_SLOT + dt.timedelta(minutes=1)
        assert [e.outcome for e in await spotlight_of(bot).run_once()] == ["posted"]
        post = spotlight_posts(fake_discord, fake_discord.channel, "SmartUp 焦點")
        assert post and post[0]["embeds"][0]["title"].startswith("SmartUp 焦點")


async def settle(check: Callable[[], bool], rounds: int = 200) -> bool:
    """Let the event loop run (bounded: ``rounds`` short sleeps) until ``check`` holds."""
    for _ in range(rounds):
        if check():
            return True
        await asyncio.sleep(0.01)
    return check()


async def test_unloading_the_extension_stops_the_job(
    fake_discord: FakeDiscord, settings, clock: Clock
) -> None:
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        cog = spotlight_of(bot)
        await fake_discord.wait_until(lambda: cog.state == "running")
        assert cog.running and cog._service is not None
        task = cog._task
        await bot.unload_extension("cogs.spotlight")
        assert task is not None and task.done() and not cog.running
        assert cog._service is None and cog.state == "stopped"
        assert bot.get_cog("Spotlight") is None
        await bot.load_extension("cogs.spotlight")  # and back: a new job starts
        assert await settle(lambda: spotlight_of(bot).state == "running")


async def test_a_crash_restarts_the_job_and_shows_in_status(
    fake_discord: FakeDiscord, settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(fake_discord, settings, clock=clock) as bot:
        cog = spotlight_of(bot)
        await fake_discord.wait_until(lambda: cog.state == "running")
        calls = 0

        async def broken(*_args: object, **_kwargs: object) -> None:
            nonlocal calls
            calls += 1
            raise RuntimeError("boom")

        monkeypatch.setattr(cog.service, "run", broken)
        module = sys.modules[type(cog).__module__]  # as loaded by the extension machinery
        monkeypatch.setattr(module, "MAX_BACKOFF_SECONDS", 0.01)
        assert cog._task is not None
        cog._task.cancel()
        cog._task = asyncio.create_task(cog._keep_running())
        assert await settle(lambda: cog.failures is not None and cog.failures[1] >= 2)
        assert cog.failures[0] == "RuntimeError"
        cog._task.cancel()
