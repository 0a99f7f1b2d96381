"""The questions the bot answers, as plain async functions over one snapshot.

Cogs and the command line call these; they never touch SQLite or the index directly. Every
function takes the snapshot it should use (default: the live one), so a command sees one
consistent version of the data from start to finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot import memo
from bot.errors import NotFound
from bot.model import Kind, Record
from bot.question import Parsed, Query, Reply, understand, warm
from bot.question.facets import facets_ready
from bot.search import Hit, question_terms, suggestions
from bot.store import Snapshot, Store
from bot.text import clean_input, normalize, words

log = logging.getLogger(__name__)

#: An unpicked value resolves to the best hit only when it is at least this good.
RESOLVE_MIN_SCORE = 70.0
MAX_QUESTION_CHARS = 500
#: A full-text row scores this at the top of its ranking, 1.5 less a place, at least the min.
TEXT_TOP_SCORE = 70.0
TEXT_MIN_SCORE = 40.0


@dataclass(frozen=True)
class Profile:
    """Everything a record's card shows, gathered before drawing so rendering stays pure.

    ``sources`` are (title, url) pairs, the title from the data's source list where it has one;
    ``lists`` are (list name, name as listed) for every community list naming the record.
    """

    record: Record
    version: str
    city: Record | None = None
    initiatives: list[Record] = field(default_factory=list)
    organizations: list[Record] = field(default_factory=list)
    startups: list[Record] = field(default_factory=list)
    similar: list[Record] = field(default_factory=list)
    lists: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str | None, str]] = field(default_factory=list)


class Knowledge:
    """Lookups, search, questions and browsing over the live snapshot."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def snapshot(self) -> Snapshot:
        return self.store.current

    # ------------------------------------------------------------------ names

    def complete(
        self,
        kind: Kind | None,
        text: str,
        limit: int = 25,
        snapshot: Snapshot | None = None,
        *,
        typos: bool = True,
    ) -> list[Hit]:
        """Autocomplete: at most ``limit`` names for what was typed so far (in-memory, fast).

        Typos are matched only when exact and prefix matching found nothing, and never with
        ``typos=False`` (the cheapest path, for a bot under pressure)."""
        snap = snapshot or self.snapshot
        # Remembered per data version (bot.memo): a burst types the same few names.
        return memo.remembered(
            snap,
            ("complete", kind, text, limit, typos),
            lambda: snap.index.lookup(
                text, kind, limit=limit, typos_if_found=False, typos=typos
            ),
        )

    def resolve(self, kind: Kind, text: str, snapshot: Snapshot | None = None) -> Record:
        """Turn a picked or typed value into one record, or raise NotFound with suggestions."""
        snap = snapshot or self.snapshot
        cleaned = clean_input(text)
        if not normalize(cleaned):
            raise NotFound(text, kind.value, [])
        direct = snap.index.record(kind, cleaned)
        if direct is not None:
            return direct
        hits = snap.index.lookup(cleaned, kind, limit=5)
        if hits and hits[0].score >= RESOLVE_MIN_SCORE:
            top = hits[0]
            runner_up = hits[1].score if len(hits) > 1 else 0.0
            if top.matched in ("name", "prefix", "chinese") or top.score - runner_up >= 3:
                return top.record
        raise NotFound(
            text,
            kind.value,
            [h.record.name for h in hits] or suggestions(snap.index, cleaned, None),
        )

    # ------------------------------------------------------------------ search

    async def search(
        self,
        text: str,
        kind: Kind | None = None,
        *,
        city: str | None = None,
        sector: str | None = None,
        limit: int = 10,
        snapshot: Snapshot | None = None,
    ) -> list[Hit]:
        """Names first (exact, prefix, Chinese, typos), then full text; filtered and merged."""
        snap = snapshot or self.snapshot
        query = clean_input(text, MAX_QUESTION_CHARS)
        if not normalize(query):
            return []
        ranked: dict[tuple[str, str], Hit] = {}
        for hit in snap.index.lookup(query, kind, limit=50):
            ranked[(hit.record.kind, hit.record.id)] = hit
        city_id = (self.city_id(city, snap) or city) if city else None
        needle = normalize(sector) if sector else None
        terms = list(question_terms(query))
        if terms and not self._names_suffice(ranked.values(), city_id, needle, limit):
            kinds = [kind.value] if kind else None
            rows = await self.store.fulltext(terms, kinds, limit=50)
            for position, (rkind, rid, _rank) in enumerate(rows):
                record = snap.index.record(rkind, rid)
                if record is None:  # row from a newer version than this snapshot
                    continue
                score = max(TEXT_MIN_SCORE, TEXT_TOP_SCORE - position * 1.5)
                key = (rkind, rid)
                if key not in ranked or ranked[key].score < score:
                    ranked[key] = Hit(record, score, "text", record.name)
        hits = [h for h in ranked.values() if self._passes(h.record, city_id, needle)]
        hits.sort(key=lambda h: (-h.score, h.record.name.casefold()))
        return hits[:limit]

    @classmethod
    def _names_suffice(
        cls, hits: Iterable[Hit], city_id: str | None, needle: str | None, limit: int
    ) -> bool:
        """Whether ``limit`` name matches that pass the filters outscore every full-text row
        (at most TEXT_TOP_SCORE): then the full-text query cannot change the answer, and is
        skipped (a short prefix like "stu" matches thousands of descriptions: ~5 ms)."""
        strong = 0
        for hit in hits:
            if hit.score > TEXT_TOP_SCORE and cls._passes(hit.record, city_id, needle):
                strong += 1
                if strong >= limit:
                    return True
        return False

    async def ask(self, question: str | Query, snapshot: Snapshot | None = None) -> Reply:
        """Answer a question: parsed into a structured query (bot.question) and answered from
        one snapshot; a question with words of ours but no structure falls back to the
        ranked search, and one with nothing of ours is answered as off-topic."""
        snap = snapshot or self.snapshot
        query = question if isinstance(question, Query) else Query.of(question)
        if query.empty:
            return Reply(Parsed(query), "offtopic", version=snap.version)
        if not facets_ready(snap):
            await self.store.settled()  # a restart may be reading them from its snapshot file
        if not facets_ready(snap):
            # The first question of a data version builds its facets (~2 s at 100,000
            # records): in a worker thread, so the event loop keeps answering meanwhile.
            await asyncio.to_thread(warm, snap)
        reply = understand(query, snap)
        if reply.intent == "search":
            reply.hits = await self._search_hits(query, reply.parsed, reply.kind, snap)
            if not reply.hits and not reply.parsed.domain:
                reply.intent = "offtopic"
        return reply

    async def _search_hits(
        self, query: Query, parsed: Parsed, kind: Kind | None, snap: Snapshot
    ) -> list[Hit]:
        """The ranked search for a question without structure, keeping only records whose
        text holds at least half of the question's content words (so "the 2018 World Cup"
        offers nothing rather than a record that shares one word)."""
        hits = await self.search(query.text, kind, limit=8, snapshot=snap)
        content = set(parsed.unknown)
        name_like = all(t in content for t in query.tokens)
        if not content or name_like:
            # A bare name, maybe misspelt ("qupitl"): the ranked lookup, as /ask always did.
            return [h for h in hits if h.score >= 45][:5]
        kept = []
        for hit in hits:
            record = hit.record
            text = " ".join(
                normalize(t)
                for t in (record.name, record.name_zh, record.description, record.description_zh,
                          getattr(record, "sector", None), *record.tags)
                if t
            )
            have = set(words(text))
            if len(content & have) * 2 >= len(content) and hit.score >= 45:
                kept.append(hit)
        return kept[:5]

    # ------------------------------------------------------------------ browse

    def browse(
        self,
        kind: Kind,
        *,
        city: str | Record | None = None,
        sector: str | None = None,
        snapshot: Snapshot | None = None,
    ) -> list[Record]:
        """Every record of a kind, by name, filtered by city (its record, or a name, alias or
        id to resolve) and sector or tag."""
        snap = snapshot or self.snapshot
        if isinstance(city, str):
            city = self.city(city, snap)
        city_id = city.id if city is not None else None
        needle = normalize(sector) if sector else None
        return [r for r in snap.index.of_kind(kind) if self._passes(r, city_id, needle)]

    def city(self, text: str, snapshot: Snapshot | None = None) -> Record:
        """The city a member named (name, alias, id or typo), or NotFound listing the cities."""
        snap = snapshot or self.snapshot
        city_id = self.city_id(text, snap)
        if city_id is None:
            raise NotFound(text, "city", [c.name for c in snap.index.cities()])
        return snap.index.record(Kind.CITY, city_id)  # type: ignore[return-value]

    def city_id(self, text: str, snapshot: Snapshot | None = None) -> str | None:
        snap = snapshot or self.snapshot
        hits = snap.index.lookup(text, Kind.CITY, limit=1)
        return hits[0].record.id if hits and hits[0].score >= RESOLVE_MIN_SCORE else None

    def sectors(self, snapshot: Snapshot | None = None) -> list[str]:
        """Distinct sectors and tags, for the /browse sector autocomplete."""
        snap = snapshot or self.snapshot
        return list(snap.index.sectors())

    @staticmethod
    def _passes(record: Record, city_id: str | None, needle: str | None) -> bool:
        """Whether a record belongs to the (already resolved) city and has the (normalized)
        sector or tag."""
        if city_id:
            own = record.id if record.kind == Kind.CITY else getattr(record, "city", None)
            if own != city_id:
                return False
        if needle is not None:
            haystack = [getattr(record, "sector", None) or "", *record.tags]
            if not any(needle and needle in normalize(value) for value in haystack):
                return False
        return True

    # ------------------------------------------------------------------ relations

    def profile(self, record: Record, snapshot: Snapshot | None = None) -> Profile:
        """The record with what its card shows: related records, lists, titled sources.

        The one gathering step for the record cards, the spotlight post and the command line.
        """
        snap = snapshot or self.snapshot
        related = self.related(record, snap)
        city = related.get("city", [None])[0]
        titled = snap.dataset.sources
        return Profile(
            record=record,
            version=snap.version,
            city=city,
            initiatives=related.get("initiatives", []),
            organizations=related.get("organizations", []),
            startups=related.get("startups", []),
            similar=related.get("similar startups", []),
            lists=self.lists_of(record, snap) if record.kind == Kind.STARTUP else [],
            sources=[
                (source.title if (source := titled.get(url)) else None, url)
                for url in record.sources
            ],
        )

    def related(self, record: Record, snapshot: Snapshot | None = None) -> dict[str, list[Record]]:
        """Records linked to this one: a city's initiatives and startups, a startup's peers..."""
        snap = snapshot or self.snapshot
        index = snap.index
        out: dict[str, list[Record]] = {}
        if record.kind == Kind.CITY:
            out["initiatives"] = index.in_city(Kind.INITIATIVE, record.id)
            out["organizations"] = index.in_city(Kind.ORGANIZATION, record.id)
            out["startups"] = index.in_city(Kind.STARTUP, record.id)
        else:
            city_id = getattr(record, "city", None)
            if city_id:
                city = index.record(Kind.CITY, city_id)
                if city is not None:
                    out["city"] = [city]
            org_ids = getattr(record, "organizations", [])
            out["organizations"] = [
                org for oid in org_ids if (org := index.record(Kind.ORGANIZATION, oid)) is not None
            ]
            if record.kind == Kind.ORGANIZATION:
                out["initiatives"] = index.initiatives_of(record.id)
            sector = getattr(record, "sector", None)
            if record.kind == Kind.STARTUP and (sector or record.tags):
                # Indexed per snapshot: scanning 100,000 startups per card took ~100 ms.
                out["similar startups"] = index.similar_startups(record, 6)
        return {k: v for k, v in out.items() if v}

    def lists_of(self, record: Record, snapshot: Snapshot | None = None) -> list[tuple[str, str]]:
        """(list name, name as listed) for every community list that names this startup."""
        snap = snapshot or self.snapshot
        found = []
        for clist in snap.dataset.lists.values():
            spelled = [e.as_listed for e in clist.entries if e.startup == record.id]
            if spelled:
                found.append((clist.name, " / ".join(spelled)))
        return found
