"""A search index for a reload that changed a few records, without rebuilding it whole.

A full :class:`~bot.search.SearchIndex` takes ~3 s of Python at 100,000 records, so an admin
renaming one startup would wait that long for a one-line change. A :class:`PatchedIndex`
answers instead from the previous full index (its *base*), with the replaced and removed
records hidden, and from a small index over the new and changed records (its *delta*),
merging the two best first. It is built in milliseconds and gives the answers a full rebuild
would give (``tests/test_index_patch.py`` compares every query of the benchmark mix over a
generated data set), with two exceptions: records with exactly the same score and name may
come in another order, and a prefix matching more than max(8 x limit, 200) index entries,
which ranks only that many, ranks that many of the base and of the delta (so it may list a
different tail).

Patches accumulate into one delta (never a patch of a patch) until :data:`PATCH_MAX_RECORDS`
records are in it; the next reload then builds a full index again, as does every restart.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import cast

from bot.index_types import FigureHit, Hit
from bot.model import City, Kind, Record
from bot.search import SearchIndex, lookup_parts, startup_sectors

#: Below this many records a full build takes well under a second: no patching.
PATCH_MIN_RECORDS = 5000
#: Records in the delta (new, changed or removed since the base was built) beyond which a
#: reload builds a full index again: every query pays for the delta and the hidden set.
PATCH_MAX_RECORDS = 500

RecordKey = tuple[str, str]


def _by_name(record: Record) -> str:
    return record.name.casefold()


def _merged(base: list[Record], extra: Iterable[Record]) -> list[Record]:
    """``base`` (in name order) with ``extra`` put in their places by name."""
    for record in extra:
        bisect.insort(base, record, key=_by_name)
    return base


class PatchedIndex:
    """The answers of a full index over the new records, from an old index plus a delta.

    Has the public interface of :class:`~bot.search.SearchIndex` that commands use
    (:class:`~bot.index_types.IndexLike`).
    """

    def __init__(
        self,
        base: SearchIndex,
        delta_records: Sequence[Record],
        hidden: AbstractSet[RecordKey],
        label_keys: Mapping[int, Sequence[str]] | None = None,
    ) -> None:
        self.base = base
        self.delta = SearchIndex(delta_records, label_keys, scan_all_keys=base.scans_all_keys)
        #: (kind, id) of every record touched since the base was built (replaced, gone or
        #: added), and the numbers of those the base has: its records to hide.
        self.hidden_keys = frozenset(hidden)
        numbers = (base.number(kind, rid) for kind, rid in self.hidden_keys)
        self.hidden = frozenset(n for n in numbers if n is not None)
        self.delta_keys = frozenset((r.kind, r.id) for r in delta_records)
        self._sectors: list[str] | None = None
        touched = {kind for kind, _ in self.hidden_keys | self.delta_keys}
        if Kind.STARTUP.value in touched:
            self._sectors = startup_sectors(self.of_kind(Kind.STARTUP))

    @property
    def size(self) -> int:
        """Records hidden in the base plus records in the delta: what a query pays for."""
        return len(self.hidden_keys | self.delta_keys)

    def with_records(self, records: Iterable[Record]) -> None:
        """Never reused as is: the next reload patches the base again (see patch_index)."""
        return None

    def dispose(self) -> None:
        """Free the delta; the base too when no newer index shares it."""
        self.delta.dispose()
        base = self.__dict__.pop("base")
        if sys.getrefcount(base) <= 2:
            base.dispose()

    # ------------------------------------------------------------------ lookups

    def record(self, kind: Kind | str, record_id: str) -> Record | None:
        key = (str(kind), record_id)
        if key in self.delta_keys:
            return self.delta.record(kind, record_id)
        if key in self.hidden_keys:
            return None
        return self.base.record(kind, record_id)

    def of_kind(self, kind: Kind | None, limit: int | None = None) -> list[Record]:
        """Records of a kind (all kinds for None) by name; the first ``limit`` only if given."""
        if kind is None:  # kind after kind, each by name, as SearchIndex orders them
            every: list[Record] = []
            for one in sorted(Kind, key=lambda k: k.value):
                every.extend(self.of_kind(one, limit))
            return every[:limit] if limit is not None else every
        span = self.base.numbers_of_kind(kind)
        stop = span.stop if limit is None else min(span.stop, span.start + limit + len(self.hidden))
        listed = self.base.records[span.start : stop]  # a slice, then the few hidden cut out
        for number in sorted((n for n in self.hidden if span.start <= n < stop), reverse=True):
            del listed[number - span.start]
        merged = _merged(listed, self.delta.of_kind(kind))
        return merged[:limit] if limit is not None else merged

    def cities(self) -> list[City]:
        return cast("list[City]", self.of_kind(Kind.CITY))  # the records of kind "city"

    def lookup(
        self,
        text: str,
        kind: Kind | None = None,
        limit: int = 25,
        *,
        typos_if_found: bool = True,
        typos: bool = True,
    ) -> list[Hit]:
        """:meth:`SearchIndex.lookup` over base and delta, best first."""
        parts = [(self.base, self.hidden), (self.delta, frozenset())]
        return lookup_parts(self, parts, text, kind, limit, typos_if_found, typos=typos)

    # ------------------------------------------------------------------ figures

    def mentioned_cities(self, text: str) -> set[str]:
        found = {c for c in self.base.mentioned_cities(text) if self._live_in_base("city", c)}
        return found | self.delta.mentioned_cities(text)

    def city_words(self, ids: AbstractSet[str]) -> frozenset[str]:
        in_base = {c for c in ids if self._live_in_base("city", c)}
        return self.base.city_words(in_base) | self.delta.city_words(ids)

    def figures(
        self, question: str, limit: int = 3, cities: AbstractSet[str] | None = None
    ) -> list[FigureHit]:
        if cities is None:
            cities = self.mentioned_cities(question)
        found = self.base.figures(question, limit, cities, exclude=self.hidden)
        found += self.delta.figures(question, limit, cities)
        found.sort(key=lambda hit: -hit.score)
        return found[:limit]

    # ------------------------------------------------------------------ relations

    def in_city(self, kind: Kind, city_id: str) -> list[Record]:
        return _merged(self._visible(self.base.in_city(kind, city_id)),
                       self.delta.in_city(kind, city_id))  # fmt: skip

    def initiatives_of(self, organization_id: str) -> list[Record]:
        return _merged(self._visible(self.base.initiatives_of(organization_id)),
                       self.delta.initiatives_of(organization_id))  # fmt: skip

    def similar_startups(self, startup: Record, limit: int) -> list[Record]:
        wanted = limit + len(self.hidden)  # hidden ones may take places in the base's list
        own = (startup.kind, startup.id)
        found = [
            r for r in self._visible(self.base.similar_startups(startup, wanted))
            if (r.kind, r.id) != own
        ]  # fmt: skip
        extra = [r for r in self.delta.similar_startups(startup, limit) if (r.kind, r.id) != own]
        return _merged(found, extra)[:limit]

    def sectors(self) -> list[str]:
        return self._sectors if self._sectors is not None else self.base.sectors()

    # ------------------------------------------------------------------ helpers

    def _live_in_base(self, kind: str, record_id: str) -> bool:
        return (kind, record_id) not in self.hidden_keys

    def _visible(self, records: list[Record]) -> list[Record]:
        hidden = self.hidden_keys
        return [r for r in records if (r.kind, r.id) not in hidden]


Index = SearchIndex | PatchedIndex


def patch_index(
    old: Index,
    records: dict[Kind, dict[str, Record]],
    changed: Iterable[RecordKey],
    label_keys: Mapping[int, Sequence[str]] | None = None,
) -> PatchedIndex | None:
    """An index of ``records`` from ``old`` and the (kind, id) of the records that changed,
    were added or were removed since it was built; None when a full build is the better
    choice (few records in all, or too many changed since the last full build)."""
    base = old.base if isinstance(old, PatchedIndex) else old
    if len(base.records) < PATCH_MIN_RECORDS:
        return None
    touched = set(changed)
    if isinstance(old, PatchedIndex):
        touched |= old.delta_keys | old.hidden_keys
    if len(touched) > PATCH_MAX_RECORDS:
        return None
    delta: list[Record] = []
    for kind, record_id in sorted(touched):
        record = records.get(Kind(kind), {}).get(record_id)
        if record is not None:
            delta.append(record)
    return PatchedIndex(base, delta, touched, label_keys)
