"""The live knowledge: an immutable in-memory snapshot backed by SQLite (with FTS5).

A reload builds the new snapshot aside — parsing, validation and index building run off the
event loop — writes the difference to SQLite in one transaction, and only then swaps the
in-memory snapshot in one event-loop step. A reader holding ``store.current`` therefore sees the
old data or the new, never a mix; a failed reload changes nothing. Reloads are serialized by a
lock here and by ``BEGIN IMMEDIATE`` across processes.

SQLite also keeps the last good data: a bot that starts with a broken data folder still answers
from what was loaded before.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import gc
import hashlib
import itertools
import json
import logging
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite

from bot.clock import Clock, utcnow
from bot.db import check_fts5, migrate, open_db
from bot.errors import DataNotLoaded, DataProblem
from bot.fingerprint import META_KEY as FINGERPRINT_KEY
from bot.fingerprint import folder_stats
from bot.fts import FTS_COMMON_SHARE, FTS_PRUNE_MIN_DOCS, CommonTerms, fulltext_query
from bot.gil import shared_finely
from bot.index_patch import Index, PatchedIndex, patch_index
from bot.loader import Dataset, FileResult, Item, Loader, LoadOutcome, share_strings
from bot.memory import gc_paused, trim_heap
from bot.model import (
    City,
    Community,
    CommunityList,
    Initiative,
    Kind,
    Organization,
    Record,
    Source,
    Startup,
)
from bot.search import SearchIndex
from bot.snapshots import DERIVED, SnapshotFile, SnapshotReader, snapshot_path
from bot.state import SqliteState, State
from bot.text import fts_document
from bot.wal import DeferredCheckpoint

log = logging.getLogger(__name__)

#: Snapshots with at least this many records are frozen out of the cyclic GC once live.
FREEZE_MIN_RECORDS = 10_000
#: Rows per executemany while writing a reload, so no single call holds the GIL for long.
WRITE_BATCH = 1000
AUDIT_INSERT = (
    "INSERT INTO data_load (at, actor, command, version_before, version_after, outcome,"
    " summary, problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

MODEL_OF: dict[str, type[Record]] = {
    "city": City,
    "initiative": Initiative,
    "organization": Organization,
    "startup": Startup,
}


@dataclass(frozen=True)
class Snapshot:
    """One consistent version of the data and its search index."""

    dataset: Dataset
    index: Index
    loaded_at: dt.datetime
    loaded_by: str

    @property
    def version(self) -> str:
        return self.dataset.version

    def counts(self) -> dict[str, int]:
        return self.dataset.counts()


@dataclass(frozen=True, slots=True)
class Change:
    """What a reload did to one record."""

    kind: str
    id: str
    name: str
    action: str  # added / changed / removed
    fields: tuple[str, ...] = ()


@dataclass
class ReloadReport:
    """The outcome of a reload or a dry run, for replies and the audit log."""

    outcome: str  # applied / unchanged / rejected / failed / checked
    version_before: str | None
    version_after: str | None
    changes: list[Change] = field(default_factory=list)
    problems: list[DataProblem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("applied", "unchanged", "checked")

    def summary(self) -> dict[str, Any]:
        per_kind: dict[str, dict[str, list[str]]] = {}
        for change in self.changes:
            bucket = per_kind.setdefault(change.kind, {"added": [], "changed": [], "removed": []})
            label = change.name
            if change.fields:
                label += f" ({', '.join(change.fields)})"
            bucket[change.action].append(label)
        return {"changes": per_kind, "counts": self.counts}


def diff(old: Dataset | None, new: Dataset) -> list[Change]:
    """Records added, changed (with the names of the changed fields) and removed."""
    changes: list[Change] = []
    for kind in Kind:
        before = old.records.get(kind, {}) if old else {}
        after = new.records.get(kind, {})
        for rid, rec in after.items():
            prev = before.get(rid)
            if prev is None:
                changes.append(Change(kind.value, rid, rec.name, "added"))
            elif prev != rec:
                a, b = prev.model_dump(), rec.model_dump()
                fields = tuple(sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k)))
                changes.append(Change(kind.value, rid, rec.name, "changed", fields))
        for rid, rec in before.items():
            if rid not in after:
                changes.append(Change(kind.value, rid, rec.name, "removed"))
    return changes


def _fts_row(record: Record) -> tuple[str, str, str, str, str]:
    """The five indexed columns of a record, normalized (CJK spaced out for FTS5)."""
    names = " ".join(filter(None, [record.name, record.name_zh, record.id.replace("-", " ")]))
    fields = vars(record)  # a missing field through getattr() costs pydantic's slow path
    extra = [
        fields.get("sector"),
        fields.get("area"),
        fields.get("hq"),
        fields.get("type"),
        fields.get("vision"),
        *fields.get("areas", ()),
    ]
    status = fields.get("status")
    if status is not None:
        extra.extend([status.state, status.note])
    description = " ".join(
        filter(None, [record.description, record.description_zh, *extra, record.notes])
    )
    figures = " ".join(
        " ".join(filter(None, [f.label, f.label_zh, f.unit, f.scope, *f.keywords]))
        for f in fields.get("figures", ())
    )
    return (
        fts_document(names),
        fts_document(" ".join(record.aliases)),
        fts_document(" ".join(record.tags)),
        fts_document(description),
        fts_document(figures),
    )


def _build_index(dataset: Dataset) -> SearchIndex:
    """The index of ``dataset``; its id() -> keys map goes as soon as the build is done
    (~8 MB at 100k records that would otherwise live through the whole SQLite write)."""
    try:
        return SearchIndex(dataset.all_records(), dataset.label_keys)
    finally:
        dataset.label_keys.clear()


def _rejected(outcome: LoadOutcome, old: Snapshot | None, dry_run: bool) -> ReloadReport:
    """The report of a load that made no dataset (the problems; the live counts)."""
    return ReloadReport(
        "checked" if dry_run and not outcome.problems else "rejected",
        old.version if old else None,
        None,
        problems=outcome.problems,
        counts=old.counts() if old else {},
    )


async def _changes(old: Snapshot | None, dataset: Dataset) -> list[Change]:
    """What ``dataset`` changes against the live snapshot (diffed off the event loop)."""
    if old is not None and dataset is old.dataset:  # the loader saw no file change
        return []
    return await asyncio.to_thread(diff, old.dataset if old else None, dataset)


async def _reused_index(
    old: Snapshot | None, dataset: Dataset, changes: list[Change]
) -> Index | None:
    """The live index made to serve ``dataset`` without a full build, if it can be: shared
    as is when no indexed field changed, else patched for a few records (see
    :mod:`bot.index_patch`). None: build a new one."""
    if old is None or not changes:
        return None
    index: Index | None = None
    if all(c.action == "changed" for c in changes):
        # Only some records changed and, if none in a field the index is built from, the
        # old index serves with the new records (a full build takes seconds at 100k).
        index = await asyncio.to_thread(old.index.with_records, dataset.all_records())
    if index is None:
        # A few records added, removed or renamed: the old index, with a small one over
        # those records beside it (see bot.index_patch), instead of seconds of rebuild.
        touched = [(c.kind, c.id) for c in changes]
        index = await asyncio.to_thread(
            patch_index, old.index, dataset.records, touched, dataset.label_keys
        )
    return index


def _drop_index(box: list[Index | None]) -> None:
    """Free an index nobody took (a failed reload), in a worker thread."""
    index = box.pop()
    if index is not None and sys.getrefcount(index) <= 2:
        index.dispose()


def _retire(box: list[Snapshot | None]) -> None:
    """Drop a replaced snapshot (in a worker thread). Its index is taken apart one structure
    at a time unless someone (a command still running) holds it."""
    snapshot = box.pop()
    if snapshot is not None:
        index = snapshot.index
        # Our local, getrefcount's argument, and (for the index) the snapshot's attribute.
        if sys.getrefcount(snapshot) <= 2 and sys.getrefcount(index) <= 3:
            index.dispose()
        del index, snapshot
    trim_heap()  # what the load and the old snapshot freed (see bot.memory)


def _rows_for(
    dataset: Dataset, targets: list[tuple[Kind, str]], first_rowid: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The ``record`` and ``record_fts`` rows of ``targets``, numbered from ``first_rowid``."""
    rows = []
    fts_rows = []
    records = dataset.records
    for rowid, (kind, rid) in enumerate(targets, start=first_rowid):
        rec = records[kind][rid]
        # model_dump_json() is this, decoded; the hash is of the same UTF-8 bytes, so they
        # need not be encoded back.
        blob = rec.__pydantic_serializer__.to_json(rec, exclude_none=True)
        fields = vars(rec)  # a missing field through getattr() costs pydantic's slow path
        rows.append(
            (
                rowid,
                kind.value,
                rid,
                rec.name,
                fields.get("city"),
                fields.get("sector"),
                blob.decode(),
                hashlib.sha256(blob).hexdigest()[:16],
            )
        )
        fts_rows.append((rowid, *_fts_row(rec)))
    return rows, fts_rows


