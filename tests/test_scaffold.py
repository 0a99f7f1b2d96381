"""`smartups new KIND NAME [--write]` (issue 16): a record with every field its kind allows,
which validates as printed, and which --write appends to the right file without breaking it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.admin_tools import scaffold
from bot.cli import main
from bot.loader import Loader
from bot.model import SECTIONS, Kind
from tests.conftest import write_files


@pytest.mark.parametrize("kind", list(Kind))
def test_a_new_record_of_each_kind_validates_as_printed(
    kind: Kind, sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["new", kind.value, "Acme", "Smart", "Bins"]
    if kind is Kind.INITIATIVE:
        args += ["--city", "taipei"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    (sample_dir / "zz-new.yaml").write_text(printed, encoding="utf-8")
    outcome = Loader(sample_dir).load()
    assert outcome.problems == []
    assert outcome.dataset is not None
    record = outcome.dataset.records[kind]["acme-smart-bins"]
    assert record.name == "Acme Smart Bins"
    # Every field the kind allows is offered: set, or as a commented example.
    model = SECTIONS[scaffold.SECTION_OF[kind]]
    for key in set(model.model_fields) - {"kind", "id", "name"}:
        assert f"# {key}:" in printed or f"  {key}:" in printed, key


def test_the_commented_examples_are_yaml_for_their_field() -> None:
    lines = scaffold.record_lines(Kind.STARTUP, "Acme")
    uncommented = "\n".join(
        line.replace("  # ", "  ", 1).split("  # ")[0] if line.lstrip().startswith("#") else line
        for line in lines
    )
    record = yaml.safe_load(uncommented)[0]
    assert record["founders"] == [{"name": "Teddy Chan", "name_zh": "陳龍生"}]
    assert record["listing"]["exchange"] == "Nasdaq" and record["sector"] == "fintech"


def test_an_initiative_needs_a_city_and_a_chinese_name_needs_an_id(capsys) -> None:
    assert main(["new", "initiative", "Smart Bins"]) == 2
    assert "needs --city" in capsys.readouterr().err
    assert main(["new", "startup", "橋彼道"]) == 2
    assert "--id" in capsys.readouterr().err
    assert main(["new", "startup", "橋彼道", "--id", "qiao"]) == 0
    assert "- id: qiao\n  name: 橋彼道\n" in capsys.readouterr().out
    assert main(["new", "gadget", "X"]) == 2


def test_write_appends_to_the_sections_file_and_refuses_a_taken_id(
    sample_dir: Path, capsys
) -> None:
    args = ["new", "startup", "Acme", "Robotics", "--write", "--dir", str(sample_dir)]
    assert main(args) == 0
    assert "startups.yaml: added startup 'acme-robotics'" in capsys.readouterr().out
    text = (sample_dir / "startups.yaml").read_text()
    outcome = Loader(sample_dir).load()
    assert outcome.problems == [] and outcome.dataset is not None
    assert "acme-robotics" in outcome.dataset.records[Kind.STARTUP]
    assert len(outcome.dataset.records[Kind.STARTUP]) == 4
    # The file keeps its indentation style ("  - id:" under "startups:").
    assert "\n  - id: acme-robotics\n    name: Acme Robotics\n" in text
    assert main(args) == 1
    assert "exists" in capsys.readouterr().err


def test_write_inserts_before_the_next_section_of_a_shared_file(sample_dir: Path) -> None:
    # organizations.yaml holds organizations, then initiatives.
    assert main(["new", "organization", "Acme Park", "--write", "--dir", str(sample_dir)]) == 0
    outcome = Loader(sample_dir).load()
    assert outcome.problems == [] and outcome.dataset is not None
    assert "acme-park" in outcome.dataset.records[Kind.ORGANIZATION]
    text = (sample_dir / "organizations.yaml").read_text()
    assert text.index("acme-park") < text.index("initiatives:")


def test_write_makes_the_file_when_none_has_the_section(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", {"cities.yaml": "cities:\n  - {id: x, name: X}\n"})
    assert main(["new", "startup", "Acme", "--write", "--dir", str(folder)]) == 0
    text = (folder / "startups.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=schema/startups.schema.json\n")
    assert Loader(folder).load().problems == []


def test_a_record_that_breaks_the_data_is_not_left_behind(sample_dir: Path, capsys) -> None:
    before = (sample_dir / "startups.yaml").read_text()
    # 'EasyVan' is an alias of Lalamove: the new record's name would name two records.
    args = ["new", "startup", "EasyVan", "--write", "--dir", str(sample_dir)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "also names startup 'lalamove'" in err and "restored" in err
    assert (sample_dir / "startups.yaml").read_text() == before
    # An unknown city is caught the same way.
    args = ["new", "startup", "Acme", "--city", "atlantis", "--write", "--dir", str(sample_dir)]
    assert main(args) == 1
    assert (sample_dir / "startups.yaml").read_text() == before


def test_appended_handles_an_empty_flow_section_and_a_missing_one() -> None:
    item = ["- id: a", "  name: A"]
    assert scaffold.appended("startups: []\n", "startups", item, "#m") == (
        "startups:\n- id: a\n  name: A\n"
    )
    assert scaffold.appended("cities: []\n", "startups", item, "#m") == (
        "cities: []\nstartups:\n- id: a\n  name: A\n"
    )
    assert scaffold.appended(None, "startups", item, "#m") == "#m\nstartups:\n- id: a\n  name: A\n"
