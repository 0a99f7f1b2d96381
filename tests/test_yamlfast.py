"""The rapidyaml reading (bot.yamlfast) gives exactly what PyYAML's gives, or declines.

Exactly: the same values of the same types (nested mappings and lists as plain containers;
the exact path marks them, the fast one need not, see the module), and the same marks for the
top-level keys and every section's items. Declining is always allowed; a wrong answer never.
A file PyYAML reports a problem for is always declined. Through the loader's per-file job,
every file (good, tricky or broken) gives the same FileResult, problems byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

import bot.loader as loader_module
from bench.generator import generate
from bench.realshape import clone
from bot import yamlfast
from bot.loader import Loader, _validate_job
from bot.yamlfast import parse_fast
from bot.yamlio import MarkedDict, MarkedList, parse_yaml_bytes
from tests.conftest import DATA_DIR

pytestmark = pytest.mark.skipif(not yamlfast.available(), reason="rapidyaml not installed")


def shape(value: Any) -> Any:
    """A value spelled out with the type of every scalar and key."""
    if isinstance(value, dict):
        return ("map", [(type(k).__name__, k, shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [shape(v) for v in value])
    return (type(value).__name__, value)


def marks(data: Any) -> Any:
    """The marks the loader reads: the top-level keys', and the items' of its lists."""
    if not isinstance(data, MarkedDict):
        return None
    out: list[Any] = [data.start]
    for key, value in data.items():
        out.append((key, data.key_marks[key]))
        if isinstance(value, MarkedList):
            out.append((key, value.item_marks))
    return out


def compare(raw: bytes) -> bool:
    """Whether the fast path answered (True) or declined (False); if it answered, it is
    exactly the exact path's answer."""
    exact = parse_yaml_bytes(raw, "data/x.yaml")
    fast = parse_fast(raw, "data/x.yaml")
    if fast is None:
        return False
    assert exact.problems == [], "the fast path answered a file PyYAML reports"
    assert fast.problems == [] and fast.name == exact.name
    assert shape(fast.data) == shape(exact.data)
    assert marks(fast.data) == marks(exact.data)
    return True


def same_job(path: Path) -> None:
    """The loader's per-file job gives the same result with and without the fast path."""
    raw = path.read_bytes()
    job = (path, "data/" + path.name, "sha", raw, 16 * 1024 * 1024)
    assert _validate_job(job, fast=True) == _validate_job(job)


def test_every_shipped_file_is_read_fast_and_the_same() -> None:
    files = sorted(DATA_DIR.rglob("*.yaml"))
    assert len(files) >= 5
    # The shipped data is what the fast path is for: every file of it is answered.
    assert all(compare(path.read_bytes()) for path in files)
    for path in files:
        same_job(path)


def test_generated_and_real_shape_files_are_read_fast_and_the_same(tmp_path: Path) -> None:
    generated, _ = generate(300, tmp_path / "generated")
    real, _ = clone(600, tmp_path / "real")
    for folder in (generated, real):
        files = sorted(folder.rglob("*.yaml"))
        assert len(files) > 3
        answered = [compare(path.read_bytes()) for path in files]
        assert all(answered), [p.name for p, ok in zip(files, answered, strict=True) if not ok]


def record(field: str) -> bytes:
    """A startups file of one record whose last field is ``field`` (YAML text)."""
    return (
        "startups:\n- id: acme\n  name: Acme\n  city: hong-kong\n  sector: fintech\n"
        f"  {field}\n"
    ).encode()


