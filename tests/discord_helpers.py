"""Running the real SmartUps bot against the fake Discord, and checking what it sent."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.client import SmartUpsBot
from bot.config import Settings, load_settings
from tests.conftest import DATA_DIR
from tests.fakediscord import FakeDiscord, run_client

if TYPE_CHECKING:
    from cogs.spotlight import Spotlight

EMBED_LIMITS = {"title": 256, "description": 4096, "fields": 25, "field_name": 256,
                "field_value": 1024, "footer": 2048, "author": 256, "total": 6000}  # fmt: skip


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def make_settings(tmp_path: Path, data_dir: Path, **extra: str) -> Settings:
    env = {"SMARTUPS_DATA_DIR": str(data_dir), "SMARTUPS_DB": str(tmp_path / "bot.db")}
    env.update(extra)
    return load_settings(env, None)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord, settings: Settings, **kwargs: Any
) -> AsyncIterator[SmartUpsBot]:
    bot = SmartUpsBot(settings, **kwargs)
    async with run_client(fake, bot, timeout=15.0):
        yield bot


async def run_command(
    fake: FakeDiscord, name: str, options: Any = None, **kwargs: Any
) -> dict[str, Any]:
    """Send a slash command; return the message the member finally sees.

    That is the callback's message, or after a deferral (type 5) the followup that replaced
    the "thinking" message, with the deferral's ephemeral flag merged in. Embed limits and
    ``allowed_mentions`` are checked on the way.
    """
    ix = await fake.send_command(name, options, **kwargs)
    callback = (await fake.wait_for_callback(ix)).json
    assert callback["type"] in (4, 5), callback
    if callback["type"] == 4:
        return reply_of(callback)
    followup = await fake.wait_for(
        lambda r: (
            r.path.startswith(f"/webhooks/{fake.application_id}/{ix.token}")
            and r.method in ("POST", "PATCH")
            and r.ok
        ),
        timeout=10,
    )
    data = dict(followup.json)
    for embed in data.get("embeds", []):
        check_embed_limits(embed)
    assert data.get("allowed_mentions", {}).get("parse") == [], data.get("allowed_mentions")
    data["flags"] = data.get("flags", 0) | (callback.get("data") or {}).get("flags", 0)
    return data


EPHEMERAL = 64


def walk(payload: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every command, subcommand and option of a command payload, with its path."""
    here = f"{path} {payload['name']}".strip()
    yield here, payload
    for option in payload.get("options") or []:
        yield from walk(option, here)


def embed_total(embed: dict[str, Any]) -> int:
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    total += len(embed.get("author", {}).get("name", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return total


def check_embed_limits(embed: dict[str, Any]) -> None:
    assert len(embed.get("title", "")) <= EMBED_LIMITS["title"]
    assert len(embed.get("description", "")) <= EMBED_LIMITS["description"]
    assert len(embed.get("fields", [])) <= EMBED_LIMITS["fields"]
    for field in embed.get("fields", []):
        assert 0 < len(field["name"]) <= EMBED_LIMITS["field_name"]
        assert 0 < len(field["value"]) <= EMBED_LIMITS["field_value"]
    assert len(embed.get("footer", {}).get("text", "")) <= EMBED_LIMITS["footer"]
    assert embed_total(embed) <= EMBED_LIMITS["total"]


def reply_of(callback_json: dict[str, Any]) -> dict[str, Any]:
    """The message data of a type-4/7 callback, with limits and mentions checked."""
    data = callback_json["data"]
    for embed in data.get("embeds", []):
        check_embed_limits(embed)
    assert data.get("allowed_mentions", {}).get("parse") == [], data.get("allowed_mentions")
    return data


def embed_text(data: dict[str, Any], *, raw: bool = False) -> str:
    """Everything the embeds say; markdown escapes removed (what a reader sees) unless ``raw``."""
    parts = []
    for embed in data.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f["name"] + "\n" + f["value"] for f in embed.get("fields", [])]
        parts.append(embed.get("footer", {}).get("text", ""))
    text = "\n".join(parts)
    return text if raw else re.sub(r"\\(.)", r"\1", text)


def spotlight_of(bot: SmartUpsBot) -> Spotlight:
    """The loaded spotlight cog, which owns the weekly job."""
    from cogs.spotlight import Spotlight

    cog = bot.get_cog("Spotlight")
    assert isinstance(cog, Spotlight), "the spotlight extension is not loaded"
    return cog
