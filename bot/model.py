"""The knowledge model: what a city, initiative, organization, startup, source and list are.

These pydantic models are the schema the YAML files are checked against. They are strict on
purpose: an unknown key (a typo like ``secotr``) is an error, a number where text belongs is an
error, and every string is stripped. Rules between fields of one record (a listing not before
the founding year, a vision with its source) live here as validators; rules across records
(unique ids, references, alias collisions) live in :func:`bot.loader.assemble`, because they
need all records at once.

Every field carries a description and an example: ``smartups schema`` turns these models into
the JSON Schemas editors use (``data/schema/``), so what an admin reads while typing a key is
written here, once.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
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


def before(earlier: str, later: str) -> bool:
    """Whether partial date ``earlier`` is strictly before ``later`` at the precision both
    have: '2022' is not before '2022-05-18' (same year), '2021-12' is."""
    size = min(len(earlier), len(later))
    return earlier[:size] < later[:size]


# The JSON Schema keeps the checks an editor can make as you type (pattern, length); the
# validators above say what is wrong in words the loader shows.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Slug = Annotated[
    str,
    StringConstraints(max_length=80),
    AfterValidator(_check_slug),
    Field(json_schema_extra={"pattern": SLUG_RE.pattern}),
]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(_check_url),
    Field(json_schema_extra={"format": "uri", "pattern": r"^https?://\S+$"}),
]
# A bare year (`date: 2022`) is read as a number by YAML: the schema allows it, as the loader does.
PartialDate = Annotated[
    str,
    BeforeValidator(_partial_date),
    AfterValidator(_check_partial_date),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": PARTIAL_DATE_RE.pattern},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ]
        }
    ),
]
Year = Annotated[int, Field(ge=1800, le=2100)]

#: The controlled vocabulary of startup sectors: one value per startup, the nuance goes to
#: ``sector_detail``. Derived from what the community's 30 startups are (fintech ... eventtech)
#: plus the neighbouring sectors of a smart-city ecosystem that new records are likely to need.
#: A new value is a code change on purpose: browse filters and counts group by these.
Sector = Literal[
    "fintech",
    "logistics",
    "healthtech",
    "e-commerce",
    "proptech",
    "media",
    "edtech",
    "iot",
    "martech",
    "eventtech",
    "ai",
    "biotech",
    "cleantech",
    "cybersecurity",
    "foodtech",
    "govtech",
    "hrtech",
    "insurtech",
    "legaltech",
    "mobility",
    "robotics",
    "travel",
]
SECTORS: tuple[str, ...] = typing.get_args(Sector)

State = Literal["active", "listed", "renamed", "merged", "restructuring", "closed", "unknown"]
STATES: tuple[str, ...] = typing.get_args(State)


class Strict(BaseModel):
    """Base for every data model: unknown keys are errors, types are not coerced."""

    # defer_build: a model's validator is built on its first use, not at import (~45 ms of
    # every command's start; a one-shot command answering from the database validates none).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Kind(StrEnum):
    """The four kinds of record members can look up."""

    CITY = "city"
    INITIATIVE = "initiative"
    ORGANIZATION = "organization"
    STARTUP = "startup"


class Figure(Strict):
    """A number with its provenance, e.g. 'over 20,000 free Wi-Fi hotspots (2020)'."""

    id: Slug = Field(description="Stable id of the figure within its record.",
                     examples=["free-wifi-hotspots"])
    label: ShortText = Field(description="What the number counts, in English.",
                             examples=["Free Wi-Fi hotspots"])
    label_zh: ShortText | None = Field(None, description="The label in Chinese.",
                                       examples=["免費Wi-Fi熱點"])
    value: int | float = Field(description="The number itself, without unit or qualifier.",
                               examples=[20000])
    unit: ShortText | None = Field(None, description="Unit shown after the value.",
                                   examples=["%", "hotspots"])
    qualifier: Literal["over", "more than", "about", "at least", "top", "rank"] | None = Field(
        None, description="How the value is meant: 'over 20,000', 'top 10', 'rank 37'.",
        examples=["over"])
    scope: ShortText | None = Field(None, description="What the number covers, when it is not "
                                    "obvious from the label.", examples=["global, 102 cities"])
    as_of: Year = Field(description="Year the number describes.", examples=[2017])
    source: Url = Field(description="Page the number comes from.",
                        examples=["https://www.smartcity.gov.hk/vision/"])
    keywords: list[ShortText] = Field(default_factory=list,
                                      description="Words members may use to ask for it.",
                                      examples=[["wifi", "hotspots"]])


class Status(Strict):
    """What became of a record after 2020: listed, renamed, closed... and when that was last
    seen true (``as_of``): an 'active' whose newest evidence is from 2019 reads
    'active (last verified 2019)'."""

    state: State = Field(description="The record's state: " + ", ".join(STATES) + ".",
                         examples=["active"])
    date: PartialDate | None = Field(None, description="When the state began (the listing, "
                                     "the rename, the closure), as YYYY, YYYY-MM or YYYY-MM-DD.",
                                     examples=["2020-03-04"])
    as_of: PartialDate | None = Field(None, description="Date of the newest evidence that the "
                                      "state held: the status was last verified then.",
                                      examples=["2019-06"])
    source: Url | None = Field(None, description="The page that evidence is from.",
                               examples=["https://bitpinas.com/news/bitspark-closes-down-2/"])
    note: Text | None = Field(None, description="What happened, in a sentence or two.",
                              examples=["Shut down on 4 March 2020 (announced Feb 2020)."])
    note_zh: Text | None = Field(None, description="The note in Chinese.",
                                 examples=["2020年3月4日結業。"])

    @field_validator("as_of")
    @classmethod
    def _as_of_not_before_date(cls, value: str | None, info: ValidationInfo) -> str | None:
        start = info.data.get("date")
        if value is not None and start and before(value, start):
            raise ValueError(f"expected a date not before the status date {start}")
        return value


class Founder(Strict):
    """A founder or co-founder, as a cited source names them."""

    name: ShortText = Field(description="The name as the source spells it (any script).",
                            examples=["Simon Loong"])
    name_zh: ShortText | None = Field(None, description="The Chinese name, when a source "
                                      "gives it.", examples=["周勝馥"])


class Listing(Strict):
    """Where and when a company's shares were listed."""

    exchange: ShortText = Field(description="The exchange (and board) as sources name it.",
                                examples=["Nasdaq", "HKEX Main Board"])
    ticker: ShortText | None = Field(None, description="Ticker or stock code.",
                                     examples=["PRE", "2246"])
    date: PartialDate | None = Field(None, description="Date of the listing, as YYYY, YYYY-MM "
                                     "or YYYY-MM-DD.", examples=["2022-05-18"])
    source: Url | None = Field(None, description="The page the listing is from.",
                               examples=["https://ir.prenetics.com/node/6716/html"])


