"""Pickling a live snapshot compactly, without holding the event loop, and reading it back safely.

Three things the standard pickle gets wrong for a 100,000-record snapshot:

* **Size, load time and the writer's memory.** A pydantic model pickles as a four-key state
  dict with a set of field names of its own. Here a model is written as its class and one
  shared set of field names per distinct set (the models are frozen: nothing mutates it),
  then its ``__dict__``; on load the fields are added to a compact instance dict. Nothing
  per model is made while writing: the pickler's memo keeps every object it wrote alive until
  the end, so any temporary per model would stay too. Strings shared in memory (the loader
  shares the short ones) are written once and come back shared.
* **The event loop.** The snapshot is written from a worker thread (when the store closes).
  CPython's pickler runs in C and keeps the GIL while it walks builtin containers, so one list
  of 300,000 index keys would block the loop for ~150 ms. Large lists and dicts of the index
  are written as parts (:class:`_Part`) whose reduction calls back into Python, which lets the
  loop run between parts.
* **Trust.** Unpickling can call any importable callable. :class:`SafeUnpickler` only resolves
  the few classes and functions a snapshot is made of; anything else is a bad snapshot (the
  store then restores from SQLite).
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from itertools import islice
from typing import Any, BinaryIO

from pydantic import BaseModel

#: Lists and dicts with more entries than this are written in parts of this many.
PART_SIZE = 20_000

_new = object.__new__
_set = object.__setattr__


def _model(cls: type[BaseModel], fields_set: set[str]) -> BaseModel:
    """An empty model of ``cls``; :func:`_fill` gives it its fields (pydantic's
    ``__setstate__``, less: the models are frozen, extra fields forbidden, none private)."""
    model = _new(cls)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _fill(model: BaseModel, state: dict[str, Any]) -> None:
    """The model's fields, from (name, value) pairs rather than by assigning a dict: that
    keeps its ``__dict__`` a compact one (288 instead of 464 bytes for a startup).

    ``state`` is emptied: the reader's memo holds every dict it read until the reader is
    closed, and ~300,000 full copies of the records' fields kept the memory up while a
    restart read the rest of its snapshot (resident after the first part at real-shape
    100k: 482 MB before, 371 MB after, measured)."""
    model.__dict__.update(state.items())
    state.clear()


def _same(value: Any) -> Any:
    """A part as it was written (each part is one call: a point where the GIL can move)."""
    return value


def _joined_list(*parts: list[Any]) -> list[Any]:
    """The list written in ``parts`` (each emptied: the reader's memo keeps it, see _fill)."""
    whole: list[Any] = []
    for part in parts:
        whole.extend(part)
        part.clear()
    return whole


def _joined_dict(*parts: list[Any]) -> dict[Any, Any]:
    """The dict written in ``parts``, each a flat list of key, value, key, value...: pairs
    as tuples would each stay in the reader's memo (~200,000 of them for the index's words)."""
    whole: dict[Any, Any] = {}
    for part in parts:
        pairs = iter(part)
        whole.update(zip(pairs, pairs, strict=True))
        part.clear()
    return whole


def _instance(cls: type, state: dict[str, Any]) -> Any:
    """An object written attribute by attribute (an index, a loader's file result) from its
    attributes: one Python call each, where a reader's thread lets the event loop run."""
    obj: Any = _new(cls)
    obj.__dict__.update(state)
    return obj


def _slotted(cls: type, values: tuple[Any, ...]) -> Any:
    """An object with ``__slots__`` (a loader's item) from its slot values: one Python call
    each, where a reader's thread lets the event loop run. Rebuilt by pickle's own C path,
    the 104,000 items of the loader's results at real-shape 100k held the GIL ~175 ms."""
    obj: Any = _new(cls)
    for name, value in zip(cls.__dict__["__slots__"], values, strict=True):
        _set(obj, name, value)
    return obj


class Superseded(Exception):
    """Raised out of a write that was told to stop."""


class _Part:
    """A slice of a large container, written by its own reduction call."""

    __slots__ = ("items",)

    def __init__(self, items: list[Any]) -> None:
        self.items = items


class _Parts:
    """A large list or dict, to be written as parts and joined again on load."""

    __slots__ = ("is_dict", "parts")

    def __init__(self, value: list[Any] | dict[Any, Any]) -> None:
        self.is_dict = isinstance(value, dict)
        self.parts: list[_Part] = []
        if isinstance(value, dict):
            pairs = iter(value.items())
            while chunk := [x for pair in islice(pairs, PART_SIZE) for x in pair]:
                self.parts.append(_Part(chunk))
        else:
            items = iter(value)
            while chunk := list(islice(items, PART_SIZE)):
                self.parts.append(_Part(chunk))


def _parted(value: Any) -> Any:
    if type(value) in (list, dict) and len(value) > PART_SIZE:
        return _Parts(value)
    return value


class SnapshotPickler(pickle.Pickler):
    """Writes models compactly, strings once, and index objects' large attributes in parts.

    ``indexes`` are the classes whose instances are written attribute by attribute, their
    large lists and dicts in parts (the index; the loader's file results), or slot by slot
    (the loader's items): unpickling is C that holds the GIL from one Python call to the
    next, and each part or slotted object is one such call.
    """

    def __init__(
        self,
        file: BinaryIO,
        indexes: tuple[type, ...],
        stop: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._indexes = indexes
        self._stop = stop
        self._calls = 0
        #: (class, fields set) -> the arguments every such model is made with (one shared
        #: set of field names per distinct set: nothing mutates it, the models are frozen).
        self._layouts: dict[tuple[type, frozenset[str]], tuple[type, set[str]]] = {}

    def reducer_override(self, obj: Any) -> Any:
        self._calls += 1
        if self._stop is not None and not self._calls & 4095 and self._stop():
            raise Superseded  # a newer snapshot is live: this one is not worth finishing
        cls = type(obj)
        if isinstance(obj, BaseModel):
            if obj.__pydantic_extra__ or obj.__pydantic_private__:
                return NotImplemented  # not our models' shape: pydantic's own way
            key = (cls, frozenset(obj.__pydantic_fields_set__))
            args = self._layouts.get(key)
            if args is None:
                args = self._layouts[key] = (cls, set(key[1]))
            # Nothing made here outlives this call: the pickler's memo keeps every object it
            # wrote alive until the end, so a tuple per model would cost ~70 MB at 100k.
            return (_model, args, obj.__dict__, None, None, _fill)
        if cls is _Part:
            return (_same, (obj.items,))
        if cls is _Parts:
            return (_joined_dict if obj.is_dict else _joined_list, tuple(obj.parts))
        if cls in self._indexes:
            slots = cls.__dict__.get("__slots__")
            if slots is not None and not hasattr(obj, "__dict__"):
                return (_slotted, (cls, tuple(getattr(obj, name) for name in slots)))
            return (_instance, (cls, {k: _parted(v) for k, v in vars(obj).items()}))
        # (Lists and dicts never get here: pickle does not ask reducer_override about exact
        # builtin containers. Large ones are parted only as attributes of ``indexes``.)
        return NotImplemented


def dumps(value: Any, indexes: tuple[type, ...]) -> bytes:
    buffer = io.BytesIO()
    SnapshotPickler(buffer, indexes).dump(value)
    return buffer.getvalue()


#: (module, name) pairs a snapshot may refer to. Models and index classes are checked by
#: module below; these are the rest (containers pickle as opcodes, not names).
_ALLOWED = {
    ("bot.snapshots.codec", "_model"),
    ("bot.snapshots.codec", "_fill"),
    ("bot.snapshots.codec", "_same"),
    ("bot.snapshots.codec", "_joined_list"),
    ("bot.snapshots.codec", "_joined_dict"),
    ("bot.snapshots.codec", "_instance"),
    ("bot.snapshots.codec", "_slotted"),
    ("array", "_array_reconstructor"),
    ("array", "array"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "range"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "timezone"),
    ("datetime", "timedelta"),
}
#: Modules whose classes a snapshot holds (models, the index, the loader's per-file results).
_MODULES = (
    "bot.model",
    "bot.search",
    "bot.index_patch",
    "bot.index_types",
    "bot.loader",
    "bot.errors",
    "bot.question.facets",
    "bot.question.vocabulary",
    "bot.question.lexicon",
)


class SafeUnpickler(pickle.Unpickler):
    """Resolves only what a snapshot is made of; anything else raises UnpicklingError."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module in _MODULES and not name.startswith("__"):
            found = super().find_class(module, name)
            # Classes defined there only: no module functions, nothing imported into it.
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"a snapshot may not refer to {module}.{name}")


def loads(blob: bytes) -> Any:
    return SafeUnpickler(io.BytesIO(blob)).load()