SCALARS = [
    "yes", "no", "on", "off", "y", "n", "Yes", "NO", "True", "FALSE", "true", "false",
    "'yes'", '"no"', "'on'", "'true'", "010", "0o10", "0x1F", "1_000", "1:30", "190:20:30",
    "1e3", "1.5e3", "1.5e+3", "1.", ".5", "-.5", "1.0", ".inf", "-.inf", ".nan", "~", "null",
    "Null", "NULL", "'null'", "''", '""', "2023-03-01", "2023-03-01T10:00:00Z",
    "2001-12-14 21:59:43.10 -5", "2023-03", "'2023-03-01'", '"2022"', "2022", "-0", "+5",
    "0", "00", "0012", "12abc", "<<", "=", "'<<'", "@x", "`x", "]", "}", ",x", "& x", "* x",
    "&a x", "*a", "!!str 1", "!x y", "! x", "|\n    x\n    y", ">\n    x\n    y", "|-\n    15",
    "[]", "{}", "[a, b]", "{a: 1}", "[yes]", "'it''s'", '"\\u00e9\\x41"', '"say \\"hi\\""',
    "'two\n    lines'", "plain\n    continued", "plain\n    & continued", "plain\n\n    para",
    "x # comment", "x#y", "'x' # c", "http://a.b/c?d=1&e=2", "a: b",
    "'a   \n    b'", "a  \n    b  ", "'a\n\n\n    b'", "'  lead'", "x   ", "x\u00a0", "\u00a0x",
    "a\u00a0\n    b", "x\u3000", "\u3000x", "a\n      b\n    c", "a\n    'b'", "a\n    - b",
    "a\n    #b", "a\n  # c\n    b", "x:y", "x :y", "-x", "?x", ".x", "1 2", "'a''''b'", "'\"'",
    "\"'\"", '"a\n\n    b"', '"  x  "', "'#x'", "a #", "# x",
]  # fmt: skip


@pytest.mark.parametrize("scalar", SCALARS)
def test_tricky_values(scalar: str) -> None:
    for text in (
        record(f"note: {scalar}"),
        record(f"tags:\n  - {scalar}\n  - x"),
        record(f"note:\n    {scalar}"),
        f"startups:\n- {scalar}\n".encode(),
    ):
        compare(text)


#: Values the fast path must answer (so the comparisons above are not all declines).
ANSWERED = [
    "'yes'", '"no"', "true", "false", "null", "''", "2022", '"2022"', "'2023-03-01'", "2023-03",
    "-0", "'it''s'", "'two\n    lines'", "plain\n    continued", "plain\n    & continued",
    "plain\n\n    para", "x # comment", "http://a.b/c?d=1&e=2", "[]",
]  # fmt: skip


def test_the_usual_values_are_answered() -> None:
    assert all(compare(record(f"note: {scalar}")) for scalar in ANSWERED)
    assert compare(record("'1': x")) and compare(record("status:\n    state: active"))
    for raw in (
        b"\xef\xbb\xbfstartups:\n- id: a\n",
        b"startups:\n  - id: a\n    name: A\n  - id: b\n",
        b"community:\n  name: C\nstartups:\n- id: a\n",
        b"startups:\n- id: \xe5\x95\xa6\n  note: \xf0\x9f\x98\x80 x\n",
    ):
        assert compare(raw)


KEYS = [
    "1", "true", "yes", "~", "null", "2023-03-01", "'1'", '"true"', "<<", "1.5", "a b", "x",
    "a ", "'a' ", "a\u00a0", "-a", "a-b", "a:b", "_", "日本", "a#b", "'a#b'", "a.b", "a/b", "a?",
]  # fmt: skip


@pytest.mark.parametrize("key", KEYS)
def test_tricky_keys(key: str) -> None:
    compare(record(f"{key}: x"))
    compare(f"{key}: x\nstartups: []\n".encode())
    compare(record(f"status:\n    {key}: active"))


