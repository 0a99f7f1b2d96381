"""A reload hands the GIL over more often while it runs, and leaves the interval as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot import gil
from bot.store import Store


def test_overlapping_uses_restore_the_interval_once_the_last_ends() -> None:
    before = sys.getswitchinterval()
    first = gil.shared_finely()
    second = gil.shared_finely()
    first.__enter__()
    assert sys.getswitchinterval() == min(before, gil.BUSY_INTERVAL)
    second.__enter__()
    first.__exit__(None, None, None)  # not nested: the first ends before the second
    assert sys.getswitchinterval() == min(before, gil.BUSY_INTERVAL)
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before


async def test_a_reload_runs_with_the_finer_interval_and_restores_it(
    sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sys.getswitchinterval()
    seen: list[float] = []
    store = Store(tmp_path / "smartups.db", sample_dir)
    original = store._load_with_stats

    def load():
        seen.append(sys.getswitchinterval())
        return original()

    monkeypatch.setattr(store, "_load_with_stats", load)
    await store.open()
    try:
        assert (await store.reload()).ok
    finally:
        await store.close()
    assert seen == [min(before, gil.BUSY_INTERVAL)]
    assert sys.getswitchinterval() == before
