"""Reading one YAML data file safely, keeping the line of every value.

Why not ``yaml.safe_load``: admins need "startups.yaml line 12: unknown key 'secotr'", so every
mapping and list we build remembers where each entry stood. We also refuse what PyYAML would
happily accept but an admin never meant: duplicate keys (the last silently wins), aliases
(an alias bomb explodes when walked), YAML 1.1 surprises (``no`` read as false, ``017`` as 15,
``1:30`` as 90), non-UTF-8 bytes and oversized files. The C parser is used where present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import DataProblem

MAX_FILE_BYTES = 16 * 1024 * 1024

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TRUE_FALSE = {"true", "false"}
_SEXAGESIMAL_RE = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_OCTAL_RE = re.compile(r"^[-+]?0[0-9_]+$")


class MarkedDict(dict):
    """A dict that remembers the (line, column) of each key, 1-based."""

    __slots__ = ("key_marks", "start")

    def __init__(self) -> None:
        super().__init__()
        self.key_marks: dict[Any, tuple[int, int]] = {}
        self.start: tuple[int, int] = (0, 0)


class MarkedList(list):
    """A list that remembers the (line, column) of each item, 1-based."""

    __slots__ = ("item_marks", "start")

    def __init__(self) -> None:
        super().__init__()
        self.item_marks: list[tuple[int, int]] = []
        self.start: tuple[int, int] = (0, 0)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _AliasFound(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class _Unusual(Exception):
    """A node :meth:`MarkingLoader.build` leaves to PyYAML's generic constructor."""


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class MarkingLoader(_BaseLoader):
    """Safe loader that records marks, duplicate keys and YAML 1.1 surprises."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[tuple[tuple[int, int], str, str, str]] = []

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # The composer hands us the very same node object for an alias and its anchor; seeing
        # a node twice means the file uses aliases, which we refuse before anything is walked.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _AliasFound(node)
        return super().construct_object(node, deep=True)

    def construct_marked_map(self, node: yaml.MappingNode) -> MarkedDict:
        self.flatten_mapping(node)
        data = MarkedDict()
        data.start = _mark(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node)
            if self._key_refused(data, key, key_node):
                continue
            data[key] = self.construct_object(value_node)
            data.key_marks[key] = _mark(key_node)
        return data

    def _key_refused(self, data: MarkedDict, key: Any, key_node: yaml.Node) -> bool:
        """Whether ``key`` cannot go into ``data`` (a list or mapping, or already there);
        the problem is recorded."""
        try:
            hash(key)
        except TypeError:
            self.problems.append(
                (_mark(key_node), "", "a list or mapping used as a key", "a plain text key")
            )
            return True
        if key in data:
            first = data.key_marks[key]
            self.problems.append(
                (
                    _mark(key_node),
                    str(key),
                    f"duplicate key {key!r} (first at line {first[0]})",
                    "each key once per mapping",
                )
            )
            return True
        return False

    def construct_marked_seq(self, node: yaml.SequenceNode) -> MarkedList:
        data = MarkedList()
        data.start = _mark(node)
        for child in node.value:
            data.append(self.construct_object(child))
            data.item_marks.append(_mark(child))
        return data

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """PyYAML's tag resolution without its path resolvers (we register none): the C
        composer calls this for every node."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR_TAG
        return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

    def build(self, root: yaml.Node) -> Any:
        """What ``construct_document`` would make of ``root``, ~3x faster for plain data.

        PyYAML's constructor spends most of a large load in its generic machinery (a
        dispatch per node through ``construct_object``, state for recursive structures we
        refuse anyway). This walk handles what data files are made of (mappings, lists,
        strings and the scalars our checked constructors read) directly, with the same
        marks and problems; anything else (merge keys, other tags) raises _Unusual and the
        caller constructs the document the generic way. ``tests/test_yamlio.py`` compares
        both on every shipped and generated data file and on the tricky cases.
        """
        seen: set[int] = set()
        scalar_constructors = {
            tag: self.yaml_constructors[tag]
            for tag in (_NULL_TAG, _BOOL_TAG, _INT_TAG, _FLOAT_TAG)
        }
        scalar_type, mapping_type = yaml.ScalarNode, yaml.MappingNode
        sequence_type = yaml.SequenceNode

        def walk(node: yaml.Node) -> Any:
            key = id(node)
            if key in seen:  # the composer's node for an alias is its anchor's node
                raise _AliasFound(node)
            seen.add(key)
            kind = type(node)
            tag = node.tag
            if kind is scalar_type:
                if tag == _STR_TAG:
                    return node.value
                construct = scalar_constructors.get(tag)
                if construct is None:
                    raise _Unusual
                return construct(self, node)
            if kind is mapping_type and tag == _MAP_TAG:
                data = MarkedDict()
                data.start = _mark(node)
                marks = data.key_marks
                for key_node, value_node in node.value:
                    if key_node.tag == _MERGE_TAG:
                        raise _Unusual
                    item = walk(key_node)
                    if self._key_refused(data, item, key_node):
                        continue
                    data[item] = walk(value_node)
                    marks[item] = _mark(key_node)
                return data
            if kind is sequence_type and tag == _SEQ_TAG:
                items = MarkedList()
                items.start = _mark(node)
                item_marks = items.item_marks
                for child in node.value:
                    items.append(walk(child))
                    item_marks.append(_mark(child))
                return items
            raise _Unusual

        return walk(root)

    def construct_checked_bool(self, node: yaml.ScalarNode) -> Any:
        text = node.value
        if text.lower() not in _TRUE_FALSE:
            self.problems.append(
                (
                    _mark(node),
                    "",
                    f"{text!r}, which YAML 1.1 reads as a boolean",
                    f'true or false for a yes/no field, or quotes around text ("{text}")',
                )
            )
            return text
        return text.lower() == "true"

    def _ambiguous_number(self, node: yaml.ScalarNode, reading: str, plain: str) -> str:
        """Report a number YAML 1.1 would misread; keep its text so validation goes on."""
        self.problems.append(
            (
                _mark(node),
                "",
                f"{node.value!r}, which YAML 1.1 reads as a {reading}",
                f'quotes around it ("{node.value}"){plain}',
            )
        )
        return node.value

    def construct_checked_int(self, node: yaml.ScalarNode) -> Any:
        if _SEXAGESIMAL_RE.match(node.value) or _OCTAL_RE.match(node.value):
            return self._ambiguous_number(
                node, "base-60 or octal number", " or a plain decimal number"
            )
        return super().construct_yaml_int(node)

    def construct_checked_float(self, node: yaml.ScalarNode) -> Any:
        if _SEXAGESIMAL_RE.match(node.value):
            return self._ambiguous_number(node, "base-60 number", "")
        return super().construct_yaml_float(node)


