"""A faster read of a data file (rapidyaml), used only where it is sure to equal the exact one.

Why: at 100,000 records the loader spends ~45 ms of every 250-record file in PyYAML (compose
and build) against ~12 ms for rapidyaml's C++ parser, its JSON emitter and ``json.loads``.
rapidyaml reads YAML 1.2 and its JSON loses quoting and marks, so it is not a drop-in: PyYAML
(YAML 1.1, with the checked constructors of :mod:`bot.yamlio`) reads ``yes`` as a boolean,
``2023-03-01`` as a date, ``~`` as null, refuses anchors and duplicate keys, and reports
line and column. :func:`parse_fast` therefore returns a result only when it can show that it
is exactly what :func:`bot.yamlio.parse_yaml_bytes` gives (the same values of the same types,
the same top-level key and item marks), and ``None`` otherwise, and the caller then takes the
exact path. It never reports a problem itself: a file with any problem is read again the
exact way (see ``bot.loader._validate_job``), so every message stays what it was.

How it is sure, in order (any doubt is ``None``):

* the text: UTF-8, no tab, carriage return, backslash, Unicode line break, stray BOM or
  character PyYAML refuses; no document marker or directive; no anchor, alias, tag, block
  scalar, reserved character or non-empty flow collection where a token starts (same line
  after ``key:``/``-``/``?``, or at a line start that is not provably the continuation of a
  plain scalar);
* the numbers: only integers, each one the JSON text of a plain scalar that PyYAML reads as
  the same int (rapidyaml quotes everything else: ``010``, ``0x1F``, ``1:30``, ``.inf``,
  ``True``, ``Null``, ``~``); no float at all (rapidyaml rewrites some, ``1.`` as ``1.0`` and
  ``.5`` as ``0.5``, so the JSON text is not always the file's; YAML 1.1 reads ``1e3`` as
  text); ``true``, ``false`` and ``null`` come only from those plain words or an empty value,
  which PyYAML reads the same; no duplicate key;
* the strings: a string that PyYAML's implicit resolvers would read as something else if it
  were plain (``'2022'``, ``'2022-05-18'``, ``'no'``) is kept only if the text holds no plain
  occurrence of it anywhere (its quotes are then what made it text);
* the marks: the top-level keys are found at column 1 in the text in the parsed order, and
  each section's items at one indentation, as many as were parsed.

Only the top-level mapping and its lists carry marks (:class:`MarkedDict`/:class:`MarkedList`):
the loader reads item marks there, and deeper marks only to report problems, which the exact
path does. (pydantic also validates the plain nested dicts faster than dict subclasses.)

Measured at real-shape 100,000 (423 files, 117 MB, 2 shared cores, others busy): a
single-process parse of every file 35.5 s -> 11.8 s, none taking the exact path; the loader's
per-file jobs (parse, validate, pack: what the child processes do) 37.9 s -> 21.3 s of CPU;
``Loader.load()`` (same code, rapidyaml made unimportable for A) A 51.1 s / B 23.7 s, then
B 26.8 s / A 63.8 s wall (load average 4-5 from other sessions: the size of the gap is noisy).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import yaml

from bot.yamlio import MAX_FILE_BYTES, MarkedDict, MarkedList, MarkingLoader, ParsedFile

log = logging.getLogger(__name__)

_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"

# Everything below works on the UTF-8 bytes (bytes regexes and searches are several times
# faster than on the decoded text): line prefixes, keys and the values looked for are ASCII.
#: C0 controls but the newline (tab and carriage return are refused too) and DEL: a file
#: without them is unchanged by deleting every other byte from it.
_BORING_BYTES = bytes(
    b for b in range(0x20, 0x100) if b not in b"\x7f\\\xc2\xe2\xef"
) + b"\n"
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")
#: U+2028/U+2029 (line breaks to libyaml), U+FEFF past the start, U+FFFE/U+FFFF.
_ODD_CHARACTERS = (
    b"\xe2\x80\xa8",
    b"\xe2\x80\xa9",
    b"\xef\xbb\xbf",
    b"\xef\xbf\xbe",
    b"\xef\xbf\xbf",
)
_TOKEN_CHARACTER = rb"[&*!@`%|>\]},\[{?:]"
# Per line start: a document marker (group 1); a token after "-" or "?" (group 2) or at the
# line start itself (group 3) with a character rapidyaml and PyYAML read differently (anchor,
# alias, tag, reserved, block scalar, flow collection, a stray closing bracket or comma).
_RISKY_LINE = re.compile(
    rb"\n(?:(---|\.\.\.|%)|[ ]*(?:[-?][ \-?]*[ ]("
    + _TOKEN_CHARACTER
    + rb")|("
    + _TOKEN_CHARACTER
    + rb")))"
)
# The same after "key:" (an empty [] or {} closing the line is fine).
_RISKY_AFTER_COLON = re.compile(
    rb":[ ]+(?:[&*!@`%|>\]},?:]|[\[{](?![\]}][ ]*(?:#[^\n]*)?(?:\n|$)))"
)
# A line-start character a plain scalar may continue with (anything else there: no).
_CONTINUES = frozenset(b"&*!@`%|>")
_KEY_LINE = re.compile(rb"((?:-[ ]+)*)[A-Za-z_][A-Za-z0-9_]*:[ ]+(.*)")
_DASH_LINE = re.compile(rb"((?:-[ ]+)+)(.*)")
_PLAIN_START_REFUSED = frozenset(b"'\"&*!@`%|>[]{},#?:-")
_CONTINUATION_LOOKBACK = 200
# Candidates for strings YAML 1.1 would not read as text if they were plain; each is checked
# with the loader's own resolvers. Found in the JSON text: every string there is "..."; the
# text between two strings starts with ':', ',' or a bracket, so no candidate hides another.
_RISKY_JSON_STRING = re.compile(
    r'"([yYnNtTfFoO~<=][A-Za-z<]{0,4}|[-+.0-9][-+.0-9A-Za-z_: ]{0,80})"'
)
_TOP_KEY = re.compile(rb"\n([A-Za-z_][A-Za-z0-9_]*)[ ]*:(?=[ \n]|$)")


class _Doubt(Exception):
    """The JSON reading may differ from PyYAML's: take the exact path."""


