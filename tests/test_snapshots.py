"""The snapshot kept beside the database: restarts served from it, and never a wrong one.

Real SQLite files and real YAML folders (a copy of the shipped data/); the store is restarted
by opening a second Store on the same file, as a restarted process would.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import bot.loader
import bot.store
from bot import snapshots
from bot.knowledge import Knowledge
from bot.model import Kind, Startup
from bot.search import SearchIndex
from bot.snapshots import codec
from bot.store import Store
from tests.discord_helpers import copy_data

QUERIES = ["lala", "wela", "fintech", "香港", "gogo van", "qupitl", "smart", "ai", "prenetic"]


def answers(store: Store) -> list[Any]:
    """What a member would see: each query's ranked ids and scores, and every record."""
    knowledge = Knowledge(store)
    ranked = [
        [(h.record.kind, h.record.id, round(h.score, 6)) for h in knowledge.complete(kind, q)]
        for q in QUERIES
        for kind in (Kind.STARTUP, None)
    ]
    records = [r.model_dump() for r in store.current.dataset.all_records()]
    return [ranked, records, store.current.version, store.current.counts()]


@pytest.fixture
async def loaded(tmp_path: Path) -> tuple[Path, Path, list[Any]]:
    """A database and its snapshot, written by a reload of a copy of data/."""
    folder = copy_data(tmp_path)
    db = tmp_path / "smartups.db"
    store = Store(db, folder)
    await store.open()
    assert (await store.reload()).outcome == "applied"
    seen = answers(store)
    await store.close()  # waits for the snapshot being written
    return db, folder, seen


async def open_store(db: Path, folder: Path, **how: bool) -> Store:
    """A store on ``db`` as a restarted process opens it (``how``: Store.open's options)."""
    store = Store(db, folder)
    await store.open(**how)
    return store


def read(path: Path) -> bytes:
    return path.read_bytes()


def write(path: Path, blob: bytes) -> None:
    path.write_bytes(blob)


def with_body(path: Path, body: bytes) -> None:
    """The file's own header lines (its version and code) over another body."""
    header = read(path).split(b"\n", 2)
    write(path, b"\n".join(header[:2]) + b"\n" + body)


