"""The cache that lets ``smartups validate`` re-check only the files that changed.

Admins run ``validate`` all day on folders where one file changed since the last run; reading,
parsing and validating 100,000 records again every time took ~25 s. A file's own problems and
its :class:`~bot.crosscheck.FileSummary` depend only on its name, its bytes and this code, so
they are kept per file and reused while the file's sha256 is the same; the checks across files
still run on every file's summary, cached or not (:mod:`bot.validate`).

Layout and why:

- **One file per data folder** (named by a hash of the folder's path), holding the summaries
  of all its files keyed by name, each with the sha256 it was made from, behind an index (see
  :class:`ValidateCache`). At 100k records (423 files) reading and decoding it takes ~0.16 s;
  one file per entry took ~0.23 s (423 opens) and could not be pruned per folder. Each
  rewrite keeps only the folder's current files, so entries of removed or renamed files are
  pruned on the way.
- **marshal of plain tuples**: the fastest format Python loads (pickle is no faster on these
  tuples and can run code from a tampered file; marshal builds only plain values).
- **A version key** in the header: a hash of :data:`CACHE_VERSION`, the Python version, the
  parsing and validating libraries' versions and the source of every module of the ``bot``
  package. An entry another version of the code made is never read; a change to the models,
  the parser or a message only costs one cold run.
- **A CRC32 of the payload**: a truncated or damaged file is a miss, never a wrong result.
  Entries are written to a temporary file and renamed over the old one (``os.replace``), so a
  reader sees the old cache or the new one, never half of one.
- An unreadable or unwritable cache directory only logs a warning: validation never depends
  on the cache.

Where: ``$SMARTUPS_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/smartups/validate``, else
``~/.cache/smartups/validate``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import logging
import marshal
import os
import sys
import tempfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.crosscheck import FileSummary
from bot.sources import sources_digest

log = logging.getLogger(__name__)

#: Raise when the layout of an entry changes without a change of the bot's source.
CACHE_VERSION = 1
_MAGIC = b"SMARTUPS-VALIDATE-CACHE\n"
#: Libraries whose version can change a file's problems or summary (parse, marks, messages,
#: the Chinese folding of name keys).
LIBRARIES = ("yaml", "ryml", "pydantic", "pydantic_core", "rapidfuzz", "opencc")
_SHA256_HEX = frozenset("0123456789abcdef")


def default_cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the cache lives: $SMARTUPS_CACHE_DIR, else $XDG_CACHE_HOME/smartups/validate,
    else ~/.cache/smartups/validate (a relative XDG_CACHE_HOME is ignored, as the XDG spec
    says)."""
    own = environ.get("SMARTUPS_CACHE_DIR")
    if own:
        return Path(own).expanduser()
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "smartups" / "validate"


def open_cache(data_dir: Path) -> ValidateCache | None:
    """The cache of ``data_dir`` in the default place; None (and a warning) when there is no
    place for it (no home directory and no $SMARTUPS_CACHE_DIR or $XDG_CACHE_HOME)."""
    try:
        return ValidateCache.for_folder(data_dir)
    except RuntimeError as exc:  # Path.home() without a home
        log.warning("validate cache not used: %s (set SMARTUPS_CACHE_DIR)", exc)
        return None


@functools.cache
def code_version() -> bytes:
    """The version key entries are made under (see the module's docstring)."""
    import bot

    digest = hashlib.sha256(f"{CACHE_VERSION}\0{sys.version}\0{marshal.version}\0".encode())
    for name in LIBRARIES:
        digest.update(f"{name}={_library_version(name)}\0".encode())
    digest.update(f"bot={bot.__version__}\0".encode())
    digest.update(sources_digest())
    return digest.digest()


def _library_version(name: str) -> str:
    """An imported library's version; for one not imported (rapidyaml is imported only by the
    child processes, ~27 ms), the size and time of its installed file, which a reinstall of
    another version changes; "absent" when it is not installed."""
    module: Any = sys.modules.get(name)
    if module is not None:
        return str(getattr(module, "__version__", None) or getattr(module, "VERSION", ""))
    try:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            return "absent"
        info = os.stat(spec.origin)
    except (ImportError, ValueError, OSError):
        return "absent"
    return f"{spec.origin}:{info.st_size}:{info.st_mtime_ns}"


def is_content_hash(sha: str) -> bool:
    """Whether ``sha`` is a file's sha256 (an unreadable or too large file has none: it is
    checked again every time, which costs a stat)."""
    return len(sha) == 64 and _SHA256_HEX.issuperset(sha)


