"""The bot's processes keep in step through the shared state (issue 17).

One :class:`Cluster` per process, started by the client once the state is open:

- **Heartbeat.** Every :data:`~bot.state.processes.BEAT_SECONDS` the process writes its row
  (shards, the data version it serves), so ``/data status`` in any process lists every process
  and its version, and the spotlight tells a live claim from a dead one.
- **Same data version everywhere.** After a reload is applied here, the new version is
  announced on the ``smartups_data`` channel (PostgreSQL NOTIFY). Every other process, on the
  announcement, re-reads its own data folder (the knowledge stays local) and swaps it in. A
  missed announcement (the listening connection was down) is caught by the fallback: on each
  reconnect of the listener and every :data:`CHECK_SECONDS`, the newest applied version in the
  shared audit log is compared with the one served here.
- **Faults.** A database that is away makes a beat or a check fail: logged as a warning, tried
  again on the next tick; nothing here raises into the bot.

On the default SQLite state there is one process and nothing of this runs: the bot writes no
more than before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from typing import TYPE_CHECKING

from bot.state import StateUnavailable
from bot.state import processes as procs

if TYPE_CHECKING:
    from bot.client import SmartUpsBot
    from bot.store import ReloadReport

log = logging.getLogger(__name__)

CHANNEL = "smartups_data"
CHECK_SECONDS = 15.0
#: The actor and command of a reload that follows another process's.
SYNC_COMMAND = "sync"


class Cluster:
    """Heartbeat, data-version announcements and catch-up for one bot process."""

    def __init__(self, bot: SmartUpsBot) -> None:
        self.bot = bot
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self._tasks: list[asyncio.Task[None]] = []
        self._following = asyncio.Lock()
        #: The version a sync last tried, so a data folder that cannot reach the announced
        #: version is not re-read on every check (it is re-read when the version moves on).
        self._tried: str | None = None

    @property
    def shards(self) -> str:
        return procs.shards_text(self.bot.settings.shard_ids, self.bot.settings.shard_count)

    async def start(self) -> None:
        state = self.bot.state
        if not state.shared:
            return
        self.bot.store.on_applied.append(self._announce)
        await self._beat_once()
        self._tasks.append(asyncio.create_task(self._beat_forever(), name="cluster-heartbeat"))
        await state.listen(CHANNEL, self._on_announcement)
        on_reconnect = getattr(state, "on_reconnect", None)
        if isinstance(on_reconnect, list):
            on_reconnect.append(self.catch_up)
        self._tasks.append(asyncio.create_task(self._check_forever(), name="cluster-check"))

    async def stop(self) -> None:
        if not self._tasks:
            return  # never started (a single process on SQLite)
        with contextlib.suppress(ValueError):
            self.bot.store.on_applied.remove(self._announce)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        try:
            await asyncio.wait_for(procs.forget(self.bot.state, self.bot.instance), 5.0)
        except Exception as exc:  # the database is away: the row simply goes stale
            log.warning("cluster: could not remove this process's heartbeat (%s)", exc)

    # ------------------------------------------------------------------ heartbeat

    async def _beat_once(self) -> None:
        store = self.bot.store
        try:
            await procs.beat(
                self.bot.state, instance=self.bot.instance, host=self.host, pid=self.pid,
                shards=self.shards, data_version=store.current.version if store.loaded else None,
                started_at=self.bot.started_at, now=self.bot.clock(),
            )
        except StateUnavailable as exc:
            log.warning("cluster: heartbeat not written (%s)", exc.detail)
        except Exception:
            log.exception("cluster: heartbeat failed")

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(procs.BEAT_SECONDS)
            await self._beat_once()

    # ------------------------------------------------------------------ data versions

    async def _announce(self, report: ReloadReport, command: str) -> None:
        """Tell the other processes (a follower's own swap is not announced again)."""
        await self._beat_once()  # /data status shows the new version at once
        if command == SYNC_COMMAND or not self.bot.state.shared or not report.version_after:
            return
        try:
            await self.bot.state.notify(CHANNEL, report.version_after)
        except StateUnavailable as exc:
            log.warning("cluster: could not announce data %s (%s); the others catch up by "
                        "their periodic check", report.version_after, exc.detail)

    async def _on_announcement(self, version: str) -> None:
        await self.follow(version)

    async def follow(self, version: str) -> bool:
        """Swap to ``version`` by re-reading the data folder, unless already served; True if
        a reload was applied."""
        store = self.bot.store
        async with self._following:
            if store.loaded and store.current.version == version:
                return False
            self._tried = version
            report = await store.reload(actor=f"sync from {version}", command=SYNC_COMMAND,
                                        audit=False)
        if store.loaded and store.current.version != version:
            log.warning("cluster: another process serves data %s, this one's folder gives %s "
                        "(%s): are the data folders the same?", version,
                        store.current.version, report.outcome)
        else:
            log.info("cluster: now serving data %s, as announced", version)
        return report.outcome == "applied"

    async def newest_applied(self) -> str | None:
        """The version of the newest applied reload of any process (the shared audit log)."""
        return await self.bot.state.fetchval(
            "SELECT version_after FROM data_load WHERE outcome = 'applied'"
            " ORDER BY id DESC LIMIT 1"
        )

    async def catch_up(self) -> None:
        """The fallback for a missed announcement; never raises."""
        try:
            newest = await self.newest_applied()
        except StateUnavailable:
            return
        except Exception:
            log.exception("cluster: could not read the newest data version")
            return
        store = self.bot.store
        if newest and newest != self._tried and not (
            store.loaded and store.current.version == newest
        ):
            try:
                await self.follow(newest)
            except Exception:
                log.exception("cluster: could not follow data %s", newest)

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            await self.catch_up()