def _ryml() -> ModuleType | None:
    return _load_ryml()


@functools.cache
def _load_ryml() -> ModuleType | None:
    try:
        import ryml
    except ImportError:  # optional at run time: the exact path reads every file then
        log.debug("rapidyaml is not importable; data files are read by PyYAML only")
        return None
    return ryml


def available() -> bool:
    """Whether the fast path can run here (rapidyaml importable)."""
    return _ryml() is not None


@contextlib.contextmanager
def _stderr_silenced(enabled: bool) -> Iterator[None]:
    """rapidyaml prints its own parse error on file descriptor 2 before raising; the exact
    path then reports the error properly. Only a single-threaded process (a loader child)
    may swap fd 2 for a moment, so the caller says whether this is one."""
    if not enabled:
        yield
        return
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _resolves_to_text(value: str) -> bool:
    """Whether PyYAML reads ``value`` as text when it is written plain."""
    return MarkingLoader.resolve(_RESOLVER, yaml.ScalarNode, value, (True, False)) == _STR_TAG


class _Resolver:
    """What ``MarkingLoader.resolve`` reads of its loader: the implicit resolvers, so that
    the loader's own resolution can be asked without a loader (one needs a stream)."""

    yaml_implicit_resolvers = MarkingLoader.yaml_implicit_resolvers


_RESOLVER: Any = _Resolver()


