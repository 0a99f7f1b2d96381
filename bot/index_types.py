"""What every search index answers, apart from how it is built.

Two classes answer lookups: :class:`bot.search.SearchIndex` (a full index over a snapshot's
records) and :class:`bot.index_patch.PatchedIndex` (an old full index plus a small one over the
records a reload touched). Commands, the store and the helpers in :mod:`bot.search` only need
the answers, so they are typed with :class:`IndexLike`, which both satisfy structurally; neither
module has to import the other for its type hints (``bot.index_patch`` builds on
``bot.search``, never the reverse).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from bot.model import City, Figure, Kind, Record


class Hit(NamedTuple):
    """A record that matched, how well (0-100) and by what. (A named tuple: autocomplete
    makes 25 per keystroke, and a frozen dataclass takes ~1 µs to make.)"""

    record: Record
    score: float
    matched: str
    label: str


@dataclass(frozen=True, slots=True)
class FigureHit:
    """A figure that answers a question, with the record that owns it."""

    owner: Record
    figure: Figure
    score: float


class IndexLike(Protocol):
    """The read-only interface of a snapshot's search index, as commands use it."""

    def record(self, kind: Kind | str, record_id: str) -> Record | None:
        """The record of that kind and id, or None."""
        ...

    def of_kind(self, kind: Kind | None, limit: int | None = None) -> list[Record]:
        """Records of a kind (all kinds for None) by name; the first ``limit`` only if given."""
        ...

    def cities(self) -> list[City]:
        """Every city, by name."""
        ...

    def lookup(
        self,
        text: str,
        kind: Kind | None = None,
        limit: int = 25,
        *,
        typos_if_found: bool = True,
        typos: bool = True,
    ) -> list[Hit]:
        """Records ranked by name for what a member typed, best first."""
        ...

    def mentioned_cities(self, text: str) -> set[str]:
        """Ids of the cities a question names."""
        ...

    def city_words(self, ids: AbstractSet[str]) -> frozenset[str]:
        """The words of those cities' names and aliases."""
        ...

    def figures(
        self, question: str, limit: int = 3, cities: AbstractSet[str] | None = None
    ) -> list[FigureHit]:
        """Figures whose labels match the question, best first."""
        ...

    def in_city(self, kind: Kind, city_id: str) -> list[Record]:
        """Records of ``kind`` in that city, by name."""
        ...

    def initiatives_of(self, organization_id: str) -> list[Record]:
        """Initiatives that list the organization, by name."""
        ...

    def similar_startups(self, startup: Record, limit: int) -> list[Record]:
        """Other startups sharing a tag or the sector, by name."""
        ...

    def sectors(self) -> list[str]:
        """Startup sectors and tags (first spelling of each), sorted."""
        ...

    def with_records(self, records: Iterable[Record]) -> IndexLike | None:
        """This index for a new version of its records, when the index need not change."""
        ...

    def dispose(self) -> None:
        """Take the index apart; only for an index nobody uses any more."""
        ...
