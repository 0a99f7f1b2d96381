"""The optional data-folder watcher reloads once the folder settles."""

from __future__ import annotations

from pathlib import Path

from bot.model import Kind
from bot.store import Store
from bot.watcher import DataWatcher


async def test_watcher_reloads_after_a_change(store: Store, sample_dir: Path) -> None:
    watcher = DataWatcher(store, interval=0.01, debounce=0.01)
    assert await watcher.check_once() is False
    (sample_dir / "more.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
    assert await watcher.check_once() is True
    assert store.current.index.record(Kind.STARTUP, "newco") is not None
    assert (await store.audit_log(1))[0]["actor"] == "watcher"
    assert await watcher.check_once() is False
