"""The checks across files on their fast paths and off them: the exact problems, in order, that
the loader reported before the checks ran on summaries (checked against it at 91527e1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.loader import Loader
from bot.validate import validate_folder
from bot.validate_cache import ValidateCache
from tests.conftest import write_files

FILES = {
    "a.yaml": """
        cities:
          - id: hong-kong
            name: Hong Kong
            aliases: [HONG-KONG, HK]
        startups:
          - id: s1
            name: Alpha
            city: hong-kong
          - id: s1
            name: Alpha Again
        """,
    "b.yaml": """
        startups:
          - id: s2
            name: Beta
            aliases: [hong kong, Hong-Kong]
            city: hong-kng
            organizations: [org-x]
        organizations:
          - id: org-a
            name: Org A
          - id: s1
            name: Alpha
        """,
}

EXPECTED = [
    "data/a.yaml:9:5: startups.id: duplicate id 's1' (first in data/a.yaml line 6); expected a unique id among startups",
    "data/b.yaml:2:1: startup s2.city: unknown city 'hong-kng'; expected the id of a city in the data (hong-kong) (did you mean 'hong-kong'?)",
    "data/b.yaml:2:1: startup s2.organizations: unknown organization 'org-x'; expected the id of an organization in the data (did you mean 'org-a'?)",
    # Kinds in order (an organization before a startup), each key once per record: the
    # city's "HONG-KONG" is its own name again, s2's "Hong-Kong" is reported once.
    "data/a.yaml:6:1: startup s1: name or alias 'Alpha' also names organization 's1' (as 'Alpha'); expected names and aliases that identify one record only",
    "data/b.yaml:2:1: startup s2: name or alias 'hong kong' also names city 'hong-kong' (as 'Hong Kong'); expected names and aliases that identify one record only",
]


def test_the_problems_across_files_exactly(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", FILES)
    assert [str(p) for p in Loader(folder).load().problems] == EXPECTED
    assert [str(p) for p in validate_folder(folder).problems] == EXPECTED
    cache = ValidateCache.for_folder(folder)
    assert [str(p) for p in validate_folder(folder, cache).problems] == EXPECTED
    warm = validate_folder(folder, ValidateCache.for_folder(folder))
    assert warm.cached == 2 and [str(p) for p in warm.problems] == EXPECTED


def test_a_clean_folder_takes_the_fast_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "a.yaml": FILES["a.yaml"].replace("  - id: s1\n            name: Alpha Again\n", ""),
        "b.yaml": FILES["b.yaml"]
        .replace("hong kong, Hong-Kong", "B2")
        .replace("hong-kng", "hong-kong")
        .replace("org-x", "org-a")
        .replace("name: Alpha", "name: Org S1"),
    }
    folder = write_files(tmp_path / "data", files)
    assert Loader(folder).load().problems == [] == validate_folder(folder).problems
    assert main(["validate", str(folder)]) == 0
    assert "1 city, 0 initiative, 2 organization, 2 startup" in capsys.readouterr().out


@pytest.mark.parametrize("step", [1, 2, 3])
def test_the_checks_in_small_steps_find_the_same_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    """The all-at-once questions run in steps (so a reload's worker thread lets the event
    loop run); a duplicate, a reference or a collision whose two sides fall in different
    steps is found all the same."""
    import bot.crosscheck as crosscheck

    monkeypatch.setattr(crosscheck, "STEP", step)
    folder = write_files(tmp_path / "data", FILES)
    assert [str(p) for p in Loader(folder).load().problems] == EXPECTED
    assert [str(p) for p in validate_folder(folder).problems] == EXPECTED
