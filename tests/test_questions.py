"""Answer quality: every member question in tests/questions.yaml through Knowledge.ask.

The questions cover every intent, filter and attribute of bot.question, in English and
Chinese (Traditional and Simplified), with typos, and questions whose honest answer is "the
data does not say" or "nothing about that". A miss fails with the question and what came back.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml

from bot import answers
from bot.knowledge import Knowledge
from bot.question import Query
from bot.question.cards import ReplyPages
from bot.store import Store

# One event loop for the module: the shipped data is loaded once for all the questions.
pytestmark = pytest.mark.asyncio(loop_scope="module")

QUESTIONS = yaml.safe_load((Path(__file__).parent / "questions.yaml").read_text("utf-8"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shipped(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Knowledge]:
    """The shipped data/ folder, loaded once for all the questions."""
    tmp = tmp_path_factory.mktemp("questions")
    store = Store(tmp / "smartups.db", Path(__file__).parent.parent / "data")
    await store.open()
    report = await store.reload(actor="test", command="test", audit=False)
    assert report.ok, report.problems
    yield Knowledge(store)
    await store.close()


async def test_the_set_covers_what_members_ask() -> None:
    intents = Counter(q["intent"] for q in QUESTIONS)
    assert len(QUESTIONS) >= 80
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", q["q"])) for q in QUESTIONS) >= 20
    honest = [
        q
        for q in QUESTIONS
        if q["intent"] == "offtopic"
        or q.get("missing")
        or (q["intent"] in ("list", "count") and not q.get("records"))
    ]
    assert len(honest) >= 10
    for intent in (
        "list",
        "count",
        "oldest",
        "newest",
        "compare",
        "similar",
        "fact",
        "figures",
        "profile",
        "search",
        "offtopic",
    ):
        assert intents[intent], f"no question of intent {intent}"
    filters = {name for q in QUESTIONS for name in q.get("filters", {})}
    assert {"city", "sector", "status", "founded", "list", "area", "type", "exchange"} <= filters
    fields = {f[1] for q in QUESTIONS for f in q.get("facts", []) + q.get("missing", [])}
    assert {
        "founded",
        "founders",
        "website",
        "hq",
        "sector",
        "status",
        "listing",
        "areas",
        "vision",
        "type",
        "city",
    } <= fields


@pytest.mark.parametrize("case", QUESTIONS, ids=[q["q"][:60] for q in QUESTIONS])
async def test_question(shipped: Knowledge, case: dict) -> None:
    reply = await shipped.ask(case["q"])
    got = {
        "intent": reply.intent,
        "records": [r.id for r in reply.records],
        "filters": {k: v for k, (v, _shown) in reply.filters.items()},
        "facts": [(f.record.id, f.field, f.value) for f in reply.facts],
        "missing": [(r.id, field) for r, field in reply.missing],
    }
    where = f"{case['q']!r} -> {got}"
    assert reply.intent == case["intent"], where
    if "kind" in case:
        assert reply.kind is not None and reply.kind.value == case["kind"], where
    if "records" in case:
        assert got["records"] == case["records"], where
    if "first" in case:
        assert got["records"][0] == case["first"] and len(got["records"]) == case["count"], where
    if "record" in case:
        shown = reply.records or [h.record for h in reply.hits] or [h.owner for h in reply.figures]
        assert shown and shown[0].id == case["record"], where
    for name, value in case.get("filters", {}).items():
        assert got["filters"].get(name) == value, where
    if reply.intent == "figures":
        facts = [(h.owner.id, f"figure:{h.figure.id}", h.figure.value) for h in reply.figures]
    else:
        facts = got["facts"]
    for record, field, value in case.get("facts", []):
        assert any(
            r == record
            and f == field
            and (
                value == "*"
                or v == value
                or (isinstance(v, list) and not isinstance(value, list) and value in v)
            )
            for r, f, v in facts
        ), where
    for record, field in case.get("missing", []):
        assert (record, field) in got["missing"], where


@pytest.mark.parametrize("lang", ["en", "zh-TW", "zh-CN"])
async def test_every_answer_renders_and_prints_as_json(shipped: Knowledge, lang: str) -> None:
    for case in QUESTIONS:
        reply, pages = await answers.ask_reply(shipped, Query.of(case["q"]), lang)
        assert len(pages) >= 1
        for page in pages[:3]:
            assert page.title and len(page.title) <= 256
        data = answers.ask_json(reply, pages)
        assert set(data) >= {
            "question",
            "lang",
            "intent",
            "filters",
            "records",
            "facts",
            "missing",
            "text",
        }
        json.dumps(data, ensure_ascii=False)


async def test_a_list_says_how_it_was_understood_and_pages(shipped: Knowledge) -> None:
    reply = await shipped.ask("fintech companies in hong kong?")
    pages = ReplyPages(reply, "en")
    assert pages[0].title == "Startups · Hong Kong · fintech — 10"
    assert "WeLab" in pages[0].description and "Bitspark" in pages[0].description


async def test_an_empty_filter_names_it_and_what_the_city_has(shipped: Knowledge) -> None:
    pages = await answers.ask(shipped, "any startups from Taipei?", "en")
    text = pages[0].description
    assert "No startup in the data is based in Taipei" in text
    assert "3 initiatives" in text and "3 ecosystem bodies" in text.lower().replace(
        "organizations", "ecosystem bodies"
    )


async def test_a_missing_fact_is_said_plainly(shipped: Knowledge) -> None:
    pages = await answers.ask(shipped, "When was ImageDeep founded?", "en")
    assert "The data has no founding year for **ImageDeep**." in pages[0].description
    zh = await answers.ask(shipped, "ImageDeep 何時成立？", "zh-TW")
    assert "資料中沒有" in zh[0].description


async def test_a_fact_carries_its_source(shipped: Knowledge) -> None:
    reply = await shipped.ask("When did WeLab start?")
    assert reply.facts[0].value == 2013 and reply.facts[0].source.startswith("http")
    pages = await answers.ask(shipped, "When did WeLab start?", "en")
    assert "2013" in pages[0].description and "source" in pages[0].description


async def test_off_topic_offers_no_record(shipped: Knowledge) -> None:
    for question in ("Who won the 2018 World Cup?", "明天天氣如何？", "tell me a joke"):
        reply = await shipped.ask(question)
        assert reply.intent == "offtopic" and not reply.records and not reply.hits


async def test_unanswered_questions_are_counted_as_gaps(shipped: Knowledge) -> None:
    from bot import gaps

    for _ in range(2):
        await answers.ask(shipped, "When was ImageDeep founded?", "en")
    await answers.ask(shipped, "When did WeLab start?", "en")  # answered: not a gap
    found = await gaps.top(shipped.store.state, lang="en")
    counted = {(g.question, g.reason): g.count for g in found}
    assert counted[("when was imagedeep founded", "not_said")] >= 2, found
    assert not any(q == "when did welab start" for q, _ in counted)
