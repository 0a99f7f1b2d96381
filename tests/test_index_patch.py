"""A patched index (old index + small delta) answers as a full rebuild over the new data would."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

import bot.index_patch as index_patch
from bench.generator import generate
from bench.queries import build
from bot.index_patch import PatchedIndex, patch_index
from bot.knowledge import Knowledge
from bot.loader import Dataset, Loader
from bot.model import City, Kind, Record
from bot.search import SearchIndex
from bot.store import Store

Records = dict[Kind, dict[str, Record]]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    folder, _ = generate(1200, tmp_path_factory.mktemp("gen"))
    loaded = Loader(folder).load().dataset
    assert loaded is not None
    return loaded


@pytest.fixture(autouse=True)
def patch_small_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_patch, "PATCH_MIN_RECORDS", 0)


def edit(records: Records, seed: int) -> tuple[Records, list[tuple[str, str]]]:
    """A copy of ``records`` with a few startups renamed, removed and added, an organization
    renamed and a city's figure relabelled; and the (kind, id) of every record touched."""
    rng = random.Random(seed)
    new = {kind: dict(by_id) for kind, by_id in records.items()}
    startups = sorted(new[Kind.STARTUP])
    picked = rng.sample(startups, 15)
    touched: list[tuple[str, str]] = []
    for rid in picked[:5]:
        old = new[Kind.STARTUP][rid]
        update: dict[str, Any] = {
            "name": f"{old.name} Renamed{seed}",
            "aliases": [*old.aliases, f"Zed{seed} {rid}"],
        }
        new[Kind.STARTUP][rid] = old.model_copy(update=update)
        touched.append(("startup", rid))
    for rid in picked[5:10]:
        del new[Kind.STARTUP][rid]
        touched.append(("startup", rid))
    for n, rid in enumerate(picked[10:]):
        old = records[Kind.STARTUP][rid]
        nid = f"novel-{seed}-{n}"
        update = {"id": nid, "name": f"Novel{seed} {old.name}", "aliases": [], "name_zh": None}
        new[Kind.STARTUP][nid] = old.model_copy(update=update)
        touched.append(("startup", nid))
    org_id = sorted(new[Kind.ORGANIZATION])[seed]
    org = new[Kind.ORGANIZATION][org_id]
    new[Kind.ORGANIZATION][org_id] = org.model_copy(update={"name": f"{org.name} Bureau{seed}"})
    touched.append(("organization", org_id))
    city_id = sorted(new[Kind.CITY])[0]
    city = new[Kind.CITY][city_id]
    assert isinstance(city, City)
    figure = city.figures[0].model_copy(update={"label": f"Rooftop gardens {seed}"})
    new[Kind.CITY][city_id] = city.model_copy(update={"figures": [figure, *city.figures[1:]]})
    touched.append(("city", city_id))
    return new, touched


def full_index(records: Records) -> SearchIndex:
    return SearchIndex([r for kind in Kind for r in records.get(kind, {}).values()])