def _kind_field(kind: str) -> typing.Any:
    """The ``kind`` of a record: fixed by its class, so a file never needs to say it."""
    return Field(kind, description="The record's kind; implied by its section, so never "
                 "needed in a file.", examples=[kind])


class RecordBase(Strict):
    """Fields every findable record has."""

    id: Slug = Field(description="Stable id: lowercase letters, digits and single hyphens. "
                     "Other records refer to it; never change it.", examples=["hong-kong"])
    name: ShortText = Field(description="The usual name.", examples=["Hong Kong"])
    name_zh: ShortText | None = Field(None, description="The Chinese name (Traditional).",
                                      examples=["香港"])
    aliases: list[ShortText] = Field(default_factory=list, max_length=200,
                                     description="Other names members may type: former "
                                     "names, brands, abbreviations.", examples=[["HK"]])
    description: Text | None = Field(None, description="What it is, in a few sentences.",
                                     examples=["App-based on-demand delivery platform."])
    description_zh: Text | None = Field(None, description="The description in Chinese.",
                                        examples=["即時送貨平台。"])
    tags: list[ShortText] = Field(default_factory=list, max_length=100,
                                  description="Topics, lowercase.", examples=[["smart city"]])
    sources: list[Url] = Field(default_factory=list, max_length=100,
                               description="Pages the facts come from; each has an entry "
                               "under 'sources'.",
                               examples=[["https://www.scmp.com/tech/article/1/example"]])
    notes: Text | None = Field(None, description="For admins: caveats, conflicts, what could "
                               "not be verified.",
                               examples=["Founding year not found in a source."])


