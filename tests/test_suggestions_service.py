"""The suggestion service on a real data folder, the queue on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.model import Kind
from bot.state import State
from bot.store import Store
from bot.suggestions import (
    AcceptConflict,
    AcceptNotWritable,
    AcceptRejectedByData,
    SuggestionInvalid,
    SuggestionLimit,
    SuggestionNotPending,
)
from bot.suggestions.service import Author, SuggestionService
from bot.suggestions.storage import Limits, SuggestionStore
from tests.pgfixtures import reopen

SOURCE = "https://example.org/news/qupital"
MEMBER = Author(42, "member#0042", "en", 1)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def service(store: Store, state: State, backend: str) -> AsyncIterator[SuggestionService]:
    """The queue on either backend; on PostgreSQL the reload audit goes there too."""
    if backend == "postgresql":
        store.attach_state(state)
    queue = SuggestionStore(state, clock=Clock(), limits=Limits(pending=3, per_day=4))
    yield SuggestionService(store, queue)


async def test_a_value_is_checked_before_it_is_stored(service: SuggestionService) -> None:
    cases = [
        ("founded", "twenty", "type_int"),
        ("founded", "1700", "range"),
        ("website", "qupital.com", "url"),
        ("sector", "crypto", "choice"),
        ("name", "x" * 301, "too_long"),
        ("secotr", "fintech", "unknown_field"),
        ("id", "other", "unknown_field"),
        ("sector", "fintech", "unchanged"),
    ]
    for field, text, problem in cases:
        with pytest.raises(SuggestionInvalid) as caught:
            await service.suggest(MEMBER, "startup", "qupital", field, text, SOURCE)
        assert caught.value.problem == problem, (field, text)
    with pytest.raises(SuggestionInvalid) as caught:
        await service.suggest(MEMBER, "startup", "qupital", "founded", "2011", "")
    assert caught.value.problem == "source_required"
    rows, total = await service.queue.page()
    assert (rows, total) == ([], 0)


async def test_accept_writes_the_field_and_reloads(service: SuggestionService,
                                                   sample_dir: Path) -> None:
    before = (sample_dir / "startups.yaml").read_bytes()
    made = await service.suggest(MEMBER, "startup", "qupital", "founded", "2015", SOURCE)
    assert (made.state, made.value, made.seen) == ("pending", 2015, None)
    version = service.store.current.version
    accepted = await service.accept(made.id, "mod#1", "checked the article")
    assert accepted.suggestion.state == "accepted"
    assert service.store.current.dataset.records[Kind.STARTUP]["qupital"].founded == 2015  # type: ignore[union-attr]
    after = (sample_dir / "startups.yaml").read_bytes()
    assert after.replace(b"    founded: 2015\n", b"") == before
    events = await service.queue.events()
    assert [e["action"] for e in events[:2]] == ["accepted", "suggested"]
    assert events[0]["version_before"] == version != events[0]["version_after"]
    with pytest.raises(SuggestionNotPending):
        await service.accept(made.id, "mod#2")
    log = await service.store.audit_log(1)
    assert log[0]["command"] == f"suggestion accept #{made.id}" and log[0]["actor"] == "mod#1"


async def test_a_hand_edit_since_the_suggestion_is_a_conflict(service: SuggestionService,
                                                              sample_dir: Path) -> None:
    made = await service.suggest(MEMBER, "startup", "lalamove", "sector", "mobility", SOURCE)
    path = sample_dir / "startups.yaml"
    path.write_text(path.read_text().replace("sector: logistics", "sector: e-commerce"))
    edited = path.read_bytes()
    with pytest.raises(AcceptConflict) as caught:
        await service.accept(made.id, "mod#1")
    assert (caught.value.seen, caught.value.current) == ("logistics", "e-commerce")
    assert path.read_bytes() == edited
    assert (await service.queue.get(made.id)).state == "pending"


async def test_a_change_the_folder_refuses_restores_the_file(service: SuggestionService,
                                                             sample_dir: Path) -> None:
    made = await service.suggest(MEMBER, "startup", "welab", "city", "taipei", SOURCE)
    cities = sample_dir / "cities.yaml"
    cities.write_text(cities.read_text().replace("id: taipei", "id: taipei-city"))
    before = (sample_dir / "startups.yaml").read_bytes()
    with pytest.raises(AcceptRejectedByData) as caught:
        await service.accept(made.id, "mod#1")
    assert any(p.file.endswith("startups.yaml") and p.line > 0 for p in caught.value.problems)
    assert (sample_dir / "startups.yaml").read_bytes() == before
    assert (await service.queue.get(made.id)).state == "pending"


async def test_two_accepts_at_once_never_interleave(service: SuggestionService,
                                                    sample_dir: Path) -> None:
    one = await service.suggest(MEMBER, "startup", "welab", "founded", "2013", SOURCE)
    two = await service.suggest(MEMBER, "startup", "lalamove", "founded", "2013", SOURCE)
    await asyncio.gather(service.accept(one.id, "a"), service.accept(two.id, "b"))
    records = service.store.current.dataset.records[Kind.STARTUP]
    assert records["welab"].founded == records["lalamove"].founded == 2013  # type: ignore[union-attr]
    assert (sample_dir / "startups.yaml").read_text().count("founded: 2013") == 2


async def test_a_new_startup_needs_name_description_and_source(
    service: SuggestionService, sample_dir: Path
) -> None:
    with pytest.raises(SuggestionInvalid, match="description"):
        await service.suggest_new(MEMBER, "Boxful", "", SOURCE)
    with pytest.raises(SuggestionInvalid, match="source"):
        await service.suggest_new(MEMBER, "Boxful", "Storage on demand.", "")
    with pytest.raises(SuggestionInvalid, match="exists"):
        await service.suggest_new(MEMBER, "Qupital", "Again.", SOURCE)
    made = await service.suggest_new(MEMBER, "Boxful", "Storage on demand: no van", SOURCE)
    await service.accept(made.id, "mod#1")
    boxful = service.store.current.dataset.records[Kind.STARTUP]["boxful"]
    assert boxful.description == "Storage on demand: no van" and boxful.sources == [SOURCE]


async def test_limits_per_member(service: SuggestionService) -> None:
    clock = service.queue.clock
    assert isinstance(clock, Clock)
    for year in ("2011", "2012", "2013"):
        await service.suggest(MEMBER, "startup", "qupital", "founded", year, SOURCE)
    with pytest.raises(SuggestionLimit) as caught:
        await service.suggest(MEMBER, "startup", "qupital", "founded", "2014", SOURCE)
    assert caught.value.which == "pending"
    await service.reject(1, "mod", "no source for that year")
    await service.suggest(MEMBER, "startup", "qupital", "founded", "2014", SOURCE)
    await service.reject(2, "mod", "duplicate")
    with pytest.raises(SuggestionLimit) as caught:
        await service.suggest(MEMBER, "startup", "qupital", "founded", "2015", SOURCE)
    assert caught.value.which == "daily"
    clock.now += dt.timedelta(days=1, minutes=1)
    await service.suggest(MEMBER, "startup", "qupital", "founded", "2015", SOURCE)
    other = Author(7, "other", "zh-TW")
    await service.suggest(other, "startup", "qupital", "founded", "2016", SOURCE)


async def test_the_queue_survives_a_restart(service: SuggestionService, tmp_path: Path) -> None:
    made = await service.suggest(MEMBER, "startup", "qupital", "name_zh", "橋彼道有限公司", SOURCE)
    conn = await reopen(service.queue.db)
    try:
        again = await SuggestionStore(conn).get(made.id)
    finally:
        await conn.close()
    assert again == made


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` cannot be written, even by root (chattr +i); skipped where that cannot be made."""
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    immutable = os.geteuid() == 0 and subprocess.run(
        ["chattr", "+i", str(folder)], capture_output=True, check=False).returncode == 0
    try:
        probe = folder / ".probe"
        with contextlib.suppress(OSError):
            probe.write_text("x")
            probe.unlink()
            pytest.skip("this system lets us write into a read-only folder")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(mode)