class _Integers:
    """json.loads' reader of integers: PyYAML's value for each, and their texts kept."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str) -> int:
        if MarkingLoader.resolve(_RESOLVER, yaml.ScalarNode, text, (True, False)) != _INT_TAG:
            raise _Doubt(text)
        self.texts.append(text)
        return int(text)  # JSON's integer grammar is within YAML 1.1's plain decimal ints


def _refuse_number(text: str) -> Any:
    raise _Doubt(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _Doubt("duplicate key")
    return data


def _text_doubts(raw: bytes) -> bool:
    """Whether the raw text holds anything the JSON reading may get differently."""
    rare = raw.translate(None, _BORING_BYTES)  # usually empty or a few lead bytes
    if rare:
        if rare.translate(None, b"\xc2\xe2\xef"):
            return True  # a control character, tab, carriage return, DEL or backslash
        if b"\xc2" in rare and _C1_CONTROL.search(raw):
            return True  # C1 controls (and NEL, a line break to libyaml)
        if (b"\xe2" in rare or b"\xef" in rare) and any(odd in raw for odd in _ODD_CHARACTERS):
            return True
    text = b"\n" + raw  # the first line starts after a newline too
    if _RISKY_AFTER_COLON.search(text):
        return True
    for match in _RISKY_LINE.finditer(text):
        if match.group(3) is None or match.group(3)[0] not in _CONTINUES:
            return True
        if not _continues_plain(text, match.start() + 1):
            return True
    return False


def _continues_plain(text: bytes, line_start: int) -> bool:
    """Whether the line at ``line_start`` can only be the continuation of a plain scalar
    begun on a ``key: value`` or ``- value`` line above, more indented than that key or dash
    (so that PyYAML and rapidyaml both read its first character as text)."""
    line_end = text.find(b"\n", line_start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    lowest = len(line) - len(line.lstrip(b" "))
    if b": " in line or b" #" in line or line.rstrip().endswith(b":"):
        return False
    end = line_start - 1  # the newline ending the line above
    for _ in range(_CONTINUATION_LOOKBACK):
        if end < 0:
            return False
        start = text.rfind(b"\n", 0, end) + 1
        above = text[start:end]
        end = start - 1
        body = above.lstrip(b" ")
        if not body:
            continue  # a blank line folds into the scalar
        indent = len(above) - len(body)
        if body.startswith(b"#"):
            return False
        key = _KEY_LINE.fullmatch(body)
        dash = None if key else _DASH_LINE.fullmatch(body)
        if key or dash:
            found = key or dash
            assert found is not None
            value = found.group(2)
            if key is not None:  # the key's column: the mapping's indentation
                column = indent + len(found.group(1))
            else:  # "- value": the innermost dash's column, the sequence's indentation
                column = indent + len(found.group(1).rstrip(b" ")) - 1
            return (
                bool(value)
                and value[0] not in _PLAIN_START_REFUSED
                and b": " not in value
                and b" #" not in value
                and not value.rstrip().endswith(b":")
                and lowest > column
            )
        if b": " in body or b" #" in body or body.rstrip().endswith(b":"):
            return False
        if body[0] in _PLAIN_START_REFUSED and body[0] not in _CONTINUES:
            return False
        lowest = min(lowest, indent)
    return False


@functools.lru_cache(maxsize=256)
def _value_then_end(values: frozenset[str]) -> re.Pattern[bytes]:
    """One of ``values`` followed by the end of the line, a comment or a ':' that would make
    it a key (a lookahead, so that ``2012: 2012`` is found twice)."""
    alternatives = b"|".join(re.escape(v.encode()) for v in sorted(values, key=len, reverse=True))
    return re.compile(rb"(" + alternatives + rb")(?=[ ]*(?:[\n#:]|$))")


def _plain_places(raw: bytes, values: frozenset[str]) -> Counter[str]:
    """How many places in the text could hold each of ``values`` as a whole plain scalar: at
    a token start (the line's start, or a ':', '-' or '?' and at least one space before it:
    "june-2018" is no token start)."""
    found: Counter[str] = Counter()
    for match in _value_then_end(values).finditer(raw):
        start = before = match.start() - 1
        while before >= 0 and raw[before] == 0x20:
            before -= 1
        if before < 0 or raw[before] == 0x0A or (before < start and raw[before] in b":-?"):
            found[match.group(1).decode()] += 1
    return found


def _strings_doubt(raw: bytes, emitted: str, ints: list[str]) -> bool:
    """Whether a string of the JSON may have been a plain scalar PyYAML reads as non-text.

    For each such value: rapidyaml writes a JSON number only for a plain scalar, so if the
    places in the text where the value could be plain are no more than the JSON integers of
    that text, every plain one is one of those integers and every string is quoted text.
    """
    risky: set[str] = set()
    for match in _RISKY_JSON_STRING.finditer(emitted):
        value = match.group(1)
        if not _resolves_to_text(value):
            risky.add(value)
    if not risky:
        return False
    if any(" " in value for value in risky):
        return True  # a folded plain scalar could spell it
    plain = _plain_places(raw, frozenset(risky))
    if not plain:
        return False
    numbers = Counter(value for value in ints if value in plain)
    return any(count > numbers[value] for value, count in plain.items())


def _marked(raw: bytes, data: dict[str, Any]) -> MarkedDict | None:
    """The top-level mapping with the marks PyYAML gives its keys and its lists' items."""
    text = b"\n" + raw  # positions are one past the raw ones; lines count from this newline
    keys = [(m.group(1).decode(), m.start() + 1) for m in _TOP_KEY.finditer(text)]
    if [k for k, _ in keys] != list(data):
        return None
    result = MarkedDict()
    done, line = 0, 0
    bounds = [position for _, position in keys] + [len(text)]
    for index, (key, position) in enumerate(keys):
        line += text.count(b"\n", done, position)
        done = position
        if index == 0:
            result.start = (line, 1)
        value = data[key]
        result.key_marks[key] = (line, 1)
        if isinstance(value, list):
            items = _items(text, position, bounds[index + 1], value, line)
            if items is None:
                return None
            value = items
        result[key] = value
    return result


