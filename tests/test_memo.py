"""bot.memo: answers remembered per data snapshot, with real stores and real reloads."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from bot import answers, gaps, memo
from bot.knowledge import Knowledge
from bot.model import Kind
from bot.store import Store


def rename_qupital(folder: Path) -> None:
    path = next(folder.rglob("startups*.yaml"))
    path.write_text(path.read_text("utf-8").replace("Qupital", "Qupital Ltd", 1), "utf-8")


async def test_an_answer_is_computed_once_per_snapshot(knowledge: Knowledge) -> None:
    snap = knowledge.snapshot
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        return "card"

    assert memo.remembered(snap, ("k", 1), make) == "card"
    assert memo.remembered(snap, ("k", 1), make) == "card"
    assert len(calls) == 1
    assert memo.recall(snap, ("k", 2)) is memo.MISSING


async def test_a_reload_starts_empty_and_the_old_memo_goes_with_its_snapshot(
    store: Store, sample_dir: Path
) -> None:
    knowledge = Knowledge(store)
    old = store.current
    old_card = answers.profile_card(knowledge, old.dataset.records[Kind.STARTUP]["qupital"])
    assert memo.size(old) >= 1
    rename_qupital(sample_dir)
    report = await store.reload()
    assert report.ok, report.problems
    new = store.current
    assert new is not old and memo.size(new) == 0
    card = answers.profile_card(knowledge, new.dataset.records[Kind.STARTUP]["qupital"])
    assert "Qupital Ltd" in card.title and "Qupital Ltd" not in old_card.title
    tables = len(memo._memos)
    del old
    await store.snapshot_saved()  # the background write of a snapshot holds it meanwhile
    gc.collect()
    assert len(memo._memos) < tables  # nothing keeps a retired snapshot (or its answers) alive


async def test_a_record_of_another_version_is_drawn_not_remembered(
    store: Store, sample_dir: Path
) -> None:
    knowledge = Knowledge(store)
    before = store.current.dataset.records[Kind.STARTUP]["qupital"]
    rename_qupital(sample_dir)
    assert (await store.reload()).ok
    answers.profile_card(knowledge, before)  # resolved before the reload, shown after
    assert memo.size(store.current) == 0


async def test_the_memo_is_bounded(knowledge: Knowledge, monkeypatch) -> None:
    monkeypatch.setattr(memo, "SIZE", 10)
    snap = knowledge.snapshot
    for n in range(50):
        memo.keep(snap, ("n", n), n)
    assert memo.size(snap) == 10
    assert memo.recall(snap, ("n", 0)) is memo.MISSING and memo.recall(snap, ("n", 49)) == 49


async def test_threads_share_one_memo(knowledge: Knowledge) -> None:
    snap = knowledge.snapshot
    seen: list[object] = []

    def work() -> None:
        for n in range(200):
            seen.append(memo.remembered(snap, ("t", n % 20), lambda n=n: ("v", n % 20)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(seen) == 800 and set(seen) == {("v", n) for n in range(20)}


async def test_a_remembered_question_still_counts_each_gap(knowledge: Knowledge) -> None:
    question = "what is the favourite colour of Qupital's founders?"
    first = await answers.ask_reply(knowledge, question, "en")
    again = await answers.ask_reply(knowledge, question, "en")
    assert again is first  # answered once
    assert gaps.gap_of(first[0]) == "not_said"
    counted = await gaps.top(knowledge.store.state, lang="en")
    assert [g.count for g in counted if g.question == gaps.question_key(question)] == [2]
