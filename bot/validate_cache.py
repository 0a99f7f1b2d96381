"""The cache that lets ``smartups validate`` re-check only the files that changed.

Admins run ``validate`` all day on folders where one file changed since the last run; reading,
parsing and validating 100,000 records again every time took ~25 s. A file's own problems and
its :class:`~bot.crosscheck.FileSummary` depend only on its name, its bytes and this code, so
they are kept per file and reused while the file's sha256 is the same; the checks across files
still run on every file's summary, cached or not (:mod:`bot.validate`).

Layout and why:

- **One file per data folder** (named by a hash of the folder's path), holding the summaries
  of all its files keyed by name, each with the sha256 it was made from. Reading one packed
  file of ~15 MB at 100k records takes ~0.13 s; 423 files of one entry each took ~0.16 s and
  could not be pruned per folder. Rewriting it keeps only the folder's current files, so
  entries of removed or renamed files are pruned on the way.
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

log = logging.getLogger(__name__)

#: Raise when the layout of an entry changes without a change of the bot's source.
CACHE_VERSION = 1
_MAGIC = b"SMARTUPS-VALIDATE-CACHE\n"
#: Libraries whose version can change a file's problems or summary (parse, marks, messages).
LIBRARIES = ("yaml", "pydantic", "pydantic_core", "rapidfuzz")
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


@functools.cache
def code_version() -> bytes:
    """The version key entries are made under (see the module's docstring)."""
    import importlib

    import bot

    digest = hashlib.sha256(f"{CACHE_VERSION}\0{sys.version}\0{marshal.version}\0".encode())
    for name in LIBRARIES:
        module: Any = importlib.import_module(name)
        version = getattr(module, "__version__", None) or getattr(module, "VERSION", "")
        digest.update(f"{name}={version}\0".encode())
    package = Path(bot.__file__).parent
    digest.update(f"bot={bot.__version__}\0".encode())
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.digest()


def is_content_hash(sha: str) -> bool:
    """Whether ``sha`` is a file's sha256 (an unreadable or too large file has none: it is
    checked again every time, which costs a stat)."""
    return len(sha) == 64 and _SHA256_HEX.issuperset(sha)


class ValidateCache:
    """The cached file summaries of one data folder (see the module's docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, Any] | None = None

    @classmethod
    def for_folder(cls, data_dir: Path, cache_dir: Path | None = None) -> ValidateCache:
        """The cache of ``data_dir``. Its files are named as the loader shows them (relative
        to the folder's parent), so the folder's resolved path and its spelling both name
        the cache."""
        root = cache_dir if cache_dir is not None else default_cache_dir()
        where = f"{Path(data_dir).resolve()}\0{data_dir}".encode()
        return cls(root / f"{hashlib.sha256(where).hexdigest()[:20]}.marshal")

    def get(self, name: str, sha: str) -> FileSummary | None:
        """The summary of file ``name`` when it was made from these bytes, else None."""
        entry = self._load().get(name)
        if not (isinstance(entry, tuple) and len(entry) == 4 and entry[0] == sha):
            return None
        try:
            if not all(type(p) is tuple and len(p) == 6 for p in entry[2]):
                return None
            if not all(type(i) is tuple and len(i) == 8 for i in entry[3]):
                return None
            line = entry[1]
            if line is not None and type(line) is not int:
                return None
            return FileSummary.from_plain(name, entry)
        except TypeError:
            return None

    def save(self, summaries: Iterable[FileSummary]) -> None:
        """Keep the summaries of the folder's files (and only those) for the next run.

        Written only when something differs from what was read; a failure is a warning.
        """
        entries = {s.name: s.plain() for s in summaries if is_content_hash(s.sha256)}
        old = self._load()
        if entries.keys() == old.keys() and all(
            isinstance(old[name], tuple) and old[name][:1] == (plain[0],)
            for name, plain in entries.items()
        ):
            return
        try:
            payload = marshal.dumps(entries)
        except ValueError as exc:  # a value marshal cannot store: then no cache
            log.warning("validate cache not written: %s", exc)
            return
        header = _MAGIC + code_version() + zlib.crc32(payload).to_bytes(4, "big")
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
                out.write(payload)
            os.replace(temporary, self.path)  # readers see the old cache or this one
        except OSError as exc:
            log.warning("validate cache %s not written: %s", self.path, exc)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return
        self._entries = entries

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, Any]:
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
        crc, payload = blob[len(header) : len(header) + 4], blob[len(header) + 4 :]
        if len(crc) < 4 or zlib.crc32(payload) != int.from_bytes(crc, "big"):
            log.warning("validate cache %s damaged; checking every file", self.path)
            return {}
        try:
            entries = marshal.loads(payload)
        except (ValueError, EOFError, TypeError) as exc:
            log.warning("validate cache %s damaged (%s); checking every file", self.path, exc)
            return {}
        return entries if isinstance(entries, dict) else {}
