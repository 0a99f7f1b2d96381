"""Change one field of one record in its data file, and nothing else in the file.

Why ruamel.yaml and a splice rather than a full round-trip dump: ruamel's round-trip parser
gives the line and column of every key (so we know exactly which lines hold the field), and its
emitter serializes the new value (quoting, escapes, block scalars for multi-line text, Unicode
kept as is). But re-dumping the whole document re-folds every long plain scalar (measured on
the shipped data: 20-800 changed lines per file at any width). So only the lines of the one
field are replaced by the emitter's output; every other byte of the file stays as it was,
comments and key order included.

Invariants, each checked before a file is written:
- the value is never concatenated into YAML text: the emitter writes it, and the new file is
  parsed back with the loader's own parser (PyYAML, YAML 1.1 rules) to prove that it reads as
  exactly the old data with that one field changed;
- a string YAML 1.1 would read as something else (``no``, ``1:30``, ``017``) or that starts
  with an indicator (``*``, ``&``, ``!``...) is written quoted;
- ids and keys the model does not allow are refused; the file is found by scanning the data
  folder (:func:`find_record`): a path never comes from user input.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.loader import discover
from bot.model import SECTION_KIND
from bot.suggestions.fields import allowed_fields, model_of
from bot.yamlio import parse_yaml_bytes

#: Width the emitter folds long text at, close to how the shipped files are wrapped.
WIDTH = 100
_YAML11_WORDS = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|~)$"
)
_NUMBERISH = re.compile(r"^[-+]?(?:[0-9][0-9_:.eE+-]*|\.inf|\.nan|\.[0-9]+)$", re.IGNORECASE)
_INDICATORS = tuple("*&!%@`|>'\"#,[]{}?:-")


class WriteRefused(ValueError):
    """The change cannot be written safely; nothing was written."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record is: its file (found by scanning the data folder) and section."""

    path: Path
    section: str


def _sections_of(kind: str) -> list[str]:
    return [section for section, k in SECTION_KIND.items() if k.value == kind]


def find_record(data_dir: Path, kind: str, record_id: str) -> Location | None:
    """The data file holding ``kind`` ``record_id``; None when no file has it."""
    root = Path(data_dir).resolve()
    sections = _sections_of(kind)
    for path in discover(root):
        resolved = path.resolve()
        if root not in resolved.parents:  # a symlink out of the data folder
            continue
        parsed = parse_yaml_bytes(resolved.read_bytes(), str(path))
        data = parsed.data if isinstance(parsed.data, dict) else {}
        for section in sections:
            for item in data.get(section) or []:
                if isinstance(item, dict) and item.get("id") == record_id:
                    return Location(resolved, section)
    return None


def section_file(data_dir: Path, kind: str) -> Location | None:
    """The file a new record of ``kind`` goes to: the first that has its section."""
    root = Path(data_dir).resolve()
    for path in discover(root):
        resolved = path.resolve()
        if root not in resolved.parents:
            continue
        parsed = parse_yaml_bytes(resolved.read_bytes(), str(path))
        if isinstance(parsed.data, dict):
            for section in _sections_of(kind):
                if isinstance(parsed.data.get(section), list):
                    return Location(resolved, section)
    return None


def _needs_quotes(text: str) -> bool:
    return (
        not text
        or text != text.strip()
        or bool(_YAML11_WORDS.match(text))
        or bool(_NUMBERISH.match(text))
        or text.startswith(_INDICATORS)
        or ": " in text
        or " #" in text
        or text.endswith(":")
    )


def _prepared(value: Any) -> Any:
    """``value`` with the scalar styles we want the emitter to use."""
    if isinstance(value, str):
        if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
            return LiteralScalarString(value)
        return DoubleQuotedScalarString(value) if _needs_quotes(value) else value
    if isinstance(value, list):
        seq = CommentedSeq()
        seq.extend(_prepared(item) for item in value)
        return seq
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _prepared(item)
        return mapping
    return value


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = WIDTH
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.allow_unicode = True
    return yaml


def emit(data: Any, column: int) -> list[str]:
    """``data`` (a mapping or a list) as YAML lines indented by ``column`` spaces."""
    buffer = io.StringIO()
    _yaml().dump(_prepared(data), buffer)
    pad = " " * column
    return [pad + line if line.strip() else line for line in buffer.getvalue().splitlines(True)]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], start: int, column: int) -> int:
    """The line after the block that starts at ``start`` (a key, or an item's dash) at
    ``column``: its continuation lines, nested content and same-column ``- `` items (a list
    under a key at offset 0). Trailing blank and comment lines are not part of it."""
    end = start + 1
    probe = end
    while probe < len(lines):
        line = lines[probe]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            probe += 1
            continue
        depth = _indent(line)
        dash_item = depth == column and (stripped == "-" or stripped.startswith("- "))
        if depth > column or (dash_item and not lines[start].lstrip().startswith("- ")):
            probe += 1
            end = probe
            continue
        break
    return end


