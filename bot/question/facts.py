"""One field of one record as an answer: its value, and the source it comes from.

``fact(record, attribute)`` is None when the data does not hold that field for the record (the
answer then says so, never guesses); an attribute that does not apply to a kind (a city's
founders) is None as well, and :func:`applies` tells the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.model import Kind, Record

#: Which attributes each kind of record can have.
APPLIES: dict[str, frozenset[Kind]] = {
    "founded": frozenset({Kind.STARTUP, Kind.ORGANIZATION}),
    "founders": frozenset({Kind.STARTUP}),
    "website": frozenset({Kind.CITY, Kind.ORGANIZATION, Kind.STARTUP}),
    "hq": frozenset({Kind.STARTUP, Kind.ORGANIZATION, Kind.INITIATIVE}),
    "city": frozenset({Kind.STARTUP, Kind.ORGANIZATION, Kind.INITIATIVE}),
    "sector": frozenset({Kind.STARTUP}),
    "status": frozenset({Kind.STARTUP, Kind.ORGANIZATION, Kind.INITIATIVE}),
    "listing": frozenset({Kind.STARTUP}),
    "description": frozenset(Kind),
    "figures": frozenset({Kind.CITY, Kind.INITIATIVE}),
    "areas": frozenset({Kind.CITY, Kind.INITIATIVE}),
    "vision": frozenset({Kind.CITY}),
    "organizations": frozenset({Kind.STARTUP, Kind.INITIATIVE}),
    "type": frozenset({Kind.ORGANIZATION}),
    "name_zh": frozenset(Kind),
}


@dataclass(frozen=True, slots=True)
class Fact:
    """``value`` is text, a number or a list of texts; ``source`` a URL or None."""

    record: Record
    field: str
    value: Any
    source: str | None
    #: Extra words for the value (a status's date of verification, a listing's ticker).
    detail: str | None = None


def applies(record: Record, attribute: str) -> bool:
    return Kind(record.kind) in APPLIES.get(attribute, frozenset())


def first_source(record: Record) -> str | None:
    return record.sources[0] if record.sources else None


def fact(record: Record, attribute: str, city_name: str | None = None) -> Fact | None:
    """The record's value for ``attribute``, or None when the data has none."""
    if not applies(record, attribute):
        return None
    source = first_source(record)
    value: Any = None
    detail = None
    if attribute == "founders":
        founders = getattr(record, "founders", None) or []
        value = [
            f"{f.name} ({f.name_zh})" if getattr(f, "name_zh", None) else f.name for f in founders
        ]
        source = getattr(founders[0], "source", None) or source if founders else source
    elif attribute == "hq":
        value = getattr(record, "hq", None) or city_name
    elif attribute == "city":
        value = city_name
    elif attribute == "status":
        status = getattr(record, "status", None)
        if status is not None:
            value = status.state
            detail = status.date
            as_of = getattr(status, "as_of", None)
            if as_of and status.state == "active":
                detail = as_of
            source = getattr(status, "source", None) or source
    elif attribute == "listing":
        listing = getattr(record, "listing", None)
        if listing is not None:
            value = listing.exchange
            parts = [p for p in (getattr(listing, "ticker", None), listing.date) if p]
            detail = ", ".join(parts) or None
            source = getattr(listing, "source", None) or source
    elif attribute == "figures":
        figures = getattr(record, "figures", [])
        value = list(figures)
        source = figures[0].source if figures else source
    elif attribute == "areas":
        value = list(getattr(record, "areas", []) or [])
        if record.kind == Kind.INITIATIVE:
            area = getattr(record, "area", None)
            value = [area] if area else []
    elif attribute == "vision":
        value = getattr(record, "vision", None)
        source = getattr(record, "vision_source", None) or source
        community = getattr(record, "community_vision", None)
        if value is None and community:
            value, detail = community, "community"
    elif attribute == "organizations":
        value = list(getattr(record, "organizations", []) or [])
    elif attribute == "sector":
        value = getattr(record, "sector", None)
        detail = getattr(record, "sector_detail", None)
    else:
        value = getattr(record, attribute, None)
    if value in (None, "", []):
        return None
    return Fact(record, attribute, value, source, detail)