DOCUMENTS = [
    b"",
    b"# only a comment\n",
    b"\n\n",
    b"---\nstartups: []\n",
    b"startups: []\n...\n",
    b"startups: []\n---\ncities: []\n",
    b"%YAML 1.1\n---\nstartups: []\n",
    b"- a\n- b\n",
    b"just text\n",
    b"startups:\n- id: a\n  id: b\n",
    b"startups: []\nstartups: []\n",
    b"startups:\n- &one\n  id: a\n- *one\n",
    b"startups:\n- id: a\n  <<: {name: A}\n",
    b"startups:\n- id: a\r\n  name: A\r\n",
    b"\xef\xbb\xbfstartups:\n- id: a\n",
    b"startups:\n- id: a\n  name:\tA\n",
    b"startups:\n- id: a\n  name: \xff\n",
    b"startups:\n- id: a\n  name: A\x01\n",
    b"startups:\n- id: a\n  name: A\xc2\x85B\n",
    b"startups:\n- id: a\n  name: A\xe2\x80\xa8B\n",
    b"startups:\n  - id: a\n    name: A\n  - id: b\n",
    b"startups:\n-   id: a\n    founders:\n    - name: X\n      name_zh: Y\n",
    b"startups:\n- - a\n  - b\n- [c]\n",
    b"startups:\n-\n  id: a\n",
    b"startups:\n- # c\n  id: a\n",
    b"startups:\n- id: a\n  note: \"x\n- y\"\n",
    b"startups:\n- id: a\n  note: |\n    - b\n",
    b"startups: [{id: a}, {id: b}]\n",
    b"startups: {id: a}\n",
    b"startups:\n- {id: a, name: A}\n",
    b"  startups:\n  - id: a\n",
    b"'startups':\n- id: a\n",
    b"? startups\n: - id: a\n",
    b"community:\n  name: C\nstartups:\n- id: a\n",
    b"startups:\n- id: \xe5\x95\xa6\n  name_zh: \xe5\x95\xa6\xe5\x95\xa6\n",
    b"startups:\n- id: a\n  note: \xf0\x9f\x98\x80 x\n",
]


@pytest.mark.parametrize("raw", DOCUMENTS)
def test_tricky_documents(raw: bytes) -> None:
    compare(raw)


BROKEN = [
    b"startups:\n- id: a\n  name: b: c\n",
    b"startups:\n- id: a\n  name: [\n",
    b"startups:\n- id: a\n  name: 'x\n",
    b"startups:\n- id: a\n   name: x\n",
    b"startups:\n- id: a\n name: x\n",
    b"startups:\n- id: a\nname\n",
    b"startups:\n- id: a\n  name: x\n  - y\n",
    b"startups:\n- id: a\n  name: 'x'y\n",
    b"startups:\n- id: a\n  name: & x\n",
    b"startups:\n- id: a\n  name:\n    & x\n",
    b"startups:\n- id: a\n  name: - x\n",
    b"startups:\n- id: a\n  name: ]\n",
    b"startups:\n- id: a\n  note: x\n  & y\n",
    b"startups:\n- id: a\n  note: 'q'\n    & y\n",
    b"startups:\n- id: a\n  note: x # c\n    y\n",
    b"startups:\n- id: a\n\tname: x\n",
    b"startups:\n- id: a\n  name: x\n---\n",
]


@pytest.mark.parametrize("raw", BROKEN)
def test_broken_files_are_declined_and_reported_as_before(raw: bytes, tmp_path: Path) -> None:
    assert parse_yaml_bytes(raw, "x").problems  # each is broken to PyYAML
    assert parse_fast(raw, "x") is None
    path = tmp_path / "startups.yaml"
    path.write_bytes(raw)
    same_job(path)


def test_invalid_records_are_reported_by_the_exact_path(tmp_path: Path) -> None:
    """A file that parses but fails validation: the fast job re-reads it the exact way, so
    its problems carry the exact marks of the offending values."""
    raw = (DATA_DIR / "startups.yaml").read_bytes()
    broken = raw.replace(b"  sector: fintech\n", b"  sector: fintek\n  secotr: x\n", 1)
    broken = broken.replace(b"  founded: 2013\n", b"  founded: '2013'\n", 1)
    assert broken != raw
    path = tmp_path / "startups.yaml"
    path.write_bytes(broken)
    job = (path, "data/startups.yaml", "sha", broken, 16 * 1024 * 1024)
    fast = _validate_job(job, fast=True)
    assert fast.problems and fast == _validate_job(job)
    assert {p.line for p in fast.problems} - {1}  # pinned to lines, not the file's start


