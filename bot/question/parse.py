"""Turn a question into a structured query over the knowledge, without any language model.

The steps, each over the tokens of one :class:`~bot.question.query.Query`:

1. Names. Every run of tokens that is exactly a record's name, alias, id or Chinese name (as
   the search index knows them) becomes a named record, longest runs first. Runs that are only
   question words (the lexicon's phrases and stopwords) are not looked up, so "like" or "list"
   are never taken for a record.
2. Words. The remaining tokens are matched against the lexicon (longest phrase first) and
   against the data's own vocabulary: sectors, tags, initiative areas and organization types.
3. Typos. Runs of leftover content words are looked up once more with typo tolerance; only a
   strong, unambiguous match is taken as a record.
4. Years, with the comparison the words around them give ("before 2015", "2015年之前").

The result, :class:`Parsed`, says what was found; :mod:`bot.question.plan` decides what the
question asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from bot.index_types import IndexLike
from bot.model import Kind, Record
from bot.question.lexicon import Lexicon, Sense
from bot.question.query import Query
from bot.question.vocabulary import Vocabulary
from bot.text import has_cjk, normalize

#: Longest run of tokens tried as a name (Latin words; CJK characters count double).
MAX_NAME_TOKENS = 7
#: Lookups spent on names per question: a question naming fifty records stays bounded.
MAX_NAME_LOOKUPS = 90
MAX_TYPO_LOOKUPS = 8
#: A typo lookup is taken only this good, and this far ahead of another record.
TYPO_MIN_SCORE = 82.0
TYPO_MARGIN = 4.0
#: ...and only when the whole label is this close to the words typed (rapidfuzz ratio).
TYPO_LABEL_RATIO = 80.0
MIN_YEAR, MAX_YEAR = 1800, 2100
#: Attributes asked with words every question uses ("what is", "where", "when"): they say
#: what is asked of a record, not that the question is about our records at all.
QUESTION_WORDS = frozenset({"description", "hq", "founded"})
_YEAR_RE = re.compile(r"^(1[89]\d\d|20\d\d|2100)$")
_RANGE_WORDS = frozenset({"and", "to", "till", "until", "至", "到", "-"})


@dataclass(frozen=True, slots=True)
class YearFilter:
    """Years asked about: ``op`` is in, before, after, since or between; bounds inclusive."""

    op: str
    low: int
    high: int

    def accepts(self, year: int | None) -> bool:
        return year is not None and self.low <= year <= self.high

    def describe(self) -> str:
        if self.op == "between":
            return f"{self.low}–{self.high}"
        if self.op == "before":
            return f"< {self.high + 1}"
        if self.op == "after":
            return f"> {self.low - 1}"
        if self.op == "since":
            return f"≥ {self.low}"
        return str(self.low)


@dataclass
class Parsed:
    """Everything the question mentions, in the order it mentions it."""

    query: Query
    records: list[Record] = field(default_factory=list)
    kinds: list[Kind] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    org_types: list[str] = field(default_factory=list)
    on_list: bool = False
    years: YearFilter | None = None
    domain: bool = False
    #: Content words nothing explained (for the "nothing about that" decision).
    unknown: list[str] = field(default_factory=list)
    #: Records taken from a typo lookup (the answer says "did you mean").
    guessed: list[Record] = field(default_factory=list)

    @property
    def lang(self) -> str:
        """The question's language: en, zh, or mixed."""
        cjk = any(has_cjk(t) for t in self.query.tokens)
        latin = any(t.isalpha() and not has_cjk(t) for t in self.query.tokens)
        return "mixed" if cjk and latin else "zh" if cjk else "en"

    def named(self, kind: Kind) -> list[Record]:
        return [r for r in self.records if r.kind == kind]


def parse(query: Query, index: IndexLike, lexicon: Lexicon, vocabulary: Vocabulary) -> Parsed:
    """What ``query`` mentions: records, words of intent, filters and years."""
    parsed = Parsed(query)
    tokens = query.tokens
    claimed = [False] * len(tokens)
    _find_names(query, index, lexicon, claimed, parsed)
    years = _find_years(tokens, claimed, lexicon)
    _find_words(tokens, claimed, lexicon, vocabulary, parsed)
    _find_typos(query, index, lexicon, claimed, parsed)
    parsed.years = years
    return parsed


