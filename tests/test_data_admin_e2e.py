"""Admins update the knowledge live through /data, end to end through the fake Discord."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import bot.index_patch as index_patch
from tests.discord_helpers import (
    EPHEMERAL,
    embed_text,
    make_settings,
    run_command,
    running_bot,
    spotlight_of,
)
from tests.fakediscord import FakeDiscord
from tests.store_doubles import CrashingStore


@pytest.fixture
def settings(tmp_path: Path, data_dir: Path, backend_env: dict[str, str]):
    """The bot's settings with its guild/admin state on SQLite, then on PostgreSQL."""
    return make_settings(tmp_path, data_dir, **backend_env)


@pytest.fixture(params=["rebuild", "patch"])
def index_update(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A test that applies reloads runs twice: with the index rebuilt on each reload (what
    small data gets), and patched (what a large data set gets for a small edit; see
    bot.index_patch)."""
    if request.param == "patch":
        monkeypatch.setattr(index_patch, "PATCH_MIN_RECORDS", 0)
    return request.param


async def admin_reply(fake: FakeDiscord, name: str, user=None) -> dict:
    """Run an admin command as alice (an administrator) unless told otherwise."""
    return await run_command(fake, name, user=user or fake.admin)


async def startup_title(fake: FakeDiscord, name: str) -> str:
    """The title of the /startup card (limits and mentions checked), not just any reply text."""
    data = await run_command(fake, "startup", {"name": name})
    assert not data.get("flags", 0) & EPHEMERAL, embed_text(data)
    return data["embeds"][0]["title"]


async def test_admin_edits_a_file_and_answers_change(
    fake_discord: FakeDiscord, settings, data_dir: Path, index_update: str
) -> None:
    async with running_bot(fake_discord, settings) as bot:
        before = bot.store.current.version
        text = (data_dir / "startups.yaml").read_text(encoding="utf-8")
        assert "name: Boxful" in text
        text = text.replace("name: Boxful", "name: Boxful Storage")
        (data_dir / "startups.yaml").write_text(text, encoding="utf-8")
        (data_dir / "zz-new.yaml").write_text(
            "startups:\n  - id: newco\n    name: NewCo Robotics\n    sector: robotics\n"
            "    city: hong-kong\n",
            encoding="utf-8",
        )
        data = await admin_reply(fake_discord, "data reload")
        text_out = embed_text(data)
        assert "Data reloaded" in text_out and before in text_out
        assert "Added" in text_out and "NewCo Robotics" in text_out
        assert "Changed" in text_out and "Boxful Storage (name)" in text_out
        assert bot.store.current.version != before
        patched = isinstance(bot.store.current.index, index_patch.PatchedIndex)
        assert patched == (index_update == "patch")

        assert "Boxful Storage" in await startup_title(fake_discord, "boxful")
        ix = await fake_discord.send_autocomplete("startup", {"name": "boxful sto"})
        found = (await fake_discord.wait_for_callback(ix)).json["data"]["choices"]
        assert [c["value"] for c in found][:1] == ["boxful"]
        ix = await fake_discord.send_autocomplete("startup", {"name": "newco rob"})
        found = (await fake_discord.wait_for_callback(ix)).json["data"]["choices"]
        assert found[0]["value"] == "newco"
        ix = await fake_discord.send_command("browse", {"kind": "startup", "sector": "robotics"})
        assert "NewCo Robotics" in embed_text(
            (await fake_discord.wait_for_callback(ix)).json["data"]
        )

        status = embed_text(await admin_reply(fake_discord, "data status"))
        assert bot.store.current.version in status and "alice" in status
        history = embed_text(await admin_reply(fake_discord, "data history"))
        assert "applied" in history and "/data reload" in history
        # The audit row is where the state is: the shared database when one is configured.
        assert bot.state.dialect == ("postgresql" if settings.database_url else "sqlite")
        [row] = await bot.state.fetch(
            "SELECT command, outcome, version_after FROM data_load WHERE command = ?",
            ("/data reload",),
        )
        assert row == {"command": "/data reload", "outcome": "applied",
                       "version_after": bot.store.current.version}


async def test_member_is_refused(fake_discord: FakeDiscord, settings) -> None:
    async with running_bot(fake_discord, settings) as bot:
        version = bot.store.current.version
        audit_before = await bot.store.audit_log()
        for command in ("data reload", "data validate", "data status", "data history"):
            data = await admin_reply(fake_discord, command, user=fake_discord.user)
            assert data["flags"] & EPHEMERAL
            assert "Administrator" in embed_text(data)
        assert bot.store.current.version == version
        assert await bot.store.audit_log() == audit_before


BAD_FILES = {
    "syntax error": ("zz-bad.yaml", "startups:\n  - id: broken\n    name: [Broken\n", "starts at line 3", 4),
    "wrong type": ("zz-bad.yaml", "startups:\n  - id: broken\n    name: Broken\n    founded: soon\n", "founded", 4),
    "unknown key": ("zz-bad.yaml", "startups:\n  - id: broken\n    name: Broken\n    secotr: x\n", "secotr", 4),
    "duplicate id": ("zz-bad.yaml", "startups:\n  - id: lalamove\n    name: Lalamove Two\n", "duplicate id", 2),
    "dangling reference": ("zz-bad.yaml", "startups:\n  - id: broken\n    name: Broken\n    city: atlantis\n", "unknown city", 2),
    "alias bomb": ("zz-bad.yaml", "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "alias", 1),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_FILES))
async def test_bad_file_is_reported_and_old_data_keeps_answering(
    fake_discord: FakeDiscord, settings, data_dir: Path, case: str
) -> None:
    name, content, needle, line = BAD_FILES[case]
    async with running_bot(fake_discord, settings) as bot:
        version = bot.store.current.version
        (data_dir / name).write_text(content, encoding="utf-8")
        for command in ("data validate", "data reload"):
            data = await admin_reply(fake_discord, command)
            text = embed_text(data)
            assert "Data rejected" in text, text
            assert f"data/{name}:{line}:" in text.replace("\\", "") and needle in text.replace(
                "\\", ""
            )
            assert f"Still serving data {version}" in text
        assert bot.store.current.version == version
        assert "Lalamove" in await startup_title(fake_discord, "lalamove")
        history = await bot.store.audit_log()
        assert [row["outcome"] for row in history[:2]] == ["rejected", "rejected"]


async def test_long_problem_lists_are_cut_with_a_count(
    fake_discord: FakeDiscord, settings, data_dir: Path
) -> None:
    items = "".join(f"  - id: bad-{i}\n    name: Bad {i}\n    secotr: x\n" for i in range(80))
    (data_dir / "zz-many.yaml").write_text("startups:\n" + items, encoding="utf-8")
    async with running_bot(fake_discord, settings):
        data = await admin_reply(fake_discord, "data reload")
        text = embed_text(data)
        assert "80 problem(s)" in text and "and 65 more" in text


@pytest.mark.usefixtures("index_update")
async def test_concurrent_reloads_are_serialized(
    fake_discord: FakeDiscord, settings, data_dir: Path
) -> None:
    async with running_bot(fake_discord, settings) as bot:
        (data_dir / "zz-new.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
        first, second = await asyncio.gather(
            admin_reply(fake_discord, "data reload"), admin_reply(fake_discord, "data reload")
        )
        titles = sorted([embed_text(first).splitlines()[0], embed_text(second).splitlines()[0]])
        assert titles == ["Data reloaded", "Data unchanged"]
        outcomes = [row["outcome"] for row in await bot.store.audit_log(2)]
        assert sorted(outcomes) == ["applied", "unchanged"]


@pytest.mark.usefixtures("index_update")
async def test_crash_between_build_and_swap_keeps_old_data(
    fake_discord: FakeDiscord, settings, data_dir: Path
) -> None:
    store = CrashingStore(settings.db, settings.data_dir)
    async with running_bot(fake_discord, settings, store=store) as bot:
        version = bot.store.current.version
        (data_dir / "zz-new.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
        store.crash = OSError("disk full")
        data = await admin_reply(fake_discord, "data reload")
        assert "Reload failed" in embed_text(data) and "disk full" in embed_text(data)
        assert bot.store.current.version == version
        assert await bot.store.stored_version() == version
        ix = await fake_discord.send_command("startup", {"name": "newco"})
        data = (await fake_discord.wait_for_callback(ix)).json["data"]
        assert data["flags"] & EPHEMERAL and "Nothing matched" in embed_text(data)
        store.crash = None
        assert "Data reloaded" in embed_text(await admin_reply(fake_discord, "data reload"))


@pytest.mark.usefixtures("index_update")
async def test_removed_startup_keeps_spotlight_history_and_rotation_follows_data(
    fake_discord: FakeDiscord, settings, data_dir: Path
) -> None:
    async with running_bot(fake_discord, settings) as bot:
        await run_command(
            fake_discord,
            "spotlight schedule",
            {"channel": fake_discord.channel, "weekday": 0, "time": "09:30"},
            user=fake_discord.admin,
        )
        await run_command(
            fake_discord, "spotlight next", {"startup": "bitspark"}, user=fake_discord.admin
        )
        assert "Bitspark" in embed_text(await admin_reply(fake_discord, "spotlight post"))

        text = (data_dir / "startups.yaml").read_text(encoding="utf-8")
        start = text.index("- id: bitspark")
        end = text.index("\n- id:", start + 1)
        (data_dir / "startups.yaml").write_text(text[:start] + text[end + 1 :], encoding="utf-8")
        (data_dir / "lists.yaml").write_text(
            (data_dir / "lists.yaml")
            .read_text(encoding="utf-8")
            .replace("  - as_listed: Bitspark\n    startup: bitspark\n", ""),
            encoding="utf-8",
        )
        (data_dir / "zz-new.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
        reloaded = embed_text(await admin_reply(fake_discord, "data reload"))
        assert "Removed" in reloaded and "Bitspark" in reloaded, reloaded

        history = embed_text(await admin_reply(fake_discord, "spotlight history"))
        assert "bitspark" in history.lower() and "Posted" in history
        assert (
            "newco" in spotlight_of(bot).startup_ids()
            and "bitspark" not in spotlight_of(bot).startup_ids()
        )
        chosen = await run_command(
            fake_discord, "spotlight next", {"startup": "NewCo"}, user=fake_discord.admin
        )
        assert "NewCo will be featured next" in embed_text(chosen)
