"""Which processes of the bot are alive, on which shards, serving which data version.

Each process upserts its row in ``process`` (migration V007) every :data:`BEAT_SECONDS`; a row
whose ``beat_at`` is older than :data:`ALIVE_WITHIN` is a process that stopped (killed, or cut
off from the database). Two readers: ``/data status`` lists the live ones with the version each
serves, and the spotlight treats a 'sending' claim of a process that is not alive as
interrupted. A clean stop deletes its own row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.state.base import State

BEAT_SECONDS = 5.0
#: Three missed beats: long enough for a busy event loop, short enough that a survivor
#: resolves a killed process's claim well within a spotlight's grace window.
ALIVE_WITHIN = dt.timedelta(seconds=15)


@dataclass(frozen=True, slots=True)
class Process:
    """One process's last heartbeat."""

    instance: str
    host: str
    pid: int
    shards: str
    data_version: str | None
    started_at: dt.datetime
    beat_at: dt.datetime


def shards_text(shard_ids: Sequence[int] | None, shard_count: int | None) -> str:
    """``"0,1/4"`` for shards 0 and 1 of 4; ``""`` when the process runs them all."""
    if shard_ids is None or shard_count is None:
        return ""
    return ",".join(str(s) for s in shard_ids) + f"/{shard_count}"


async def beat(state: State, *, instance: str, host: str, pid: int, shards: str,
               data_version: str | None, started_at: dt.datetime, now: dt.datetime) -> None:
    await state.execute(
        "INSERT INTO process (instance, host, pid, shards, data_version, started_at, beat_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (instance) DO UPDATE SET"
        " shards = excluded.shards, data_version = excluded.data_version,"
        " beat_at = excluded.beat_at",
        (instance, host, pid, shards, data_version, started_at.astimezone(dt.UTC).isoformat(),
         now.astimezone(dt.UTC).isoformat()),
    )


async def alive(state: State, now: dt.datetime) -> list[Process]:
    """The processes that beat within :data:`ALIVE_WITHIN`, oldest first."""
    since = (now - ALIVE_WITHIN).astimezone(dt.UTC).isoformat()
    rows = await state.fetch(
        "SELECT instance, host, pid, shards, data_version, started_at, beat_at FROM process"
        " WHERE beat_at >= ? ORDER BY started_at, instance",
        (since,),
    )
    return [
        Process(r["instance"], r["host"], int(r["pid"]), r["shards"], r["data_version"],
                dt.datetime.fromisoformat(r["started_at"]), dt.datetime.fromisoformat(r["beat_at"]))
        for r in rows
    ]


async def forget(state: State, instance: str, *, older_than: dt.datetime | None = None) -> None:
    """Delete this process's row (a clean stop), and rows not seen since ``older_than``."""
    await state.execute("DELETE FROM process WHERE instance = ?", (instance,))
    if older_than is not None:
        await state.execute("DELETE FROM process WHERE beat_at < ?",
                            (older_than.astimezone(dt.UTC).isoformat(),))
