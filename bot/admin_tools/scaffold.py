"""A new record to start from: ``smartups new KIND NAME [--write]``.

The record has every field its kind allows, read from :mod:`bot.model` (so a new field shows
up here without a code change): the required ones filled (the id is a slug of the name), the
optional ones as commented lines with an example and what the field means. Deleting the
comments leaves a record that validates; uncommenting a line and replacing its example fills
that field. ``--write`` appends the record under its section in the right file of the data
folder; the folder is validated afterwards and the file restored if the record broke it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bot.admin_tools.schema import modeline_for, sections_of
from bot.loader import discover
from bot.model import SECTION_KIND, SECTIONS, Kind
from bot.text import normalize

SECTION_OF: dict[Kind, str] = {kind: section for section, kind in SECTION_KIND.items()}
_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


class ScaffoldError(ValueError):
    """A record that cannot be made as asked (no slug from the name, a missing city...)."""


def slug_of(name: str) -> str:
    """'Acme Robotics Ltd.' -> 'acme-robotics-ltd'; '' when the name has no Latin letters."""
    ascii_name = normalize(name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80].strip("-")


def _dump(key: str, value: Any) -> list[str]:
    text = yaml.safe_dump(
        {key: value}, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000
    )
    return text.rstrip("\n").splitlines()


def _placeholder(key: str, info: FieldInfo) -> list[str]:
    """The commented lines of an optional field: its example, then what it means."""
    example = info.examples[0] if info.examples else "…"
    lines = [f"# {line}" for line in _dump(key, example)]
    if info.description:
        lines[0] += f"  # {info.description}"
    return lines


def record_lines(
    kind: Kind, name: str, *, rid: str | None = None, city: str | None = None
) -> list[str]:
    """The lines of one new record (a list item, unindented): required fields set, optional
    ones commented."""
    model: type[BaseModel] = SECTIONS[SECTION_OF[kind]]
    rid = rid or slug_of(name)
    if not rid:
        raise ScaffoldError(f"{name!r} gives no id; pass one with --id (e.g. --id my-startup)")
    values: dict[str, Any] = {"id": rid, "name": name}
    lines: list[str] = []
    # The files' own order: what the record is first, its sources and admin notes last.
    keys = sorted(model.model_fields, key=lambda k: k in ("sources", "notes"))
    for key in keys:
        info = model.model_fields[key]
        if key == "kind":
            continue
        if key == "city" and city:
            values[key] = city
        if key in values:
            lines.extend(_dump(key, values[key]))
        elif info.is_required():
            raise ScaffoldError(f"a new {kind.value} needs --{key.replace('_', '-')}")
        else:
            lines.extend(_placeholder(key, info))
    return [("- " if i == 0 else "  ") + line for i, line in enumerate(lines)]


def snippet(kind: Kind, name: str, *, rid: str | None = None, city: str | None = None) -> str:
    """The record under its section key: a YAML document that validates on its own."""
    section = SECTION_OF[kind]
    return "\n".join([f"{section}:", *record_lines(kind, name, rid=rid, city=city)]) + "\n"


def target_file(data_dir: Path, kind: Kind) -> Path:
    """Where a new record of ``kind`` goes: ``<section>.yaml`` when it exists, else the last
    file (in load order) that has the section, else a new ``<section>.yaml``."""
    section = SECTION_OF[kind]
    preferred = data_dir / f"{section}.yaml"
    if preferred.is_file():
        return preferred
    holding = [
        p
        for p in discover(data_dir)
        if section in sections_of(p.read_text(encoding="utf-8", errors="replace"))
    ]
    return holding[-1] if holding else preferred


def appended(text: str | None, section: str, item: list[str], modeline: str) -> str:
    """``text`` with ``item`` appended at the end of its ``section`` block (the section added
    when missing; a new file starts with the schema line)."""
    if text is None:
        return "\n".join([modeline, f"{section}:", *item]) + "\n"
    lines = text.splitlines()
    head = re.compile(rf"^{re.escape(section)}\s*:\s*(\[\s*\])?\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if head.match(line)), None)
    if start is None:
        block = [f"{section}:", *item]
        return "\n".join([*lines, *block]) + "\n" if lines else "\n".join(block) + "\n"
    lines[start] = f"{section}:"
    end = next(
        (i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines)
    )
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    items = [line for line in lines[start + 1 : end] if line.lstrip().startswith("- ")]
    first_item = items[0] if items else ""
    indent = " " * (len(first_item) - len(first_item.lstrip()))
    lines[end:end] = [indent + line for line in item]
    return "\n".join(lines) + "\n"


def write_record(
    data_dir: Path, kind: Kind, name: str, *, rid: str | None = None, city: str | None = None
) -> tuple[Path, str | None]:
    """Append a new record to its file; the path and the file's previous text (None if the
    file is new), so a caller can restore it."""
    path = target_file(data_dir, kind)
    before = path.read_text(encoding="utf-8") if path.is_file() else None
    modeline = modeline_for(path, data_dir, [SECTION_OF[kind]])
    item = record_lines(kind, name, rid=rid, city=city)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(appended(before, SECTION_OF[kind], item, modeline), encoding="utf-8")
    return path, before


def restore(path: Path, before: str | None) -> None:
    """Undo :func:`write_record`."""
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(before, encoding="utf-8")
