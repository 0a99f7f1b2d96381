"""The real-shape cloner (bench/realshape.py): clones of data/ that the loader accepts, every
label new and unique, every reference valid, the lists and cities copied once."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.generator import Plan
from bench.realshape import SOURCE, clone, ensure, stamp_ok
from bot.loader import Loader, discover
from bot.model import Kind
from bot.text import has_cjk, normalize

#: Past the shipped counts of every cloned kind (30 startups, 8 organizations, 16 initiatives)
#: far enough that every shipped initiative, those naming organizations too, is cloned.
SIZE = 2000
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _sections(folder: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for path in discover(folder):
        data = yaml.load(path.read_text("utf-8"), Loader=_Loader) or {}
        for section, items in data.items():
            out.setdefault(section, []).extend(items if isinstance(items, list) else [])
    return out


def _records(folder: Path, section: str) -> list[dict[str, Any]]:
    return _sections(folder).get(section, [])


def _fingerprint(record: dict[str, Any]) -> tuple[Any, ...]:
    """What a clone keeps of its original (everything but its labels and references)."""
    return (
        tuple(record.get("sources", [])),
        record.get("notes"),
        repr(record.get("status")),
        repr(record.get("founders")),
        record.get("founded"),
    )


@pytest.fixture(scope="module")
def cloned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    return clone(SIZE, tmp_path_factory.mktemp("real"))


def test_the_loader_accepts_the_clones_in_the_planned_counts(
    cloned: tuple[Path, dict[str, int]],
) -> None:
    folder, counts = cloned
    outcome = Loader(folder).load()
    assert outcome.problems == []
    assert outcome.dataset is not None
    got = outcome.dataset.counts()
    plan = Plan(SIZE)
    assert got["startup"] == SIZE == counts["startups"]
    assert got["organization"] == plan.organizations == counts["organizations"]
    assert got["initiative"] == plan.initiatives == counts["initiatives"]
    shipped = Loader(SOURCE).load().dataset
    assert shipped is not None
    assert got["city"] == len(shipped.records[Kind.CITY]) == counts["cities"]
    # Real shape: several files per kind, and about the shipped records' bytes per record.
    assert counts["files"] > len(discover(SOURCE)) + 3
    per_startup = (SOURCE / "startups.yaml").stat().st_size / len(shipped.records[Kind.STARTUP])
    per_clone = counts["bytes"] / SIZE
    assert 0.6 * per_startup < per_clone < 1.5 * per_startup


def test_every_label_and_id_is_new_and_unique(cloned: tuple[Path, dict[str, int]]) -> None:
    folder, _ = cloned
    labels: Counter[str] = Counter()
    for section in ("cities", "organizations", "initiatives", "startups"):
        records = _records(folder, section)
        ids = Counter(r["id"] for r in records)
        assert max(ids.values()) == 1, ids.most_common(3)
        for record in records:
            own = (record["name"], record.get("name_zh"), *record.get("aliases", []))
            labels.update({normalize(label) for label in own if label})  # 臺北/台北: one key
    assert labels.most_common(1)[0][1] == 1, labels.most_common(3)


def test_clones_keep_fields_and_scripts_and_change_labels(
    cloned: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = cloned
    originals = {_fingerprint(r): r for r in _records(SOURCE, "startups")}
    assert len(originals) == len(_records(SOURCE, "startups")), "fingerprints tell them apart"
    shipped_ids = {r["id"] for r in originals.values()}
    clones = [r for r in _records(folder, "startups") if r["id"] not in shipped_ids]
    assert len(clones) == SIZE - len(originals)
    zh_names = 0
    for record in clones:
        original = originals[_fingerprint(record)]
        assert record["name"] != original["name"]
        # Same fields (a label that found no unique replacement may be left out).
        assert set(record) <= set(original)
        assert set(original) - set(record) <= {"name_zh", "aliases"}
        for key in set(original) - {"id", "name", "name_zh", "aliases", "description", "organizations"}:
            assert record[key] == original[key], key
        if record.get("name_zh"):
            zh_names += 1
            assert has_cjk(record["name_zh"]) and record["name_zh"] != original["name_zh"]
        new = [has_cjk(a) for a in record.get("aliases", [])]
        old = [has_cjk(a) for a in original.get("aliases", [])]
        assert Counter(new) <= Counter(old)  # same scripts; at most as many
    with_zh = sum(bool(r.get("name_zh")) for r in originals.values())
    assert zh_names >= 0.9 * with_zh * len(clones) / len(originals)
    aliases = sum(len(r.get("aliases", [])) for r in clones)
    expected = sum(len(r.get("aliases", [])) for r in originals.values()) * len(clones) / len(originals)
    assert aliases >= 0.9 * expected


def test_references_point_at_clones_and_lists_are_not_cloned(
    cloned: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = cloned
    orgs = {r["id"] for r in _records(folder, "organizations")}
    shipped_orgs = {r["id"] for r in _records(SOURCE, "organizations")}
    cities = {r["id"] for r in _records(folder, "cities")}
    referenced: set[str] = set()
    for section in ("initiatives", "startups"):
        for record in _records(folder, section):
            assert set(record.get("organizations", [])) <= orgs
            assert record.get("city") is None or record["city"] in cities
            referenced.update(record.get("organizations", []))
    assert referenced - shipped_orgs, "clones name cloned organizations too"
    # Lists (with their ranks), sources, cities and the community: copied once, byte for byte.
    for name in ("lists.yaml", "sources.yaml", "cities.yaml", "community.yaml"):
        assert (folder / name).read_bytes() == (SOURCE / name).read_bytes()
    assert len(_records(folder, "lists")) == len(_records(SOURCE, "lists"))


def test_same_size_same_bytes_and_the_stamp_catches_edits(
    cloned: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    folder, _ = cloned
    again, _ = clone(SIZE, tmp_path)
    first = sorted(p.relative_to(folder) for p in discover(folder))
    assert first == sorted(p.relative_to(again) for p in discover(again))
    assert all((folder / p).read_bytes() == (again / p).read_bytes() for p in first)
    assert stamp_ok(again, SIZE)
    edited = again / "startups" / "startups-0001.yaml"
    edited.write_text("startups: []\n", encoding="utf-8")
    assert not stamp_ok(again, SIZE)
    rewritten, _ = ensure(SIZE, tmp_path, log=lambda _: None)
    assert stamp_ok(rewritten, SIZE)