# ---------------------------------------------------------------------------- names


def _name_spans(query: Query, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Runs of tokens worth a name lookup, longest first, then left to right."""
    tokens = query.tokens
    spans = []
    for size in range(min(MAX_NAME_TOKENS, len(tokens)), 0, -1):
        for start in range(0, len(tokens) - size + 1):
            run = tokens[start : start + size]
            if all(lexicon.is_word(t) or t.isdigit() for t in run):
                continue
            if size > 1 and (run[0] in lexicon.stopwords or run[-1] in lexicon.stopwords):
                continue
            if size == 1 and not has_cjk(run[0]) and len(run[0]) < 2:
                continue
            if size == 1 and has_cjk(run[0]):
                continue  # one Chinese character is never a name here
            if tuple(run) in lexicon.phrases:
                continue
            spans.append((start, start + size))
    return spans


def _find_names(
    query: Query, index: IndexLike, lexicon: Lexicon, claimed: list[bool], parsed: Parsed
) -> None:
    seen: set[tuple[str, str]] = set()
    lookups = 0
    for start, stop in _name_spans(query, lexicon):
        if any(claimed[start:stop]):
            continue
        if lookups >= MAX_NAME_LOOKUPS:
            break
        lookups += 1
        key = query.span(start, stop)
        # Only exact names (and, in Chinese, a prefix) name a record here, so a Latin span
        # skips the typo phase: its hits score at most 85 and are never taken, and at
        # 100,000 records each of a long question's dozens of spans paid ~1.3 ms for them.
        hits = index.lookup(key, None, limit=4, typos_if_found=False, typos=has_cjk(key))
        exact = [h for h in hits if h.matched == "name" and h.score >= 95.0]
        if not exact and has_cjk(key) and len(key) >= 4:
            # Chinese names are often cut short ("香港科技園" for 香港科技園公司): a prefix
            # that only one record's name starts with is that record.
            started = {(h.record.kind, h.record.id): h for h in hits if h.matched == "prefix"}
            if len(started) == 1:
                exact = list(started.values())
        if not exact:
            continue
        for i in range(start, stop):
            claimed[i] = True
        for hit in exact[:3]:
            ident = (hit.record.kind, hit.record.id)
            if ident not in seen:
                seen.add(ident)
                parsed.records.append(hit.record)
    parsed.records.sort(key=lambda r: _first_position(query, r))


def _first_position(query: Query, record: Record) -> int:
    """Where in the question a record was named (for the order of a comparison)."""
    for label in (record.name, record.name_zh or "", *record.aliases):
        key = normalize(label)
        if key and key in query.normal:
            return query.normal.index(key)
    return len(query.normal)


# ---------------------------------------------------------------------------- words


def _find_words(
    tokens: tuple[str, ...],
    claimed: list[bool],
    lexicon: Lexicon,
    vocabulary: Vocabulary,
    parsed: Parsed,
) -> None:
    at = 0
    while at < len(tokens):
        if claimed[at]:
            at += 1
            continue
        size, senses = lexicon.match(tokens, at)
        data_size, data_senses = vocabulary.match(tokens, at)
        if data_size == 1 and tokens[at] in lexicon.stopwords:
            data_size, data_senses = 0, []
        if data_size > size:
            size, senses = data_size, data_senses
        elif data_size == size and data_size and not any(s.section == "sectors" for s in senses):
            # The lexicon's sector for these words wins over the data's spelling of them.
            senses = [*senses, *data_senses]
        if size and not any(claimed[at : at + size]):
            for i in range(at, at + size):
                claimed[i] = True
            _take(senses, parsed)
            at += size
            continue
        token = tokens[at]
        if token not in lexicon.stopwords and not token.isdigit() and len(token) > 1:
            parsed.unknown.append(token)
        at += 1


def _take(senses: list[Sense], parsed: Parsed) -> None:
    for sense in senses:
        section, value = sense.section, sense.value
        if section == "kinds":
            _add(parsed.kinds, Kind(value))
        elif section in ("operations", "attributes", "statuses", "sectors"):
            _add(getattr(parsed, section), value)
        elif section == "areas":
            _add(parsed.areas, value)
        elif section == "org_types":
            _add(parsed.org_types, value)
        elif section == "lists":
            parsed.on_list = True
        if section != "years" and not (section == "attributes" and value in QUESTION_WORDS):
            parsed.domain = True


def _add(items: list[Any], value: object) -> None:
    if value not in items:
        items.append(value)


# ---------------------------------------------------------------------------- typos


def _find_typos(
    query: Query, index: IndexLike, lexicon: Lexicon, claimed: list[bool], parsed: Parsed
) -> None:
    """Look up leftover runs of content words with typo tolerance; keep only clear winners."""
    tokens = query.tokens
    runs: list[tuple[int, int]] = []
    start = None
    for i, token in enumerate((*tokens, "")):
        content = (
            bool(token)
            and not claimed[i]
            and token not in lexicon.stopwords
            and not token.isdigit()
        )
        if content and start is None:
            start = i
        elif not content and start is not None:
            runs.append((start, i))
            start = None
    seen = {(r.kind, r.id) for r in parsed.records}
    for start, stop in runs[:MAX_TYPO_LOOKUPS]:
        key = query.span(start, stop)
        if len(key.replace(" ", "")) < (2 if has_cjk(key) else 4):
            continue
        hits = index.lookup(key, None, limit=3)
        if not hits or hits[0].score < TYPO_MIN_SCORE:
            continue
        top = hits[0]
        if top.matched != "name" and not _close_to_label(key, top.record):
            continue  # "capital" is one word of "CompareAsia Group Capital Limited", not a name
        rivals = [h for h in hits[1:] if h.record.id != top.record.id]
        if rivals and top.score - rivals[0].score < TYPO_MARGIN and top.matched != "name":
            continue
        ident = (top.record.kind, top.record.id)
        if ident in seen:
            continue
        seen.add(ident)
        parsed.records.append(top.record)
        if top.matched not in ("name", "chinese"):
            parsed.guessed.append(top.record)
        for i in range(start, stop):
            claimed[i] = True
        parsed.unknown = [w for w in parsed.unknown if w not in tokens[start:stop]]
        parsed.domain = True
    parsed.records.sort(key=lambda r: _first_position(query, r))


def _close_to_label(key: str, record: Record) -> bool:
    """Typed words that spell one of the record's names (up to typos), or several words that
    are all in one of them."""
    typed = key.split()
    for label in (record.name, record.name_zh, *record.aliases):
        if not label:
            continue
        label_key = normalize(label)
        if fuzz.ratio(key, label_key) >= TYPO_LABEL_RATIO:
            return True
        if len(typed) >= 2 and set(typed) <= set(label_key.split()):
            return True
    return False


# ---------------------------------------------------------------------------- years


def _find_years(
    tokens: tuple[str, ...], claimed: list[bool], lexicon: Lexicon
) -> YearFilter | None:
    """The first year (or range of years) and how it is compared."""
    found = [i for i, t in enumerate(tokens) if _YEAR_RE.match(t) and not claimed[i]]
    if not found:
        return None
    first = found[0]
    year = int(tokens[first])
    for i in found:
        claimed[i] = True
    if len(found) >= 2:
        second = found[1]
        between = tokens[first + 1 : second]
        if second - first <= 3 and (
            not between or any(t in _RANGE_WORDS or t == "年" for t in between)
        ):
            low, high = sorted((year, int(tokens[second])))
            return YearFilter("between", low, high)
    before = _comparison(lexicon, tokens[max(0, first - 3) : first], leading=True)
    after = _comparison(lexicon, tokens[first + 1 : first + 4], leading=False)
    op = before or after or "in"
    if op == "before":
        return YearFilter("before", MIN_YEAR, year - 1)
    if op == "after":
        return YearFilter("after", year + 1, MAX_YEAR)
    if op == "since":
        return YearFilter("since", year, MAX_YEAR)
    return YearFilter("in", year, year)


def _comparison(lexicon: Lexicon, window: tuple[str, ...], *, leading: bool) -> str | None:
    """The year word in the tokens just before (English) or after (Chinese) a year."""
    order = range(len(window) - 1, -1, -1) if leading else range(len(window))
    for i in order:
        for size in (3, 2, 1):
            run = window[i : i + size] if leading else window[max(0, i - size + 1) : i + 1]
            for sense in lexicon.phrases.get(tuple(run), ()):
                wanted = sense.section == "years" and sense.value != "in"
                if wanted and (leading or has_cjk(run[0])):
                    return sense.value
    return None