@functools.lru_cache(maxsize=64)
def _item_at(indent: int) -> re.Pattern[bytes]:
    """A dash at exactly ``indent`` spaces: an item whose node starts after it on that line
    (group 1), or a dash alone or before a comment (no group: the node starts later)."""
    return re.compile(rb"\n" + b" " * indent + rb"-(?:[ ]+([^ \n#])|[ ]*(?:\n|$)|[ ]+#)")


_FIRST_ITEM = re.compile(rb"\n([ ]*)-")


def _items(text: bytes, start: int, stop: int, values: list[Any], line: int) -> MarkedList | None:
    """The section's items with PyYAML's marks: where each item's node starts after its
    dash, all dashes at the first one's indentation; None unless exactly one per item.
    ``line`` is the line of ``start``."""
    items = MarkedList()
    items.extend(values)
    if not values:
        return items
    first = _FIRST_ITEM.search(text, start, stop)
    if first is None:
        return None
    indent = len(first.group(1))
    found: list[tuple[int, int]] = []
    done = start
    for match in _item_at(indent).finditer(text, first.start(), stop):
        if match.group(1) is None:
            return None
        position = match.start(1)
        line += text.count(b"\n", done, position)
        done = position
        found.append((line, position - match.start()))  # the match starts at the newline
    if len(found) != len(values):
        return None
    items.item_marks = found
    items.start = (found[0][0], indent + 1)
    return items


def parse_fast(
    raw: bytes, name: str, *, max_bytes: int = MAX_FILE_BYTES, quiet: bool = False
) -> ParsedFile | None:
    """What ``parse_yaml_bytes(raw, name)`` gives, if it can be sure of it; else None.

    A result never carries problems (a file with any goes the exact way). ``quiet``: the
    caller is single-threaded, so rapidyaml's own error print may be silenced.
    """
    ryml = _ryml()
    if ryml is None or len(raw) > max_bytes:
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        raw.decode("utf-8")  # PyYAML refuses what is not UTF-8; rapidyaml does not check
    except UnicodeDecodeError:
        return None
    if _text_doubts(raw):
        return None
    try:
        with _stderr_silenced(quiet):
            tree = ryml.parse_in_arena(raw)
            if tree.size() < 2 or not tree.is_map(tree.root_id()):
                return None  # empty, comments only, several documents or not a mapping
            emitted = ryml.emit_json_malloc(tree, tree.root_id())
    except Exception:  # rapidyaml's parse errors (ExceptionParse and kin): the exact path
        return None
    if not isinstance(emitted, str):
        return None
    integers = _Integers()
    try:
        data = json.loads(
            emitted,
            object_pairs_hook=_pairs,
            parse_int=integers,
            parse_float=_refuse_number,
            parse_constant=_refuse_number,
        )
    except (_Doubt, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or _strings_doubt(raw, emitted, integers.texts):
        return None
    marked = _marked(raw, data)
    if marked is None:
        return None
    return ParsedFile(name, marked)
