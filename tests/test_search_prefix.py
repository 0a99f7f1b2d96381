"""The packed prefix entries rank exactly as reading each key's text would.

Each prefix entry carries its key's length, weight class and how much of the entry also
starts the key (see bot.search._pack); this checks that ranking from those bits gives the
same scores as the plain computation from the key texts, over a generated data set.
(``SearchIndex.prefix_entries`` decodes the entries; the scores come from the packed bits.)
"""

from __future__ import annotations

from pathlib import Path

from bench.generator import generate
from bot.loader import Loader
from bot.search import Matches, SearchIndex, rank_number
from bot.text import compact, normalize


def reference_prefix_scores(index: SearchIndex, query: str, limit: int) -> dict[int, float]:
    """Record number -> best prefix score, computed from the texts of the scanned entries."""
    found: dict[int, float] = {}
    for entry in index.prefix_entries(query)[: max(limit * 8, 200)]:
        whole = entry.text
        at_start = (
            not entry.offset
            or entry.is_compact
            or whole.startswith(query)
            or compact(whole).startswith(query)
        )
        leftover = min(len(whole) - len(query), 40)
        score = ((94.0 if at_start else 88.0) - 4.0 * leftover / 40) * entry.weight
        found[entry.record] = max(found.get(entry.record, 0.0), round(score, 2))
    return found


def test_packed_entries_score_like_the_texts(tmp_path: Path) -> None:
    folder, _ = generate(400, tmp_path)
    dataset = Loader(folder).load().dataset
    assert dataset is not None
    index = SearchIndex(list(dataset.all_records()))
    queries: set[str] = set()
    for record in dataset.all_records():
        for label in (record.name, *record.aliases):
            key = normalize(label)
            for word_start in [0] + [i + 1 for i, ch in enumerate(key) if ch == " "]:
                for size in (1, 2, 3, 5, 8):
                    queries.add(key[word_start : word_start + size])
            queries.add(compact(key)[:6])
    queries.discard("")
    assert len(queries) > 1000
    at_start_from_a_word = 0
    for query in sorted(queries):
        best: Matches = index.prefix_matches(query, 25)
        assert {n: found[0] for n, found in best.items()} == reference_prefix_scores(
            index, query, 25
        ), query
        for number, (_score, key_number, _how, rank) in best.items():
            assert rank_number(rank) == number
            assert index.key_record(key_number) == number
        # Entry by entry (a record's best entry usually hides the others): a later word's
        # entry counts as "at the start" exactly when the key (or its compact form) also
        # starts with the query.
        for entry in index.prefix_entries(query):
            if entry.offset == 0:
                continue
            whole = entry.text
            from_text = whole.startswith(query) or compact(whole).startswith(query)
            from_bits = len(query) <= entry.starts_key
            assert from_bits == from_text, (query, whole, entry.offset)
            at_start_from_a_word += from_text
    assert at_start_from_a_word, "the word entries that also start their key were exercised"

