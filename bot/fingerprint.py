"""A cheap fingerprint of a data folder: each data file's name, size and modification time.

A reload stores the fingerprint of the folder it read beside the data version it wrote; a
one-shot command (``smartups search``, ``show``, ``ask``) whose folder still has that
fingerprint answers from the database instead of reading and validating every file again
(51 s at 100,000 real-shape records). Any edit, added or removed file changes it (editors and
git rewrite a file's mtime), and the command then reads the folder as before.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from bot.loader import discover

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
                    "SELECT key, value FROM meta WHERE key IN (?, ?)", (META_KEY, "data_version")
                ).fetchall()
            )
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    stored = rows.get(META_KEY)
    return bool(stored) and "data_version" in rows and stored == folder_stats(data_dir)
