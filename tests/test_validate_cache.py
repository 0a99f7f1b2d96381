"""`smartups validate` with its cache (issue 14): the same output as a full load, cold, warm,
after an edit and without the cache; and a cache that is only ever an optimization (a damaged,
foreign or unwritable one costs a re-check, never a crash or a wrong answer)."""

from __future__ import annotations

import io
import logging
import marshal
import zlib
from pathlib import Path
from typing import Any

import pytest

import bot.validate as validate_module
import bot.validate_cache as cache_module
from bot.cli import main, print_problems
from bot.loader import Loader
from bot.validate import validate_folder
from bot.validate_cache import ValidateCache, default_cache_dir
from tests.conftest import SAMPLE, write_files

# Problems of every kind: each file's own (unknown key, wrong type, unknown section, empty
# file, a list where a mapping belongs) and the ones across files (duplicate ids, sources and
# lists, unknown cities, organizations and list entries, name collisions, a second community).
BROKEN = {
    "own.yaml": """
        startups:
          - id: typo
            name: Typo
            secotr: fintech
          - id: bad-year
            name: Bad Year
            founded: soon
        nonsense:
          - 1
        """,
    "empty.yaml": "",
    "toplist.yaml": "- id: x\n",
    "across.yaml": """
        community:
          name: Second
        startups:
          - id: lalamove
            name: Lalamove Again
          - id: roamer
            name: Roamer
            city: atlantis
            organizations: [no-such-body]
          - id: twin
            name: Qupital
        sources:
          - url: https://qupital.com/businesses-faq
            title: Once
          - url: https://qupital.com/businesses-faq
            title: Twice
        lists:
          - id: top
            name: Top
            city: narnia
            entries:
              - {as_listed: Ghost, startup: ghost-startup}
              - {as_listed: WeLab, startup: welab}
          - id: top
            name: Top again
        """,
}


def loader_output(folder: Path) -> str:
    """What `smartups validate` printed when it was a full load (Loader.load), to compare."""
    outcome = Loader(folder).load()
    out = io.StringIO()
    if outcome.problems:
        print_problems(outcome.problems, out)
    else:
        assert outcome.dataset is not None
        counts = ", ".join(f"{n} {k}" for k, n in outcome.dataset.counts().items())
        print(f"OK: {folder} is valid (data {outcome.dataset.version}: {counts}).", file=out)
    return out.getvalue()


def run_validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["validate", *args])
    return code, capsys.readouterr().out


def test_output_is_the_full_loads_cold_warm_edited_and_without_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], _validate_cache_dir: Path
) -> None:
    folder = write_files(tmp_path / "data", {**SAMPLE, **BROKEN})
    expected = loader_output(folder)
    assert "secotr" in expected and "duplicate id 'lalamove'" in expected
    assert "unknown city 'atlantis'" in expected and "also names" in expected
    assert "a second 'community' section" in expected and "ghost-startup" in expected

    assert run_validate(capsys, str(folder), "--no-cache") == (1, expected)
    assert not list(_validate_cache_dir.iterdir()), "--no-cache leaves the cache alone"
    assert run_validate(capsys, str(folder)) == (1, expected)  # cold: fills the cache
    assert list(_validate_cache_dir.glob("*.marshal"))
    assert run_validate(capsys, str(folder)) == (1, expected)  # warm, nothing changed

    # A duplicate id between a cached file and the changed one, and a fixed problem.
    edited = folder / "own.yaml"
    edited.write_text(
        edited.read_text("utf-8")
        .replace("secotr: fintech", "sector: fintech")
        .replace("nonsense:", "  - id: qupital\n    name: Qupital Copy\nnonsense:"),
        "utf-8",
    )
    expected = loader_output(folder)
    assert "secotr" not in expected and "duplicate id 'qupital'" in expected
    assert run_validate(capsys, str(folder)) == (1, expected)  # warm, one file changed
    assert run_validate(capsys, str(folder), "--no-cache") == (1, expected)

    # The same with the cache and without, as GitHub annotations too.
    code, annotations = run_validate(capsys, str(folder), "--format", "github")
    assert (
        code == 1
        and annotations == run_validate(capsys, str(folder), "--format", "github", "--no-cache")[1]
    )

    # Fixed: the OK line (version and counts) is the full load's, warm and cold.
    for name in BROKEN:
        (folder / name).unlink()
    expected = loader_output(folder)
    assert expected.startswith("OK:")
    assert run_validate(capsys, str(folder)) == (0, expected)
    assert run_validate(capsys, str(folder), "--no-cache") == (0, expected)