def _load(text: str) -> CommentedMap:
    document = _yaml().load(text)
    if not isinstance(document, CommentedMap):
        raise WriteRefused("the file is not a mapping of sections")
    return document


def _item(document: CommentedMap, section: str, record_id: str) -> CommentedMap:
    items = document.get(section)
    if isinstance(items, CommentedSeq):
        for item in items:
            if isinstance(item, CommentedMap) and item.get("id") == record_id:
                return item
    raise WriteRefused(f"no record {record_id!r} under {section!r}")


def read_field(raw: bytes, section: str, record_id: str, field: str) -> Any:
    """The field's value as the loader reads the file now (None when absent)."""
    data = _plain_data(raw)
    for item in data.get(section) or []:
        if isinstance(item, dict) and item.get("id") == record_id:
            return _plain(item.get(field))
    raise WriteRefused(f"no record {record_id!r} under {section!r}")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _plain_data(raw: bytes) -> dict[str, Any]:
    parsed = parse_yaml_bytes(raw, "data")
    if parsed.problems or not isinstance(parsed.data, dict):
        raise WriteRefused("; ".join(map(str, parsed.problems)) or "not a mapping")
    return _plain(parsed.data)


def _check_field(kind: str, field: str) -> None:
    if field == "id":
        raise WriteRefused("an id never changes: other records refer to it")
    if field not in allowed_fields(kind):
        raise WriteRefused(f"{field!r} is not a field a suggestion may set for a {kind}")


def set_field(raw: bytes, kind: str, section: str, record_id: str, field: str,
              value: Any) -> bytes:
    """``raw`` with ``field`` of record ``record_id`` set to ``value``; other bytes kept."""
    _check_field(kind, field)
    text = raw.decode("utf-8")
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    item = _item(_load(text), section, record_id)
    keys = list(item.keys())
    if field in item:
        line, column = item.lc.key(field)
        if lines[line][:column].strip():
            raise WriteRefused(f"{field!r} shares its line with the item's dash")
        start, end = line, _block_end(lines, line, column)
    else:
        order = list(model_of(kind).model_fields)
        earlier = [k for k in keys if k in order and order.index(k) < order.index(field)]
        anchor = max(earlier, key=order.index) if earlier else keys[0]
        line, column = item.lc.key(anchor)
        start = end = _block_end(lines, line, column)
    new_lines = [*lines[:start], *emit({field: value}, column), *lines[end:]]
    result = "".join(new_lines)
    if text and not text.endswith("\n") and end < len(lines):
        result = result[:-1]  # the file's last line is untouched: keep it without a newline
    new_raw = result.encode("utf-8")
    _prove(raw, new_raw, section, record_id, field, value)
    return new_raw


def add_record(raw: bytes, section: str, record: dict[str, Any]) -> bytes:
    """``raw`` with ``record`` appended at the end of ``section``; other bytes kept."""
    text = raw.decode("utf-8")
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    items = _load(text).get(section)
    if not isinstance(items, CommentedSeq) or not items:
        raise WriteRefused(f"no list of records under {section!r} to add to")
    if any(isinstance(i, CommentedMap) and i.get("id") == record.get("id") for i in items):
        raise WriteRefused(f"a record {record.get('id')!r} is already there")
    line, column = items.lc.item(len(items) - 1)
    dash = column - 2 if lines[line][column - 2 : column] == "- " else column
    end = _block_end(lines, line, dash)
    new_raw = "".join([*lines[:end], *emit([record], dash), *lines[end:]]).encode("utf-8")
    before, after = _plain_data(raw), _plain_data(new_raw)
    before[section] = [*before[section], _plain(record)]
    if before != after:
        raise WriteRefused("the written file would not read back as the old data plus the record")
    return new_raw


def _prove(old: bytes, new: bytes, section: str, record_id: str, field: str,
           value: Any) -> None:
    """The new file reads as the old data with one field changed, or nothing is written."""
    expected = _plain_data(old)
    for item in expected.get(section) or []:
        if isinstance(item, dict) and item.get("id") == record_id:
            item[field] = _plain(value)
    try:
        found = _plain_data(new)
    except WriteRefused as exc:
        raise WriteRefused(f"the written value would not read back: {exc}") from None
    if found != expected:
        raise WriteRefused("the written file would not read back as the old data plus the change")


def replace_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically (a reader sees the old file or the new)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
