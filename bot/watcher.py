"""Optional: reload when a data file changes (``SMARTUPS_WATCH_DATA=true``).

Polls file names, sizes and modification times (no extra dependency, works on every file
system) and reloads through the same path as ``/data reload`` once the folder has been quiet
for ``debounce`` seconds, so an editor's several writes become one reload.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.loader import discover
from bot.store import Store

log = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int], ...]


def folder_signature(data_dir: Path) -> Signature:
    items = []
    for path in discover(data_dir):
        try:
            stat = path.stat()
        except OSError:
            continue
        items.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(items)


class DataWatcher:
    """Watches one folder and reloads the store after changes settle."""

    def __init__(self, store: Store, *, interval: float = 2.0, debounce: float = 1.0) -> None:
        self.store = store
        self.interval = interval
        self.debounce = debounce
        self._last: tuple[tuple[str, int, int], ...] | None = None  # first check: a baseline

    async def check_once(self) -> bool:
        """Reload if the folder changed and then stayed unchanged for the debounce time."""
        current = await asyncio.to_thread(folder_signature, self.store.data_dir)
        if self._last is None:
            self._last = current
            return False
        if current == self._last:
            return False
        await asyncio.sleep(self.debounce)
        settled = await asyncio.to_thread(folder_signature, self.store.data_dir)
        if settled != current:
            return False  # still being written; look again next time
        self._last = settled
        report = await self.store.reload(actor="watcher", command="watch")
        log.info("data folder changed: reload %s", report.outcome)
        return True

    async def run(self) -> None:
        if self._last is None:  # the baseline, read off the event loop (a stat per file)
            self._last = await asyncio.to_thread(folder_signature, self.store.data_dir)
        while True:
            try:
                await self.check_once()
            except Exception:
                log.exception("data watcher check failed")
            await asyncio.sleep(self.interval)
