"""Heavy commands under load, through the real client and the fake Discord: deferral and its
followup, "busy" replies for a burst the line cannot hold (and no 10062), cooldowns."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

from bot import pressure
from bot.clock import utcnow
from bot.pressure import Budget, WorkQueue
from tests.discord_helpers import EPHEMERAL, embed_text, reply_of, run_command, running_bot
from tests.fakediscord import FakeDiscord

QUESTION = {"question": "How many free Wi-Fi hotspots does Hong Kong have?"}


def no_unknown_interaction(fake: FakeDiscord) -> None:
    late = [r for r in fake.requests if r.status == 404 and "/interactions/" in r.path]
    assert not late, late


async def test_a_late_answer_is_deferred_and_followed_up(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings) as bot:
        pressure.of(bot).budget = Budget(defer_after=0.0)  # every answer counts as late
        ix = await fake_discord.send_command("ask", QUESTION)
        assert (await fake_discord.wait_for_callback(ix)).json["type"] == 5
        data = await run_command(fake_discord, "ask", QUESTION)
        assert "20,000" in embed_text(data) and not data.get("flags", 0) & EPHEMERAL
        other = await run_command(fake_discord, "ask", {"question": "who founded Lalamove?"})
        assert "Lalamove" in embed_text(other)
        listing = await run_command(fake_discord, "browse", {"kind": "startup"})
        assert "Page 1 of" in listing["embeds"][0]["footer"]["text"] and listing["components"]
        assert pressure.of(bot).deferred_count >= 3
    no_unknown_interaction(fake_discord)


async def test_a_burst_beyond_the_line_gets_busy_replies(fake_discord: FakeDiscord, settings) -> None:
    members = [fake_discord.add_user(f"member{n}") for n in range(6)]
    for member in members:
        fake_discord.guild.add_member(member)
    async with running_bot(fake_discord, settings) as bot:
        gate = pressure.of(bot)
        gate.budget = Budget(defer_after=0.0, max_waiting=2)
        gate.queue = WorkQueue(workers=1)
        hold = threading.Event()
        blocker = asyncio.ensure_future(gate.run(lambda: hold.wait(10)))  # the worker is busy
        sent = []
        for member in members:
            ix = await fake_discord.send_command("ask", QUESTION, user=member)
            sent.append((ix, (await fake_discord.wait_for_callback(ix)).json))
        kinds = [callback["type"] for _ix, callback in sent]
        assert kinds == [5, 5, 4, 4, 4, 4], "two wait in line, the rest are told at once"
        for _ix, callback in sent[2:]:
            busy = reply_of(callback)
            assert busy["flags"] & EPHEMERAL and "try again in a moment" in embed_text(busy)
        hold.set()
        await blocker
        for ix, _callback in sent[:2]:
            answer = await fake_discord.wait_for(
                lambda r, ix=ix: r.path.endswith(f"{ix.token}/messages/@original")
                and r.method == "PATCH"
                and r.ok
            )
            assert "20,000" in embed_text(answer.json)
        assert gate.busy_count == 4
        zh = await fake_discord.send_command("ask", QUESTION, locale="zh-TW")
        assert (await fake_discord.wait_for_callback(zh)).json["type"] in (4, 5)
    no_unknown_interaction(fake_discord)


async def test_a_member_flooding_a_heavy_command_gets_the_time_left(
    fake_discord: FakeDiscord, settings
) -> None:
    from cogs.lookup import ASK_RATE, BROWSE_RATE

    async with running_bot(fake_discord, settings):
        for _ in range(BROWSE_RATE):
            assert not (await run_command(fake_discord, "browse", {"kind": "city"})).get("flags")
        refused = await run_command(fake_discord, "browse", {"kind": "city"})
        assert refused["flags"] & EPHEMERAL and "try again in" in embed_text(refused)
        for _ in range(ASK_RATE):
            await run_command(fake_discord, "ask", QUESTION, locale="zh-TW")
        refused = await run_command(fake_discord, "ask", QUESTION, locale="zh-TW")
        assert refused["flags"] & EPHEMERAL and "秒後再試" in embed_text(refused)
        other = await run_command(fake_discord, "ask", QUESTION, user=fake_discord.admin)
        assert "20,000" in embed_text(other), "another member is not held back"
    no_unknown_interaction(fake_discord)


async def test_an_interaction_reached_too_late_is_dropped_without_a_request(
    fake_discord: FakeDiscord, settings
) -> None:
    """Past Budget.give_up_after nothing can reach Discord in time: no reply, no error reply
    (the two failing requests each that made an overload worse), and the next one is served."""
    async with running_bot(fake_discord, settings) as bot:
        gate = pressure.of(bot)
        gate.now = lambda: utcnow() + dt.timedelta(seconds=2.9)  # as if it waited 2.9 s for us
        before = len(fake_discord.requests)
        ix = await fake_discord.send_command("startup", {"name": "qupital"})
        auto = await fake_discord.send_autocomplete("startup", {"name": "qu"})
        for _ in range(250):  # the bot's decision changes nothing in the fake: poll, 5 s at most
            if gate.expired_count >= 2:
                break
            await asyncio.sleep(0.02)
        assert gate.expired_count == 2
        await asyncio.sleep(0.3)
        sent = [r for r in fake_discord.requests[before:] if "/interactions/" in r.path]
        assert sent == [] and ix.id and auto.id
        gate.now = utcnow
        data = await run_command(fake_discord, "startup", {"name": "qupital"})
        assert "Qupital" in embed_text(data)
    no_unknown_interaction(fake_discord)


async def test_autocomplete_behind_the_clock_skips_typos(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings) as bot:
        ix = await fake_discord.send_autocomplete("startup", {"name": "lalamvoe"})
        names = [c["name"] for c in (await fake_discord.wait_for_callback(ix)).json["data"]["choices"]]
        assert any("Lalamove" in n for n in names)  # in time: the typo is matched
        pressure.of(bot).now = lambda: utcnow() + dt.timedelta(seconds=1.0)  # 1 s behind
        ix = await fake_discord.send_autocomplete("startup", {"name": "lalamvoe"})
        assert (await fake_discord.wait_for_callback(ix)).json["data"]["choices"] == []
        ix = await fake_discord.send_autocomplete("startup", {"name": "lala"})
        names = [c["name"] for c in (await fake_discord.wait_for_callback(ix)).json["data"]["choices"]]
        assert any("Lalamove" in n for n in names)  # prefixes still answer
    no_unknown_interaction(fake_discord)


async def test_a_burst_passes_the_turnstile_in_order_and_gives_every_ticket_back(
    fake_discord: FakeDiscord, settings
) -> None:
    async with running_bot(fake_discord, settings) as bot:
        gate = pressure.of(bot)
        sent = []
        for n in range(3 * gate.turnstile.size):
            user = fake_discord.add_user(f"turnstile{n}")
            fake_discord.guild.add_member(user)
            if n % 3 == 0:
                sent.append(await fake_discord.send_autocomplete("startup", {"name": "la"}, user=user))
            elif n % 3 == 1:
                sent.append(await fake_discord.send_command("startup", {"name": "qupital"}, user=user))
            else:
                sent.append(await fake_discord.send_command("ask", QUESTION, user=user))
        for ix in sent:
            await fake_discord.wait_for_callback(ix, timeout=15)
        for _ in range(100):  # tickets go back as each task ends: 2 s at most
            if gate.turnstile.inside == 0:
                break
            await asyncio.sleep(0.02)
        assert gate.turnstile.inside == 0 and gate.turnstile.waiting == 0
    no_unknown_interaction(fake_discord)
