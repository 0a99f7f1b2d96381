"""Finding records and figures for any text a member types.

One :class:`SearchIndex` is built per data snapshot (off the event loop) and never changes, so
a command that holds a snapshot sees one consistent world. It answers, best first:

1. exact name, Chinese name, alias or id (after normalization: case, width, punctuation,
   Traditional/Simplified);
2. prefixes of names and of their words (what autocomplete needs on each keystroke);
3. Chinese substrings through a character-bigram index (香港科技園 from 科技园);
4. typos, scored by rapidfuzz over a bounded candidate set drawn from a one-deletion index of
   words, so a typo costs the same at 50 records and at 100,000;
5. full text (FTS5, bm25) over descriptions, tags and figures — see :mod:`bot.store`.

Figures ("How many free Wi-Fi hotspots does Hong Kong have?") are matched by their labels and
keywords, preferring the city the question names.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.model import City, Figure, Kind, Record
from bot.text import clean_input, compact, has_cjk, normalize, words

#: Below this many keys a typo is scored against every key: exact and cheap.
FULL_SCAN_KEYS = 3000
MAX_FUZZY_CANDIDATES = 1500
FUZZY_CUTOFF = 75.0

STOPWORDS = frozenset(
    """a an the of in on at to for and or is are was were be been does do did has have had how
    many much what which who whom whose where when why tell me about show give list find
    there their its it this that these those with by from as any all can could would should
    please i we you our your my number count total""".split()
)


@dataclass(frozen=True, slots=True)
class Hit:
    """A record that matched, how well (0-100) and by what."""

    record: Record
    score: float
    matched: str
    label: str

    @property
    def kind(self) -> Kind:
        return Kind(self.record.kind)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True)
class FigureHit:
    """A figure that answers a question, with the record that owns it."""

    owner: Record
    figure: Figure
    score: float


@dataclass(frozen=True, slots=True)
class _Key:
    text: str
    record: int
    label: str
    weight: float  # 1.0 for the name, slightly less for aliases


class SearchIndex:
    """Immutable lookup structures over one snapshot's records."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.records: list[Record] = sorted(records, key=lambda r: (r.kind, r.name.casefold()))
        self.by_kind: dict[Kind, list[int]] = {kind: [] for kind in Kind}
        self.by_ref: dict[tuple[str, str], int] = {}
        self.keys: list[_Key] = []
        self._exact: dict[str, list[int]] = {}
        self._prefix: list[tuple[str, int]] = []
        self._word_keys: dict[str, list[int]] = {}
        self._deletes: dict[str, list[str]] = {}
        self._bigrams: dict[str, list[int]] = {}
        self._figures: list[tuple[int, Figure, frozenset[str], frozenset[str]]] = []
        self._owner_words: list[frozenset[str]] = []
        for number, record in enumerate(self.records):
            self.by_kind[Kind(record.kind)].append(number)
            self.by_ref[(record.kind, record.id)] = number
            self._add_record(number, record)
        self._prefix.sort()
        self._city_keys = {
            key: number
            for key, numbers in self._exact.items()
            for number in {self.keys[k].record for k in numbers}
            if self.records[number].kind == Kind.CITY
        }

    # ------------------------------------------------------------------ building

    def _add_record(self, number: int, record: Record) -> None:
        labels: list[tuple[str, float]] = [(record.name, 1.0)]
        if record.name_zh:
            labels.append((record.name_zh, 0.99))
        labels.extend((alias, 0.97) for alias in record.aliases)
        labels.append((record.id.replace("-", " "), 0.96))
        owner_words: set[str] = set()
        seen: set[str] = set()
        for label, weight in labels:
            key = normalize(label)
            if not key or key in seen:
                continue
            seen.add(key)
            owner_words.update(words(key))
            self._add_key(_Key(key, number, label, weight))
        self._owner_words.append(frozenset(owner_words))
        for figure in getattr(record, "figures", ()):
            text = " ".join(
                [figure.label, figure.label_zh or "", figure.unit or "", *figure.keywords]
            )
            label_words = frozenset(words(normalize(text))) - STOPWORDS
            scope_words = frozenset(words(normalize(figure.scope or "")))
            self._figures.append((number, figure, label_words, scope_words))

    def _add_key(self, key: _Key) -> None:
        index = len(self.keys)
        self.keys.append(key)
        for variant in {key.text, compact(key.text)}:
            self._exact.setdefault(variant, []).append(index)
        parts = key.text.split(" ")
        for start in range(len(parts)):
            self._prefix.append((" ".join(parts[start:]), index))
        if " " in key.text:
            self._prefix.append((compact(key.text), index))
        for word in {stem(w) for w in words(key.text)}:
            if has_cjk(word):
                continue
            postings = self._word_keys.setdefault(word, [])
            if len(postings) == 0:
                for variant in _deletions(word):
                    self._deletes.setdefault(variant, []).append(word)
            postings.append(index)
        if has_cjk(key.text):
            text = compact(key.text)
            for bigram in {text[i : i + 2] for i in range(max(1, len(text) - 1))}:
                self._bigrams.setdefault(bigram, []).append(index)

    # ------------------------------------------------------------------ lookups

    def record(self, kind: Kind | str, record_id: str) -> Record | None:
        number = self.by_ref.get((str(kind), record_id))
        return None if number is None else self.records[number]

    def of_kind(self, kind: Kind | None) -> list[Record]:
        if kind is None:
            return list(self.records)
        return [self.records[n] for n in self.by_kind[Kind(kind)]]

    def lookup(
        self,
        text: str,
        kind: Kind | None = None,
        limit: int = 25,
        *,
        fuzzy: bool = True,
    ) -> list[Hit]:
        """Rank records by name for ``text``: exact, prefix, Chinese substring, then typos."""
        query = normalize(clean_input(text))
        if not query:
            return [Hit(r, 0.0, "list", r.name) for r in self.of_kind(kind)[:limit]]
        best: dict[int, Hit] = {}

        def offer(key_index: int, score: float, matched: str) -> None:
            key = self.keys[key_index]
            record = self.records[key.record]
            if kind is not None and record.kind != kind:
                return
            score *= key.weight
            current = best.get(key.record)
            if current is None or score > current.score:
                best[key.record] = Hit(record, round(score, 2), matched, key.label)

        for index in self._exact.get(query, ()):
            offer(index, 100.0, "name")
        squeezed = compact(query)
        if squeezed != query:
            for index in self._exact.get(squeezed, ()):
                offer(index, 99.0, "name")
        self._prefix_hits(query, offer, limit)
        if squeezed != query:
            self._prefix_hits(squeezed, offer, limit)
        if " " in query:
            self._all_words_hits(query, offer, limit)
        if has_cjk(query):
            self._cjk_hits(squeezed, offer)
        strong = sum(1 for hit in best.values() if hit.score >= 80)
        if fuzzy and strong < limit and len(query) >= 3:
            self._fuzzy_hits(query, offer, limit)
        ranked = sorted(best.values(), key=lambda h: (-h.score, h.record.name.casefold()))
        return ranked[:limit]

    def _prefix_hits(self, query: str, offer, limit: int) -> None:  # type: ignore[no-untyped-def]
        start = bisect.bisect_left(self._prefix, (query, -1))
        cap = max(limit * 8, 200)
        for text, index in itertools.islice(self._prefix, start, start + cap):
            if not text.startswith(query):
                break
            whole = self.keys[index].text
            at_start = whole.startswith(query) or compact(whole).startswith(query)
            # Longer leftovers rank lower: "we" prefers "WeLab" to "WeLab Digital Bank".
            leftover = min(len(whole) - len(query), 40) / 40
            score = (94.0 if at_start else 88.0) - 4.0 * leftover
            offer(index, score, "prefix")

    def _all_words_hits(self, query: str, offer, limit: int) -> None:  # type: ignore[no-untyped-def]
        """Every typed word starts some word of the name: "science park" finds
        "Hong Kong Science and Technology Parks Corporation"."""
        typed = query.split()
        anchor = max(typed, key=len)
        start = bisect.bisect_left(self._prefix, (anchor, -1))
        cap = max(limit * 20, 500)
        for text, index in itertools.islice(self._prefix, start, start + cap):
            if not text.startswith(anchor):
                break
            key_words = self.keys[index].text.split()
            if all(any(w.startswith(t) for w in key_words) for t in typed):
                offer(index, 84.0, "words")

    def _cjk_hits(self, query: str, offer) -> None:  # type: ignore[no-untyped-def]
        chars = [ch for ch in query if has_cjk(ch)]
        if len(chars) < 2:
            return
        grams = [query[i : i + 2] for i in range(len(query) - 1) if has_cjk(query[i : i + 2])]
        if not grams:
            return
        candidates: set[int] | None = None
        for gram in sorted(set(grams), key=lambda g: len(self._bigrams.get(g, ()))):
            postings = set(self._bigrams.get(gram, ()))
            candidates = postings if candidates is None else candidates & postings
            if not candidates:
                return
        for index in candidates or ():
            whole = compact(self.keys[index].text)
            if query in whole:
                offer(index, 86.0 - 6.0 * min(len(whole) - len(query), 10) / 10, "chinese")
            else:
                offer(index, 70.0, "chinese")

    def _word_matches(self, query: str) -> tuple[dict[int, int], int]:
        """Keys sharing words with the query up to one typo each: key -> words matched.

        Both sides are reduced to one-deletion variants of their (singular) words, so a
        dropped, added, swapped or wrong letter, or a plural, still meets its word.
        """
        typed = [stem(w) for w in words(query) if not has_cjk(w) and len(w) >= 3]
        typed = [w for w in typed if w not in STOPWORDS]
        found: dict[int, int] = {}
        for word in dict.fromkeys(typed):
            similar = {word} if word in self._word_keys else set()
            for variant in (*_deletions(word), word):
                similar.update(self._deletes.get(variant, ()))
            matched: set[int] = set()
            for other in similar:
                matched.update(self._word_keys.get(other, ()))
            for index in matched:
                found[index] = found.get(index, 0) + 1
        return found, len(set(typed))

    def _fuzzy_hits(self, query: str, offer, limit: int) -> None:  # type: ignore[no-untyped-def]
        found, wanted = self._word_matches(query)
        if wanted and found:
            if len(found) > MAX_FUZZY_CANDIDATES:
                top = heapq.nlargest(MAX_FUZZY_CANDIDATES, found, key=found.__getitem__)
                found = {index: found[index] for index in top}
            for index, count in found.items():
                if count == wanted:
                    offer(index, 72.0 + 6.0 * min(wanted, 3) / 3, "typo")
                elif wanted >= 2 and count * 2 >= wanted:
                    offer(index, 55.0 + 10.0 * count / wanted, "typo")
        if len(self.keys) <= FULL_SCAN_KEYS:
            candidates: list[int] = list(range(len(self.keys)))
        else:
            candidates = list(found)
        if not candidates:
            return
        choices = {index: self.keys[index].text for index in candidates}
        # Plain edit-distance ratio: WRatio's partial matching lets any short query "match"
        # a long alias, which is noise for names.
        for _text, score, index in process.extract(
            query, choices, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=FUZZY_CUTOFF
        ):
            offer(index, 85.0 * score / 100.0, "typo")

    # ------------------------------------------------------------------ figures

    def mentioned_cities(self, text: str) -> set[int]:
        """Record numbers of the cities a question names (by name, alias or Chinese name)."""
        query = normalize(clean_input(text, 1000))
        tokens = query.split()
        found: set[int] = set()
        for size in (3, 2, 1):
            for start in range(0, max(0, len(tokens) - size + 1)):
                phrase = " ".join(tokens[start : start + size])
                if phrase in self._city_keys:
                    found.add(self._city_keys[phrase])
        squeezed = compact(query)
        for key, number in self._city_keys.items():
            if has_cjk(key) and compact(key) in squeezed:
                found.add(number)
        return found

    def figures(self, question: str, limit: int = 3) -> list[FigureHit]:
        """Figures whose labels match the question, the named city's first."""
        query = normalize(clean_input(question, 1000))
        asked = set(words(query)) - STOPWORDS
        if not asked:
            return []
        cities = self.mentioned_cities(question)
        scored: list[tuple[float, int, FigureHit]] = []
        for order, (number, figure, label_words, scope_words) in enumerate(self._figures):
            owner_words = self._owner_words[number]
            content = asked - owner_words if number in cities else asked
            matched = len(content & label_words) + 0.5 * len(content & scope_words)
            if matched < 1:
                continue
            coverage = len(content & label_words) / max(1, len(label_words))
            precision = matched / max(1, len(content))
            if coverage < 0.34 and precision < 0.5:
                continue
            score = 50 * precision + 30 * coverage + (20 if number in cities else 0)
            if cities and number not in cities and self.records[number].kind == Kind.CITY:
                score -= 40
            owner = self.records[number]
            scored.append((score, order, FigureHit(owner, figure, round(score, 2))))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [hit for score, _, hit in scored[:limit] if score >= 40]

    def cities(self) -> list[City]:
        return [self.records[n] for n in self.by_kind[Kind.CITY]]  # type: ignore[misc]


def stem(word: str) -> str:
    """A crude singular: 'lampposts' -> 'lamppost' (enough to meet plurals in typo matching)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _deletions(word: str) -> set[str]:
    """Every way to drop one character: 'welab' -> {'elab', 'wlab', 'weab', 'welb', 'wela'}."""
    if len(word) < 3:
        return set()
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def suggestions(index: SearchIndex, text: str, kind: Kind | None, limit: int = 5) -> list[str]:
    """Names to offer as "did you mean" when nothing matched well enough."""
    hits = index.lookup(text, kind, limit=limit)
    if not hits:
        return []
    return [hit.record.name for hit in hits]


def question_terms(text: str) -> Sequence[str]:
    """The content words of a question, for full-text search (stopwords removed)."""
    return [w for w in words(normalize(clean_input(text, 1000))) if w not in STOPWORDS]
