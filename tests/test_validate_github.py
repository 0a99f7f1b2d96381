"""`smartups validate --format github` (issue 16): each problem as a GitHub Actions annotation
on its file and line, escaped as the runner expects."""

from __future__ import annotations

from pathlib import Path

from bot.admin_tools.annotations import github_annotation
from bot.cli import main
from bot.errors import DataProblem
from tests.conftest import write_files


def test_a_bad_file_prints_one_annotation_per_problem(tmp_path: Path, capsys) -> None:
    folder = write_files(
        tmp_path / "data",
        {"s.yaml": "startups:\n  - id: foo\n    name: Foo\n    secotr: x\n    sector: fintec\n"},
    )
    assert main(["validate", str(folder), "--format", "github"]) == 1
    captured = capsys.readouterr()
    lines = sorted(captured.out.splitlines())  # by line: 'line=4' before 'line=5'
    assert len(lines) == 2 and "2 problem(s)." in captured.err
    assert lines[0] == (
        "::error file=data/s.yaml,line=4,col=5,title=startups[0].secotr::"
        "unknown key 'secotr'; expected a known key (did you mean 'sector'?)"
    )
    assert lines[1].startswith("::error file=data/s.yaml,line=5,col=5,title=startups[0].sector::")
    assert lines[1].endswith("(did you mean 'fintech'?)")


def test_a_valid_folder_prints_no_annotation(sample_dir: Path, capsys) -> None:
    assert main(["validate", str(sample_dir), "--format", "github"]) == 0
    assert "::error" not in capsys.readouterr().out


def test_properties_and_messages_are_escaped() -> None:
    problem = DataProblem("data/a,b.yaml", 3, 0, "list x:y", "100% wrong\nreally", "text")
    assert github_annotation(problem) == (
        "::error file=data/a%2Cb.yaml,line=3,title=list x%3Ay::100%25 wrong%0Areally; expected text"
    )
    whole = DataProblem("data/a.yaml", 0, 0, "", "an empty file", "a mapping")
    assert github_annotation(whole) == "::error file=data/a.yaml::an empty file; expected a mapping"


def test_the_pre_commit_hooks_run_real_commands(sample_dir: Path, capsys) -> None:
    import shlex

    import yaml

    from tests.conftest import REPO

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"smartups-validate", "smartups-schema"}
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python" and hook["pass_filenames"] is False
    validate = next(h for h in hooks if h["id"] == "smartups-validate")
    command = shlex.split(validate["entry"])
    assert command[0] == "smartups"
    assert main([*command[1:], str(sample_dir)]) == 0
    bad = write_files(sample_dir.parent / "bad", {"s.yaml": "startups:\n  - id: Foo\n"})
    assert main([*command[1:], str(bad)]) == 1
    schema_hook = next(h for h in hooks if h["id"] == "smartups-schema")
    assert main(shlex.split(schema_hook["entry"])[1:]) == 0  # the committed schemas are fresh
