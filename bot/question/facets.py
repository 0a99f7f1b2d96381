"""Per-snapshot indexes for filtered questions: by status, founding year, sector word, list.

A filtered list at 100,000 records cannot scan every record per question; these are built once
per snapshot (on first use, or ahead of time by :func:`warm`) and give each filter's
candidates directly, so a question costs the size of its smallest filter, not of the data.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar, overload

from bot.model import Kind, Record
from bot.question.vocabulary import Vocabulary, sector_values
from bot.snapshots import register_derived
from bot.store import Snapshot
from bot.text import normalize, words

#: Longest sector phrase indexed (in words): "internet of things", "supply chain".
MAX_TERM_TOKENS = 4
#: Words of exchange names that say nothing about which exchange it is.
GENERIC_EXCHANGE_WORDS = frozenset(
    "stock exchange market main board the of new york american global select".split()
)


class Positions(Sequence[Record]):
    """Records of one kind given by their positions: a filtered list of thousands costs its
    positions, and only the records a page shows are touched."""

    def __init__(self, records: list[Record], positions: Sequence[int]) -> None:
        self.records = records
        self.positions = positions

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, at: int) -> Record: ...
    @overload
    def __getitem__(self, at: slice) -> list[Record]: ...
    def __getitem__(self, at: int | slice) -> Record | list[Record]:
        if isinstance(at, slice):
            return [self.records[p] for p in self.positions[at]]
        return self.records[self.positions[at]]

    def __iter__(self) -> Iterator[Record]:
        records = self.records
        return (records[p] for p in self.positions)

    # Equal to, and shown as, the list of its records: an answer compares and prints the
    # same whether its records came as a list or as positions.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Positions) and other.records is self.records:
            return list(self.positions) == list(other.positions)
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


class Facets:
    """Record lists per filter value, each in name order (as the index keeps records)."""

    def __init__(self, snapshot: Snapshot) -> None:
        index = snapshot.index
        self.version = snapshot.version
        self.by_kind: dict[Kind, list[Record]] = {k: index.of_kind(k) for k in Kind}
        self.position: dict[int, int] = {}
        self.by_status: dict[tuple[Kind, str], list[Record]] = {}
        self.founded: dict[Kind, tuple[list[int], list[Record]]] = {}
        #: Word runs of sector, sector detail and tags -> positions of the startups (in the
        #: name order of ``by_kind[STARTUP]``): unions of positions sort as integers.
        self.sector_terms: dict[tuple[str, ...], list[int]] = {}
        #: Founding year by position per kind (0: not in the data), to filter positions.
        self.founded_at: dict[Kind, list[int]] = {}
        #: Distinctive words of listing exchanges ("nasdaq", "hkex") -> listed startups.
        self.exchanges: dict[str, list[Record]] = {}
        #: (kind, city id) and (kind, organization id) -> positions of the records in that
        #: city / linked with that organization: a city or organization filter then costs
        #: its positions, not a list of tens of thousands of records (or a scan of them).
        self.city_positions: dict[tuple[Kind, str], array[int]] = {}
        self.org_positions: dict[tuple[Kind, str], array[int]] = {}
        #: The city id of each position per kind (None: no city), to filter positions.
        self.city_of: dict[Kind, list[str | None]] = {}
        cities: dict[tuple[Kind, str], list[int]] = {}
        linked: dict[tuple[Kind, str], list[int]] = {}
        self._grams_of: dict[str, frozenset[tuple[str, ...]]] = {}
        self.listed_ids: dict[str, set[str]] = {
            clist.id: {entry.startup for entry in clist.entries}
            for clist in snapshot.dataset.lists.values()
        }
        all_records: list[Record] = []
        for kind, records in self.by_kind.items():
            dated: list[tuple[int, int, Record]] = []
            city_of = self.city_of[kind] = []
            for position, record in enumerate(records):
                all_records.append(record)
                self.position[id(record)] = position
                city = getattr(record, "city", None)
                city_of.append(city)
                if city is not None:
                    cities.setdefault((kind, city), []).append(position)
                for org in dict.fromkeys(getattr(record, "organizations", None) or ()):
                    linked.setdefault((kind, org), []).append(position)
                status = getattr(record, "status", None)
                if status is not None:
                    self.by_status.setdefault((kind, status.state), []).append(record)
                year = getattr(record, "founded", None)
                if year is not None:
                    dated.append((year, position, record))
                if kind == Kind.STARTUP:
                    self._add_sector(record, position)
                    self._add_exchange(record)
            dated.sort(key=lambda item: (item[0], item[1]))
            founded_at = [0] * len(records)
            for year, position, _record in dated:
                founded_at[position] = year
            self.founded_at[kind] = founded_at
            self.founded[kind] = ([y for y, _, _ in dated], [r for _, _, r in dated])
        self.city_positions = {key: array("i", found) for key, found in cities.items()}
        self.org_positions = {key: array("i", found) for key, found in linked.items()}
        self.vocabulary = Vocabulary(all_records)
        del self._grams_of

    def __getstate__(self) -> dict[str, Any]:
        """What the snapshot file keeps (bot.snapshots): ``position`` is keyed by id() and
        goes; the sector positions go as arrays (a million small lists of ints otherwise)."""
        state = dict(vars(self))
        del state["position"]
        state["sector_terms"] = {t: array("i", p) for t, p in self.sector_terms.items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self.position = {
            id(record): at for records in self.by_kind.values() for at, record in enumerate(records)
        }
        numbers = list(range(len(self.by_kind.get(Kind.STARTUP, ()))))  # one int per position
        self.sector_terms = {
            t: [numbers[p] for p in found] for t, found in state["sector_terms"].items()
        }

    def _add_sector(self, record: Record, position: int) -> None:
        """Index every run of up to MAX_TERM_TOKENS words of the record's sector texts."""
        values = sector_values(record)
        if len(values) == 1:
            grams: AbstractSet[tuple[str, ...]] = self._grams(values[0])
        else:
            grams = set().union(*map(self._grams, values))
        terms = self.sector_terms
        for gram in grams:
            found = terms.get(gram)
            if found is None:
                terms[gram] = [position]
            else:
                found.append(position)

    def _grams(self, value: str) -> frozenset[tuple[str, ...]]:
        """The word runs of one sector text; computed once per distinct text (sectors and
        tags repeat across thousands of records: under cProfile this was 8.1 of the 17.7 s
        of a build at real-shape 100k)."""
        grams = self._grams_of.get(value)
        if grams is None:
            tokens = tuple(words(normalize(value)))
            grams = self._grams_of[value] = frozenset(
                tokens[start : start + size]
                for size in range(1, MAX_TERM_TOKENS + 1)
                for start in range(len(tokens) - size + 1)
            )
        return grams

    def _add_exchange(self, record: Record) -> None:
        listing = getattr(record, "listing", None)
        if listing is None:
            return
        for token in set(words(normalize(listing.exchange))) - GENERIC_EXCHANGE_WORDS:
            self.exchanges.setdefault(token, []).append(record)

    def founded_between(self, kind: Kind, low: int, high: int) -> list[Record]:
        """Records of ``kind`` founded in ``low..high``, oldest first."""
        years, records = self.founded.get(kind, ([], []))
        return records[bisect.bisect_left(years, low) : bisect.bisect_right(years, high)]

    def sector_positions(self, terms: Iterable[tuple[str, ...]]) -> list[int]:
        """Positions (in name order) of the startups whose sector, sector detail or a tag
        contains one of the phrases ``terms``."""
        return _union([found for term in terms if (found := self.sector_terms.get(term))])

    def in_cities(self, kind: Kind, city_ids: Iterable[str]) -> Positions:
        """The records of ``kind`` in any of those cities, in name order."""
        return self._positions(kind, self.city_positions, city_ids)

    def linked_to(self, kind: Kind, organization_ids: Iterable[str]) -> Positions:
        """The records of ``kind`` that list any of those organizations, in name order."""
        return self._positions(kind, self.org_positions, organization_ids)

    def count_in_city(self, kind: Kind, city_id: str) -> int:
        return len(self.city_positions.get((kind, city_id), ()))

    def _positions(
        self, kind: Kind, table: dict[tuple[Kind, str], array[int]], keys: Iterable[str]
    ) -> Positions:
        found = [table[(kind, key)] for key in dict.fromkeys(keys) if (kind, key) in table]
        return Positions(self.by_kind[kind], _union(found))

    def founded_in(self, kind: Kind, positions: list[int], low: int, high: int) -> list[int]:
        """The positions among ``positions`` founded in ``low..high`` (records untouched)."""
        years = self.founded_at[kind]
        return [p for p in positions if low <= years[p] <= high]

    def in_name_order(self, records: Iterable[Record]) -> list[Record]:
        """Records of one kind in the index's (name) order: a sort of integers."""
        position = self.position
        found = list(records)
        if not found:
            return found
        by_kind = self.by_kind[Kind(found[0].kind)]
        return [by_kind[p] for p in sorted(position[id(r)] for r in found)]


