"""Any text gets an answer or a clear "nothing about that": never an exception, never a ping,
always within Discord's limits. Property-based over the parser, plus the hostile inputs the
search tests use, a 4,000-character question and one naming fifty records."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import answers
from bot.knowledge import Knowledge
from bot.model import Kind
from bot.question import Query, default_lexicon, parse
from bot.question.facets import facets_of
from bot.render import Card, to_embed
from tests.test_search import NASTY

WORDS = [
    "startups",
    "fintech",
    "founded",
    "before",
    "2015",
    "in",
    "Hong Kong",
    "Taipei",
    "who",
    "how many",
    "listed",
    "oldest",
    "vs",
    "like",
    "Qupital",
    "WeLab",
    "的",
    "有哪些",
    "初創",
    "成立",
    "上市",
    "年",
    "@everyone",
    "<@&1>",
    "**",
    "`",
    "\u202e",
    "\u200b",
    "[x](http://e)",
]


def _check_pages(pages: Sequence[Card]) -> None:
    assert len(pages) >= 1
    for page in (pages[0], pages[len(pages) - 1]):
        embed = to_embed(page)
        assert len(embed) <= 6000
        text = " ".join(
            [embed.title or "", embed.description or ""] + [f.value or "" for f in embed.fields]
        )
        assert "@everyone" not in text and "<@&" not in text
        assert "\u202e" not in (embed.title or "")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=25))
async def test_the_parser_takes_any_words(knowledge: Knowledge, parts: list[str]) -> None:
    question = " ".join(parts)
    snapshot = knowledge.snapshot
    parsed = parse(
        Query.of(question), snapshot.index, default_lexicon(), facets_of(snapshot).vocabulary
    )
    assert all(r.kind in set(Kind) for r in parsed.records)
    pages = await answers.ask(knowledge, question, "en")
    _check_pages(pages)


async def test_hostile_inputs_answer_safely(knowledge: Knowledge) -> None:
    for text in NASTY:
        for lang in ("en", "zh-TW"):
            _check_pages(await answers.ask(knowledge, text, lang))


async def test_a_very_long_question_is_bounded(knowledge: Knowledge) -> None:
    question = ("Which fintech startups in Hong Kong were founded before 2015? " * 70)[:4000]
    reply = await knowledge.ask(question)
    assert len(reply.question) <= 500
    assert reply.intent == "list"
    _check_pages(await answers.ask(knowledge, question, "en"))


async def test_a_question_naming_fifty_records(knowledge: Knowledge) -> None:
    names = [r.name for r in knowledge.snapshot.index.of_kind(None)][:50]
    question = "compare " + " and ".join(names)
    reply = await knowledge.ask(question)
    assert reply.intent in ("compare", "profile", "list", "search", "fact")
    _check_pages(await answers.ask(knowledge, question, "en"))


async def test_mentions_in_a_question_never_ping(knowledge: Knowledge) -> None:
    for question in ("@everyone fintech startups", "<@123> who founded WeLab?", "@here 香港"):
        _check_pages(await answers.ask(knowledge, question, "en"))
