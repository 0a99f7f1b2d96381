"""A cheap fingerprint of a data folder: each data file's name, size and modification time.

A reload stores the fingerprint of the folder it read beside the data version it wrote; a
one-shot command (``smartups search``, ``show``, ``ask``) whose folder still has that
fingerprint answers from the database instead of reading and validating every file again
(51 s at 100,000 real-shape records). Any edit, added or removed file changes it (editors and
git rewrite a file's mtime). A file whose mtime moved but whose size did not is hashed and
compared with the content hash the reload stored for it: a checkout, or an editor's save of
an unchanged file, costs its hashing (~0.2 s for all 117 MB of the real-shape 100k set), not
a read of the folder (17 s there). Any other difference, and the command reads the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

from bot.loader import discover, display_name

#: The meta key the fingerprint is stored under.
META_KEY = "file_stats"


def folder_stats(data_dir: Path) -> str:
    """The fingerprint of ``data_dir`` as canonical JSON; "" when a file cannot be stat'ed."""
    stats: dict[str, list[int]] = {}
    try:
        for path in discover(data_dir):
            info = path.stat()
            stats[str(path.relative_to(data_dir))] = [info.st_size, info.st_mtime_ns]
    except OSError:
        return ""
    return json.dumps(stats, sort_keys=True, separators=(",", ":")) if stats else ""


def stored_matches(db: Path, data_dir: Path) -> bool:
    """Whether the database at ``db`` holds data read from ``data_dir`` as it is now."""
    if not db.is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{os.fspath(db)}?mode=ro", uri=True, timeout=5)
        try:
            rows = dict(
                conn.execute(
                    "SELECT key, value FROM meta WHERE key IN (?, ?, ?)",
                    (META_KEY, "data_version", "file_hashes"),
                ).fetchall()
            )
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    stored = rows.get(META_KEY)
    if not stored or "data_version" not in rows:
        return False
    now = folder_stats(data_dir)
    return stored == now or _touched_only(stored, now, rows.get("file_hashes"), data_dir)


def _touched_only(stored: str, now: str, hashes: str | None, data_dir: Path) -> bool:
    """Whether the folder differs from its stored fingerprint only by modification times of
    files whose content is still the content hash stored with the data version."""
    if not now or not hashes:
        return False
    try:
        before, after, sha256 = json.loads(stored), json.loads(now), json.loads(hashes)
    except ValueError:
        return False
    if not (isinstance(before, dict) and isinstance(sha256, dict)) or before.keys() != after.keys():
        return False
    for relative, (size, mtime_ns) in after.items():
        was = before[relative]
        if not isinstance(was, list) or len(was) != 2 or was[0] != size:
            return False
        if was[1] == mtime_ns:
            continue
        path = data_dir / relative
        expected = sha256.get(display_name(data_dir, path))
        try:
            content = path.read_bytes()
        except OSError:
            return False
        if not isinstance(expected, str) or hashlib.sha256(content).hexdigest() != expected:
            return False
    return True
