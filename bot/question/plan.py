"""Decide what a parsed question asks for and answer it from one snapshot.

The intents, in the order they are tried:

- ``compare``: two or more records named (of one kind, or with "compare"/"vs"/"older");
- ``similar``: one startup and "similar to"/"like"/"類似";
- ``fact``: one record and an attribute ("When did WeLab start?"), or a status asked of it
  ("Is Prenetics listed?"); a missing value is ``missing``, never a guess;
- ``list``/``count``/``oldest``/``newest``: a kind and/or filters (city, sector, status,
  founded year, list membership, initiative area, organization type, an organization a record
  works with);
- ``figures``: a number asked without a kind ("How many free Wi-Fi hotspots does Hong Kong
  have?");
- ``profile``: one record, nothing else asked (as a lookup);
- ``search``: words of our domain but no structure: the ranked search of names and text;
- ``offtopic``: nothing the knowledge is about.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.index_types import FigureHit, Hit, IndexLike
from bot.model import Kind, Record
from bot.question.facets import Facets, Positions
from bot.question.facts import Fact, applies, fact
from bot.question.lexicon import default_lexicon
from bot.question.parse import Parsed, YearFilter
from bot.store import Snapshot
from bot.text import has_cjk, normalize, words

#: The attribute a comparison shows when none was asked, per kind.
COMPARE_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.STARTUP: ("sector", "hq", "founded", "founders", "status", "listing", "website"),
    Kind.ORGANIZATION: ("type", "city", "founded", "status", "website"),
    Kind.INITIATIVE: ("city", "areas", "status", "organizations"),
    Kind.CITY: ("areas", "website"),
}
FILTER_KINDS = (Kind.STARTUP, Kind.INITIATIVE, Kind.ORGANIZATION)


@dataclass
class Reply:
    """The answer to one question, ready to render or print as JSON."""

    parsed: Parsed
    intent: str
    kind: Kind | None = None
    #: How the question was understood: filter name -> (machine value, shown value).
    filters: dict[str, tuple[str, str]] = field(default_factory=dict)
    records: Sequence[Record] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    missing: list[tuple[Record, str]] = field(default_factory=list)
    figures: list[FigureHit] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    attribute: str | None = None
    #: oldest/newest: records without a founding year (left out of the ranking).
    undated: int = 0
    #: An empty filtered list: what the data does have for the filter's city, by kind.
    elsewhere: dict[str, int] = field(default_factory=dict)
    #: Several cities named: how many of the matches each has ("which has more?").
    per_city: dict[str, int] = field(default_factory=dict)
    version: str = ""

    @property
    def question(self) -> str:
        return self.parsed.query.text


def plan(parsed: Parsed, snapshot: Snapshot, facets: Facets) -> Reply:
    """The reply to ``parsed``; intent ``search`` leaves the ranked hits to the caller."""
    reply = _decide(parsed, snapshot, facets)
    reply.version = snapshot.version
    return reply


def _decide(parsed: Parsed, snapshot: Snapshot, facets: Facets) -> Reply:
    index = snapshot.index
    ops = parsed.operations
    cities = parsed.named(Kind.CITY)
    subjects = [r for r in parsed.records if r.kind != Kind.CITY]
    # A year alone ("the 2018 World Cup") is no filter: it needs something to apply to.
    dated = parsed.years is not None and bool(
        parsed.kinds
        or parsed.sectors
        or parsed.statuses
        or parsed.on_list
        or "founded" in parsed.attributes
    )
    filtering = bool(
        parsed.kinds
        or parsed.sectors
        or parsed.statuses
        or parsed.on_list
        or dated
        or parsed.areas
        or parsed.org_types
    )
    if "count" in ops and not parsed.kinds and not filtering:
        # "How many free Wi-Fi hotspots does Hong Kong have?": a figure, if the data has one.
        figures = _figures(parsed, index, cities)
        if figures:
            return Reply(parsed, "figures", figures=figures)
    city_attribute = any(a in ("figures", "areas", "vision", "website") for a in parsed.attributes)
    asks_list = any(op in ("list", "count", "oldest", "newest") for op in ops)

    # A city named alone with an attribute of cities, or nothing else: it is the subject.
    if cities and not subjects and not (filtering and not city_attribute):
        if parsed.unknown or "figures" in parsed.attributes:
            # "household broadband penetration in HK", "Taipei's open data rank".
            figures = _figures(parsed, index, cities)
            if figures:
                return Reply(parsed, "figures", figures=figures)
        if len(cities) >= 2 and not asks_list:
            return _compare(parsed, cities, snapshot)
        if parsed.attributes or not (asks_list or filtering):
            if "count" in ops or (not parsed.attributes and not filtering and ops):
                figures = _figures(parsed, index, cities)
                if figures:
                    return Reply(parsed, "figures", figures=figures)
            asked_figure = parsed.unknown and (
                "count" in ops or set(parsed.attributes) <= {"description", "figures"}
            )
            if asked_figure and len(cities) == 1:
                # "What is Hong Kong's population?": a number the data does not hold.
                wanted = " ".join(parsed.unknown)
                missing = [(cities[0], f"figure:{wanted}")]
                return Reply(parsed, "fact", records=cities[:1], missing=missing)
            if parsed.attributes:
                return _facts(parsed, cities[:1], snapshot)
            return Reply(parsed, "profile", records=cities[:1])

    organizations = [r for r in subjects if r.kind == Kind.ORGANIZATION]
    other_kind_asked = parsed.kinds and all(k != Kind.ORGANIZATION for k in parsed.kinds)
    if organizations and other_kind_asked and len(subjects) == len(organizations):
        # "startups supported by Cyberport", "initiatives of the OGCIO": a filter.
        return _listing(parsed, snapshot, facets, organizations=organizations)

    if len(subjects) >= 2 and "similar" not in ops:
        return _compare(parsed, subjects, snapshot)
    if len(subjects) == 1:
        subject = subjects[0]
        if "similar" in ops and subject.kind == Kind.STARTUP:
            similar = index.similar_startups(subject, 25)
            return Reply(parsed, "similar", kind=Kind.STARTUP, records=[subject, *similar])
        attributes = _asked_of(subject, parsed)
        if parsed.on_list and not attributes:
            attributes = ["lists"]
        if attributes:
            return _facts(parsed, [subject], snapshot, attributes)
        if parsed.kinds and parsed.kinds[0] != Kind(subject.kind) and asks_list:
            return _listing(parsed, snapshot, facets)
        return Reply(parsed, "profile", records=[subject])

    only_sector = parsed.sectors and not (
        parsed.kinds or ops or cities or parsed.statuses or parsed.on_list or parsed.attributes
    )
    if only_sector and parsed.unknown:
        # "bitcoin price today": a sector word among words we do not know; let the search
        # (which checks the hits hold those words) decide rather than list every fintech.
        return Reply(parsed, "search")
    if filtering or asks_list or cities:
        if (
            not parsed.kinds
            and "count" in ops
            and not (parsed.sectors or parsed.statuses or parsed.on_list or parsed.years)
        ):
            figures = _figures(parsed, index, cities)
            if figures:
                return Reply(parsed, "figures", figures=figures)
        if filtering or cities:
            return _listing(parsed, snapshot, facets)
    if "count" in ops or parsed.attributes or parsed.domain:
        figures = _figures(parsed, index, [])
        if figures:
            return Reply(parsed, "figures", figures=figures)
    if parsed.domain or (parsed.unknown and _looks_like_ours(parsed)):
        return Reply(parsed, "search")
    return Reply(parsed, "offtopic")


def _figures(parsed: Parsed, index: IndexLike, cities: list[Record]) -> list[FigureHit]:
    """Figures answering the question: the index's ranking, keeping only figures whose label
    or keywords share a real word with it (not a stray "s" of "Hong Kong's")."""
    asked = {
        t
        for t in parsed.query.tokens
        if (len(t) > 1 or has_cjk(t)) and t not in default_lexicon().stopwords
    }
    city_words = index.city_words({c.id for c in cities}) if cities else frozenset()
    asked -= city_words
    hits = index.figures(parsed.query.text, cities={c.id for c in cities} or None)
    kept = []
    for hit in hits:
        figure = hit.figure
        text = " ".join([figure.label, figure.label_zh or "", *figure.keywords])
        if asked & set(words(normalize(text))):
            kept.append(hit)
    return kept


def _asked_of(subject: Record, parsed: Parsed) -> list[str]:
    """The attributes a question asks of one record.

    "what is" (description) yields to any other attribute ("What is Prenetics' website?");
    a status word makes "when"/"where" about that event ("When did GOGOVAN go public?",
    "Where is Prenetics listed?"); "who runs" an initiative means its bodies.
    """
    attributes = list(parsed.attributes)
    if len(attributes) > 1 and "description" in attributes:
        attributes.remove("description")
    if parsed.statuses:
        attributes = [a for a in attributes if a not in ("founded", "hq", "description")]
        if "status" not in attributes:
            attributes.insert(0, "status")
        if "listed" in parsed.statuses and "listing" not in attributes:
            attributes.append("listing")
    if parsed.sectors and not attributes and applies(subject, "sector"):
        attributes = ["sector"]  # "Is WeLab a fintech?"
    if "founders" in attributes and not applies(subject, "founders"):
        attributes[attributes.index("founders")] = "organizations"
    return attributes


def _looks_like_ours(parsed: Parsed) -> bool:
    """Content words but no structure: the caller's full-text search decides (it checks that
    hits contain the words)."""
    return len(parsed.unknown) >= 1


# ---------------------------------------------------------------------------- facts


def _city_name(record: Record, snapshot: Snapshot) -> str | None:
    city_id = getattr(record, "city", None)
    city = snapshot.index.record(Kind.CITY, city_id) if city_id else None
    return city.name if city else None


def _facts(
    parsed: Parsed, records: list[Record], snapshot: Snapshot, attributes: list[str] | None = None
) -> Reply:
    wanted = attributes or _asked_of(records[0], parsed)
    reply = Reply(parsed, "fact", records=records, attribute=wanted[0])
    for record in records:
        shown = [a for a in wanted if a == "lists" or applies(record, a)]
        if not shown or shown == ["description"]:
            # Nothing of this kind can answer that (a city's founders): show what it is.
            return Reply(parsed, "profile", records=[record])
        for attribute in shown:
            if attribute == "lists":
                found = _lists_fact(record, snapshot)
                if found is not None:
                    reply.facts.append(found)
                else:
                    reply.missing.append((record, "lists"))
                continue
            value = fact(record, attribute, _city_name(record, snapshot))
            if value is None:
                reply.missing.append((record, attribute))
            else:
                reply.facts.append(value)
    return reply


def _lists_fact(record: Record, snapshot: Snapshot) -> Fact | None:
    names = [
        clist.name
        for clist in snapshot.dataset.lists.values()
        if any(entry.startup == record.id for entry in clist.entries)
    ]
    if not names:
        return None
    clist = next(c for c in snapshot.dataset.lists.values() if c.name == names[0])
    return Fact(record, "lists", names, clist.source)


# ---------------------------------------------------------------------------- compare


def _compare(parsed: Parsed, records: list[Record], snapshot: Snapshot) -> Reply:
    kind = Kind(records[0].kind)
    ops = parsed.operations
    fields = list(parsed.attributes) or list(COMPARE_FIELDS[kind])
    if ("oldest" in ops or "newest" in ops) and "founded" not in fields:
        fields.insert(0, "founded")
    reply = Reply(parsed, "compare", kind=kind, records=records[:10], attribute=fields[0])
    absent: list[tuple[Record, str]] = []
    for record in reply.records:
        for attribute in fields:
            if not applies(record, attribute):
                continue
            value = fact(record, attribute, _city_name(record, snapshot))
            if value is None:
                absent.append((record, attribute))
            else:
                reply.facts.append(value)
    # A field none of them has (a listing, for startups never listed) is not worth a line;
    # one that some have and others lack is: the data does not say for those.
    held = {f.field for f in reply.facts}
    reply.missing = [(r, a) for r, a in absent if a in held or a in parsed.attributes]
    if "oldest" in ops or "newest" in ops:
        dated = [r for r in reply.records if getattr(r, "founded", None)]
        reply.undated = len(reply.records) - len(dated)
        if dated:
            pick = min if "oldest" in ops else max
            best = pick(getattr(r, "founded") for r in dated)  # noqa: B009
            winners = [r for r in dated if getattr(r, "founded") == best]  # noqa: B009
            reply.filters["winner"] = (
                ",".join(r.id for r in winners),
                ", ".join(r.name for r in winners),
            )
            reply.attribute = "founded"
            superlative = "oldest" if "oldest" in ops else "newest"
            reply.filters["superlative"] = (superlative, superlative)
    return reply


# ---------------------------------------------------------------------------- listing


def _listing(
    parsed: Parsed,
    snapshot: Snapshot,
    facets: Facets,
    organizations: list[Record] | None = None,
) -> Reply:
    kind = _kind_asked(parsed, organizations)
    ops = parsed.operations
    intent = next((op for op in ("count", "oldest", "newest") if op in ops), "list")
    if "more" in ops and intent == "list":
        intent = "count"  # "Hong Kong or Taipei: which has more initiatives?"
    reply = Reply(parsed, intent, kind=kind)
    attribute = next((a for a in parsed.attributes if a not in ("description",)), None)
    if attribute and kind and Kind(kind) in _kinds_with(attribute):
        reply.attribute = attribute
    candidates: list[Sequence[Record]] = [facets.by_kind[kind]]
    checks: list[Callable[[Record], bool]] = []
    #: A candidate list that holds exactly the records one check accepts: that check is
    #: skipped when the list is the one scanned.
    exact: dict[int, Callable[[Record], bool]] = {}
    chronological: Sequence[Record] | None = None
    sector_and_years = False
    sector_list: Sequence[Record] | None = None
    #: Checks a candidate list already met on its own (the year of a sector-and-year list).
    satisfied: set[int] = set()
    #: Candidate lists already in name order (one facet list, not a union of several).
    ordered: set[int] = {id(candidates[0])}
    #: id(check) -> the same check on a position in ``facets.by_kind[kind]``: when the list
    #: scanned is a Positions list these run on its positions and no record is touched.
    on_position: dict[int, Callable[[int], bool]] = {}

    cities = parsed.named(Kind.CITY)
    if cities:
        ids = {c.id for c in cities}
        reply.filters["city"] = (",".join(sorted(ids)), ", ".join(c.name for c in cities))
        checks.append(lambda r: getattr(r, "city", None) in ids)
        city_of = facets.city_of.get(kind, [])
        on_position[id(checks[-1])] = lambda p: city_of[p] in ids
        candidates.append(facets.in_cities(kind, ids))
        exact[id(candidates[-1])] = checks[-1]
        ordered.add(id(candidates[-1]))

    if parsed.sectors and kind == Kind.STARTUP:
        terms = [tuple(words(normalize(s))) for s in parsed.sectors] + _synonym_terms(parsed)
        reply.filters["sector"] = (",".join(parsed.sectors), ", ".join(parsed.sectors))
        positions = facets.sector_positions(terms)
        years = parsed.years
        if years is not None and _years_apply(parsed) and not _years_on_status(parsed):
            # Sector and founding year together: filter positions against the year table,
            # touching no record (the year check below is then already met).
            positions = facets.founded_in(kind, positions, years.low, years.high)
            sector_and_years = True
        sector_records = sector_list = Positions(facets.by_kind[kind], positions)
        ordered.add(id(sector_records))
        candidates.append(sector_records)
        in_sector = _position_in(sector_records)
        checks.append(_member_of(in_sector, facets))
        on_position[id(checks[-1])] = in_sector
        exact[id(candidates[-1])] = checks[-1]

    if parsed.statuses:
        states = set(parsed.statuses)
        reply.filters["status"] = (",".join(parsed.statuses), ", ".join(parsed.statuses))
        candidates.append([r for s in parsed.statuses for r in facets.by_status.get((kind, s), [])])
        checks.append(lambda r: getattr(getattr(r, "status", None), "state", None) in states)
        exact[id(candidates[-1])] = checks[-1]
        if len(parsed.statuses) == 1:
            ordered.add(id(candidates[-1]))

    years = parsed.years
    if years is not None and _years_apply(parsed):
        on_status = _years_on_status(parsed)
        reply.filters["status_date" if on_status else "founded"] = (
            years.describe(),
            years.describe(),
        )
        if on_status:
            checks.append(lambda r: years.accepts(_status_year(r)))
        else:
            candidates.append(facets.founded_between(kind, years.low, years.high))
            low, high = years.low, years.high
            checks.append(lambda r: low <= (getattr(r, "founded", None) or 0) <= high)
            founded_at = facets.founded_at.get(kind, [])
            on_position[id(checks[-1])] = lambda p: low <= founded_at[p] <= high
            exact[id(candidates[-1])] = checks[-1]
            chronological = candidates[-1]
            if sector_and_years:
                satisfied.add(id(checks[-1]))

    exchange_words = [t for t in parsed.query.tokens if t in facets.exchanges]
    if exchange_words and (not parsed.statuses or "listed" in parsed.statuses):
        on_exchange = {id(r) for t in exchange_words for r in facets.exchanges[t]}
        reply.filters["exchange"] = (",".join(exchange_words), ", ".join(exchange_words))
        candidates.append(_dedupe([r for t in exchange_words for r in facets.exchanges[t]]))
        checks.append(lambda r: id(r) in on_exchange)
        exact[id(candidates[-1])] = checks[-1]

    if parsed.on_list:
        listed = set().union(*facets.listed_ids.values()) if facets.listed_ids else set()
        names = ", ".join(c.name for c in snapshot.dataset.lists.values()) or "—"
        reply.filters["list"] = (",".join(sorted(facets.listed_ids)), names)
        checks.append(lambda r: r.id in listed)
        index = snapshot.index
        candidates.append(
            [r for rid in sorted(listed) if (r := index.record(kind, rid)) is not None]
        )
        exact[id(candidates[-1])] = checks[-1]

    if parsed.areas and kind == Kind.INITIATIVE:
        areas = set(parsed.areas)
        reply.filters["area"] = (",".join(parsed.areas), ", ".join(_shown_areas(parsed, snapshot)))
        checks.append(lambda r: normalize(getattr(r, "area", None) or "") in areas)

    if parsed.org_types and kind == Kind.ORGANIZATION:
        types = {t.rstrip("s") for t in parsed.org_types}
        reply.filters["type"] = (",".join(parsed.org_types), ", ".join(parsed.org_types))
        checks.append(lambda r: normalize(getattr(r, "type", None) or "").rstrip("s") in types)

    if organizations:
        org_ids = {o.id for o in organizations}
        reply.filters["organization"] = (
            ",".join(sorted(org_ids)),
            ", ".join(o.name for o in organizations),
        )
        checks.append(lambda r: bool(org_ids & set(getattr(r, "organizations", []) or [])))
        linked = facets.linked_to(kind, org_ids)
        candidates.append(linked)
        on_position[id(checks[-1])] = _position_in(linked)
        exact[id(candidates[-1])] = checks[-1]
        ordered.add(id(candidates[-1]))

    if not reply.filters and parsed.unknown:
        # "Which startup does invoice financing for SMEs?": a kind and content words, no
        # filter: the ranked search within that kind answers it.
        return Reply(parsed, "search", kind=kind)
    smallest = min(candidates, key=len)
    skipped = exact.get(id(smallest))
    remaining = [check for check in checks if check is not skipped]
    if smallest is sector_list:
        remaining = [check for check in remaining if id(check) not in satisfied]
    found: Sequence[Record] = smallest
    if isinstance(smallest, Positions) and any(id(c) in on_position for c in remaining):
        kept: Sequence[int] = smallest.positions
        for check in remaining:
            if (test := on_position.get(id(check))) is not None:
                kept = [p for p in kept if test(p)]
        found = Positions(smallest.records, kept)
        remaining = [check for check in remaining if id(check) not in on_position]
    for check in remaining:  # one pass per check: cheaper than all() per record
        found = [r for r in found if check(r)]
    if id(smallest) not in ordered and smallest is not chronological:
        found = facets.in_name_order(found)
    # A year filter scanned from the founding-year index lists oldest first (then by name),
    # which is how a "founded before 2015" answer reads best, and costs no sort.
    if intent in ("oldest", "newest"):
        dated = [r for r in found if getattr(r, "founded", None) is not None]
        reply.undated = len(found) - len(dated)
        dated.sort(key=lambda r: getattr(r, "founded"), reverse=intent == "newest")  # noqa: B009
        found = dated
    reply.records = found
    if len(cities) >= 2:
        for city in cities:
            reply.per_city[city.name] = sum(1 for r in found if getattr(r, "city", None) == city.id)
    if not found and cities:
        for other in FILTER_KINDS:
            count = sum(facets.count_in_city(other, c.id) for c in cities)
            if count and other != kind:
                reply.elsewhere[other.value] = count
    return reply


def _years_apply(parsed: Parsed) -> bool:
    """A year is a filter when there is something for it to filter."""
    return bool(
        parsed.kinds
        or parsed.sectors
        or parsed.statuses
        or parsed.on_list
        or "founded" in parsed.attributes
    )


def _years_on_status(parsed: Parsed) -> bool:
    """ "startups listed in 2022": the year is the status's, not the founding year."""
    return bool(parsed.statuses) and "founded" not in parsed.attributes


