"""The YAML writer on real files: one field changes, every other byte stays, values read back."""

from __future__ import annotations

import difflib
import textwrap
from pathlib import Path

import pytest
import yaml

from bot.loader import Loader
from bot.suggestions.yaml_writer import (
    WriteRefused,
    add_record,
    find_record,
    read_field,
    set_field,
)
from bot.yamlio import parse_yaml_bytes
from tests.conftest import DATA_DIR

FILE = textwrap.dedent("""\
    # A comment at the top stays.
    startups:
    - id: acme  # the id comment stays
      name: Acme
      aliases:
      - ACME Ltd
      # a comment between keys stays
      description: A long description that wraps onto the next line because it is long, as the
        shipped files are folded.
      sector: fintech
      founded: 2013
    - id: beta
      name: Beta
      notes: |-
        Kept exactly,
        line by line.
    """).encode()


def changed_lines(old: bytes, new: bytes) -> tuple[list[str], list[str]]:
    """The removed and the added lines between two versions of a file."""
    removed, added = [], []
    for line in difflib.unified_diff(old.decode().splitlines(), new.decode().splitlines(),
                                     lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


def reads(raw: bytes) -> dict:
    parsed = parse_yaml_bytes(raw, "t.yaml")
    assert not parsed.problems, parsed.problems
    return parsed.data


@pytest.mark.parametrize(
    "value",
    [
        "no", "No", "yes", "off", "on", "y", "null", "~", "true",
        "1:30", "017", "0x1F", "1e3", "3.14", "2024-05-01",
        "*star", "&anchor", "!tag", "@handle", "%percent", "`tick", "- dash", "? q", "| pipe",
        "> fold", "#hash", "a: b", "a #b", "ends:", "[flow]", "{map}",
        "橋彼道", "中文：冒號", 'He said "hi"', "it's", "'single'", '"double"',
        " leading space", "trailing space ", "tab\there", "back\\slash",
        "two\nlines", "line with trailing space \nnext", "emoji 🚀",
    ],
)
def test_a_tricky_value_reads_back_exactly_as_text(value: str) -> None:
    new = set_field(FILE, "startup", "startups", "acme", "hq", value)
    assert reads(new)["startups"][0]["hq"] == value
    removed, added = changed_lines(FILE, new)
    assert removed == [] and len(added) >= 1  # a new key: only lines added


def test_yaml_1_1_words_are_quoted() -> None:
    for word in ("no", "1:30", "*star", "&a"):
        new = set_field(FILE, "startup", "startups", "acme", "hq", word)
        assert f'hq: "{word}"' in new.decode()


def test_changing_a_field_keeps_every_other_byte() -> None:
    new = set_field(FILE, "startup", "startups", "acme", "description", "Short now.")
    removed, added = changed_lines(FILE, new)
    assert removed == [
        "  description: A long description that wraps onto the next line because it is long, as the",
        "    shipped files are folded.",
    ]
    assert added == ["  description: Short now."]
    assert b"# a comment between keys stays" in new and b"# the id comment stays" in new
    assert new.startswith(b"# A comment at the top stays.\n")
    assert new.endswith(b"    Kept exactly,\n    line by line.\n")


def test_a_multi_line_value_becomes_a_block_and_the_list_keeps_its_siblings() -> None:
    new = set_field(FILE, "startup", "startups", "acme", "description", "第一行\n第二行")
    assert "  description: |-\n    第一行\n    第二行\n" in new.decode()
    new = set_field(FILE, "startup", "startups", "acme", "aliases", ["ACME Ltd", "艾克米"])
    removed, added = changed_lines(FILE, new)
    assert (removed, added) == ([], ["  - 艾克米"])
    assert reads(new)["startups"][0]["sector"] == "fintech"


def test_a_new_key_goes_after_the_field_before_it_in_the_model() -> None:
    new = set_field(FILE, "startup", "startups", "acme", "name_zh", "艾克米")
    lines = new.decode().splitlines()
    assert lines[lines.index("  name: Acme") + 1] == "  name_zh: 艾克米"


def test_ids_and_unknown_keys_are_refused() -> None:
    with pytest.raises(WriteRefused, match="id never changes"):
        set_field(FILE, "startup", "startups", "acme", "id", "other")
    with pytest.raises(WriteRefused, match="not a field"):
        set_field(FILE, "startup", "startups", "acme", "secotr", "fintech")
    with pytest.raises(WriteRefused, match="not a field"):
        set_field(FILE, "startup", "startups", "acme", "status", {"state": "closed"})
    with pytest.raises(WriteRefused, match="no record"):
        set_field(FILE, "startup", "startups", "nobody", "hq", "x")


def test_a_number_stays_a_number() -> None:
    new = set_field(FILE, "startup", "startups", "acme", "founded", 2014)
    assert changed_lines(FILE, new) == (["  founded: 2013"], ["  founded: 2014"])
    assert read_field(new, "startups", "acme", "founded") == 2014


def test_a_new_record_is_appended_at_the_end_of_its_section() -> None:
    record = {"id": "gamma", "name": "Gamma: \"G\"", "description": "no",
              "sources": ["https://example.org/gamma"]}
    new = add_record(FILE, "startups", record)
    assert new.startswith(FILE)
    assert reads(new)["startups"][2] == record
    with pytest.raises(WriteRefused, match="already there"):
        add_record(FILE, "startups", {**record, "id": "acme"})


def test_a_nested_sequence_style_is_kept_too(tmp_path: Path) -> None:
    raw = b"startups:\n  - id: a\n    name: A\n    tags: [x, y]\n  - id: b\n    name: B\n"
    new = set_field(raw, "startup", "startups", "a", "tags", ["x", "y", "no"])
    assert reads(new)["startups"][0]["tags"] == ["x", "y", "no"]
    assert new.endswith(b"  - id: b\n    name: B\n")
    new = add_record(raw, "startups", {"id": "c", "name": "C"})
    assert new == raw + b"  - id: c\n    name: C\n"


def test_on_the_shipped_data_only_the_field_changes(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for path in DATA_DIR.glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    where = find_record(folder, "startup", "lalamove")
    assert where is not None and where.path.name == "startups.yaml"
    raw = where.path.read_bytes()
    new = set_field(raw, "startup", where.section, "lalamove", "founded", 2014)
    assert changed_lines(raw, new) == (["  founded: 2013"], ["  founded: 2014"])
    where.path.write_bytes(new)
    outcome = Loader(folder).load()
    assert outcome.dataset is not None, outcome.problems
    assert outcome.dataset.records["startup"]["lalamove"].founded == 2014  # type: ignore[index,union-attr]
    assert yaml.safe_load(new)["startups"][0]["name"] == "Lalamove"


def test_paths_come_from_the_data_folder_only(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(FILE)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(outside)
    assert find_record(folder, "startup", "acme") is None