class City(RecordBase):
    """A smart city with its programme, areas and headline figures."""

    kind: Literal["city"] = _kind_field("city")
    country: ShortText | None = Field(None, description="Country or territory.",
                                      examples=["Taiwan"])
    vision: Text | None = Field(None, description="The city's own (official) smart-city vision, "
                                "quoted from vision_source.",
                                examples=["Embrace innovation and technology to build a "
                                          "world-famed Smart Hong Kong characterised by a "
                                          "strong economy and high quality of living"])
    vision_source: Url | None = Field(None, validate_default=True,
                                      description="The official page the vision is quoted "
                                      "from (required with vision).",
                                      examples=["https://smartcity.gov.hk/vision-and-mission.html"])
    community_vision: Text | None = Field(None, description="The vision as the community's "
                                          "2020 text words it: attributed to the community, "
                                          "not to the city.",
                                          examples=["Hong Kong Smart City vision 2030 is to "
                                                    "embrace ICT, innovation and technology"])
    areas: list[ShortText] = Field(default_factory=list, description="Smart-city areas of "
                                   "the programme.", examples=[["Smart Mobility"]])
    website: Url | None = Field(None, description="The programme's website.",
                                examples=["https://www.smartcity.gov.hk"])
    figures: list[Figure] = Field(default_factory=list, max_length=200,
                                  description="Headline numbers, each with year and source.",
                                  examples=[[{"id": "free-wifi-hotspots",
                                              "label": "Free Wi-Fi hotspots", "value": 20000,
                                              "qualifier": "over", "as_of": 2017,
                                              "source": "https://www.smartcity.gov.hk/vision/"}]])

    @field_validator("vision_source")
    @classmethod
    def _vision_has_source(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("vision"):
            raise ValueError(
                "expected the official page the vision is quoted from (a vision needs its "
                "source; the community's wording goes to community_vision)"
            )
        return value


class Initiative(RecordBase):
    """A smart-city initiative or strategy of one city."""

    kind: Literal["initiative"] = _kind_field("initiative")
    city: Slug = Field(description="Id of the city it belongs to.", examples=["hong-kong"])
    area: ShortText | None = Field(None, description="The city's smart-city area it is in.",
                                   examples=["Smart Mobility"])
    organizations: list[Slug] = Field(default_factory=list, description="Ids of the "
                                      "organizations behind it.", examples=[["tpmo"]])
    figures: list[Figure] = Field(default_factory=list, max_length=200,
                                  description="Its numbers, each with year and source.",
                                  examples=[[{"id": "lampposts", "label": "Smart lampposts",
                                              "value": 400, "as_of": 2019,
                                              "source": "https://www.smartcity.gov.hk/vision/"}]])
    status: Status | None = Field(None, description="What became of it.",
                                  examples=[{"state": "active", "date": "2020-12"}])


class Organization(RecordBase):
    """An ecosystem body: government department, park, association, community."""

    kind: Literal["organization"] = _kind_field("organization")
    city: Slug | None = Field(None, description="Id of its city.", examples=["hong-kong"])
    type: ShortText | None = Field(None, description="What kind of body it is.",
                                   examples=["statutory body"])
    founded: Year | None = Field(None, description="Year it was founded.", examples=[2001])
    website: Url | None = Field(None, description="Its website.",
                                examples=["https://hkstp.org"])
    status: Status | None = Field(None, description="What became of it.",
                                  examples=[{"state": "active", "as_of": "2018"}])


class Startup(RecordBase):
    """A startup from the community's lists."""

    kind: Literal["startup"] = _kind_field("startup")
    sector: Sector | None = Field(None, description="One sector from the vocabulary: "
                                  + ", ".join(SECTORS) + ".", examples=["fintech"])
    sector_detail: ShortText | None = Field(None, description="Free-text nuance of the sector.",
                                            examples=["crypto / blockchain"])
    city: Slug | None = Field(None, description="Id of the city it is based in (sourced).",
                              examples=["hong-kong"])
    hq: ShortText | None = Field(None, description="Headquarters in words, when more needs "
                                 "saying than the city.",
                                 examples=["Hong Kong (expanded to Shanghai in 2015)"])
    founded: Year | None = Field(None, description="Year it was founded.", examples=[2013])
    founders: list[Founder] = Field(default_factory=list, max_length=30,
                                    description="Founders and co-founders a source names.",
                                    examples=[[{"name": "Teddy Chan", "name_zh": "陳龍生"}]])
    website: Url | None = Field(None, description="Its website.",
                                examples=["https://welab.co"])
    status: Status | None = Field(None, description="What became of it, and when that was "
                                  "last verified.",
                                  examples=[{"state": "active", "as_of": "2019-06"}])
    listing: Listing | None = Field(None, description="Exchange, ticker and date, where its "
                                    "shares are listed.",
                                    examples=[{"exchange": "Nasdaq", "ticker": "PRE",
                                               "date": "2022-05-18"}])
    organizations: list[Slug] = Field(default_factory=list, description="Ids of organizations "
                                      "it is linked with.", examples=[["hkstp"]])

    @field_validator("sector_detail")
    @classmethod
    def _detail_needs_sector(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and "sector" in info.data and info.data["sector"] is None:
            raise ValueError("expected a sector as well (sector_detail only refines a sector)")
        return value

    @field_validator("listing")
    @classmethod
    def _listed_after_founding(cls, value: Listing | None, info: ValidationInfo) -> Listing | None:
        founded = info.data.get("founded")
        if value is not None and value.date and founded and before(value.date, str(founded)):
            raise ValueError(f"expected a listing date not before the founding year {founded}")
        return value


class Source(Strict):
    """A cited page: gives a URL a readable title and publisher."""

    url: Url = Field(description="The page's address, exactly as records cite it.",
                     examples=["https://smartcity.gov.hk/vision-and-mission.html"])
    title: ShortText = Field(description="The page's title.",
                             examples=["Vision and Mission - Hong Kong Smart City portal"])
    publisher: ShortText | None = Field(None, description="Who published it.",
                                        examples=["South China Morning Post"])
    accessed: PartialDate | None = Field(None, description="When it was read.",
                                         examples=["2024-05"])


class ListEntry(Strict):
    """One line of a community list, exactly as the list spelled it."""

    as_listed: ShortText = Field(description="The name exactly as the list spelled it.",
                                 examples=["ANX INTERNATIONAL"])
    startup: Slug = Field(description="Id of the startup it means.",
                          examples=["anx-international"])


class CommunityList(Strict):
    """A ranked or curated list, like the 2020 Top-30 SmartUps."""

    id: Slug = Field(description="Stable id of the list.", examples=["hk-smartups-2020-top30"])
    name: ShortText = Field(description="The list's name.",
                            examples=["#Top30 #SmartUps 2020 (Hong Kong)"])
    name_zh: ShortText | None = Field(None, description="The name in Chinese.",
                                      examples=["2020香港三十強"])
    city: Slug | None = Field(None, description="Id of the city it is about.",
                              examples=["hong-kong"])
    year: Year | None = Field(None, description="Year of the list.", examples=[2020])
    source: Url | None = Field(None, description="Where the list was published.",
                               examples=["https://www.linkedin.com/groups/6717003/"])
    entries: list[ListEntry] = Field(default_factory=list, description="The entries, in the "
                                     "list's order.",
                                     examples=[[{"as_listed": "WeLab", "startup": "welab"}]])


class Link(Strict):
    """A community link shown by /about (LinkedIn group, page...)."""

    label: ShortText = Field(description="What the link is.", examples=["LinkedIn group"])
    url: Url = Field(description="Its address.",
                     examples=["https://www.linkedin.com/groups/6717003/"])


class Community(Strict):
    """Who we are: name and links, shown by /about."""

    name: ShortText = Field(description="The community's name.", examples=["SmartUps"])
    links: list[Link] = Field(default_factory=list, description="Links shown by /about.",
                              examples=[[{"label": "LinkedIn group",
                                          "url": "https://www.linkedin.com/groups/6717003/"}]])


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