P = TypeVar("P", bound=Sequence[int])


def _union(lists: Sequence[P]) -> P | list[int]:
    """The positions in any of ``lists`` (each in name order), in name order: the one list
    itself when there is one."""
    if len(lists) == 1:
        return lists[0]
    return sorted(set().union(*lists)) if lists else []


_LOCK = threading.Lock()
_CACHE: dict[str, Facets] = {}


def facets_of(snapshot: Snapshot) -> Facets:
    """The facets of ``snapshot`` (built on first use; the two newest versions are kept)."""
    key = _facets_key(snapshot)
    found = _CACHE.get(key)
    if found is not None:
        return found
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = Facets(snapshot)
            while len(_CACHE) >= 2:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = found
    return found


def _facets_key(snapshot: Snapshot) -> str:
    return f"{snapshot.version}:{id(snapshot.index)}"


def _keep(snapshot: Snapshot, facets: Any) -> None:
    """Facets read back with ``snapshot`` from its file (see bot.snapshots): cached as if
    built, so the first question after a restart costs no build."""
    if not isinstance(facets, Facets) or facets.version != snapshot.version:
        return
    with _LOCK:
        while len(_CACHE) >= 2:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[_facets_key(snapshot)] = facets


def facets_ready(snapshot: Snapshot) -> bool:
    """Whether the facets of ``snapshot`` are built (a question then costs no build)."""
    return _facets_key(snapshot) in _CACHE


def warm(snapshot: Snapshot) -> None:
    """Build the facets ahead of the first question (call from a worker thread)."""
    facets_of(snapshot)


register_derived("facets", facets_of, _keep)
