"""The fast walk of a parsed file (``MarkingLoader.build``) gives exactly what PyYAML's
generic constructor gives: the same values, marks and problems, on real and tricky files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.generator import generate
from bot.yamlio import MarkedDict, MarkedList, MarkingLoader, parse_yaml_bytes
from tests.conftest import DATA_DIR


def generic(raw: bytes) -> tuple[Any, list[Any]]:
    """What the generic constructor makes of a file: (data, problems)."""
    loader = MarkingLoader(raw.decode("utf-8"))
    try:
        return loader.get_single_data(), loader.problems
    finally:
        loader.dispose()


def fast(raw: bytes) -> tuple[Any, list[Any]]:
    loader = MarkingLoader(raw.decode("utf-8"))
    try:
        root = loader.get_single_node()
        return (None if root is None else loader.build(root)), loader.problems
    finally:
        loader.dispose()


def shape(value: Any) -> Any:
    """A value with its marks spelled out, so equality covers them too."""
    if isinstance(value, MarkedDict):
        return ("map", value.start, [(k, value.key_marks[k], shape(v)) for k, v in value.items()])
    if isinstance(value, MarkedList):
        return ("list", value.start, list(zip(value.item_marks, map(shape, value), strict=True)))
    return (type(value).__name__, value)


def assert_same(raw: bytes) -> None:
    want_data, want_problems = generic(raw)
    got_data, got_problems = fast(raw)
    assert shape(got_data) == shape(want_data)
    assert got_problems == want_problems


def test_every_shipped_file_reads_the_same() -> None:
    files = sorted(DATA_DIR.rglob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        assert_same(path.read_bytes())


def test_generated_files_read_the_same(tmp_path: Path) -> None:
    folder, _ = generate(300, tmp_path)
    files = sorted(folder.rglob("*.yaml"))
    assert len(files) > 3
    for path in files:
        assert_same(path.read_bytes())


TRICKY = [
    "startups:\n  - id: foo\n    name: Foo\n    name: Bar\n",  # duplicate key
    "a: yes\nb: No\nc: on\nd: true\ne: FALSE\n",  # YAML 1.1 booleans
    "a: 017\nb: 1:30\nc: 0x1F\nd: 1_000\ne: 3.5\nf: .inf\ng: -.5e3\nh: 190:20:30.15\n",
    "a: ~\nb: null\nc:\nd: ''\ne: \"\"\n",
    "? [a, b]\n: list key\nplain: value\n",  # unhashable key
    "a: {x: 1, y: [1, 2, {z: 3}]}\nb: [[], {}]\n",
    "- 1\n- two\n- [3]\n- {four: 4}\n",
    "a: 'quoted: yes'\nb: \"017\"\nc: |\n  block\n  text\nd: >\n  folded\n  text\n",
    "1: int key\n2.5: float key\nnull: null key\ntrue: bool key\n",
    "just a string\n",
    "42\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents_read_the_same(text: str) -> None:
    assert_same(text.encode("utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",  # merge key: generic path, alias refused
        "when: 2020-05-01\n",  # a timestamp: generic path
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x, y}\n",
        "a: !!omap [x: 1, y: 2]\n",
    ],
)
def test_unusual_documents_take_the_generic_path(text: str) -> None:
    """parse_yaml_bytes gives the generic outcome (value or problem) for what the walk
    leaves alone."""
    result = parse_yaml_bytes(text.encode("utf-8"), "x.yaml")
    loader = MarkingLoader(text)
    try:
        expected: Any = loader.get_single_data()
        problems = [p[2] for p in loader.problems]
    except Exception as exc:
        expected, problems = None, [type(exc).__name__]
    finally:
        loader.dispose()
    if expected is None:
        assert result.data is None and result.problems
    else:
        assert shape(result.data) == shape(expected)
        assert [p.found for p in result.problems] == problems


def test_an_alias_is_refused_by_the_walk_too() -> None:
    result = parse_yaml_bytes(b"a: &x [1, 2]\nb: *x\n", "x.yaml")
    assert result.data is None
    assert len(result.problems) == 1 and "alias" in result.problems[0].found
    assert result.problems[0].line == 1  # where the anchor is, as the generic path says
