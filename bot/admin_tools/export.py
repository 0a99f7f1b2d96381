"""The live knowledge as JSON, CSV or Markdown, for a spreadsheet, a website or another tool.

Every format is written record by record to an open text stream, so exporting the 100,000-
record benchmark set never holds the whole output in memory (only the loaded dataset, which
the bot holds anyway).

- **JSON**: one document ``{"format", "version", "counts", <section>: [...], ...}``; each record
  is its model's ``model_dump`` (``None`` left out), so ``Startup.model_validate`` reads it back.
- **CSV**: one table per kind, UTF-8 with a byte-order mark (spreadsheet programs then show
  Chinese correctly). Nested fields get dotted columns (``status.state``, ``listing.ticker``);
  lists are joined with `` | ``; a founder reads ``Name (中文名)``; a figure ``label: value unit
  (as_of)``; a listing (in Markdown) ``exchange: ticker (date)``; other nested items
  ``key=value; key=value``.
- **Markdown**: a readable directory, one section per kind, each record with its facts and its
  sources as links.
"""

from __future__ import annotations

import csv
import json
import typing
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from pydantic import BaseModel

from bot.loader import Dataset
from bot.model import SECTION_KIND, SECTIONS, Figure, Founder, Kind, Listing, Record, Status

FORMAT_VERSION = 1
SECTION_OF: dict[Kind, str] = {kind: section for section, kind in SECTION_KIND.items()}
JOIN = " | "
_SKIP_COLUMNS = {"kind"}


def _records(dataset: Dataset, kind: Kind) -> Iterable[Record]:
    return dataset.records.get(kind, {}).values()


def _dump(model: BaseModel) -> str:
    return json.dumps(model.model_dump(mode="json", exclude_none=True), ensure_ascii=False)


# ---------------------------------------------------------------------------------- JSON


def write_json(dataset: Dataset, out: TextIO, kinds: Sequence[Kind] = tuple(Kind)) -> int:
    """The dataset as one JSON document; the number of records written. Sources, lists and
    the community come with a full export (no kind chosen)."""
    counts = {kind.value: len(dataset.records.get(kind, {})) for kind in kinds}
    out.write(f'{{"format": {FORMAT_VERSION}, "version": {json.dumps(dataset.version)}, ')
    out.write(f'"counts": {json.dumps(counts)}')
    written = 0
    for kind in kinds:
        written += _json_array(out, SECTION_OF[kind], _records(dataset, kind))
    if set(kinds) == set(Kind):
        _json_array(out, "sources", dataset.sources.values())
        _json_array(out, "lists", dataset.lists.values())
        if dataset.community is not None:
            out.write(f',\n "community": {_dump(dataset.community)}')
    out.write("\n}\n")
    return written


def _json_array(out: TextIO, key: str, items: Iterable[BaseModel]) -> int:
    out.write(f',\n "{key}": [')
    count = 0
    for count, item in enumerate(items, start=1):
        out.write(("," if count > 1 else "") + "\n  " + _dump(item))
    out.write("\n ]" if count else "]")
    return count


# ----------------------------------------------------------------------------------- CSV


def columns(kind: Kind) -> list[str]:
    """The CSV header of a kind: its model's fields, nested models as dotted columns."""
    model = SECTIONS[SECTION_OF[kind]]
    out: list[str] = []
    for key, info in model.model_fields.items():
        if key in _SKIP_COLUMNS:
            continue
        nested = _single_model(info.annotation)
        if nested is not None:
            out.extend(f"{key}.{sub}" for sub in nested.model_fields)
        else:
            out.append(key)
    return out


