"""The checks that need every record at once, run on small per-item summaries.

Duplicate ids, unknown references, name collisions and a second community section cannot be
seen in one file. They need, per item, only its section, id, place, the ids it refers to and
its normalized labels: an :data:`ItemSummary`, a plain tuple. Both ways of checking a folder
run these checks on summaries, so they cannot diverge:

- the full load (:func:`bot.loader.assemble`) summarizes the models it validated;
- ``smartups validate`` (:mod:`bot.validate`) gets them from its child processes or from its
  cache (:mod:`bot.validate_cache`) and never builds, ships or unpickles the 100,000 models
  (unpickling them alone cost ~5 s at 100k records; the summaries load in a fraction of that).

Summaries are plain tuples of strings and ints so that :mod:`marshal` stores and loads them
(much faster than pickling objects).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, groupby, islice
from operator import itemgetter
from typing import TypeVar

from bot.errors import DataProblem
from bot.model import SECTION_KIND, Kind

#: One item as the checks across files see it:
#: ``(section, id, line, column, city, refs, labels, keys)``.
#:
#: - ``id``: a record's or a list's id, a source's URL;
#: - ``city``: the city id a record or list names (None when it names none or has no such field);
#: - ``refs``: a record's organization ids, a list's entries' startup ids (in order);
#: - ``labels``: a record's name, Chinese name ("" when none) and aliases;
#: - ``keys``: the normalized key of each label, "" where the label has none or an earlier
#:   label of the record has the same (see :func:`label_keys`).
ItemSummary = tuple[
    str, str, int, int, str | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]
]

#: A problem as a plain tuple (the fields of :class:`DataProblem`, in order).
PlainProblem = tuple[str, int, int, str, str, str]

#: What :meth:`FileSummary.plain` gives: ``(sha256, community_line, problems, items)``.
PlainFile = tuple[str, int | None, tuple[PlainProblem, ...], tuple[ItemSummary, ...]]

Origin = tuple[str, int]  # (file, line) of an item


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What the checks across files need from one file, and the file's own problems."""

    name: str
    sha256: str
    #: The line of the file's 'community' section, None when it has none (or it was invalid).
    community_line: int | None
    problems: tuple[DataProblem, ...]
    items: tuple[ItemSummary, ...]

    def plain(self) -> PlainFile:
        """The summary without its name, as marshal can store it."""
        problems = tuple(
            (p.file, p.line, p.column, p.field, p.found, p.expected) for p in self.problems
        )
        return (self.sha256, self.community_line, problems, self.items)

    @classmethod
    def from_plain(cls, name: str, plain: PlainFile) -> FileSummary:
        """The summary :meth:`plain` gave (its items are used as they are, not copied)."""
        sha, community_line, problems, items = plain
        return cls(name, sha, community_line, tuple(DataProblem(*p) for p in problems), items)


@dataclass(frozen=True)
class CrossCheck:
    """The problems of a whole folder (each file's own first) and its record counts."""

    problems: list[DataProblem]
    #: Records of each kind (duplicates left out), in :class:`Kind` order.
    counts: dict[Kind, int]


class _Space:
    """Items sharing one id space (the records of a kind, the sources by URL, the lists): the
    first item of each id is kept, with its file; a later one with the same id is a duplicate,
    reported on ``field_path`` and left out."""

    __slots__ = ("expected", "field_path", "found", "ids", "runs")

    def __init__(self, field_path: str, found: str, expected: str) -> None:
        self.field_path = field_path
        #: The duplicate's "found" (a format string of key, file and line) and "expected".
        self.found, self.expected = found, expected
        #: The kept items, in file order, as (file, items of that file).
        self.runs: list[tuple[str, tuple[ItemSummary, ...]]] = []
        #: The ids of the kept items.
        self.ids: set[str] = set()

    def __len__(self) -> int:
        return len(self.ids)

    def items(self) -> Iterator[ItemSummary]:
        """The kept items, in order."""
        return chain.from_iterable(block for _, block in self.runs)

    def pairs(self) -> Iterator[tuple[str, ItemSummary]]:
        """The kept items with their files, in order."""
        return ((file, item) for file, block in self.runs for item in block)

    def ordered_ids(self) -> list[str]:
        """The kept ids in order (the choices of a "did you mean")."""
        return list(map(itemgetter(1), self.items()))

    def collect(self, runs: list[tuple[str, tuple[ItemSummary, ...]]]) -> bool:
        """Keep ``runs`` (file, its items) whole if no id comes twice; else keep nothing."""
        self.runs = runs
        ids, count = _distinct(list(map(itemgetter(1), step)) for step in _steps(self.items()))
        self.ids = ids
        if len(self.ids) == count:
            return True
        self.runs, self.ids = [], set()
        return False

    def duplicate(self, file: str, item: ItemSummary, first: tuple[str, int]) -> DataProblem:
        """The problem of ``item``, whose id the item at ``first`` (file, line) has."""
        found = self.found.format(key=item[1], file=first[0], line=first[1])
        return DataProblem(file, item[2], item[3], self.field_path, found, self.expected)

    def keep(self, kept: list[tuple[str, ItemSummary]]) -> None:
        """Keep ``kept`` (file, item), whose ids are distinct."""
        self.ids = {item[1] for _, item in kept}
        self.runs = [
            (file, tuple(map(itemgetter(1), group))) for file, group in groupby(kept, itemgetter(0))
        ]


