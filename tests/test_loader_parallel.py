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


def test_a_large_changed_file_parses_in_a_child_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A reload that parses one big file does it in a child process (PyYAML's C parser
    holds the GIL for the whole file): the same models, and the same problems, exactly."""
    folder, _ = generate(300, tmp_path)
    alone = Loader(folder).load()
    assert alone.dataset is not None
    loader = Loader(folder)
    assert loader.load().dataset is not None
    edited = sorted((folder / "startups").glob("*.yaml"))[-1]
    text = edited.read_text("utf-8")
    monkeypatch.setattr(loader_module, "OFFLOAD_MIN_BYTES", 1_000)
    monkeypatch.setattr(loader_module, "PARALLEL_MIN_BYTES", 10**9)  # not a parallel load
    edited.write_text(text.replace("name: ", "name: X", 1), "utf-8")
    with caplog.at_level("INFO", logger="bot.loader"):
        again = loader.load()
    assert "parsing 1 files in 1 processes" in caplog.text
    assert again.dataset is not None
    changed = [rid for rid, rec in again.dataset.records[Kind.STARTUP].items()
               if rec != alone.dataset.records[Kind.STARTUP][rid]]  # fmt: skip
    assert len(changed) == 1

    # A file with a problem: the child reads it again the exact way, as the parent would.
    broken = text.replace("name: ", "name: [unclosed", 1)
    edited.write_text(broken, "utf-8")
    in_child = [str(p) for p in loader.load().problems]
    monkeypatch.setattr(loader_module, "OFFLOAD_MIN_BYTES", 10**9)
    edited.write_text(broken + "\n", "utf-8")  # another hash: parsed again, in-process
    in_parent = [str(p) for p in Loader(folder).load().problems]
    assert in_child and in_child == in_parent
