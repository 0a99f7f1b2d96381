"""Checkpointing the write-ahead log of a big commit after the commit, not inside it.

SQLite checkpoints automatically when a commit leaves the WAL over 1000 pages, in that
commit: a full reload at 100,000 records writes ~260 MB, and copying it into the database
file made COMMIT take ~2 s, all before the new data could go live. A full write commits with
the automatic checkpoint off and this copies the log in a worker thread, on a connection of
its own, after the commit (beside the swap, the snapshot write, the next queries: its C work
runs without the GIL). Nothing is less durable: the commit is in the log either way, and a
reader finds committed pages in the log until they are copied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

import aiosqlite

log = logging.getLogger(__name__)

#: SQLite's own default, restored once the log is copied.
AUTOCHECKPOINT_PAGES = 1000


def checkpoint(path: str) -> None:
    """Copy what the log holds into the database file, waiting for no reader or writer."""
    conn = sqlite3.connect(path, timeout=5.0)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        conn.close()


class DeferredCheckpoint:
    """The checkpoint owed by the writer connection's last big commit (one at a time)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._task: asyncio.Task[None] | None = None
        self._holds = 0  # a checkpoint ending restores the automatic one only if still last

    @property
    def enabled(self) -> bool:
        """An in-memory database has no log to defer."""
        return self.path != ":memory:" and not self.path.startswith("file::memory:")

    async def hold(self, conn: aiosqlite.Connection) -> None:
        """Turn the automatic checkpoint off for the commit about to come."""
        self._holds += 1
        await conn.execute("PRAGMA wal_autocheckpoint = 0")

    async def cancel(self, conn: aiosqlite.Connection) -> None:
        """The commit did not happen (rolled back): the automatic checkpoint is back."""
        await _restore(conn)

    def start(self, conn: aiosqlite.Connection) -> None:
        """Copy the log now, in the background; then turn the automatic checkpoint back on."""
        self._task = asyncio.ensure_future(self._run(conn, self._holds))

    async def wait(self) -> None:
        """Until the checkpoint started last is over (tests; a caller that must know)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, conn: aiosqlite.Connection, holds: int) -> None:
        try:
            await asyncio.to_thread(checkpoint, self.path)
        except sqlite3.Error:  # the next automatic checkpoint does it; nothing is lost
            log.warning("could not checkpoint %s after a reload", self.path, exc_info=True)
        finally:
            if holds == self._holds:  # no later write is holding the automatic one off
                await _restore(conn)


async def _restore(conn: aiosqlite.Connection) -> None:
    # The connection may have been closed meanwhile (the command ended): nothing to restore.
    with contextlib.suppress(ValueError, aiosqlite.Error):
        await conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES:d}")