MarkingLoader.add_constructor("tag:yaml.org,2002:map", MarkingLoader.construct_marked_map)
MarkingLoader.add_constructor("tag:yaml.org,2002:omap", MarkingLoader.construct_marked_map)
MarkingLoader.add_constructor("tag:yaml.org,2002:seq", MarkingLoader.construct_marked_seq)
MarkingLoader.add_constructor("tag:yaml.org,2002:bool", MarkingLoader.construct_checked_bool)
MarkingLoader.add_constructor("tag:yaml.org,2002:int", MarkingLoader.construct_checked_int)
MarkingLoader.add_constructor("tag:yaml.org,2002:float", MarkingLoader.construct_checked_float)


@dataclass
class ParsedFile:
    """The outcome of reading one file: its data (None if unreadable) and its problems."""

    name: str
    data: Any = None
    problems: list[DataProblem] = field(default_factory=list)


def parse_yaml_bytes(raw: bytes, name: str, *, max_bytes: int = MAX_FILE_BYTES) -> ParsedFile:
    """Parse YAML bytes as one document. ``name`` is how errors refer to the file."""
    result = ParsedFile(name)

    def problem(line: int, column: int, found: str, expected: str, fld: str = "") -> None:
        result.problems.append(DataProblem(name, line, column, fld, found, expected))

    if len(raw) > max_bytes:
        problem(0, 0, f"a file of {len(raw):,} bytes", f"at most {max_bytes:,} bytes per file")
        return result
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problem(line, column, f"byte 0x{raw[exc.start]:02x} that is not UTF-8", "UTF-8 text")
        return result
    loader = MarkingLoader(text)
    try:
        try:
            root = loader.get_single_node()
            if root is not None:
                try:
                    result.data = loader.build(root)
                except _Unusual:  # the generic way, from a fresh parse
                    loader.dispose()
                    loader = MarkingLoader(text)
                    result.data = loader.get_single_data()
        finally:
            loader.dispose()
    except _AliasFound as alias:
        line, column = _mark(alias.node)
        problem(
            line,
            column,
            "an anchor/alias (&name / *name)",
            "plain values written out; aliases are not allowed in data files",
        )
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = exc.problem or "invalid YAML"
        if exc.context:
            context = exc.context
            if exc.context_mark is not None and exc.context_mark.line + 1 != line:
                context += f" that starts at line {exc.context_mark.line + 1}"
            what = f"{what} ({context})"
        problem(line, column, f"YAML syntax error: {what}", "valid YAML")
        return result
    except yaml.YAMLError as exc:
        problem(0, 0, f"YAML error: {exc}", "valid YAML")
        return result
    except RecursionError:
        problem(0, 0, "nesting too deep", "a shallow data file")
        return result
    except (TypeError, ValueError) as exc:  # PyYAML's constructors on odd input (!!omap [])
        problem(0, 0, f"an unsupported YAML construct ({exc})", "plain mappings, lists and text")
        return result
    for (line, column), fld, found, expected in loader.problems:
        problem(line, column, found, expected, fld)
    return result


def read_yaml(
    path: Path, name: str | None = None, *, max_bytes: int = MAX_FILE_BYTES
) -> ParsedFile:
    """Read and parse one file, refusing oversized files before reading them whole."""
    display = name or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return ParsedFile(
                display,
                problems=[
                    DataProblem(
                        display,
                        0,
                        0,
                        "",
                        f"a file of {size:,} bytes",
                        f"at most {max_bytes:,} bytes per file",
                    )
                ],
            )
        raw = path.read_bytes()
    except OSError as exc:
        return ParsedFile(
            display,
            problems=[
                DataProblem(display, 0, 0, "", f"unreadable ({exc.strerror})", "a readable file")
            ],
        )
    return parse_yaml_bytes(raw, display, max_bytes=max_bytes)
