"""Full-text queries over ``record_fts`` (SQLite FTS5), built without passing user syntax on.

A member's words reach FTS5 only as quoted literals (:func:`match_parts`), so ``NEAR(``,
``-x``, ``name:x`` or ``AND`` are words, never operators. On a large table the words found in
many records are left out of the ranking when rarer ones remain (:class:`CommonTerms`): bm25
over a word most records contain costs tens of milliseconds and changes almost nothing.

This module only builds queries; :meth:`bot.store.Store.fulltext` runs them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from bot.text import fts_text, has_cjk

#: Full-text queries skip common words only on tables at least this large (small data sets
#: keep exact bm25 over every word); a word in more than FTS_COMMON_SHARE of the records is
#: common, and a query ranks at most about FTS_BUDGET_SHARE of the table.
FTS_PRUNE_MIN_DOCS = 20_000
FTS_COMMON_SHARE = 0.01
FTS_BUDGET_SHARE = 0.03
#: bm25 weights of the columns: name, aliases, tags, description, figures.
COLUMN_WEIGHTS = (10.0, 8.0, 4.0, 1.0, 3.0)
#: At most this many of a query's terms are searched.
MAX_TERMS = 32

#: One part of a match expression: (quoted part, the word, matched as a prefix?).
MatchPart = tuple[str, str, bool]


def fulltext_query(
    terms: list[str], kinds: list[str] | None, limit: int, common: CommonTerms | None
) -> tuple[str, list[Any]] | None:
    """The SQL and parameters that rank ``(kind, id, rank)`` rows for ``terms`` (None when
    no term is left to search), ranked by bm25 unless even the rarest terms match too many
    records (then matches come in table order, unranked; see :class:`CommonTerms`)."""
    parts = match_parts(terms)
    if not parts:
        return None
    ranked = True
    if common is not None:
        kept, too_many = common.prune(parts)
        ranked = not too_many
        expression = " OR ".join(kept)
    else:
        expression = " OR ".join(part for part, _, _ in parts)
    weights = ", ".join(str(weight) for weight in COLUMN_WEIGHTS)
    score = f"bm25(record_fts, {weights})" if ranked else "0.0"
    params: list[Any] = [expression]
    if kinds:
        sql = (
            f"SELECT r.kind, r.id, {score} AS rank "
            "FROM record_fts JOIN record r ON r.rowid = record_fts.rowid "
            f"WHERE record_fts MATCH ? AND r.kind IN ({', '.join('?' * len(kinds))})"
        )
        params.extend(kinds)
        sql += " ORDER BY rank LIMIT ?" if ranked else " LIMIT ?"
        params.append(limit)
        return sql, params
    # Without a kind filter, the best rows are picked from record_fts alone and only those
    # are joined to record: joining every match first cost half the query on common words.
    inner = f"SELECT rowid, {score} AS rank FROM record_fts WHERE record_fts MATCH ?"
    inner += " ORDER BY rank LIMIT ?" if ranked else " LIMIT ?"
    params.append(limit)
    sql = (
        f"SELECT r.kind, r.id, f.rank FROM ({inner}) f JOIN record r ON r.rowid = f.rowid"
        + (" ORDER BY f.rank" if ranked else "")
    )
    return sql, params


def match_expression(terms: list[str]) -> str:
    """Quote every term so FTS5 sees only literal words: OR between terms, CJK as phrases.

    Each token is wrapped in double quotes (inner quotes doubled), so ``NEAR(``, ``-x``,
    ``name:x`` or ``AND`` are words, not syntax. A run of CJK characters becomes the phrases
    of its character pairs ("台 北" for 台北); a lone character stays a phrase of its own.
    Latin words of 3+ letters also match as prefixes ("financ" finds "financing").
    """
    return " OR ".join(part for part, _, _ in match_parts(terms))


def match_parts(terms: list[str]) -> list[MatchPart]:
    """The distinct parts of :func:`match_expression`: (quoted part, word, prefix?)."""
    parts: dict[str, MatchPart] = {}
    cjk_run: list[str] = []

    def flush() -> None:
        # A run of CJK characters is searched as its character pairs (bigram phrases), the
        # way the name index matches Chinese (bot.search): one character alone is in
        # thousands of records, so OR-ing them ranked most of the table by bm25 (~15 ms a
        # query at 100,000 records) for "matches" sharing one character with the query.
        if len(cjk_run) == 1:
            phrase = '"' + cjk_run[0] + '"'
            parts.setdefault(phrase, (phrase, "", False))
        for at in range(min(len(cjk_run) - 1, MAX_TERMS)):
            phrase = '"' + cjk_run[at] + " " + cjk_run[at + 1] + '"'
            parts.setdefault(phrase, (phrase, "", False))
        cjk_run.clear()

    for term in terms[:MAX_TERMS]:
        token = fts_text(term)
        if not token:
            continue
        for piece in token.split():
            if has_cjk(piece):
                cjk_run.append(piece.replace('"', '""'))
                continue
            flush()
            prefix = len(piece) >= 3
            quoted = '"' + piece.replace('"', '""') + '"' + ("*" if prefix else "")
            parts.setdefault(quoted, (quoted, piece, prefix))
        flush()
    flush()
    return list(parts.values())


@dataclass(frozen=True)
class CommonTerms:
    """The full-text terms found in many records, with how many (from FTS5's vocabulary).

    bm25 ranks every record that matches any term of a query, so one word found in most
    records ("powered", "works", "platform") costs ~50 ms at 100,000 records while adding
    almost nothing to the ranking (its IDF is near zero). Knowing these terms lets a query
    rank only with its rarer words.
    """

    docs: int
    terms: list[str]  # sorted
    counts: list[int]

    def estimate(self, word: str, prefix: bool) -> int:
        """Records matching ``word`` (or words starting with it), counting common terms only."""
        if not word:
            return 0
        start = bisect.bisect_left(self.terms, word)
        if not prefix:
            found = start < len(self.terms) and self.terms[start] == word
            return self.counts[start] if found else 0
        end = bisect.bisect_left(self.terms, word + "\U0010ffff", lo=start)
        return sum(self.counts[start:end])

    def prune(self, parts: list[MatchPart]) -> tuple[list[str], bool]:
        """The parts worth ranking: rarest first, within the budget of matching records.

        Returns the parts kept and whether they still match too many records to rank (then
        the caller takes matches in table order instead of computing bm25 for all of them).
        """
        budget = int(self.docs * FTS_BUDGET_SHARE)
        scored = sorted((self.estimate(word, prefix), n, part) for n, (part, word, prefix) in
                        enumerate(parts))  # fmt: skip
        kept: list[tuple[int, str]] = []
        total = 0
        for estimate, n, part in scored:
            if kept and total + estimate > budget:
                break
            kept.append((n, part))
            total += estimate
        kept.sort()
        return [part for _, part in kept], total > budget