class ValidateCache:
    """The cached file summaries of one data folder (see the module's docstring).

    The file: a header (magic, version key, CRC32 of the rest, length of the index), an index
    (marshal of ``(name, sha256, offset, length)`` per file) and each file's marshalled
    :meth:`~bot.crosscheck.FileSummary.plain` one after the other. A run decodes only the
    entries it asks for, and rewriting the cache after an edit copies the unchanged entries'
    bytes instead of marshalling 100,000 summaries again (~0.17 s at 100k records).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._index: dict[str, tuple[str, int, int]] | None = None  # name -> (sha, offset, len)
        self._body = memoryview(b"")
        #: Entries of this run: name -> (sha, marshalled plain summary).
        self._fresh: dict[str, tuple[str, bytes | memoryview]] = {}

    @classmethod
    def for_folder(cls, data_dir: Path, cache_dir: Path | None = None) -> ValidateCache:
        """The cache of ``data_dir``. Its files are named as the loader shows them (relative
        to the folder's parent), so the folder's resolved path and its spelling both name
        the cache."""
        root = cache_dir if cache_dir is not None else default_cache_dir()
        where = f"{Path(data_dir).resolve()}\0{data_dir}".encode()
        return cls(root / f"{hashlib.sha256(where).hexdigest()[:20]}.marshal")

    def has_entries(self) -> bool:
        """Whether the cache holds any entry (else nothing need be hashed to look it up)."""
        return bool(self._load())

    def get(self, name: str, sha: str) -> FileSummary | None:
        """The summary of file ``name`` when it was made from these bytes, else None."""
        found = self._load().get(name)
        if found is None or found[0] != sha:
            return None
        raw = self._body[found[1] : found[1] + found[2]]
        try:
            plain = marshal.loads(raw)
            summary = FileSummary.from_plain(name, plain)
        except (ValueError, EOFError, TypeError):
            return None
        if summary.sha256 != sha or not isinstance(summary.items, tuple):
            return None
        self._fresh[name] = (sha, raw)
        return summary

    def save(self, summaries: Iterable[FileSummary]) -> None:
        """Keep the summaries of the folder's files (and only those) for the next run.

        Written only when something differs from what was read; a failure is a warning.
        """
        entries: list[tuple[str, str, bytes | memoryview]] = []
        changed = False
        for summary in summaries:
            if not is_content_hash(summary.sha256):
                continue
            fresh = self._fresh.get(summary.name)
            if fresh is not None and fresh[0] == summary.sha256:
                entries.append((summary.name, fresh[0], fresh[1]))
                continue
            try:
                raw = marshal.dumps(summary.plain())
            except ValueError as exc:  # a value marshal cannot store: then no entry
                log.warning("validate cache: %s not kept: %s", summary.name, exc)
                continue
            entries.append((summary.name, summary.sha256, raw))
            changed = True
        if not changed and len(entries) == len(self._load()):
            return  # the same entries as on disk
        index: list[tuple[str, str, int, int]] = []
        offset = 0
        for name, sha, blob in entries:
            index.append((name, sha, offset, len(blob)))
            offset += len(blob)
        packed_index = marshal.dumps(tuple(index))
        rest = b"".join([packed_index, *(blob for _, _, blob in entries)])
        header = _MAGIC + code_version()
        header += zlib.crc32(rest).to_bytes(4, "big") + len(packed_index).to_bytes(4, "big")
        self._write(header, rest)

    def _write(self, header: bytes, rest: bytes) -> None:
        """Write to a temporary file beside the cache, then rename it over the cache."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.stem}.", suffix=".tmp"
            )
        except OSError as exc:
            log.warning("validate cache %s not written: %s", self.path, exc)
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header)
                out.write(rest)
            os.replace(temporary, self.path)  # readers see the old cache or this one
        except OSError as exc:
            log.warning("validate cache %s not written: %s", self.path, exc)
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    def _load(self) -> dict[str, tuple[str, int, int]]:
        if self._index is None:
            self._index = self._read()
        return self._index

    def _read(self) -> dict[str, tuple[str, int, int]]:
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("validate cache %s unreadable (%s); checking every file", self.path, exc)
            return {}
        header = _MAGIC + code_version()
        if not blob.startswith(header):
            log.info("validate cache %s made by another version; not used", self.path)
            return {}
        view = memoryview(blob)[len(header) :]
        if len(view) < 8 or zlib.crc32(view[8:]) != int.from_bytes(view[:4], "big"):
            log.warning("validate cache %s damaged; checking every file", self.path)
            return {}
        index_length = int.from_bytes(view[4:8], "big")
        try:
            rows = marshal.loads(view[8 : 8 + index_length])
            index = {name: (sha, offset, length) for name, sha, offset, length in rows}
        except (ValueError, EOFError, TypeError) as exc:
            log.warning("validate cache %s damaged (%s); checking every file", self.path, exc)
            return {}
        self._body = view[8 + index_length :]
        return index
