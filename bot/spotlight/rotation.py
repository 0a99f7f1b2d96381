"""Fair rotation: every startup is featured once per cycle, in an order fixed by a seed.

Pure functions, no database. A cycle's order is the startup ids sorted by a keyed hash,
``sha256(f"{seed}:{cycle}:{id}")`` — a uniformly shuffled permutation that anyone can recompute
from the stored seed and cycle number. Sorting by a per-id key rather than shuffling the list
keeps the order stable when the data changes: a startup added mid-cycle lands at its own place
in the current cycle without reshuffling the others, and a removed one simply drops out.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)


def _order_key(seed: str, cycle: int, startup_id: str) -> bytes:
    return hashlib.sha256(f"{seed}:{cycle}:{startup_id}".encode()).digest()


def rotation_order(seed: str, cycle: int, ids: Iterable[str]) -> list[str]:
    """The order of ``cycle`` for the given startup ids (duplicates ignored)."""
    return sorted(
        set(ids), key=lambda startup_id: (_order_key(seed, cycle, startup_id), startup_id)
    )


@dataclass(frozen=True, slots=True)
class Pick:
    """Who is featured next, in which cycle (possibly a new one), and whether by override."""

    startup_id: str
    cycle: int
    by_override: bool = False


def pick_next(
    seed: str,
    cycle: int,
    ids: Iterable[str],
    *,
    done: Collection[str] = (),
    override: str | None = None,
    last: str | None = None,
) -> Pick | None:
    """Choose the next startup, or None when there is none.

    ``done`` holds the ids already featured (or skipped) in ``cycle``; ids no longer in the
    data are ignored. When every current id is done, the next cycle begins (the returned
    ``cycle`` is then ``cycle + 1``). A valid ``override`` (a moderator's "next") wins, even if
    it was featured this cycle already. ``last`` (the most recently featured id) is not
    repeated back to back across a cycle boundary when another startup is available.
    """
    current = set(ids)
    if not current:
        return None
    remaining = [i for i in rotation_order(seed, cycle, current) if i not in done]
    if not remaining:
        cycle += 1
        remaining = rotation_order(seed, cycle, current)
    if override is not None and override in current:
        return Pick(override, cycle, by_override=True)
    if len(remaining) > 1 and remaining[0] == last:
        return Pick(remaining[1], cycle)
    return Pick(remaining[0], cycle)
