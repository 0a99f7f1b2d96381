"""Answers remembered for the life of one data snapshot, so a burst of the same asks is cheap.

A burst (an announcement, a spotlight post) is many members asking much the same: the same
name typed into autocomplete, the same startup's card, the same question. Every such answer
is a pure function of the immutable snapshot and the request, so it is computed once per
snapshot and kept in a small LRU beside it; the memo goes when the snapshot does (a reload
starts empty, nothing stale can be served). Bounded per snapshot (:data:`SIZE` entries), and
safe from the event loop and the worker threads at once (one lock around the dict operations,
never around the computing: two threads may compute the same entry once each, harmlessly).
"""

from __future__ import annotations

import collections
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.store import Snapshot

T = TypeVar("T")

#: Entries kept per snapshot (autocomplete texts, cards and questions together).
SIZE = 4096

_lock = threading.Lock()
_memos: dict[int, tuple[weakref.ref[Snapshot], collections.OrderedDict[Hashable, Any]]] = {}


def _table(snapshot: Snapshot) -> collections.OrderedDict[Hashable, Any]:
    key = id(snapshot)
    found = _memos.get(key)
    if found is not None and found[0]() is snapshot:
        return found[1]
    table: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()

    def forget(_ref: weakref.ref[Snapshot], key: int = key) -> None:
        with _lock:
            entry = _memos.get(key)
            if entry is not None and entry[0] is _ref:
                del _memos[key]

    _memos[key] = (weakref.ref(snapshot, forget), table)
    return table


class _Missing:
    pass


#: What :func:`recall` returns for a key not remembered.
MISSING: Any = _Missing()


def recall(snapshot: Snapshot, key: Hashable) -> Any:
    """The value remembered for ``key`` on ``snapshot``, or :data:`MISSING`."""
    with _lock:
        table = _table(snapshot)
        if key not in table:
            return MISSING
        table.move_to_end(key)
        return table[key]


def keep(snapshot: Snapshot, key: Hashable, value: Any) -> None:
    """Remember ``value`` for ``key`` on ``snapshot`` (the least recently used goes past SIZE).
    A value kept is shared by every later caller: it must not be changed after."""
    with _lock:
        table = _table(snapshot)
        table[key] = value
        if len(table) > SIZE:
            table.popitem(last=False)


def remembered(snapshot: Snapshot, key: Hashable, make: Callable[[], T]) -> T:
    """``make()`` for ``key`` on ``snapshot``, computed at most once while it stays in the LRU."""
    found = recall(snapshot, key)
    if found is MISSING:
        found = make()
        keep(snapshot, key, found)
    return found


def size(snapshot: Snapshot) -> int:
    """Entries remembered for ``snapshot`` (for tests and the logs)."""
    with _lock:
        found = _memos.get(id(snapshot))
        return len(found[1]) if found is not None and found[0]() is snapshot else 0
