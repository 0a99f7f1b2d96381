"""The benchmark's data generator: deterministic, and what it writes loads without a problem."""

from __future__ import annotations

from pathlib import Path

from bench.generator import Plan, ensure, generate, stamp_ok
from bench.queries import MIX, build
from bot.loader import Loader
from bot.model import Kind


def test_generated_folder_loads_cleanly_and_is_deterministic(tmp_path: Path) -> None:
    folder, counts = generate(300, tmp_path / "a")
    outcome = Loader(folder).load()
    assert outcome.problems == []
    dataset = outcome.dataset
    assert dataset is not None
    assert len(dataset.records[Kind.STARTUP]) == 300 == counts["startups"]
    assert len(dataset.records[Kind.CITY]) == Plan(300).cities
    assert counts["files"] > 3, "records are spread over several files per kind"
    words = [len(r.description.split()) for r in dataset.records[Kind.STARTUP].values()]
    assert min(words) >= 30 and max(words) <= 60
    assert any(r.name_zh for r in dataset.records[Kind.STARTUP].values())

    again, _ = generate(300, tmp_path / "b")
    first = sorted(p.relative_to(folder) for p in folder.rglob("*.yaml"))
    assert first == sorted(p.relative_to(again) for p in again.rglob("*.yaml"))
    assert all((folder / p).read_bytes() == (again / p).read_bytes() for p in first)

    assert stamp_ok(folder, 300)
    (folder / "startups" / "startups-0001.yaml").write_text("startups: []\n")
    assert not stamp_ok(folder, 300)
    regenerated, _ = ensure(300, tmp_path / "a", log=lambda _: None)
    assert stamp_ok(regenerated, 300)

    queries = build(dataset)
    assert len(queries) == sum(MIX.values()) >= 500
    assert {q.category for q in queries} == set(MIX)
    assert queries == build(dataset)
