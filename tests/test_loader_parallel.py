"""A big load parses in child processes: the same dataset as parsing in-process, file by file."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.loader as loader_module
from bench.generator import generate
from bot.loader import Loader
from bot.model import Kind


def test_child_processes_load_what_the_parent_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder, _ = generate(600, tmp_path)
    alone = Loader(folder).load()
    assert alone.dataset is not None and alone.problems == []

    # Past a few KB, every file after the first ones goes to the children unread by the parent.
    monkeypatch.setattr(loader_module, "PARALLEL_MIN_BYTES", 20_000)
    monkeypatch.setattr(loader_module, "PARALLEL_MIN_FILES", 2)
    loader = Loader(folder)
    with caplog.at_level("INFO", logger="bot.loader"):
        parallel = loader.load()
    assert "processes" in caplog.text and "parsing in-process" not in caplog.text
    assert parallel.dataset is not None and parallel.problems == []
    assert parallel.dataset.version == alone.dataset.version
    for kind in Kind:
        assert parallel.dataset.records[kind] == alone.dataset.records[kind], kind
    assert parallel.dataset.file_hashes == alone.dataset.file_hashes

    # A second load re-reads only the changed file; the others come from the cache.
    assert loader.load().dataset is parallel.dataset
    edited = sorted((folder / "startups").glob("*.yaml"))[-1]
    edited.write_text(edited.read_text("utf-8").replace("name: ", "name: X", 1), "utf-8")
    again = loader.load()
    assert again.dataset is not None and again.dataset.version != parallel.dataset.version
    changed = [rid for rid, rec in again.dataset.records[Kind.STARTUP].items()
               if rec != parallel.dataset.records[Kind.STARTUP][rid]]  # fmt: skip
    assert len(changed) == 1 and again.dataset.records[Kind.STARTUP][changed[0]].name.startswith("X")