def test_the_duplicate_is_found_whichever_side_is_cached(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", SAMPLE)
    cache = ValidateCache.for_folder(folder)
    assert validate_folder(folder, cache).problems == []
    (folder / "zz-more.yaml").write_text("startups:\n  - id: welab\n    name: Other\n", "utf-8")
    warm = validate_folder(folder, ValidateCache.for_folder(folder))
    assert (warm.cached, warm.checked) == (len(SAMPLE), 1)
    assert warm.problems == Loader(folder).load().problems
    assert [p.field for p in warm.problems] == ["startups.id"]

    # Now the copy is cached and the first one changes: still reported, on the later file.
    startups = folder / "startups.yaml"
    startups.write_text(startups.read_text("utf-8").replace("Qupital", "Qupital Ltd"), "utf-8")
    again = validate_folder(folder, ValidateCache.for_folder(folder))
    assert (again.cached, again.checked) == (len(SAMPLE), 1)
    assert again.problems == Loader(folder).load().problems != []
    assert again.problems[0].file == "data/zz-more.yaml"


def test_child_processes_send_summaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_files(tmp_path / "data", {**SAMPLE, **BROKEN})
    monkeypatch.setattr(validate_module, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(validate_module, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(validate_module.os, "cpu_count", lambda: 2)
    with caplog.at_level("INFO", logger="bot.validate"):
        parallel = validate_folder(folder, ValidateCache.for_folder(folder))
    assert "processes" in caplog.text and "in-process" not in caplog.text
    assert parallel.checked == len(SAMPLE) + len(BROKEN)
    assert parallel.problems == Loader(folder).load().problems
    warm = validate_folder(folder, ValidateCache.for_folder(folder))
    assert warm.cached == parallel.checked and warm.problems == parallel.problems


def test_a_renamed_file_is_checked_under_its_new_name(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", {**SAMPLE, "own.yaml": BROKEN["own.yaml"]})
    assert validate_folder(folder, ValidateCache.for_folder(folder)).problems
    (folder / "own.yaml").rename(folder / "renamed.yaml")
    after = validate_folder(folder, ValidateCache.for_folder(folder))
    assert {p.file for p in after.problems} == {"data/renamed.yaml"}
    assert after.problems == Loader(folder).load().problems


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],  # truncated
        lambda blob: blob[:-10] + bytes(b ^ 0xFF for b in blob[-10:]),  # bytes flipped
        lambda blob: b"",  # empty
        lambda blob: b"not a cache at all",
        lambda blob: blob[:-4] + b"\0\0\0\0",
    ],
)
def test_a_damaged_cache_is_a_miss(tmp_path: Path, damage: Any) -> None:
    folder = write_files(tmp_path / "data", {**SAMPLE, **BROKEN})
    first = validate_folder(folder, ValidateCache.for_folder(folder))
    cache_file = ValidateCache.for_folder(folder).path
    cache_file.write_bytes(damage(cache_file.read_bytes()))
    again = validate_folder(folder, ValidateCache.for_folder(folder))
    assert again.problems == first.problems and again.cached == 0
    # ... and the cache is written anew.
    assert validate_folder(folder, ValidateCache.for_folder(folder)).cached == again.checked


def cache_entries(path: Path) -> dict[str, Any]:
    """The entries of a cache file, read by its documented layout (bot.validate_cache)."""
    blob = path.read_bytes()
    header = len(cache_module._MAGIC) + len(cache_module.code_version())
    index_length = int.from_bytes(blob[header + 4 : header + 8], "big")
    body = blob[header + 8 + index_length :]
    index = marshal.loads(blob[header + 8 : header + 8 + index_length])
    return {name: marshal.loads(body[at : at + n]) for name, _, at, n in index}


def write_cache(path: Path, entries: dict[str, Any]) -> None:
    """A cache file with a valid version and CRC holding ``entries`` as they are."""
    blobs = {name: marshal.dumps(plain) for name, plain in entries.items()}
    index, at = [], 0
    for name, blob in blobs.items():
        sha = entries[name][0] if isinstance(entries[name], tuple) else ""
        index.append((name, sha, at, len(blob)))
        at += len(blob)
    packed = marshal.dumps(tuple(index))
    rest = packed + b"".join(blobs.values())
    head = cache_module._MAGIC + cache_module.code_version()
    path.write_bytes(
        head + zlib.crc32(rest).to_bytes(4, "big") + len(packed).to_bytes(4, "big") + rest
    )


def test_a_well_formed_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", SAMPLE)
    first = validate_folder(folder, ValidateCache.for_folder(folder))
    path = ValidateCache.for_folder(folder).path
    good = cache_entries(path)
    name = "data/startups.yaml"
    sha = good[name][0]
    for wrong in [(sha,), (sha, None, ((1,),), ()), (sha, None, (), None), "text", None]:
        write_cache(path, {**good, name: wrong})
        cache = ValidateCache.for_folder(folder)
        assert cache.get(name, sha) is None and cache.get(
            "data/cities.yaml", good["data/cities.yaml"][0]
        )
        again = validate_folder(folder, ValidateCache.for_folder(folder))
        assert again.problems == first.problems and again.checked == 1


def test_entries_of_another_version_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_files(tmp_path / "data", SAMPLE)
    validate_folder(folder, ValidateCache.for_folder(folder))
    assert validate_folder(folder, ValidateCache.for_folder(folder)).cached == len(SAMPLE)
    cache_module.code_version.cache_clear()
    monkeypatch.setattr(cache_module, "CACHE_VERSION", cache_module.CACHE_VERSION + 1)
    try:
        assert validate_folder(folder, ValidateCache.for_folder(folder)).cached == 0
        assert validate_folder(folder, ValidateCache.for_folder(folder)).cached == len(SAMPLE)
    finally:
        cache_module.code_version.cache_clear()


def test_removed_files_are_pruned(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "data", {**SAMPLE, "extra.yaml": BROKEN["own.yaml"]})
    validate_folder(folder, ValidateCache.for_folder(folder))
    (folder / "extra.yaml").unlink()
    validate_folder(folder, ValidateCache.for_folder(folder))
    blob = ValidateCache.for_folder(folder).path.read_bytes()
    assert b"data/extra.yaml" not in blob and b"data/startups.yaml" in blob
    assert set(cache_entries(ValidateCache.for_folder(folder).path)) == {
        f"data/{n}" for n in SAMPLE
    }


def test_an_unwritable_cache_dir_only_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    folder = write_files(tmp_path / "data", {**SAMPLE, **BROKEN})
    expected = loader_output(folder)
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way", "utf-8")
    monkeypatch.setenv("SMARTUPS_CACHE_DIR", str(blocker / "cache"))
    with caplog.at_level(logging.WARNING, logger="bot.validate_cache"):
        assert run_validate(capsys, str(folder)) == (1, expected)
        assert run_validate(capsys, str(folder)) == (1, expected)
    assert "not written" in caplog.text


def test_a_cache_of_plain_values_only(tmp_path: Path) -> None:
    """The cache file is marshal of tuples and strings: loading it runs no code."""
    folder = write_files(tmp_path / "data", SAMPLE)
    validate_folder(folder, ValidateCache.for_folder(folder))
    entries = cache_entries(ValidateCache.for_folder(folder).path)
    assert set(entries) == {f"data/{n}" for n in SAMPLE}
    sha, community_line, problems, items = entries["data/cities.yaml"]
    assert len(sha) == 64 and community_line == 1 and problems == ()
    assert {item[1] for item in items} == {"hong-kong", "taipei"}


def test_where_the_cache_lives(tmp_path: Path) -> None:
    assert default_cache_dir({"SMARTUPS_CACHE_DIR": str(tmp_path)}) == tmp_path
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert default_cache_dir(xdg) == tmp_path / "xdg" / "smartups" / "validate"
    home = Path.home() / ".cache" / "smartups" / "validate"
    assert default_cache_dir({}) == home
    assert default_cache_dir({"XDG_CACHE_HOME": "relative"}) == home
    one, other = tmp_path / "one" / "data", tmp_path / "other" / "data"
    assert ValidateCache.for_folder(one).path != ValidateCache.for_folder(other).path


def test_no_home_means_no_cache_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_files(tmp_path / "data", SAMPLE)
    monkeypatch.delenv("SMARTUPS_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache_module.open_cache(folder) is None
    code, out = run_validate(capsys, str(folder))
    assert code == 0 and out == loader_output(folder)