def same_answers(full: SearchIndex, patched: PatchedIndex, records: Records) -> None:
    """Every public answer of both indexes agrees (record ids; scores for lookups)."""

    def ids(found: list[Record]) -> list[tuple[str, str]]:
        return [(r.kind, r.id) for r in found]

    for kind in Kind:
        assert ids(patched.of_kind(kind)) == ids(full.of_kind(kind)), kind
        assert ids(patched.of_kind(kind, 7)) == ids(full.of_kind(kind, 7)), kind
        for rid in records[kind]:
            assert patched.record(kind, rid) is not None
    assert ids(patched.of_kind(None)) == ids(full.of_kind(None))
    assert patched.sectors() == full.sectors()
    for city in full.cities():
        for kind in (Kind.STARTUP, Kind.INITIATIVE, Kind.ORGANIZATION):
            assert ids(patched.in_city(kind, city.id)) == ids(full.in_city(kind, city.id))
    for org in full.of_kind(Kind.ORGANIZATION):
        assert ids(patched.initiatives_of(org.id)) == ids(full.initiatives_of(org.id))
    for startup in full.of_kind(Kind.STARTUP)[::40]:
        assert ids(patched.similar_startups(startup, 6)) == ids(full.similar_startups(startup, 6))

    class Data:
        records = None

    Data.records = records  # type: ignore[assignment]
    texts = [q.text for q in build(Data)]  # type: ignore[arg-type]
    texts += [r.name for r in full.of_kind(Kind.STARTUP) if "Renamed" in r.name or "Novel" in r.name]
    texts += [r.name for r in full.of_kind(Kind.ORGANIZATION)]
    differ: set[str] = set()
    for text in texts:
        for scope in (None, Kind.STARTUP):
            want = [(h.record.id, h.score) for h in full.lookup(text, scope, 25)]
            got = [(h.record.id, h.score) for h in patched.lookup(text, scope, 25)]
            assert got[:1] == want[:1], (text, scope)
            if got != want:
                differ.add(text)
            want = [(h.record.id, h.score) for h in full.lookup(text, scope, typos_if_found=False)]
            got = [(h.record.id, h.score) for h in patched.lookup(text, scope, typos_if_found=False)]
            assert got[:1] == want[:1], (text, scope)
            if got != want:
                differ.add(text)
        assert patched.mentioned_cities(text) == full.mentioned_cities(text)
        want_figures = [(f.owner.id, f.figure.label, f.score) for f in full.figures(text)]
        got_figures = [(f.owner.id, f.figure.label, f.score) for f in patched.figures(text)]
        assert got_figures == want_figures, text
    # Only a 1-2 letter prefix can differ below the top: a full index ranks the first 200
    # entries that start with it, a patched one those of its base and those of its delta.
    assert all(len(text) <= 2 for text in differ), differ


def test_a_patch_answers_like_a_full_rebuild(dataset: Dataset) -> None:
    old = full_index(dataset.records)
    new, touched = edit(dataset.records, 1)
    patched = patch_index(old, new, touched)
    assert isinstance(patched, PatchedIndex) and patched.base is old
    same_answers(full_index(new), patched, new)
    removed = next(key for key in touched if Kind(key[0]) == Kind.STARTUP
                   and key[1] not in new[Kind.STARTUP])  # fmt: skip
    assert patched.record(*removed) is None
    assert all(h.record.id != removed[1] for h in patched.lookup(removed[1].replace("-", " ")))

    # A second patch folds into the first one's delta: still one base, one delta.
    newer, more = edit(new, 2)
    twice = patch_index(patched, newer, more)
    assert isinstance(twice, PatchedIndex) and twice.base is old
    assert twice.size >= patched.size
    same_answers(full_index(newer), twice, newer)
    patched.dispose()  # the old patch goes; the base it shares with the new one stays
    assert twice.lookup(newer[Kind.STARTUP][more[0][1]].name)[0].record.id == more[0][1]


def test_full_rebuild_when_patching_does_not_pay(
    dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = full_index(dataset.records)
    new, touched = edit(dataset.records, 3)
    monkeypatch.setattr(index_patch, "PATCH_MAX_RECORDS", len(touched) - 1)
    assert patch_index(old, new, touched) is None
    monkeypatch.setattr(index_patch, "PATCH_MAX_RECORDS", len(touched))
    assert patch_index(old, new, touched) is not None
    monkeypatch.setattr(index_patch, "PATCH_MIN_RECORDS", len(old.records) + 1)
    assert patch_index(old, new, touched) is None


async def test_store_reload_patches_then_rebuilds(
    store: Store, sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = Knowledge(store)
    first = store.current.index
    assert isinstance(first, SearchIndex)
    path = sample_dir / "startups.yaml"
    path.write_text(path.read_text().replace("name: WeLab\n", "name: WeLab Renamed\n"))
    report = await store.reload(actor="tester")
    assert report.outcome == "applied"
    patched = store.current.index
    assert isinstance(patched, PatchedIndex) and patched.base is first
    assert knowledge.complete(Kind.STARTUP, "welab ren")[0].record.name == "WeLab Renamed"
    assert knowledge.resolve(Kind.STARTUP, "WeLab Renamed").id == "welab"
    # Past the limit, the next reload builds a whole index again.
    monkeypatch.setattr(index_patch, "PATCH_MAX_RECORDS", 0)
    path.write_text(path.read_text().replace("name: WeLab Renamed\n", "name: WeLab\n"))
    report = await store.reload(actor="tester")
    assert report.outcome == "applied"
    assert isinstance(store.current.index, SearchIndex)
    assert knowledge.complete(Kind.STARTUP, "welab")[0].record.name == "WeLab"
