"""The search index answers as it did before its build was made faster.

``tests/search_golden.json`` holds what the index answered, recorded with the code of main
before the build was reworked (commit 91527e1), over the shipped data and over a real-shape
clone of it (``bench.realshape.clone``, 1,500 startups): for the benchmark's query mix
(``bench.queries``), ranked lookups of every kind and of startups as autocomplete asks them,
the figures a question finds and the cities it names, and every city's, startup's and
organization's related records. A change that alters how the index is built but not what it
holds gives the same answers.

Re-record only when the answers are meant to change (or data/ changed):
``python -m tests.test_search_golden`` (writes the file from the code checked out).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.queries import build
from bench.realshape import clone
from bot import search
from bot.loader import Dataset, Loader
from bot.model import Kind
from bot.search import SearchIndex

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("search_golden.json")
CLONE_SIZE = 1500
QUERY_SCALE = 0.5
LIMIT = 6


def _hits(hits: list[Any]) -> list[str]:
    return [f"{h.record.kind}:{h.record.id} {h.score!r} {h.matched} {h.label}" for h in hits]


def answers(dataset: Dataset) -> dict[str, Any]:
    """What the index over ``dataset`` answers (JSON-ready, in a fixed order)."""
    index = SearchIndex(dataset.all_records(), dataset.label_keys)
    queries = build(dataset, scale=QUERY_SCALE)
    out: dict[str, Any] = {"lookup": {}, "complete": {}, "figures": {}, "cities": {}}
    for query in queries:
        text = query.text
        out["lookup"][text] = _hits(index.lookup(text, None, limit=LIMIT))
        out["complete"][text] = _hits(
            index.lookup(text, Kind.STARTUP, limit=LIMIT, typos_if_found=False)
        )
        if query.category == "question":
            out["figures"][text] = [
                f"{f.owner.id}/{f.figure.id} {f.score!r}" for f in index.figures(text)
            ]
            out["cities"][text] = sorted(index.mentioned_cities(text))
    related: dict[str, Any] = {}
    for city in index.cities():
        related[f"city:{city.id}"] = [
            [r.id for r in index.in_city(kind, city.id)]
            for kind in (Kind.STARTUP, Kind.INITIATIVE, Kind.ORGANIZATION)
        ]
    for startup in index.of_kind(Kind.STARTUP)[:300]:
        related[f"startup:{startup.id}"] = [r.id for r in index.similar_startups(startup, 6)]
    for org in index.of_kind(Kind.ORGANIZATION):
        related[f"organization:{org.id}"] = [r.id for r in index.initiatives_of(org.id)]
    out["related"] = related
    out["sectors"] = index.sectors()
    out["order"] = [f"{r.kind}:{r.id}" for r in index.of_kind(None)]
    return out


def _load(folder: Path) -> Dataset:
    dataset = Loader(folder).load().dataset
    assert dataset is not None
    return dataset


def record(work: Path) -> dict[str, Any]:
    folder, _ = clone(CLONE_SIZE, work)
    return {"shipped": answers(_load(REPO / "data")), "clone": answers(_load(folder))}


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text("utf-8"))


def test_the_shipped_data_answers_as_recorded(golden: dict[str, Any]) -> None:
    assert answers(_load(REPO / "data")) == golden["shipped"]


def test_a_real_shape_clone_answers_as_recorded(
    golden: dict[str, Any], tmp_path: Path
) -> None:
    folder, _ = clone(CLONE_SIZE, tmp_path)
    found = answers(_load(folder))
    expected = golden["clone"]
    assert len(found["lookup"]) == len(expected["lookup"]) >= 200
    for part in expected:
        assert found[part] == expected[part], part


def test_the_typo_index_answers_alike_in_any_bucket_layout(
    golden: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large index spreads its one-deletion variants over up to 4,096 buckets (64 at 100k
    records); the shipped data's index in 1 and in 4,096 buckets answers as recorded."""
    dataset = _load(REPO / "data")
    for bits in (0, 5, 12):
        monkeypatch.setattr(search, "delete_bucket_bits", lambda records, bits=bits: bits)
        found = answers(dataset)
        assert found["lookup"] == golden["shipped"]["lookup"], bits
        assert found["complete"] == golden["shipped"]["complete"], bits


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        GOLDEN.write_text(
            json.dumps(record(Path(work)), ensure_ascii=False, indent=0, sort_keys=True) + "\n",
            "utf-8",
        )
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size:,} bytes)", file=sys.stderr)