T = TypeVar("T")

#: Items per C call of the all-at-once questions below: the load runs in a worker thread,
#: and one C call over all 300,000 keys of real-shape 100k held the GIL ~50-60 ms, a stall
#: of the bot's event loop in every reload; steps of this many let it run in between.
STEP = 10_000


def _steps(items: Iterable[ItemSummary]) -> Iterator[list[ItemSummary]]:
    """``items`` in lists of STEP."""
    found = iter(items)
    while step := list(islice(found, STEP)):
        yield step


def _distinct(steps: Iterable[list[T]]) -> tuple[set[T], int]:
    """The set of the values in ``steps`` (one C call per step) and how many there were."""
    seen: set[T] = set()
    count = 0
    for step in steps:
        seen.update(step)
        count += len(step)
    return seen, count


def label_keys(keys: Sequence[str], labels: int) -> tuple[str, ...]:
    """The keys of a record's first ``labels`` labels (:func:`bot.text.record_keys` gives
    name, Chinese name, aliases, then the id's), each only where it first occurs.

    A record that has one key twice ("Hong Kong", alias "HONG-KONG") does not collide with
    itself; keeping each key once per record lets the collision check see "no two records
    share a key" in one set operation over all keys (see _name_collisions).
    """
    seen: set[str] = set()
    out: list[str] = []
    for key in keys[:labels]:
        if key and key not in seen:
            seen.add(key)
            out.append(key)
        else:
            out.append("")
    return tuple(out)


def cross_check(files: Sequence[FileSummary]) -> CrossCheck:
    """Every problem of ``files`` (in file order), the ones across files included.

    Each check first asks one question of all items at once, in C (are all ids distinct,
    are all references known, are all name keys distinct?), and visits the 100,000s of items
    one by one, in order, only when the answer is no (visiting them cost ~0.6 s at 100k).
    """
    problems: list[DataProblem] = [p for f in files for p in f.problems]
    section_of = {kind: section for section, kind in SECTION_KIND.items()}
    records = {
        kind: _Space(
            f"{section_of[kind]}.id",
            "duplicate id {key!r} (first in {file} line {line})",
            f"a unique id among {section_of[kind]}",
        )
        for kind in Kind
    }
    spaces: dict[str, _Space] = {section: records[kind] for section, kind in SECTION_KIND.items()}
    spaces["sources"] = _Space("sources.url", "duplicate source {key!r}", "each source URL once")
    spaces["lists"] = _Space("lists.id", "duplicate id {key!r}", "a unique id among lists")
    # A file's items come section by section: runs of one space each.
    runs: dict[str, list[tuple[str, tuple[ItemSummary, ...]]]] = {s: [] for s in spaces}
    for summary in files:
        for section, run in groupby(summary.items, itemgetter(0)):
            if section in runs:
                runs[section].append((summary.name, tuple(run)))
    if all([spaces[section].collect(runs[section]) for section in spaces]):
        problems.extend(_communities(files))
    else:
        problems.extend(_collect_one_by_one(files, spaces))
    problems.extend(_record_references(records))
    problems.extend(_list_references(spaces["lists"], records))
    problems.extend(_name_collisions(records))
    return CrossCheck(problems, {kind: len(space) for kind, space in records.items()})


def _communities(files: Sequence[FileSummary]) -> list[DataProblem]:
    """A second community section is a problem (the data has one)."""
    problems: list[DataProblem] = []
    first: str | None = None
    for summary in files:
        if summary.community_line is not None:
            if first is None:
                first = summary.name
            else:
                problems.append(_second_community(summary.name, summary.community_line, first))
    return problems


def _collect_one_by_one(
    files: Sequence[FileSummary], spaces: dict[str, _Space]
) -> list[DataProblem]:
    """Some id comes twice: every file's community and items in order, the first item of
    each id kept and each later one reported where it stands."""
    problems: list[DataProblem] = []
    community: str | None = None
    first: dict[str, dict[str, tuple[str, int]]] = {section: {} for section in spaces}
    kept: dict[str, list[tuple[str, ItemSummary]]] = {section: [] for section in spaces}
    for summary in files:
        file = summary.name
        if summary.community_line is not None:
            if community is not None:
                problems.append(_second_community(file, summary.community_line, community))
            else:
                community = file
        for item in summary.items:
            seen = first.get(item[0])
            if seen is None:
                continue
            taken = seen.get(item[1])
            if taken is None:
                seen[item[1]] = (file, item[2])
                kept[item[0]].append((file, item))
            else:
                problems.append(spaces[item[0]].duplicate(file, item, taken))
    for section, space in spaces.items():
        space.keep(kept[section])
    return problems