def _single_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a field that holds one nested model (``Status | None``), not a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is list:
        return None
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def cell(value: Any) -> str:
    """One value as CSV text (see the module docstring for how lists and items read)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return JOIN.join(cell(v) for v in value)
    if isinstance(value, Founder):
        return f"{value.name} ({value.name_zh})" if value.name_zh else value.name
    if isinstance(value, Figure):
        number = " ".join(str(p) for p in (value.qualifier, value.value, value.unit) if p)
        return f"{value.label}: {number} ({value.as_of})"
    if isinstance(value, Listing):
        ticker = f": {value.ticker}" if value.ticker else ""
        return value.exchange + ticker + (f" ({value.date})" if value.date else "")
    if isinstance(value, BaseModel):
        return "; ".join(f"{k}={cell(v)}" for k, v in value if v not in (None, []))
    return str(value)


def write_csv(dataset: Dataset, kind: Kind, out: TextIO) -> int:
    """One kind as a CSV table (a byte-order mark first); the number of rows written."""
    out.write("\ufeff")
    header = columns(kind)
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for record in _records(dataset, kind):
        count += 1
        fields = vars(record)
        row = []
        for column in header:
            key, _, sub = column.partition(".")
            value = fields.get(key)
            row.append(cell(getattr(value, sub, None) if sub else value))
        writer.writerow(row)
    return count


# ------------------------------------------------------------------------------ Markdown

_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|"})
_SHOWN_ELSEWHERE = {"kind", "id", "name", "name_zh", "description", "description_zh", "sources",
                    "notes", "figures"}  # fmt: skip


def md(text: object) -> str:
    """Text with Markdown's special characters escaped, on one line."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def _link(title: str, url: str) -> str:
    return f"[{md(title)}](<{url}>)"


def _status_text(status: Status) -> str:
    text: str = status.state
    extra = [f"since {status.date}"] if status.date else []
    if status.as_of:
        extra.append(f"last verified {status.as_of}")
    if extra:
        text += f" ({', '.join(extra)})"
    return md(text) + (f" — {md(status.note)}" if status.note else "")


def _fact(dataset: Dataset, key: str, value: Any) -> str | None:
    if value is None or value == []:
        return None
    if key == "city" and isinstance(value, str):
        city = dataset.records.get(Kind.CITY, {}).get(value)
        return md(city.name if city else value)
    if key == "organizations":
        orgs = dataset.records.get(Kind.ORGANIZATION, {})
        return ", ".join(md(orgs[o].name if o in orgs else o) for o in value)
    if isinstance(value, Status):
        return _status_text(value)
    if key in ("website", "vision_source") and isinstance(value, str):
        return f"<{value}>"
    if isinstance(value, list):
        return md(", ".join(cell(v) for v in value))
    return md(cell(value))


def _md_record(dataset: Dataset, record: Record) -> str:
    title = md(record.name) + (f" ({md(record.name_zh)})" if record.name_zh else "")
    lines = [f"### {title}", "", f"`{record.kind}` `{record.id}`", ""]
    if record.description:
        lines += [md(record.description), ""]
    if record.description_zh:
        lines += [md(record.description_zh), ""]
    for key, value in vars(record).items():
        if key in _SHOWN_ELSEWHERE:
            continue
        fact = _fact(dataset, key, value)
        if fact:
            lines.append(f"- **{key.replace('_', ' ').capitalize()}:** {fact}")
    for figure in getattr(record, "figures", ()):
        lines.append(f"- **Figure:** {md(cell(figure))} — {_link('source', figure.source)}")
    if record.sources:
        links = [
            _link(dataset.sources[u].title if u in dataset.sources else u, u)
            for u in record.sources
        ]
        lines.append(f"- **Sources:** {' · '.join(links)}")
    return "\n".join(lines).rstrip() + "\n\n"


def write_markdown(dataset: Dataset, out: TextIO, kinds: Sequence[Kind] = tuple(Kind)) -> int:
    """The dataset as a Markdown directory; the number of records written."""
    counts = ", ".join(f"{len(dataset.records.get(k, {}))} {SECTION_OF[k]}" for k in kinds)
    out.write(f"# SmartUps knowledge\n\nData version `{dataset.version}`: {counts}.\n\n")
    community = dataset.community
    if community is not None and set(kinds) == set(Kind):
        links = " · ".join(_link(link.label, link.url) for link in community.links)
        out.write(f"{md(community.name)}" + (f": {links}" if links else "") + "\n\n")
    written = 0
    for kind in kinds:
        records = dataset.records.get(kind, {})
        out.write(f"## {SECTION_OF[kind].capitalize()} ({len(records)})\n\n")
        for record in records.values():
            out.write(_md_record(dataset, record))
            written += 1
    if set(kinds) == set(Kind) and dataset.lists:
        out.write("## Lists\n\n")
        startups = dataset.records.get(Kind.STARTUP, {})
        for clist in dataset.lists.values():
            out.write(f"### {md(clist.name)}\n\n")
            for n, entry in enumerate(clist.entries, start=1):
                known = startups.get(entry.startup)
                same = known is not None and known.name == entry.as_listed
                shown = "" if same or known is None else f" ({md(known.name)})"
                out.write(f"{n}. {md(entry.as_listed)}{shown}\n")
            out.write("\n")
    return written
