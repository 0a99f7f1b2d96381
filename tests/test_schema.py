"""The JSON Schemas under data/schema/ (issue 16): pydantic's output of bot/model.py, kept
fresh, pointed to by every data file, and checked with a real draft 2020-12 validator against
the shipped files and the mistakes the validation tests make."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from bot.admin_tools import schema
from bot.cli import main
from bot.loader import discover
from bot.model import SECTORS, STATES
from tests.conftest import DATA_DIR

SCHEMAS = DATA_DIR / schema.SCHEMA_DIR


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / schema.file_name(name)).read_text()))


def test_the_committed_schemas_are_what_the_model_generates() -> None:
    assert schema.stale(SCHEMAS) == [], "run `smartups schema` and commit data/schema/"
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(schema.rendered())


def test_the_check_fails_on_a_stale_schema_and_writing_fixes_it(tmp_path: Path) -> None:
    out = tmp_path / "schema"
    assert main(["schema", "--out", str(out)]) == 0
    assert main(["schema", "--out", str(out), "--check"]) == 0
    path = out / "startups.schema.json"
    path.write_text(path.read_text().replace("Founders and co-founders", "Founders"))
    assert main(["schema", "--out", str(out), "--check"]) == 1
    assert main(["schema", "--out", str(out)]) == 0
    assert schema.stale(out) == []


@pytest.mark.parametrize("name", schema.schema_names())
def test_each_schema_is_valid_draft_2020_12(name: str) -> None:
    document = json.loads((SCHEMAS / schema.file_name(name)).read_text())
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)


def _properties(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for model, definition in document.get("$defs", {}).items():
        for key, prop in definition.get("properties", {}).items():
            found.append((model, key, prop))
    return found


def test_every_field_has_a_description_and_an_example() -> None:
    document = json.loads((SCHEMAS / "data.schema.json").read_text())
    props = _properties(document)
    assert len(props) > 80
    lacking = [f"{m}.{k}" for m, k, p in props if not p.get("description") or not p.get("examples")]
    assert lacking == []


def test_vocabularies_are_enums_and_ids_are_patterns() -> None:
    defs = json.loads((SCHEMAS / "startups.schema.json").read_text())["$defs"]
    sector = defs["Startup"]["properties"]["sector"]["anyOf"][0]
    assert sector["enum"] == list(SECTORS)
    assert defs["Status"]["properties"]["state"]["enum"] == list(STATES)
    assert defs["Startup"]["properties"]["id"]["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    assert defs["Startup"]["additionalProperties"] is False


def test_every_data_file_starts_with_the_line_that_names_its_schema() -> None:
    for path in discover(DATA_DIR):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(schema.MODELINE), path
        target = (path.parent / first.removeprefix(schema.MODELINE)).resolve()
        assert target.is_file(), first
        sections = schema.sections_of(path.read_text(encoding="utf-8"))
        expected = sections[0] if len(sections) == 1 else schema.ALL_SECTIONS
        assert target.name == schema.file_name(expected)


def test_the_schemas_accept_every_shipped_file() -> None:
    for path in discover(DATA_DIR):
        text = path.read_text(encoding="utf-8")
        sections = schema.sections_of(text)
        name = sections[0] if len(sections) == 1 else schema.ALL_SECTIONS
        errors = [e.message for e in validator(name).iter_errors(yaml.safe_load(text))]
        assert errors == [], path
        assert list(validator(schema.ALL_SECTIONS).iter_errors(yaml.safe_load(text))) == []


BAD = {
    "unknown key": "- {id: foo, name: Foo, secotr: fintech}",
    "year as text": "- {id: foo, name: Foo, founded: '2013'}",
    "url without scheme": "- {id: foo, name: Foo, website: lalamove.com}",
    "id not a slug": "- {id: Foo Bar, name: Foo}",
    "missing name": "- {id: bar, sector: fintech}",
    "sector typo": "- {id: foo, name: Foo, sector: fintec}",
    "old free-text sector": "- {id: foo, name: Foo, sector: 'fintech (crypto / blockchain)'}",
    "founders as text": "- {id: foo, name: Foo, founders: Simon Loong}",
    "founders as names": "- {id: foo, name: Foo, founders: [Simon Loong]}",
    "founder key typo": "- {id: foo, name: Foo, founders: [{nmae: Simon Loong}]}",
    "listing month 13": "- {id: foo, name: Foo, listing: {exchange: Nasdaq, date: '2023-13'}}",
    "listing without exchange": "- {id: foo, name: Foo, listing: {ticker: MNY}}",
    "state typo": "- {id: foo, name: Foo, status: {state: actve}}",
    "boolean sector": "- {id: foo, name: Foo, sector: no}",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_schemas_reject_what_the_loader_rejects(case: str, tmp_path: Path) -> None:
    text = "startups:\n" + textwrap.indent(BAD[case], "  ") + "\n"
    document = yaml.safe_load(text)
    assert list(validator("startups").iter_errors(document)), case
    assert list(validator(schema.ALL_SECTIONS).iter_errors(document)), case
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "s.yaml").write_text(text, encoding="utf-8")
    assert main(["validate", str(folder)]) == 1, "the loader rejects it too"


def test_a_section_file_does_not_take_another_section() -> None:
    document = {"startups": [], "cities": []}
    assert list(validator("startups").iter_errors(document))
    assert list(validator(schema.ALL_SECTIONS).iter_errors(document)) == []
    assert list(validator("community").iter_errors({"community": {"name": "SmartUps"}})) == []


def test_linking_adds_the_schema_line_once_and_fixes_a_wrong_one(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    (folder / "more").mkdir(parents=True)
    (folder / "s.yaml").write_text("# notes\nstartups: []\n")
    (folder / "more" / "mixed.yaml").write_text(
        "# yaml-language-server: $schema=old.json\ncities: []\nstartups: []\n"
    )
    assert {p.name for p in schema.link_files(folder)} == {"s.yaml", "mixed.yaml"}
    assert (folder / "s.yaml").read_text() == (
        "# yaml-language-server: $schema=schema/startups.schema.json\n# notes\nstartups: []\n"
    )
    mixed = (folder / "more" / "mixed.yaml").read_text().splitlines()
    assert mixed[0] == "# yaml-language-server: $schema=../schema/data.schema.json"
    assert mixed[1:] == ["cities: []", "startups: []"]
    assert schema.link_files(folder) == []
