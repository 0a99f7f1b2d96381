"""Every class of bad data is reported with its file, line and field, all in one pass."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.loader import Loader
from tests.conftest import SAMPLE, write_files


def problems_for(tmp_path: Path, files: dict[str, str]) -> list:
    folder = write_files(tmp_path / "data", files)
    outcome = Loader(folder).load()
    assert outcome.dataset is None, "bad data must not produce a dataset"
    return outcome.problems


def only(problems: list, needle: str):
    found = [p for p in problems if needle in str(p)]
    assert found, f"no problem mentions {needle!r}: {[str(p) for p in problems]}"
    return found[0]


def test_shipped_sample_is_valid(sample_dir: Path) -> None:
    outcome = Loader(sample_dir).load()
    assert outcome.problems == []
    assert outcome.dataset is not None
    assert outcome.dataset.counts() == {
        "city": 2,
        "initiative": 1,
        "organization": 1,
        "startup": 3,
    }


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        {
            "s.yaml": """
            startups:
              - id: foo
                name: Foo
                secotr: fintech
            """,
        },
    )
    problem = only(problems, "secotr")
    assert (problem.file, problem.line, problem.column) == ("data/s.yaml", 4, 5)
    assert problem.field == "startups[0].secotr"
    assert "did you mean 'sector'" in problem.expected


def test_wrong_type_and_missing_field(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        {
            "s.yaml": """
            startups:
              - id: foo
                name: Foo
                founded: "2013"
              - id: bar
                sector: fintech
            """,
        },
    )
    founded = only(problems, "founded")
    assert founded.line == 4 and "whole number" in founded.expected
    missing = only(problems, "no 'name'")
    assert missing.line == 5 and missing.field == "startups[1].name"


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        {
            "a.yaml": "startups:\n  - id: foo\n    name: Foo\n",
            "b.yaml": "startups:\n  - {id: bar, name: Bar}\n  - id: foo\n    name: Foo Two\n",
        },
    )
    problem = only(problems, "duplicate id 'foo'")
    assert problem.file == "data/b.yaml" and problem.line == 3
    assert "data/a.yaml line 2" in problem.found


def test_dangling_reference(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        {
            "c.yaml": "cities:\n  - {id: hong-kong, name: Hong Kong}\n",
            "s.yaml": "startups:\n  - id: foo\n    name: Foo\n    city: hong-kon\n",
        },
    )
    problem = only(problems, "unknown city 'hong-kon'")
    assert problem.file == "data/s.yaml" and problem.line == 2
    assert "did you mean 'hong-kong'" in problem.expected


def test_name_collision_across_records(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        {
            "c.yaml": "cities:\n  - {id: hong-kong, name: Hong Kong, aliases: [HK]}\n",
            "s.yaml": "startups:\n  - {id: hk-thing, name: Thing, aliases: [hk]}\n",
        },
    )
    problem = only(problems, "also names city 'hong-kong'")
    assert problem.file == "data/s.yaml"
    assert (problem.line, problem.field) == (2, "startup hk-thing")


def test_bad_url_and_bad_slug(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        {
            "s.yaml": """
            startups:
              - id: Foo Bar
                name: Foo
                website: lalamove.com
            """,
        },
    )
    assert only(problems, "startups[0].website").line == 4
    assert "slug" in only(problems, "startups[0].id").expected


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        {
            "s.yaml": "startups:\n  - id: foo\n    name: Foo\n    name: Bar\n",
        },
    )
    problem = only(problems, "duplicate key 'name'")
    assert problem.line == 4 and "line 3" in problem.found


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("no", "boolean"),
        ("yes", "boolean"),
        ("off", "boolean"),
        ("017", "octal"),
        ("1:30", "base-60"),
    ],
)
def test_yaml_11_surprises(tmp_path: Path, value: str, needle: str) -> None:
    problems = problems_for(
        tmp_path,
        {
            "s.yaml": f"startups:\n  - id: foo\n    name: Foo\n    sector: {value}\n",
        },
    )
    problem = only(problems, needle)
    assert (problem.line, problem.column) == (4, 13)


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for depth in range(1, 9):
        prev, name = chr(ord("a") + depth - 1), chr(ord("a") + depth)
        bomb.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    started = time.monotonic()
    problems = problems_for(tmp_path, {"bomb.yaml": "\n".join(bomb) + "\n"})
    assert time.monotonic() - started < 5  # 9**9 items if walked: never expanded
    problem = only(problems, "alias")
    assert problem.file == "data/bomb.yaml" and problem.line >= 1


def test_oversized_and_non_utf8_files(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", {"ok.yaml": "startups: []\n"})
    (folder / "latin1.yaml").write_bytes(b"startups:\n  - id: caf\n    name: Caf\xe9\n")
    outcome = Loader(folder).load()
    problem = only(outcome.problems, "not UTF-8")
    assert problem.line == 3
    small = Loader(folder, max_file_bytes=10).load()
    assert any("at most 10 bytes" in str(p) for p in small.problems)


def test_syntax_error_has_a_line(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, {"s.yaml": "startups:\n  - id: foo\n    name: [Foo\n"})
    problem = only(problems, "YAML syntax error")
    assert problem.line >= 3


def test_every_problem_in_one_pass(tmp_path: Path) -> None:
    files = dict(SAMPLE)
    files["bad1.yaml"] = "startups:\n  - id: x1\n    name: X1\n    secotr: a\n"
    files["bad2.yaml"] = "startups:\n  - id: x2\n    name: X2\n    founded: soon\n"
    files["bad3.yaml"] = "nonsense: 1\n"
    problems = problems_for(tmp_path, files)
    assert {p.file for p in problems} == {"data/bad1.yaml", "data/bad2.yaml", "data/bad3.yaml"}


def test_validate_command_exit_codes(tmp_path: Path, sample_dir: Path, capsys) -> None:
    assert main(["validate", str(sample_dir)]) == 0
    assert "valid" in capsys.readouterr().out
    bad = write_files(
        tmp_path / "bad", {"s.yaml": "startups:\n  - id: foo\n    name: Foo\n    secotr: x\n"}
    )
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "s.yaml:4:5" in out and "1 problem(s)" in out
