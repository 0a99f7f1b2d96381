"""Pending suggestions as a unified diff against the data folder, for a pull request.

A deployment whose data folder is read-only (or kept in git) still gets its members'
suggestions: the changes are applied to copies of the files in memory, in queue order, with
the same conflict check and writer an accept uses, and printed as ``git apply``-able diff
(paths ``a/data/startups.yaml``). Nothing is written; a suggestion that no longer applies is
left out and named.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.suggestions import yaml_writer
from bot.suggestions.fields import NEW_RECORD
from bot.suggestions.models import Suggestion


@dataclass
class Patch:
    """The diff, and the suggestions it could not include (number, reason)."""

    diff: str
    included: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _apply(suggestion: Suggestion, data_dir: Path, files: dict[Path, bytes]) -> None:
    if suggestion.field == NEW_RECORD:
        if yaml_writer.find_record(data_dir, suggestion.kind, suggestion.record_id):
            raise yaml_writer.WriteRefused(f"{suggestion.record_id} exists already")
        where = yaml_writer.section_file(data_dir, suggestion.kind)
        if where is None:
            raise yaml_writer.WriteRefused(f"no file has a section for {suggestion.kind}")
        raw = files.get(where.path) or where.path.read_bytes()
        files[where.path] = yaml_writer.add_record(raw, where.section, suggestion.value)
        return
    found = yaml_writer.find_record(data_dir, suggestion.kind, suggestion.record_id)
    if found is None:
        raise yaml_writer.WriteRefused(f"no record {suggestion.record_id}")
    raw = files.get(found.path) or found.path.read_bytes()
    current = yaml_writer.read_field(raw, found.section, suggestion.record_id, suggestion.field)
    current = current.strip() if isinstance(current, str) else current
    if current != suggestion.seen:
        raise yaml_writer.WriteRefused(f"conflict: was {suggestion.seen!r}, is {current!r}")
    files[found.path] = yaml_writer.set_field(raw, suggestion.kind, found.section,
                                              suggestion.record_id, suggestion.field,
                                              suggestion.value)


def build_patch(suggestions: Iterable[Suggestion], data_dir: Path) -> Patch:
    """Apply ``suggestions`` in order to in-memory copies of the files; diff the result."""
    root = Path(data_dir).resolve()
    files: dict[Path, bytes] = {}
    patch = Patch("")
    for suggestion in suggestions:
        try:
            _apply(suggestion, root, files)
        except yaml_writer.WriteRefused as exc:
            patch.skipped.append((suggestion.id, str(exc)))
            continue
        patch.included.append(suggestion.id)
    parts: list[str] = []
    for path in sorted(files):
        name = f"{root.name}/{path.relative_to(root).as_posix()}"
        old = path.read_bytes().decode("utf-8").splitlines(True)
        new = files[path].decode("utf-8").splitlines(True)
        parts.extend(difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"))
    patch.diff = "".join(parts)
    return patch
