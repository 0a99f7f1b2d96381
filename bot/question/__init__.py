"""Questions that are understood: a question becomes a structured query over the knowledge.

``Query`` (query.py) is the question cleaned once; ``parse`` (parse.py) finds the records,
words and years in it with the lexicons (lexicon/, one YAML file per language) and the data's
own vocabulary (vocabulary.py); ``plan`` (plan.py) decides the intent and answers it from one
snapshot, using per-snapshot facets (facets.py) and record facts (facts.py). Rendering is
``bot.question.cards``; JSON is ``Reply`` through ``bot.question.cards.reply_json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.question.facets import facets_of, warm
from bot.question.lexicon import default_lexicon
from bot.question.parse import Parsed, YearFilter, parse
from bot.question.plan import Reply, plan
from bot.question.query import Query

if TYPE_CHECKING:
    from bot.store import Snapshot

__all__ = [
    "Parsed",
    "Query",
    "Reply",
    "YearFilter",
    "default_lexicon",
    "facets_of",
    "parse",
    "plan",
    "understand",
    "warm",
]


def understand(query: Query, snapshot: Snapshot) -> Reply:
    """Parse ``query`` and plan its reply over ``snapshot`` (no I/O: safe in a thread)."""
    facets = facets_of(snapshot)
    parsed = parse(query, snapshot.index, default_lexicon(), facets.vocabulary)
    return plan(parsed, snapshot, facets)
