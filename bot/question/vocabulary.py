"""The data's own words for filters: sectors, tags, initiative areas, organization types.

Members ask for "proptech startups" or "initiatives in Smart Environment" with words the data
itself uses; these phrases are read from the records of each snapshot (once, then cached with
it), so a sector an admin adds works in questions without touching the lexicon.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.model import Kind, Record
from bot.question.lexicon import Sense
from bot.text import normalize, words

#: Phrases longer than this (in tokens) are not matched: tags are short (and the facets
#: index sector phrases up to the same length).
MAX_PHRASE_TOKENS = 4
#: At most this many distinct phrases per section are kept (a huge generated set stays small).
MAX_PHRASES = 5000


def sector_values(record: Record) -> list[str]:
    """The texts a sector filter looks in: sector, its detail and the tags."""
    values = [getattr(record, "sector", None), getattr(record, "sector_detail", None)]
    return [str(v) for v in values if v] + list(record.tags)


class Vocabulary:
    """Token phrases of the data's filter words -> senses ("sectors", "areas", "org_types")."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.phrases: dict[tuple[str, ...], list[Sense]] = {}
        counts = {"sectors": 0, "areas": 0, "org_types": 0}
        # A text seen once adds nothing the second time (its sense is already there): sectors
        # and tags repeat across thousands of records, so each distinct one is read once.
        self._seen: set[tuple[str, str, bool]] = set()
        for record in records:
            if record.kind == Kind.STARTUP:
                for value in sector_values(record):
                    self._add("sectors", value, counts)
            elif record.kind == Kind.INITIATIVE:
                area = getattr(record, "area", None)
                if area:
                    self._add("areas", area, counts)
            elif record.kind == Kind.ORGANIZATION:
                kind = getattr(record, "type", None)
                if kind:
                    self._add("org_types", kind, counts)
                    self._add("org_types", kind, counts, plural=True)
            elif record.kind == Kind.CITY:
                for area in getattr(record, "areas", []):
                    self._add("areas", area, counts)
        self.longest = max((len(k) for k in self.phrases), default=1)
        del self._seen

    def _add(self, section: str, value: str, counts: dict[str, int], plural: bool = False) -> None:
        seen = (section, value, plural)
        if seen in self._seen:
            return
        self._seen.add(seen)
        key = normalize(value)
        tokens = tuple(words(key))
        if not tokens or len(tokens) > MAX_PHRASE_TOKENS or counts[section] >= MAX_PHRASES:
            return
        if plural:
            last = tokens[-1]
            tokens = (*tokens[:-1], last[:-1] + "ies" if last.endswith("y") else last + "s")
        senses = self.phrases.setdefault(tokens, [])
        sense = Sense(section, key)
        if sense not in senses:
            senses.append(sense)
            counts[section] += 1

    def match(self, tokens: tuple[str, ...], start: int) -> tuple[int, list[Sense]]:
        for size in range(min(self.longest, len(tokens) - start), 0, -1):
            senses = self.phrases.get(tokens[start : start + size])
            if senses:
                return size, senses
        return 0, []
