"""The knowledge model: what a city, initiative, organization, startup, source and list are.

These pydantic models are the schema the YAML files are checked against. They are strict on
purpose: an unknown key (a typo like ``secotr``) is an error, a number where text belongs is an
error, and every string is stripped. Cross-record rules (unique ids, references, alias
collisions) live in :func:`bot.loader.assemble`, because they need all records at once.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]*$|^https?://[^\s/$.?#][^\s]*/[^\s]*$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")


def _check_url(value: str) -> str:
    if not URL_RE.match(value):
        raise ValueError("expected an absolute http(s) URL such as https://example.org/page")
    return value


def _check_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(
            "expected a slug: lowercase letters, digits and single hyphens, e.g. 'hong-kong'"
        )
    return value


def _partial_date(value: object) -> object:
    """Accept 2022, '2022-05', '2022-05-18' or a YAML date; store as an ISO string."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _check_partial_date(value: str) -> str:
    if not PARTIAL_DATE_RE.match(value):
        raise ValueError("expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Slug = Annotated[str, StringConstraints(max_length=80), AfterValidator(_check_slug)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_check_url)
]
PartialDate = Annotated[str, BeforeValidator(_partial_date), AfterValidator(_check_partial_date)]
Year = Annotated[int, Field(ge=1800, le=2100)]


class Strict(BaseModel):
    """Base for every data model: unknown keys are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Kind(StrEnum):
    """The four kinds of record members can look up."""

    CITY = "city"
    INITIATIVE = "initiative"
    ORGANIZATION = "organization"
    STARTUP = "startup"


class Figure(Strict):
    """A number with its provenance, e.g. 'over 20,000 free Wi-Fi hotspots (2020)'."""

    id: Slug
    label: ShortText
    label_zh: ShortText | None = None
    value: int | float
    unit: ShortText | None = None
    qualifier: Literal["over", "more than", "about", "at least", "top", "rank"] | None = None
    scope: ShortText | None = None
    as_of: Year
    source: Url
    keywords: list[ShortText] = Field(default_factory=list)


class Status(Strict):
    """What became of a record after 2020: listed, renamed, closed..."""

    state: Literal["active", "listed", "renamed", "merged", "restructuring", "closed", "unknown"]
    date: PartialDate | None = None
    note: Text | None = None
    note_zh: Text | None = None


class RecordBase(Strict):
    """Fields every findable record has."""

    id: Slug
    name: ShortText
    name_zh: ShortText | None = None
    aliases: list[ShortText] = Field(default_factory=list, max_length=200)
    description: Text | None = None
    description_zh: Text | None = None
    tags: list[ShortText] = Field(default_factory=list, max_length=100)
    sources: list[Url] = Field(default_factory=list, max_length=100)
    notes: Text | None = None


class City(RecordBase):
    """A smart city with its programme, areas and headline figures."""

    kind: Literal["city"] = "city"
    country: ShortText | None = None
    vision: Text | None = None
    areas: list[ShortText] = Field(default_factory=list)
    website: Url | None = None
    figures: list[Figure] = Field(default_factory=list, max_length=200)


class Initiative(RecordBase):
    """A smart-city initiative or strategy of one city."""

    kind: Literal["initiative"] = "initiative"
    city: Slug
    area: ShortText | None = None
    organizations: list[Slug] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list, max_length=200)
    status: Status | None = None


class Organization(RecordBase):
    """An ecosystem body: government department, park, association, community."""

    kind: Literal["organization"] = "organization"
    city: Slug | None = None
    type: ShortText | None = None
    founded: Year | None = None
    website: Url | None = None
    status: Status | None = None


class Startup(RecordBase):
    """A startup from the community's lists."""

    kind: Literal["startup"] = "startup"
    sector: ShortText | None = None
    city: Slug | None = None
    hq: ShortText | None = None
    founded: Year | None = None
    website: Url | None = None
    status: Status | None = None
    organizations: list[Slug] = Field(default_factory=list)


class Source(Strict):
    """A cited page: gives a URL a readable title and publisher."""

    url: Url
    title: ShortText
    publisher: ShortText | None = None
    accessed: PartialDate | None = None


class ListEntry(Strict):
    """One line of a community list, exactly as the list spelled it."""

    as_listed: ShortText
    startup: Slug


class CommunityList(Strict):
    """A ranked or curated list, like the 2020 Top-30 SmartUps."""

    id: Slug
    name: ShortText
    name_zh: ShortText | None = None
    city: Slug | None = None
    year: Year | None = None
    source: Url | None = None
    entries: list[ListEntry] = Field(default_factory=list)


class Link(Strict):
    """A community link shown by /about (LinkedIn group, page...)."""

    label: ShortText
    url: Url


class Community(Strict):
    """Who we are: name and links, shown by /about."""

    name: ShortText
    links: list[Link] = Field(default_factory=list)


Record = City | Initiative | Organization | Startup

#: Top-level key of a data file -> the model of each item under it.
SECTIONS: dict[str, type[BaseModel]] = {
    "cities": City,
    "initiatives": Initiative,
    "organizations": Organization,
    "startups": Startup,
    "sources": Source,
    "lists": CommunityList,
}

SECTION_KIND: dict[str, Kind] = {
    "cities": Kind.CITY,
    "initiatives": Kind.INITIATIVE,
    "organizations": Kind.ORGANIZATION,
    "startups": Kind.STARTUP,
}