def _position_in(records: Positions) -> Callable[[int], bool]:
    """A test "is one of ``records``" on positions, whose set is built only if the test
    runs (it does not when ``records`` is itself the list scanned)."""
    members: set[int] | None = None
    positions = records.positions

    def test(position: int) -> bool:
        nonlocal members
        if members is None:
            members = set(positions)
        return position in members

    return test


def _member_of(in_list: Callable[[int], bool], facets: Facets) -> Callable[[Record], bool]:
    """The check on records of ``in_list``, a test on positions (see _position_in): one
    lookup of the record's position, no field of the record read."""
    position = facets.position
    return lambda record: in_list(position.get(id(record), -1))


def _dedupe(records: list[Record]) -> list[Record]:
    seen: set[int] = set()
    out = []
    for record in records:
        if id(record) not in seen:
            seen.add(id(record))
            out.append(record)
    return out


def _kind_asked(parsed: Parsed, organizations: list[Record] | None) -> Kind:
    kinds: list[Kind] = [k for k in parsed.kinds if k != Kind.CITY] or list(parsed.kinds)
    if organizations:
        kinds = [k for k in kinds if k != Kind.ORGANIZATION] or kinds
    if kinds:
        return kinds[0]
    if parsed.areas:
        return Kind.INITIATIVE
    if parsed.org_types:
        return Kind.ORGANIZATION
    return Kind.STARTUP


def _kinds_with(attribute: str) -> frozenset[Kind]:
    from bot.question.facts import APPLIES

    return APPLIES.get(attribute, frozenset())


def _status_year(record: Record) -> int | None:
    status = getattr(record, "status", None)
    date = getattr(status, "date", None) if status else None
    return int(date[:4]) if date else None


def _synonym_terms(parsed: Parsed) -> list[tuple[str, ...]]:
    """For a vocabulary sector asked ("healthtech"), the lexicon's words for it too, so a
    record tagged "genetic testing" is a healthtech match even if its sector says otherwise."""
    spelled = default_lexicon().spelled
    return [phrase for sector in parsed.sectors for phrase in spelled.get(("sectors", sector), [])]


def _shown_areas(parsed: Parsed, snapshot: Snapshot) -> list[str]:
    spelled = {}
    for city in snapshot.index.cities():
        for area in city.areas:
            spelled[normalize(area)] = area
    return [spelled.get(a, a) for a in parsed.areas]


__all__ = ["Reply", "YearFilter", "plan"]