def test_tricky_values_read_as_pyyaml_reads_them() -> None:
    """Spot checks of the answers themselves (the differential tests above compare)."""
    parsed = parse_fast(record("founded: 2013\n  aliases:\n  - '2022'\n  - ''"), "x")
    assert parsed is not None
    item = parsed.data["startups"][0]
    assert item["founded"] == 2013 and type(item["founded"]) is int
    assert item["aliases"] == ["2022", ""]
    assert parse_fast(record("date: 2023-03-01"), "x") is None  # a date to PyYAML
    assert parse_yaml_bytes(record("date: 2023-03-01"), "x").data["startups"][0]["date"] == (
        dt.date(2023, 3, 1)
    )
    assert parse_fast(record("alive: yes"), "x") is None


def test_without_rapidyaml_every_file_takes_the_exact_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(yamlfast, "_ryml", lambda: None)
    assert parse_fast((DATA_DIR / "startups.yaml").read_bytes(), "x") is None
    path = tmp_path / "startups.yaml"
    path.write_bytes((DATA_DIR / "startups.yaml").read_bytes())
    same_job(path)


def test_a_parallel_load_reports_a_broken_file_as_an_in_process_load_does(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Child processes read with the fast path: a file it cannot parse (rapidyaml prints
    its own error on fd 2, silenced there) and a file with invalid records are reported
    exactly as the in-process load reports them."""
    folder, _ = clone(600, tmp_path)
    startups = sorted((folder / "startups").glob("*.yaml"))
    assert len(startups) >= 2
    first = startups[0].read_bytes()
    startups[0].write_bytes(first.replace(b"  sector: ", b"  sector: b: c ", 1))
    second = startups[-1].read_bytes()
    startups[-1].write_bytes(second.replace(b"  founded: ", b"  foundd: ", 1))
    alone = Loader(folder).load()
    assert alone.dataset is None and len(alone.problems) >= 2
    monkeypatch.setattr(loader_module, "PARALLEL_MIN_BYTES", 20_000)
    monkeypatch.setattr(loader_module, "PARALLEL_MIN_FILES", 2)
    capfd.readouterr()
    with caplog.at_level("INFO", logger="bot.loader"):
        parallel = Loader(folder).load()
    assert "processes" in caplog.text and "parsing in-process" not in caplog.text
    assert parallel.problems == alone.problems
    assert "ERROR" not in capfd.readouterr().err


def test_mutated_files_are_read_the_same_or_declined() -> None:
    """Seeded random edits (the slips an admin makes: a lost or extra colon, dash, quote,
    space, newline or indicator) of a shipped file: whatever PyYAML makes of each, broken or
    not, the fast path answers the same or declines. Seen once over ~5,000 such edits of
    every shipped file: no difference; about 60% answered."""
    source = (DATA_DIR / "startups.yaml").read_bytes()
    rng = random.Random(14)
    pieces = [b":", b"-", b" ", b"'", b'"', b"\n", b"#", b"- ", b": ", b"&", b"*", b"!", b"[",
              b"]", b"{", b"}", b",", b"|", b">", b"?", b"%", b"@", b"0", b"yes", b"\n  ",
              b"\n- ", b"~", b"2020-01-01", b"'2022'"]  # fmt: skip
    answered = 0
    for _ in range(300):
        raw = bytearray(source)
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(raw))
            choice = rng.random()
            if choice < 0.4:
                raw[position:position] = rng.choice(pieces)
            elif choice < 0.7:
                del raw[position : position + rng.randint(1, 3)]
            else:
                raw[position : position + 1] = rng.choice(pieces)
        answered += compare(bytes(raw))
    assert 50 < answered < 300
