"""The live snapshot kept on disk beside the database, so a restart serves in seconds.

Rebuilding the in-memory snapshot from SQLite means validating every stored record again and
building the search index: ~13 s at 100,000 real-shape records. When a store that reloaded
closes (a command as it ends, the bot when it stops), it writes the snapshot itself (records,
index, the question facets and the loader's per-file results) to ``<database>.snapshot``; a
restart, or a one-shot command, whose database holds the same data version loads that
instead. The loader's per-file results come back too, so the data folder
read at start-up only hashes the files and finds nothing to parse.

The file is a cache: it names the data version it holds and a digest of the code that wrote it
(the bot package's sources, Python's and pydantic's versions). Any mismatch, a truncated or
foreign file, or anything it refers to that a snapshot is not made of (see
:class:`~bot.snapshots.codec.SafeUnpickler`) and the store restores from SQLite as before.
Writes go to a temporary file renamed into place, so a reader sees a whole file or the old one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import pydantic

from bot.snapshots.codec import SafeUnpickler, SnapshotPickler, Superseded
from bot.sources import sources_digest

__all__ = [
    "DERIVED",
    "SnapshotFile",
    "SnapshotReader",
    "Superseded",
    "register_derived",
    "snapshot_path",
]

log = logging.getLogger(__name__)

MAGIC = b"smartups-snapshot 2\n"
#: The header line is JSON; longer than this is not one of ours.
MAX_HEADER = 4096


@cache
def code_digest() -> str:
    """A digest of what decides a snapshot's layout: every source file of the bot package,
    Python's and pydantic's versions (a snapshot written by other code is not read)."""
    digest = hashlib.sha256()
    digest.update(f"{platform.python_version()} {pydantic.VERSION}\n".encode())
    digest.update(sources_digest())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Header:
    """What a snapshot file says about itself (its first two lines)."""

    data_version: str
    code: str
    written_at: float
    records: int
    parts: int


class SnapshotFile:
    """One snapshot file: written whole and atomically, read only if it matches."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(
        self,
        parts: Sequence[Any],
        *,
        data_version: str,
        records: int,
        indexes: tuple[type, ...],
        stop: Callable[[], bool] | None = None,
    ) -> float:
        """Write ``parts`` for ``data_version``, each a pickle of its own but with one memo
        (a later part refers to an earlier one's objects), so a reader may stop after the
        first few: what serving needs comes first. Returns the seconds it took. Blocking:
        call it from a worker thread (it lets the event loop run, see the codec). ``stop``
        is asked now and then; once it says so the write gives up (raises Superseded) and
        the file on disk stays as it was."""
        started = time.perf_counter()
        header = {
            "data_version": data_version,
            "code": code_digest(),
            "written_at": time.time(),
            "records": records,
            "parts": len(parts),
        }
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC)
                out.write(json.dumps(header).encode("utf-8") + b"\n")
                pickler = SnapshotPickler(out, indexes, stop)
                for part in parts:
                    pickler.dump(part)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return time.perf_counter() - started

    def header(self) -> Header | None:
        """The file's header, or None if there is no file or it is not a snapshot of ours."""
        try:
            with self.path.open("rb") as src:
                return _read_header(src)
        except OSError:
            return None

    def read(self, data_version: str, *, parts: int | None = None) -> list[Any] | None:
        """The first ``parts`` parts (all when None) if the file holds ``data_version``
        written by this code, else None: a command that only answers stops before what only
        a reload needs. Blocking (seconds at 100,000 records): call it from a worker thread."""
        reader = self.reader(data_version)
        if reader is None:
            return None
        with reader:
            wanted = reader.parts if parts is None else min(parts, reader.parts)
            read = [reader.next() for _ in range(wanted)]
            return None if any(part is _UNREADABLE for part in read) else read

    def reader(self, data_version: str) -> SnapshotReader | None:
        """The file opened for reading part by part, if it holds ``data_version`` written by
        this code (else None). A restart reads what serving needs, serves, and reads the rest
        later from the same reader (a later part refers to an earlier one's objects, through
        the reader's memo). Blocking: call it from a worker thread."""
        try:
            src = self.path.open("rb")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("snapshot %s unreadable (%s); restoring from the database", self.path, exc)
            return None
        try:
            header = _read_header(src)
        except OSError as exc:
            src.close()
            log.warning("snapshot %s unreadable (%s); restoring from the database", self.path, exc)
            return None
        if header is None:
            src.close()
            log.warning("%s is not a snapshot; restoring from the database", self.path)
            return None
        if header.data_version != data_version or header.code != code_digest():
            src.close()
            log.info(
                "snapshot %s holds data %s (code %s), not %s (code %s): not used",
                self.path, header.data_version, header.code, data_version, code_digest(),
            )  # fmt: skip
            return None
        return SnapshotReader(self.path, src, header)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


#: What :meth:`SnapshotReader.next` gives for a part it could not read.
_UNREADABLE: Any = object()


class SnapshotReader:
    """An open snapshot file, read one part at a time (see :meth:`SnapshotFile.reader`).

    Holds the file and the unpickler's memo (every object read so far) until closed: close
    it, or use it as a context manager, once the parts wanted are read.
    """

    def __init__(self, path: Path, src: BinaryIO, header: Header) -> None:
        self.path = path
        self.header = header
        self.parts = header.parts
        self.read = 0
        self._src: BinaryIO | None = src
        self._unpickler: SafeUnpickler | None = SafeUnpickler(src)

    def next(self) -> Any:
        """The next part; :data:`_UNREADABLE` (and the reader closed) if the file is
        damaged or refers to anything a snapshot is not made of. Blocking."""
        if self._unpickler is None or self.read >= self.parts:
            return _UNREADABLE
        try:
            part = self._unpickler.load()
        except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError,
                IndexError, KeyError, pickle.UnpicklingError) as exc:  # fmt: skip
            log.warning("snapshot %s unreadable (%s); restoring from the database", self.path, exc)
            self.close()
            return _UNREADABLE
        self.read += 1
        return part

    @staticmethod
    def usable(part: Any) -> bool:
        return part is not _UNREADABLE

    def close(self) -> None:
        self._unpickler = None  # its memo: every object read, kept for the later parts
        if self._src is not None:
            self._src.close()
            self._src = None

    def __enter__(self) -> SnapshotReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_header(src: Any) -> Header | None:
    if src.read(len(MAGIC)) != MAGIC:
        return None
    line = src.readline(MAX_HEADER)
    try:
        fields = json.loads(line)
        return Header(
            str(fields["data_version"]),
            str(fields["code"]),
            float(fields["written_at"]),
            int(fields["records"]),
            int(fields["parts"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class Derived:
    """Something built from a live snapshot that is worth keeping with it on disk (the
    question facets: seconds at 100k records). ``take`` gives it for a snapshot (building it
    if need be; called from the writer's thread), ``give`` hands one read back to its owner.
    Registered by the owner's module, so bot.snapshots imports nothing of theirs."""

    take: Callable[[Any], Any]
    give: Callable[[Any, Any], None]


#: name -> how to keep it; see :class:`Derived`.
DERIVED: dict[str, Derived] = {}


def register_derived(
    name: str, take: Callable[[Any], Any], give: Callable[[Any, Any], None]
) -> None:
    DERIVED[name] = Derived(take, give)


def snapshot_path(db_path: str) -> Path | None:
    """Where the snapshot of the database at ``db_path`` lives (None for ``:memory:``)."""
    if db_path == ":memory:" or db_path.startswith("file:"):
        return None
    return Path(db_path + ".snapshot")