def _second_community(file: str, line: int, first_file: str) -> DataProblem:
    return DataProblem(
        file,
        line,
        1,
        "community",
        f"a second 'community' section (first in {first_file})",
        "one 'community' section in the whole data folder",
    )


def _unknown(
    file: str, item: ItemSummary, field_path: str, what: str, value: str, expected: str
) -> DataProblem:
    """A reference to an id the data does not have (reported on the referring item's line)."""
    return DataProblem(file, item[2], 1, field_path, f"unknown {what} {value!r}", expected)


def _record_references(records: dict[Kind, _Space]) -> list[DataProblem]:
    """Every record's city and organizations must be records of the data."""
    cities = records[Kind.CITY].ids
    organizations = records[Kind.ORGANIZATION].ids
    named_cities: set[str | None] = set()
    named_organizations: set[str] = set()
    for step in _steps(chain.from_iterable(records[kind].items() for kind in Kind)):
        named_cities.update(map(itemgetter(4), step))
        named_organizations.update(chain.from_iterable(map(itemgetter(5), step)))
    named_cities.discard(None)
    if cities >= named_cities and organizations >= named_organizations:
        return []  # every reference holds (the usual case: no record visited one by one)
    city_ids = records[Kind.CITY].ordered_ids()
    organization_ids = records[Kind.ORGANIZATION].ordered_ids()
    problems: list[DataProblem] = []
    for kind in Kind:
        for file, item in records[kind].pairs():
            rid, city, orgs = item[1], item[4], item[5]
            if city is not None and city not in cities:
                known = ", ".join(sorted(cities)) or "none yet"
                expected = f"the id of a city in the data ({known})" + did_you_mean(city, city_ids)
                field_path = f"{kind.value} {rid}.city"
                problems.append(_unknown(file, item, field_path, "city", city, expected))
            for org in orgs:
                if org not in organizations:
                    expected = "the id of an organization in the data" + did_you_mean(
                        org, organization_ids
                    )
                    field_path = f"{kind.value} {rid}.organizations"
                    problems.append(_unknown(file, item, field_path, "organization", org, expected))
    return problems


def _list_references(lists: _Space, records: dict[Kind, _Space]) -> list[DataProblem]:
    """A community list's city and entries must be records of the data."""
    cities = records[Kind.CITY].ids
    startups = records[Kind.STARTUP].ids
    startup_ids: list[str] | None = None
    problems: list[DataProblem] = []
    for file, item in lists.pairs():
        lid, city = item[1], item[4]
        if city is not None and city not in cities:
            expected = "the id of a city in the data"
            problems.append(_unknown(file, item, f"list {lid}.city", "city", city, expected))
        for index, startup in enumerate(item[5]):
            if startup not in startups:
                if startup_ids is None:
                    startup_ids = records[Kind.STARTUP].ordered_ids()
                expected = "the id of a startup in the data" + did_you_mean(startup, startup_ids)
                field_path = f"list {lid}.entries[{index}].startup"
                problems.append(_unknown(file, item, field_path, "startup", startup, expected))
    return problems


def _name_collisions(records: dict[Kind, _Space]) -> list[DataProblem]:
    """A name or alias must point at one record only, or lookups would be a coin toss.

    Each key belongs to the first record (in kind, then file order) with a label of that key;
    another record with a label of that key is reported (once: its keys are once each).
    """
    every = chain.from_iterable(records[kind].items() for kind in Kind)
    distinct, count = _distinct(
        list(filter(None, chain.from_iterable(map(itemgetter(7), step))))
        for step in _steps(every)
    )
    if len(distinct) == count:
        return []  # no key twice (each is once per record): no collision to look for
    owner: dict[str, int] = {}  # key -> the number of the first record that has it
    owners: list[tuple[Kind, ItemSummary]] = []
    problems: list[DataProblem] = []
    for kind in Kind:
        for file, item in records[kind].pairs():
            me = len(owners)
            owners.append((kind, item))
            for label, key in zip(item[6], item[7], strict=True):
                if not label or not key or owner.setdefault(key, me) == me:
                    continue  # no label or key, or a key of its own
                other_kind, other = owners[owner[key]]
                problems.append(
                    DataProblem(
                        file,
                        item[2],
                        1,
                        f"{kind.value} {item[1]}",
                        f"name or alias {label!r} also names {other_kind.value} {other[1]!r} "
                        f"(as {_label_of(other, key)!r})",
                        "names and aliases that identify one record only",
                    )
                )
    return problems


def _label_of(item: ItemSummary, key: str) -> str:
    """The label of a record whose key is ``key``."""
    return next(label for label, k in zip(item[6], item[7], strict=True) if label and k == key)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest of ``choices``, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
