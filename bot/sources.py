"""A digest of the bot's own source code, for caches that code of another version must not
read (the validate cache, the snapshot file): any edit to any module changes it."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


@functools.cache
def sources_digest() -> bytes:
    """sha256 over every ``bot/**/*.py`` (relative path and bytes), once per process."""
    digest = hashlib.sha256()
    for source in sorted(PACKAGE.rglob("*.py")):
        digest.update(source.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.digest()