@functools.cache
def _bound_values_limit() -> int:
    """How many values one statement may bind in this process's SQLite (999 in old builds)."""
    conn = sqlite3.connect(":memory:")
    try:
        return conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    finally:
        conn.close()


async def _insert_many(
    conn: aiosqlite.Connection, insert: str, rows: list[tuple[Any, ...]]
) -> None:
    """``insert`` (up to its VALUES) of ``rows``, as many rows to a statement as SQLite's
    limit on bound values allows (a whole batch: 32,766 since SQLite 3.32, 250,000 here).

    executemany() steps its statement once per row and lets go of the GIL for each step:
    with the next batch (and the index) being built in other threads, each row then waited
    up to the interpreter's switch interval to get it back. One statement of many rows is
    one step, so SQLite's work on them runs whole without the GIL (10,000 rows beside a
    busy thread: 7.9 s by executemany, 1.2 s by statements of 1000 rows). The same values
    are bound the same way either way."""
    if not rows:
        return
    width = len(rows[0])
    one = "(" + ", ".join("?" * width) + ")"
    per = max(1, _bound_values_limit() // width)
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        values = ", ".join([one] * len(chunk))
        await conn.execute(f"{insert} {values}", list(itertools.chain.from_iterable(chunk)))


async def _insert_rows(
    conn: aiosqlite.Connection,
    dataset: Dataset,
    targets: Iterable[tuple[Kind, str]],
    first_rowid: int,
) -> None:
    """Insert the rows of ``targets`` in batches, the next batch's rows built (in a worker
    thread: serializing and normalizing 100,000 records takes seconds) while SQLite inserts
    this one in the connection's thread: its C work (FTS5 tokenizing and merging) runs
    without the GIL, so each side's time hides the other's."""
    pending = iter(targets)

    def build(rowid: int) -> tuple[int, list[tuple[Any, ...]], list[tuple[Any, ...]]] | None:
        batch = list(itertools.islice(pending, WRITE_BATCH))
        if not batch:
            return None
        return (rowid + len(batch), *_rows_for(dataset, batch, rowid))

    building = asyncio.ensure_future(asyncio.to_thread(build, first_rowid))
    try:
        while (built := await building) is not None:
            next_rowid, rows, fts_rows = built
            building = asyncio.ensure_future(asyncio.to_thread(build, next_rowid))
            await _insert_many(conn, "INSERT INTO record VALUES", rows)
            await _insert_many(
                conn,
                "INSERT INTO record_fts (rowid, name, aliases, tags, description, figures) VALUES",
                fts_rows,
            )
            del rows, fts_rows, built
    finally:  # (after a failed insert: the batch being built finishes, its error is taken)
        await asyncio.gather(building, return_exceptions=True)


def _freeze_if_large(snapshot: Snapshot) -> None:
    """A large live snapshot lives until the next reload: move its ~10^6 containers out of
    the collector's reach, or each full collection walks them all (100s of ms on the event
    loop). They are still freed by reference counting when replaced."""
    if sum(snapshot.counts().values()) >= FREEZE_MIN_RECORDS:
        gc.freeze()


#: A payload without common terms (then they are read from SQLite; None means a small table).
_NO_TERMS: Any = object()


def _write_snapshot(
    file: SnapshotFile,
    snapshot: Snapshot,
    extra: dict[str, Any],
    terms: CommonTerms | None,
) -> float:
    """Write ``snapshot`` (with ``terms``, the common full-text terms of its version), then
    what is derived from it (built here if need be: this runs in a worker thread), then
    ``extra`` (what only a reload needs); returns the seconds it took."""
    serving = {
        "dataset": snapshot.dataset,
        "index": snapshot.index,
        "loaded_at": snapshot.loaded_at,
        "loaded_by": snapshot.loaded_by,
        "common_terms": None if terms is None else (terms.docs, terms.terms, terms.counts),
    }
    derived = {name: owner.take(snapshot) for name, owner in DERIVED.items()}
    return file.write(
        [serving, derived, extra],
        data_version=snapshot.version,
        records=sum(snapshot.counts().values()),
        indexes=(SearchIndex, PatchedIndex, FileResult, Item),
    )


def _give_derived(snapshot: Snapshot, derived: Any) -> None:
    """Hand what was derived from ``snapshot`` back to its owners (the unknown is dropped)."""
    if not isinstance(derived, dict):
        return
    for name, value in derived.items():
        owner = DERIVED.get(name)
        if owner is not None:
            try:
                owner.give(snapshot, value)
            except Exception:
                log.exception("the snapshot's %s could not be used", name)


def _snapshot_of(payload: Any, version: str) -> Snapshot | None:
    """The snapshot a file's payload holds, if it is whole and of ``version``."""
    if payload is None:
        return None
    if isinstance(payload, dict):
        dataset, index = payload.get("dataset"), payload.get("index")
        loaded_at, loaded_by = payload.get("loaded_at"), payload.get("loaded_by")
        if (
            isinstance(dataset, Dataset)
            and dataset.version == version
            and isinstance(index, SearchIndex | PatchedIndex)
            and isinstance(loaded_at, dt.datetime)
            and isinstance(loaded_by, str)
        ):
            return Snapshot(dataset, index, loaded_at, loaded_by)
    log.warning("the snapshot file's content is not a snapshot of %s: not used", version)
    return None


class Store:
    """Owns the database connections, the live snapshot and the reload path."""

    def __init__(
        self,
        db_path: str | Path,
        data_dir: str | Path,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.db_path = str(db_path)
        self.data_dir = Path(data_dir)
        self.loader = Loader(self.data_dir)
        self.clock = clock
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._current: Snapshot | None = None
        self._common_terms: CommonTerms | None = None
        #: The data version ``_common_terms`` was read for (None: not read yet).
        self._terms_version: str | None = None
        #: Common terms read with a snapshot file: (its version, the terms).
        self._kept_terms: tuple[str, CommonTerms | None] | None = None
        #: A restart reading the rest of its snapshot (see _restore_snapshot).
        self._settling: asyncio.Future[None] | None = None
        self._lock = asyncio.Lock()
        #: The fingerprint of the folder the last load read (see bot.fingerprint).
        self._folder_stats = ""
        self._state: State | None = None
        self._owns_state = False
        #: Called with (report, command) after each applied reload, once it is live (the bot
        #: tells its other processes there, issue 17); a failing hook is logged.
        self.on_applied: list[Callable[[ReloadReport, str], Awaitable[None]]] = []
        where = snapshot_path(self.db_path)
        #: The live snapshot on disk, for fast restarts (see bot.snapshots); None in memory.
        self.snapshot_file = SnapshotFile(where) if where is not None else None
        self._snapshot_due = False
        #: The checkpoint a full write's commit leaves to after it (see bot.wal).
        self._wal = DeferredCheckpoint(self.db_path)

    # ------------------------------------------------------------------ lifecycle

    async def open(self, *, reloads: bool = True, questions: bool = True) -> None:
        """Connect, migrate, and serve the last good data kept (if any): from the snapshot
        file when it holds the stored version, else from SQLite. ``reloads=False``: this
        store only answers (a one-shot command), so the loader's results are not read;
        ``questions=False`` as well: it answers no question, the facets are not read."""
        check_fts5()
        self._writer = await open_db(self.db_path)
        await migrate(self._writer)
        # An in-memory database exists per connection: share the one (command-line use).
        memory = self.db_path == ":memory:"
        self._reader = self._writer if memory else await open_db(self.db_path, set_wal=False)
        restored = await self._restore_snapshot(reloads=reloads, questions=questions, defer=reloads)
        if restored is None:
            restored = await self._restore()
            if restored is not None and not reloads:
                # So the next one is fast. A store that reloads writes it after its reload
                # (with the loader's results, and the loader's copy of the records).
                self._current = restored
                self.save_snapshot()
        if restored is not None:
            self._current = restored
            await self._terms_for_current()
            log.info(
                "serving data %s from %s until the data folder is read",
                restored.version,
                self.db_path,
            )

    async def close(self) -> None:
        await self.settled()
        await self.snapshot_saved()
        if self._state is not None and self._owns_state:
            await self._state.close()
            self._state = None
        for conn in {id(c): c for c in (self._reader, self._writer) if c is not None}.values():
            await conn.close()
        self._reader = self._writer = None

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("Store.open() was not called")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("Store.open() was not called")
        return self._reader

    @property
    def state(self) -> State:
        """Guild and admin state (audit, gap and usage counts): the one attached by the bot
        (:meth:`attach_state`), else this store's own SQLite file, as before issue 17."""
        if self._state is None:
            self._state = SqliteState(self.db_path, plain=self.writer)
        return self._state

    def attach_state(self, state: State, *, owned: bool = False) -> None:
        """Use ``state`` for the audit and the counts; ``owned``: close it with the store."""
        self._state = state
        self._owns_state = owned

    @property
    def _audit_in_reload(self) -> bool:
        """The audit row goes into the reload's own transaction when the state is in this
        SQLite file; on a shared database it is written after the commit."""
        return self._state is None or self._state.local_to(self.db_path)

    @property
    def current(self) -> Snapshot:
        """The live snapshot. Capture it once per command and use only that."""
        if self._current is None:
            raise DataNotLoaded("no valid data has been loaded yet")
        return self._current

    @property
    def loaded(self) -> bool:
        return self._current is not None

    @property
    def reloading(self) -> bool:
        return self._lock.locked()

    # ------------------------------------------------------------------ restore

    async def _meta(self, conn: aiosqlite.Connection) -> dict[str, str]:
        rows = await conn.execute_fetchall("SELECT key, value FROM meta")
        return {row[0]: row[1] for row in rows}

    async def _refresh_common_terms(self) -> None:
        """Read which full-text terms are common (large tables only; see CommonTerms)."""
        docs = sum(self._current.counts().values()) if self._current else 0
        self._terms_version = self._current.version if self._current else None
        if docs < FTS_PRUNE_MIN_DOCS:
            self._common_terms = None
            return
        try:
            await self.reader.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.record_vocab "
                "USING fts5vocab(main, record_fts, row)"
            )
            async with self.reader.execute(
                "SELECT term, doc FROM temp.record_vocab WHERE doc >= ? ORDER BY term",
                (max(1, int(docs * FTS_COMMON_SHARE)),),
            ) as cur:
                rows = await cur.fetchall()
        except aiosqlite.Error:
            log.exception("could not read the full-text vocabulary")
            self._common_terms = None
            return
        self._common_terms = CommonTerms(docs, [r[0] for r in rows], [r[1] for r in rows])

    async def stored_version(self) -> str | None:
        """The data version SQLite holds now (another process may have reloaded it)."""
        async with self.reader.execute("SELECT value FROM meta WHERE key = 'data_version'") as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def _restore_snapshot(
        self, *, reloads: bool, questions: bool, defer: bool = False
    ) -> Snapshot | None:
        """The snapshot kept on disk when it holds the version SQLite holds (bot.snapshots):
        with what was derived from it (the question facets) unless ``questions`` is False,
        and the loader's per-file results unless ``reloads`` is False (the folder read next
        then parses no unchanged file).

        ``defer``: return once what serving needs is read, and read the rest in a task that
        holds the reload lock meanwhile (a reload waits for the loader's results; a question
        waits in :meth:`settled`). A restart serves ~1 s sooner at 100,000 records."""
        if self.snapshot_file is None:
            return None
        version = await self.stored_version()
        if version is None:
            return None
        started = time.perf_counter()
        wanted = 3 if reloads else 2 if questions else 1
        reader = await asyncio.to_thread(self.snapshot_file.reader, version)
        if reader is None:
            return None
        try:
            with gc_paused(), shared_finely():
                serving = await asyncio.to_thread(reader.next)
                snapshot = _snapshot_of(serving if reader.usable(serving) else None, version)
                if snapshot is not None:
                    self._keep_common_terms(serving, version)
                    _freeze_if_large(snapshot)
                del serving
        except BaseException:
            await asyncio.to_thread(reader.close)
            raise
        if snapshot is None:
            await asyncio.to_thread(reader.close)
            return None
        log.info(
            "restored data %s from %s in %.2fs",
            version,
            self.snapshot_file.path,
            time.perf_counter() - started,
        )
        if wanted > 1 and defer:
            await self._lock.acquire()  # released by the task, once the rest is read
            self._settling = asyncio.ensure_future(
                self._restore_rest(reader, snapshot, wanted, locked=True)
            )
        else:
            await self._restore_rest(reader, snapshot, wanted, locked=False)
        return snapshot

    async def _restore_rest(
        self, reader: SnapshotReader, snapshot: Snapshot, wanted: int, *, locked: bool
    ) -> None:
        """Read the snapshot file's parts after the first: hand the derived ones to their
        owners, the loader's results to the loader. A part that cannot be read is simply
        rebuilt when needed (the facets on the first question, the files on the next read)."""
        started = time.perf_counter()
        try:
            with gc_paused(), shared_finely():
                rest: list[Any] = []
                while len(rest) < wanted - 1:
                    part = await asyncio.to_thread(reader.next)
                    if not reader.usable(part):
                        break
                    rest.append(part)
                if rest:
                    _give_derived(snapshot, rest[0])
                if len(rest) > 1:
                    extra = rest[1]
                    if isinstance(extra, dict) and isinstance(extra.get("files"), dict):
                        self.loader.adopt(extra["files"], extra.get("last"))
                del rest
                _freeze_if_large(snapshot)  # what the rest added
        except Exception:
            log.exception("the rest of the snapshot %s could not be read", reader.path)
        finally:
            # The reader's memo refers to every object read: freed off the event loop.
            await asyncio.to_thread(reader.close)
            if locked:
                self._lock.release()
        if wanted > 1:
            log.info("read the rest of the snapshot in %.2fs", time.perf_counter() - started)

    async def settled(self) -> None:
        """Wait until a restart has read the rest of its snapshot (see _restore_snapshot):
        a question asked meanwhile then uses the facets read rather than building its own."""
        task = self._settling
        if task is not None and not task.done():
            await asyncio.shield(task)

    def _keep_common_terms(self, serving: Any, version: str) -> None:
        """The common full-text terms kept with the snapshot (SQLite's vocabulary of that very
        version: reading it again costs ~0.6 s at 100,000 records)."""
        kept = serving.get("common_terms", _NO_TERMS) if isinstance(serving, dict) else _NO_TERMS
        if kept is None:
            self._kept_terms = (version, None)
        elif (
            isinstance(kept, tuple)
            and len(kept) == 3
            and isinstance(kept[0], int)
            and isinstance(kept[1], list)
            and isinstance(kept[2], list)
            and len(kept[1]) == len(kept[2])
        ):
            self._kept_terms = (version, CommonTerms(kept[0], kept[1], kept[2]))

    async def _terms_for_current(self) -> None:
        """The common terms of the snapshot just made live: those kept with it in its file,
        else read from SQLite's vocabulary."""
        kept, self._kept_terms = self._kept_terms, None
        if kept is not None and self._current is not None and kept[0] == self._current.version:
            self._common_terms, self._terms_version = kept[1], kept[0]
        else:
            await self._refresh_common_terms()

    def save_snapshot(self) -> None:
        """Mark the live snapshot to be written to disk when the store closes (after a
        reload, or a restore that had to rebuild it).

        Not at once: measured at 100,000 records, writing it from a worker thread stalled
        the event loop up to ~0.5 s (the pickler's memo of millions of objects is resized
        and freed in C, holding the GIL) and the end-to-end autocomplete p99 was 59.5 ms
        at real-shape 100k with it (7.5 ms after this change, same bench). A command closes
        its store as it ends; the bot when it stops. A process killed before that leaves the
        previous file, which then names an older version than the database: the next start
        restores from SQLite."""
        if self.snapshot_file is not None and self._current is not None:
            self._snapshot_due = True

    async def snapshot_saved(self) -> None:
        """Write the snapshot if one is due (close() calls this). Under the reload lock, so
        no reload replaces the snapshot while it is being written."""
        if not self._snapshot_due or self.snapshot_file is None:
            return
        async with self._lock:
            self._snapshot_due = False
            snapshot = self._current
            if snapshot is None:
                return
            results, last = self.loader.results()
            if last is not None and last[1].dataset is not snapshot.dataset:
                last = None  # the loader's last outcome is not what is live
            extra = {"files": results, "last": last}
            file = self.snapshot_file
            if self._terms_version != snapshot.version:
                await self._refresh_common_terms()
            terms = self._common_terms
            try:
                seconds = await asyncio.to_thread(_write_snapshot, file, snapshot, extra, terms)
            except Exception:
                log.exception("could not write the snapshot %s", file.path)
            else:
                log.info("snapshot of %s written in %.2fs", snapshot.version, seconds)

    async def _restore(self) -> Snapshot | None:
        # One read transaction: meta and records of the same version, whatever another
        # process commits meanwhile.
        await self.reader.execute("BEGIN")
        try:
            meta = await self._meta(self.reader)
            if "data_version" not in meta:
                return None
            async with self.reader.execute("SELECT kind, data FROM record ORDER BY rowid") as cur:
                rows = list(await cur.fetchall())
        finally:
            await self.reader.execute("COMMIT")

        def build() -> Snapshot:
            records: dict[Kind, dict[str, Record]] = {kind: {} for kind in Kind}
            for kind, data in rows:
                rec = MODEL_OF[kind].model_validate_json(data)
                records[Kind(kind)][rec.id] = rec
            share_strings(r for by_id in records.values() for r in by_id.values())
            extras = json.loads(meta.get("extras", "{}"))
            dataset = Dataset(
                records=records,
                sources={s["url"]: Source.model_validate(s) for s in extras.get("sources", [])},
                lists={c["id"]: CommunityList.model_validate(c) for c in extras.get("lists", [])},
                community=Community.model_validate(extras["community"])
                if extras.get("community")
                else None,
                file_hashes=json.loads(meta.get("file_hashes", "{}")),
                version=meta["data_version"],
            )
            index = SearchIndex(dataset.all_records())
            loaded_at = dt.datetime.fromisoformat(meta.get("loaded_at", utcnow().isoformat()))
            return Snapshot(dataset, index, loaded_at, meta.get("loaded_by", "unknown"))

        with gc_paused():
            snapshot = await asyncio.to_thread(build)
            if len(rows) >= FREEZE_MIN_RECORDS:
                gc.freeze()  # as after a reload: keep full collections off the snapshot
        return snapshot

    async def refresh_from_db(self) -> bool:
        """Adopt data another process (``smartups reload``) wrote; True if it changed."""
        version = await self.stored_version()
        if version is None or (self._current and self._current.version == version):
            return False
        async with self._lock:
            # Our own reload may have swapped this version in while we waited for the lock.
            version = await self.stored_version()
            if version is None or (self._current and self._current.version == version):
                return False
            restored = await self._restore_snapshot(reloads=True, questions=True)
            restored = restored or await self._restore()
            if restored is None:
                return False
            retired = [self._current]
            self._current = restored
            await self._terms_for_current()
            await asyncio.to_thread(_retire, retired)
        log.info("picked up data version %s written by another process", restored.version)
        return True

    # ------------------------------------------------------------------ reload

    async def reload(
        self,
        *,
        actor: str = "system",
        command: str = "reload",
        dry_run: bool = False,
        audit: bool = True,
    ) -> ReloadReport:
        """Read the data folder, validate it, and (unless ``dry_run``) swap it in atomically.

        Concurrent reloads wait for each other: the second sees the first one's result.
        ``audit=False`` leaves an "unchanged" outcome out of the audit log (the periodic
        checks); every other outcome is always audited.
        """
        async with self._lock:
            return await self._reload_locked(actor, command, dry_run, audit)

    async def _reload_locked(
        self, actor: str, command: str, dry_run: bool, audit: bool
    ) -> ReloadReport:
        started = time.perf_counter()
        with gc_paused(), shared_finely():
            return await self._reload_paused(actor, command, dry_run, audit, started)

    async def _reload_paused(
        self, actor: str, command: str, dry_run: bool, audit: bool, started: float
    ) -> ReloadReport:
        old = self._current
        before = old.version if old else None
        outcome = await asyncio.to_thread(self._load_with_stats)
        if outcome.dataset is None:
            report = _rejected(outcome, old, dry_run)
            return await self._finish_unwritten(report, actor, command, started)
        dataset = outcome.dataset
        changes = await _changes(old, dataset)
        if old is not None and dataset.version == old.version and not changes:
            report = ReloadReport(
                "checked" if dry_run else "unchanged", before, before, counts=dataset.counts()
            )
            # Periodic checks (audit=False) and dry runs of unchanged data leave no row.
            audited = audit and not dry_run
            if not dry_run:
                await self._store_fingerprint()  # same data; files touched, say by git
                if dataset is not old.dataset:
                    live: list[Snapshot | None] = [old]
                    del old  # freed in a worker thread, not here (see _retire)
                    await self._share_loaded(live, dataset)
            return await self._finish_unwritten(report, actor, command, started, audit=audited)
        if dry_run:
            report = ReloadReport(
                "checked", before, dataset.version, changes, counts=dataset.counts()
            )
            return await self._finish_unwritten(report, actor, command, started)
        report = await self._apply(old, dataset, changes, actor, command, started)
        if report.outcome == "applied":
            # Free the replaced snapshot in a worker thread, piece by piece: dropping its last
            # reference here would free ~10^6 objects in one event-loop step (~100 ms at 100k).
            retired = [old]
            del old
            await asyncio.to_thread(_retire, retired)
            self.save_snapshot()
        return report

    async def _share_loaded(self, live: list[Snapshot | None], dataset: Dataset) -> None:
        """Serve the loader's copy of unchanged data instead of the restored one.

        After a restore from SQLite, the first read of the folder builds every record again:
        the same data, other objects, which the loader keeps for its next reload. Serving
        those (the index re-pointed at them, not rebuilt) frees the restored copy, so the
        process holds one copy of the records, as after a cold load; the snapshot written
        then carries the loader's results, and the next start parses nothing.
        """
        old = live[0]
        if old is None or not isinstance(old.index, SearchIndex):
            return
        index = await asyncio.to_thread(old.index.with_records, dataset.all_records())
        if index is None:
            return
        await self._swap(Snapshot(dataset, index, old.loaded_at, old.loaded_by))
        del old, index
        await asyncio.to_thread(_retire, live)
        self.save_snapshot()

    def _load_with_stats(self) -> LoadOutcome:
        """Load the folder, and its fingerprint if no file changed while it was read ("" if
        one did: then no one-shot command trusts the stored data without reading)."""
        before = folder_stats(self.data_dir)
        outcome = self.loader.load()
        self._folder_stats = before if before == folder_stats(self.data_dir) else ""
        return outcome

    async def _store_fingerprint(self) -> None:
        """Record the fingerprint of the folder just read as the stored version's."""
        try:
            await self.writer.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (FINGERPRINT_KEY, self._folder_stats),
            )
            await self.writer.commit()
        except aiosqlite.Error:
            log.exception("could not store the data folder's fingerprint")

    async def _finish_unwritten(
        self,
        report: ReloadReport,
        actor: str,
        command: str,
        started: float,
        *,
        audit: bool = True,
    ) -> ReloadReport:
        """Finish a reload that wrote no data: time it, and audit it unless told not to."""
        report.seconds = time.perf_counter() - started
        if audit:
            await self._audit(actor, command, report)
        return report

    async def _apply(
        self,
        old: Snapshot | None,
        dataset: Dataset,
        changes: list[Change],
        actor: str,
        command: str,
        started: float,
    ) -> ReloadReport:
        """Write ``dataset`` to SQLite and swap it in with its index; on any failure before
        the swap, the old snapshot stays live and the report says why."""
        before = old.version if old else None
        index = await _reused_index(old, dataset, changes)
        building: asyncio.Future[SearchIndex] | None = None
        if index is None:
            # Built while SQLite is written (its C work runs beside the build's Python); the
            # transaction commits only once the index is ready, so both land or neither.
            building = asyncio.ensure_future(asyncio.to_thread(_build_index, dataset))
        now = self.clock()
        report = ReloadReport("applied", before, dataset.version, changes, counts=dataset.counts())
        try:
            await self._write(
                dataset, old.dataset if old else None, changes, now, actor, command, report,
                ready=building,
            )  # fmt: skip
            if building is not None:
                index = building.result()
        except Exception as exc:
            if building is not None:  # let the build finish, then free it off the loop
                await asyncio.gather(building, return_exceptions=True)
                unused: list[Index | None] = [
                    building.result() if not building.exception() else None
                ]
                building = None
                await asyncio.to_thread(_drop_index, unused)
            log.exception("reload failed before the swap; version %s stays live", before)
            failed = ReloadReport(
                "failed",
                before,
                dataset.version,
                changes,
                counts=old.counts() if old else {},
                error=f"{type(exc).__name__}: {exc}",
            )
            return await self._finish_unwritten(failed, actor, command, started)
        assert index is not None
        building = None
        await self._swap(Snapshot(dataset, index, now, actor))
        if not self._audit_in_reload:
            await self._audit(actor, command, report)
        for hook in list(self.on_applied):
            try:
                await hook(report, command)
            except Exception:
                log.exception("a hook after the reload to %s failed", dataset.version)
        report.seconds = time.perf_counter() - started
        log.info(
            "data %s -> %s: %d change(s) in %.2fs",
            before,
            dataset.version,
            len(changes),
            report.seconds,
        )
        return report

    async def _swap(self, snapshot: Snapshot) -> None:
        """Make ``snapshot`` the live one (its data is committed to SQLite)."""
        # The keys live on in the loader's per-file cache; this id() map was for the index.
        snapshot.dataset.label_keys.clear()
        self._current = snapshot  # the swap: one assignment, one event-loop step
        await self._refresh_common_terms()
        _freeze_if_large(snapshot)

    async def _write(
        self,
        dataset: Dataset,
        old: Dataset | None,
        changes: list[Change],
        loaded_at: dt.datetime,
        actor: str,
        command: str,
        report: ReloadReport,
        *,
        ready: Awaitable[Any] | None = None,
    ) -> None:
        """Apply the difference to SQLite in one transaction (with its audit row); commit
        only once ``ready`` (the index being built) is done, roll back if it failed."""
        conn = self.writer
        # Take the write lock first: another process (`smartups reload`) may have committed
        # while we waited, and the diff only applies to the version it was computed from.
        await conn.execute("BEGIN IMMEDIATE")
        full = deferred = False
        try:
            async with conn.execute("SELECT value FROM meta WHERE key = 'data_version'") as cur:
                version_row = await cur.fetchone()
            stored = version_row[0] if version_row else None
            full = old is None or stored != old.version
            if full:
                await conn.execute("DELETE FROM record")
                await conn.execute("DELETE FROM record_fts")
                targets: Iterable[tuple[Kind, str]] = (
                    (k, rid) for k in Kind for rid in dataset.records[k]
                )
            else:
                # Changed and removed rows go in batches (one statement per 500, not three
                # round-trips per record); changed and added ones are written below.
                for start in range(0, len(changes), 500):
                    stale = changes[start : start + 500]
                    pairs = ", ".join(["(?, ?)"] * len(stale))
                    params = [value for c in stale for value in (c.kind, c.id)]
                    async with conn.execute(
                        f"DELETE FROM record WHERE (kind, id) IN (VALUES {pairs}) RETURNING rowid",
                        params,
                    ) as cur:
                        gone = [(row[0],) for row in await cur.fetchall()]
                    await conn.executemany("DELETE FROM record_fts WHERE rowid = ?", gone)
                targets = [(Kind(c.kind), c.id) for c in changes if c.action != "removed"]
            async with conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM record") as cur:
                max_row = await cur.fetchone()
            next_rowid = (max_row[0] if max_row else 0) + 1  # (an aggregate gives one row)
            await _insert_rows(conn, dataset, targets, next_rowid)
            extras = {
                "sources": [s.model_dump(exclude_none=True) for s in dataset.sources.values()],
                "lists": [c.model_dump(exclude_none=True) for c in dataset.lists.values()],
                "community": dataset.community.model_dump() if dataset.community else None,
            }
            meta = {
                "data_version": dataset.version,
                "loaded_at": loaded_at.isoformat(),
                "loaded_by": actor,
                "file_hashes": json.dumps(dataset.file_hashes, sort_keys=True),
                FINGERPRINT_KEY: self._folder_stats,
                "extras": json.dumps(extras, ensure_ascii=False),
            }
            await conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(meta.items()),
            )
            if self._audit_in_reload:
                await conn.execute(AUDIT_INSERT, await self._audit_row(actor, command, report))
            if ready is not None:
                await ready
            deferred = full and self._wal.enabled
            if deferred:  # ~260 MB of log at 100k: copied after the commit (see bot.wal)
                await self._wal.hold(conn)
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            if deferred:
                await self._wal.cancel(conn)
            raise
        if deferred:
            self._wal.start(conn)

    async def _audit_row(
        self, actor: str, command: str, report: ReloadReport
    ) -> tuple[str | None, ...]:
        def payload() -> tuple[str, str]:  # 100,000 changes take a while to write out
            return (
                json.dumps(
                    report.summary() | ({"error": report.error} if report.error else {}),
                    ensure_ascii=False,
                ),
                json.dumps([p.as_dict() for p in report.problems[:200]], ensure_ascii=False),
            )

        summary, problems = await asyncio.to_thread(payload) if report.changes else payload()
        return (
            self.clock().isoformat(),
            actor,
            command,
            report.version_before,
            report.version_after,
            report.outcome,
            summary,
            problems,
        )

    async def _audit(self, actor: str, command: str, report: ReloadReport) -> None:
        """Record an attempt that wrote no data (rejected, unchanged, dry run, failed), or on
        a shared state any attempt (after the reload's own commit)."""
        if not self._audit_in_reload:
            try:
                row = await self._audit_row(actor, command, report)
                await self.state.execute(AUDIT_INSERT, row)
            except Exception:
                log.exception("could not write the audit row to the shared state")
            return
        conn = self.writer
        try:
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute(AUDIT_INSERT, await self._audit_row(actor, command, report))
            await conn.execute("COMMIT")
        except Exception:
            log.exception("could not write the audit row")
            with contextlib.suppress(Exception):
                await conn.execute("ROLLBACK")

    async def audit_log(self, limit: int = 10) -> list[dict[str, Any]]:
        """The newest audit rows first (of every process, on a shared state)."""
        sql = (
            "SELECT id, at, actor, command, version_before, version_after, outcome, summary,"
            " problems FROM data_load ORDER BY id DESC LIMIT ?"
        )
        if self._audit_in_reload:
            async with self.reader.execute(sql, (limit,)) as cur:
                rows = [tuple(r) for r in await cur.fetchall()]
        else:
            rows = [tuple(r.values()) for r in await self.state.fetch(sql, (limit,))]
        return [
            {
                "id": r[0],
                "at": r[1],
                "actor": r[2],
                "command": r[3],
                "version_before": r[4],
                "version_after": r[5],
                "outcome": r[6],
                "summary": json.loads(r[7]),
                "problems": json.loads(r[8]),
            }
            for r in rows
        ]

    # ------------------------------------------------------------------ full text

    async def fulltext(
        self, terms: list[str], kinds: list[str] | None = None, limit: int = 30
    ) -> list[tuple[str, str, float]]:
        """bm25-ranked ``(kind, id, rank)`` for terms; never passes user syntax to MATCH.

        The query is built by :func:`bot.fts.fulltext_query`: on a large table, words found in
        many records are left out when rarer ones remain; if even the rarest matches too many,
        matches are taken in table order, unranked.
        """
        query = fulltext_query(terms, kinds, limit, self._common_terms)
        if query is None:
            return []
        sql, params = query
        try:
            # One trip to the connection's thread: iterating an aiosqlite cursor fetches a
            # row per trip (its arraysize is 1), ~0.1 ms each while the loop waits.
            rows = await self.reader.execute_fetchall(sql, params)
            return [(row[0], row[1], float(row[2])) for row in rows]
        except aiosqlite.OperationalError:
            log.exception("full-text query failed for %r", params[0])  # the MATCH text
            return []


__all__ = ["Change", "ReloadReport", "Snapshot", "Store", "diff"]