async def test_a_read_only_data_folder_keeps_the_suggestion_pending(
    service: SuggestionService, sample_dir: Path
) -> None:
    made = await service.suggest(MEMBER, "startup", "qupital", "founded", "2015", SOURCE)
    before = (sample_dir / "startups.yaml").read_bytes()
    version = service.store.current.version
    with read_only(sample_dir), pytest.raises(AcceptNotWritable) as caught:
        await service.accept(made.id, "mod#1")
    assert caught.value.file == "startups.yaml"
    assert (sample_dir / "startups.yaml").read_bytes() == before
    assert not [name for name in os.listdir(sample_dir) if name.startswith(".")]  # no temp file
    assert (await service.queue.get(made.id)).state == "pending"
    assert service.store.current.version == version
    refused = (await service.queue.events())[0]
    assert refused["action"] == "accept_refused" and refused["detail"]["not_writable"] == (
        "startups.yaml")
    accepted = await service.accept(made.id, "mod#1")  # writable again: it goes through
    assert accepted.suggestion.state == "accepted"


async def test_two_moderators_accepting_two_suggestions_for_one_field(
    service: SuggestionService, sample_dir: Path
) -> None:
    other = Author(43, "member#0043", "zh-TW", 1)
    first = await service.suggest(MEMBER, "startup", "lalamove", "sector", "mobility", SOURCE)
    second = await service.suggest(other, "startup", "lalamove", "sector", "e-commerce", SOURCE)
    done = await asyncio.gather(service.accept(first.id, "mod#1"),
                                service.accept(second.id, "mod#2"), return_exceptions=True)
    assert [type(d).__name__ for d in done] == ["Accepted", "AcceptConflict"]
    conflict = done[1]
    assert isinstance(conflict, AcceptConflict)
    assert (conflict.seen, conflict.current) == ("logistics", "mobility")
    text = (sample_dir / "startups.yaml").read_text()
    assert "sector: mobility" in text and "e-commerce" not in text
    assert (await service.queue.get(second.id)).state == "pending"