def damage_file(path: Path, damage: str) -> None:
    blob = read(path)
    if damage == "truncated":
        write(path, blob[: len(blob) // 2])
    elif damage == "garbage":
        write(path, os.urandom(4096))
    elif damage == "empty":
        write(path, b"")
    elif damage == "no header":
        write(path, snapshots.MAGIC + b"{not json\n" + blob)
    elif damage == "bad payload":
        with_body(path, pickle.dumps({"dataset": 1}))
    elif damage == "deleted":
        path.unlink()


def first_part_end(path: Path) -> int:
    """Where the file's first part (what serving needs) ends."""
    with path.open("rb") as src:
        assert snapshots._read_header(src) is not None
        codec.SafeUnpickler(src).load()
        return src.tell()


def no_restore_from_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(self: Store) -> None:
        raise AssertionError("restored from SQLite, not from the snapshot")

    monkeypatch.setattr(Store, "_restore", refuse)


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = bot.loader.validate_parsed

    def counting(parsed_file: Any, name: str, sha: str) -> Any:
        parsed.append(name)
        return real(parsed_file, name, sha)

    monkeypatch.setattr(bot.loader, "validate_parsed", counting)
    return parsed


async def test_a_restart_serves_the_snapshot_and_parses_nothing(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, folder, seen = loaded
    assert snapshots.snapshot_path(str(db)) == Path(f"{db}.snapshot")
    assert os.stat(f"{db}.snapshot").st_mode & 0o077 == 0  # a file, the owner's only
    no_restore_from_sqlite(monkeypatch)
    parsed = count_parses(monkeypatch)
    store = await open_store(db, folder)
    try:
        assert answers(store) == seen
        report = await store.reload()
        # The loader's per-file results came back with it: the folder is hashed, not parsed.
        assert report.outcome == "unchanged" and parsed == []
        (folder / "startups.yaml").write_text(
            (folder / "startups.yaml")
            .read_text("utf-8")
            .replace("name: Lalamove\n", "name: Lalamove HK\n"),
            encoding="utf-8",
        )
        report = await store.reload()
        assert report.outcome == "applied" and parsed == ["data/startups.yaml"]
        assert Knowledge(store).resolve(Kind.STARTUP, "lalamove").name == "Lalamove HK"
    finally:
        await store.close()


async def test_the_snapshot_follows_each_applied_reload(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, folder, _ = loaded
    store = await open_store(db, folder)
    try:
        (folder / "extra.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
        assert (await store.reload()).outcome == "applied"
        seen = answers(store)
    finally:
        await store.close()
    no_restore_from_sqlite(monkeypatch)
    again = await open_store(db, folder)
    try:
        assert answers(again) == seen
        assert again.current.index.record(Kind.STARTUP, "newco") is not None
    finally:
        await again.close()


async def test_a_snapshot_of_another_version_is_not_used(
    loaded: tuple[Path, Path, list[Any]],
) -> None:
    """Another process reloaded the database without writing a snapshot: the old snapshot
    stays on disk and must not be served."""
    db, folder, _ = loaded
    stale = read(Path(f"{db}.snapshot"))
    other = await open_store(db, folder)
    try:
        (folder / "extra.yaml").write_text("startups:\n  - {id: newco, name: NewCo}\n")
        assert (await other.reload()).outcome == "applied"
    finally:
        await other.close()
    write(Path(f"{db}.snapshot"), stale)
    store = await open_store(db, folder)
    try:
        assert store.current.index.record(Kind.STARTUP, "newco") is not None
        assert (await store.reload()).outcome == "unchanged"
    finally:
        await store.close()
    # The read that followed the restore from SQLite wrote a snapshot of what it serves.
    header = snapshots.SnapshotFile(Path(f"{db}.snapshot")).header()
    assert header is not None and header.data_version == store.current.version


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "empty", "no header", "other code", "bad payload"],
)
async def test_a_damaged_snapshot_falls_back_to_the_database(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    db, folder, seen = loaded
    if damage == "other code":
        monkeypatch.setattr(snapshots, "code_digest", lambda: "0" * 16)
    else:
        damage_file(Path(f"{db}.snapshot"), damage)
    store = await open_store(db, folder)
    try:
        assert answers(store) == seen
    finally:
        await store.close()


async def test_a_snapshot_cannot_run_code(
    loaded: tuple[Path, Path, list[Any]], tmp_path: Path
) -> None:
    """Unpickling resolves only what snapshots are made of: a file crafted to call
    os.system is refused before anything runs, and the data is served from SQLite."""
    db, folder, seen = loaded
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, (f"touch {marker}",))

    with_body(Path(f"{db}.snapshot"), pickle.dumps({"dataset": Evil()}))
    store = await open_store(db, folder)
    try:
        assert answers(store) == seen
    finally:
        await store.close()
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        codec.loads(pickle.dumps(Path("x")))  # an importable class, but not a snapshot's


async def test_a_restore_from_sqlite_then_a_read_shares_one_copy(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a snapshot, the first read of the folder (same data) makes the loader's copy
    the live one (index re-pointed, not rebuilt) and writes a snapshot with its results."""
    db, folder, seen = loaded
    damage_file(Path(f"{db}.snapshot"), "deleted")
    store = await open_store(db, folder)
    try:
        restored = store.current
        assert (await store.reload()).outcome == "unchanged"
        live = store.current
        assert live is not restored and answers(store) == seen
        _, last = store.loader.results()
        assert last is not None and last[1].dataset is live.dataset
        startups = list(live.dataset.records[Kind.STARTUP].values())
        assert isinstance(live.index, SearchIndex)
        assert {id(r) for r in live.index.records} >= {id(r) for r in startups}
    finally:
        await store.close()
    no_restore_from_sqlite(monkeypatch)
    parsed = count_parses(monkeypatch)
    again = await open_store(db, folder)
    try:
        assert (await again.reload()).outcome == "unchanged" and parsed == []
    finally:
        await again.close()


def test_codec_round_trip_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large lists and dicts of an index are written in parts and come back whole; models
    come back equal, frozen and with key-sharing dicts; equal strings come back as one."""
    monkeypatch.setattr(codec, "PART_SIZE", 7)

    startups = [
        Startup.model_validate(
            {"id": f"s{n}", "name": f"S{n}", "city": "hong-kong", "tags": ["ai", "fintech"]}
        )
        for n in range(30)
    ]
    index = SearchIndex(startups)
    blob = codec.dumps({"records": startups, "index": index}, (SearchIndex,))
    back = codec.loads(blob)
    assert [r.model_dump() for r in back["records"]] == [r.model_dump() for r in startups]
    assert back["records"][0].model_fields_set == startups[0].model_fields_set
    assert vars(back["index"]).keys() == vars(index).keys()
    for name, value in vars(index).items():
        if name != "records":
            assert vars(back["index"])[name] == value, name
    # One copy of each record, shared by the index and the list.
    assert {id(r) for r in back["index"].records} == {id(r) for r in back["records"]}
    assert back["records"][0].city is back["records"][1].city
    with pytest.raises(ValidationError):
        back["records"][0].name = "other"  # still frozen
    fresh = Startup.model_validate({"id": "x", "name": "X"})
    assert sys.getsizeof(vars(back["records"][0])) <= sys.getsizeof(vars(fresh))


def test_header_is_readable_json(tmp_path: Path) -> None:
    file = snapshots.SnapshotFile(tmp_path / "x.snapshot")
    file.write([{"a": 1}, {"b": 2}, [3]], data_version="v1", records=0, indexes=())
    assert file.header() is not None
    lines = (tmp_path / "x.snapshot").read_bytes().split(b"\n", 2)
    assert json.loads(lines[1])["data_version"] == "v1"
    assert file.read("v1") == [{"a": 1}, {"b": 2}, [3]] and file.read("v2") is None
    assert file.read("v1", parts=1) == [{"a": 1}]
    assert file.read("v1", parts=9) == [{"a": 1}, {"b": 2}, [3]]
    assert not list(tmp_path.glob("*.tmp"))


async def test_a_store_that_only_answers_skips_the_loader_results(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, folder, seen = loaded
    no_restore_from_sqlite(monkeypatch)
    from bot.question import facets

    for questions in (False, True):
        facets._CACHE.clear()
        store = await open_store(db, folder, reloads=False, questions=questions)
        try:
            # No loader results; the facets only for a command that answers questions.
            assert store.loader.results() == ({}, None)
            assert facets.facets_ready(store.current) is questions
            assert answers(store) == seen
        finally:
            await store.close()


async def test_a_store_that_only_answers_writes_the_missing_snapshot(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, folder, seen = loaded
    damage_file(Path(f"{db}.snapshot"), "deleted")
    store = await open_store(db, folder, reloads=False)  # from SQLite: the next one is fast
    await store.close()
    no_restore_from_sqlite(monkeypatch)
    again = await open_store(db, folder, reloads=False)
    try:
        assert answers(again) == seen
    finally:
        await again.close()


async def test_the_question_facets_come_back_with_the_snapshot(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facets (seconds to build at 100k) are kept with the snapshot: the first question
    after a restart costs no build, and gets the answer it got before."""
    from bot.question import facets

    db, folder, _ = loaded
    questions = [
        "fintech startups in hong kong",
        "startups founded after 2015",
        "how many startups are closed",
        "listed startups",
        "initiatives in smart mobility",
    ]
    store = await open_store(db, folder)
    try:
        before = [await Knowledge(store).ask(q) for q in questions]
    finally:
        await store.close()
    facets._CACHE.clear()
    no_restore_from_sqlite(monkeypatch)
    again = await open_store(db, folder)
    try:
        await again.settled()  # a restart reads the facets after it starts serving
        assert facets.facets_ready(again.current)
        kept = facets.facets_of(again.current)
        built = facets.Facets(again.current)  # what a build gives for these records
        assert kept.sector_terms == built.sector_terms
        assert kept.vocabulary.phrases == built.vocabulary.phrases
        assert {k: [r.id for r in v] for k, v in kept.by_status.items()} == {
            k: [r.id for r in v] for k, v in built.by_status.items()
        }
        records = again.current.dataset.records[Kind.STARTUP]
        assert all(records[r.id] is r for r in kept.by_kind[Kind.STARTUP])  # one copy
        assert {kept.position[id(r)] for r in kept.by_kind[Kind.STARTUP]} == set(
            range(len(kept.by_kind[Kind.STARTUP]))
        )
        after = [await Knowledge(again).ask(q) for q in questions]
        assert [repr(a) for a in after] == [repr(b) for b in before]
    finally:
        await again.close()


def test_a_write_told_to_stop_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """A reload while the previous snapshot is still being written: that write gives up
    (not keeping a retired snapshot alive to finish it) and the file keeps its last whole
    content; no temporary file is left."""
    file = snapshots.SnapshotFile(tmp_path / "x.snapshot")
    file.write([{"a": 1}], data_version="v1", records=0, indexes=())
    before = read(tmp_path / "x.snapshot")
    many = [Startup.model_validate({"id": f"s{n}", "name": f"S{n}"}) for n in range(10_000)]
    with pytest.raises(snapshots.Superseded):
        file.write([many], data_version="v2", records=len(many), indexes=(), stop=lambda: True)
    assert read(tmp_path / "x.snapshot") == before
    assert not list(tmp_path.glob("*.tmp"))


async def test_a_restart_serves_before_the_rest_of_the_snapshot_is_read(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What serving needs comes first: lookups answer while the facets and the loader's
    results are still being read; a reload and a question wait for them rather than
    parsing the folder or building facets."""
    import asyncio
    import threading

    from bot.question import facets

    db, folder, seen = loaded
    facets._CACHE.clear()
    no_restore_from_sqlite(monkeypatch)
    parsed = count_parses(monkeypatch)
    gate = threading.Event()
    real_next = snapshots.SnapshotReader.next

    def held_next(self: snapshots.SnapshotReader) -> Any:
        if self.read >= 1:  # the parts after the first wait for the test to let them go
            assert gate.wait(10), "the test never let the rest be read"
        return real_next(self)

    monkeypatch.setattr(snapshots.SnapshotReader, "next", held_next)

    def no_build(snapshot: Any) -> None:
        raise AssertionError("the facets were built, not read from the snapshot")

    monkeypatch.setattr(facets.Facets, "__init__", no_build)
    store = await open_store(db, folder)
    try:
        assert answers(store) == seen  # served before the rest is read
        assert store.reloading and not facets.facets_ready(store.current)
        reload = asyncio.ensure_future(store.reload())
        ask = asyncio.ensure_future(Knowledge(store).ask("fintech startups in hong kong"))
        await asyncio.sleep(0.05)
        assert not reload.done() and not ask.done()  # both wait for the rest
        gate.set()
        report = await asyncio.wait_for(reload, 10)
        reply = await asyncio.wait_for(ask, 10)
        assert report.outcome == "unchanged" and parsed == []
        assert reply.intent != "offtopic" and facets.facets_ready(store.current)
    finally:
        gate.set()
        await store.close()


async def test_a_restart_with_an_unreadable_rest_still_serves_and_rebuilds(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file cut after its first part: lookups are served from it; the facets are built
    on the first question and the next reload parses the folder, as with no file."""
    from bot.question import facets

    db, folder, seen = loaded
    path = Path(f"{db}.snapshot")
    write(path, read(path)[: first_part_end(path) + 100])
    facets._CACHE.clear()
    no_restore_from_sqlite(monkeypatch)
    parsed = count_parses(monkeypatch)
    store = await open_store(db, folder)
    try:
        assert answers(store) == seen
        await store.settled()
        assert not store.reloading and store.loader.results() == ({}, None)
        reply = await Knowledge(store).ask("fintech startups in hong kong")
        assert reply.intent != "offtopic" and facets.facets_ready(store.current)
        assert (await store.reload()).outcome == "unchanged" and parsed
    finally:
        await store.close()


async def test_the_common_full_text_terms_come_back_with_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large tables rank full-text matches with their common terms (bot.fts.CommonTerms,
    read from SQLite's vocabulary: ~0.6 s at 100,000 records); a restart reads them from
    the snapshot instead, the same terms, and full-text answers stay the same."""
    import bot.store

    monkeypatch.setattr(bot.store, "FTS_PRUNE_MIN_DOCS", 1)  # the shipped data is small
    folder = copy_data(tmp_path)
    db = tmp_path / "smartups.db"
    store = await open_store(db, folder)
    try:
        assert (await store.reload()).outcome == "applied"
        terms = store._common_terms
        assert terms is not None and terms.terms
        before = await store.fulltext(["smart", "city", "platform"], None, 10)
    finally:
        await store.close()
    no_restore_from_sqlite(monkeypatch)

    async def no_vocabulary(self: Store) -> None:
        raise AssertionError("read the vocabulary again")

    monkeypatch.setattr(Store, "_refresh_common_terms", no_vocabulary)
    again = await open_store(db, folder)
    try:
        kept = again._common_terms
        assert kept is not None
        assert (kept.docs, kept.terms, kept.counts) == (terms.docs, terms.terms, terms.counts)
        assert await again.fulltext(["smart", "city", "platform"], None, 10) == before
    finally:
        await again.close()



async def test_records_restored_from_sqlite_share_their_strings(
    loaded: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a code change the snapshot is not used and the records come back from SQLite:
    equal to those loaded, with their strings shared as the loader shares them (every field
    its own string took ~120 MB more at real-shape 100k)."""
    db, folder, seen = loaded
    damage_file(Path(f"{db}.snapshot"), "deleted")
    shared: list[int] = []
    real = bot.loader.share_strings

    def counting(models: Any) -> None:
        models = list(models)
        shared.append(len(models))
        real(models)

    monkeypatch.setattr(bot.store, "share_strings", counting)
    store = await open_store(db, folder, reloads=False)
    try:
        assert answers(store) == seen
        assert shared == [sum(store.current.counts().values())]
    finally:
        await store.close()


def test_share_strings_shares_long_strings_in_nested_models_too() -> None:
    """Two records read from the same JSON (as two SQLite rows holding the same texts):
    pydantic's parser shares strings of up to 64 characters only; after share_strings each
    text, list item and nested model's text is one object."""
    text = "A platform for smart parking, " * 4  # longer than pydantic's string cache
    row = json.dumps({
        "id": "a", "name": "A", "city": "hong-kong", "description": text,
        "tags": [text + "tag"], "sources": ["https://example.org/" + "x" * 80],
        "status": {"state": "closed", "note": text + "note", "as_of": "2023"},
    })  # fmt: skip
    first = Startup.model_validate_json(row)
    second = Startup.model_validate_json(row.replace('"id": "a"', '"id": "b"'))
    assert first.description is not second.description  # what SQLite gives back
    bot.loader.share_strings([first, second])
    assert first == Startup.model_validate_json(row)  # values unchanged
    assert first.description is second.description
    assert first.tags[0] is second.tags[0] and first.sources[0] is second.sources[0]
    assert first.status is not None and second.status is not None
    assert first.status.note is second.status.note
