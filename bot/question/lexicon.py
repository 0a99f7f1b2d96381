"""The words of questions, per language, read from ``lexicon/*.yaml`` (see its README).

Every phrase is folded like a question (:func:`bot.text.normalize`, so Traditional and
Simplified meet) and split into tokens; :meth:`Lexicon.match` finds the longest phrase at a
token position. Both languages share one table: members mix them in one question.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from bot.text import normalize, words

SECTIONS = (
    "kinds",
    "operations",
    "attributes",
    "statuses",
    "sectors",
    "lists",
    "years",
    "stopwords",
    "domain",
)
FILES = ("en.yaml", "zh.yaml")


class LexiconError(ValueError):
    """A lexicon file that cannot be used: names the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class Sense:
    """What a phrase means: its section ("statuses") and value ("listed")."""

    section: str
    value: str


class Lexicon:
    """Phrase table: token tuple -> senses, plus stopwords and the longest phrase length."""

    def __init__(self, tables: dict[str, dict[str, Any]]) -> None:
        self.phrases: dict[tuple[str, ...], list[Sense]] = {}
        self.stopwords: set[str] = set()
        self.values: dict[str, set[str]] = {section: set() for section in SECTIONS}
        for source, table in tables.items():
            for section, body in table.items():
                if section not in SECTIONS:
                    raise LexiconError(f"{source}: unknown section {section!r}")
                if section in ("stopwords", "domain"):
                    self._add_words(source, section, body)
                    continue
                if not isinstance(body, dict):
                    raise LexiconError(f"{source}: {section} must map values to phrase lists")
                for value, phrases in body.items():
                    self.values[section].add(str(value))
                    self._add(source, section, str(value), phrases)
        self.longest = max((len(key) for key in self.phrases), default=1)
        #: (section, value) -> its phrases ("sectors", "healthtech" -> medical, 醫療...).
        self.spelled: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        for key, senses in self.phrases.items():
            for sense in senses:
                self.spelled.setdefault((sense.section, sense.value), []).append(key)

    def _add_words(self, source: str, section: str, body: object) -> None:
        if not isinstance(body, list):
            raise LexiconError(f"{source}: {section} must be a list of words")
        for phrase in body:
            tokens = tuple(words(normalize(str(phrase))))
            if section == "stopwords" and len(tokens) == 1:
                self.stopwords.add(tokens[0])
            elif tokens:
                self.phrases.setdefault(tokens, []).append(Sense(section, section))

    def _add(self, source: str, section: str, value: str, phrases: object) -> None:
        if not isinstance(phrases, list) or not phrases:
            raise LexiconError(f"{source}: {section}.{value} must be a non-empty list")
        for phrase in phrases:
            tokens = tuple(words(normalize(str(phrase))))
            if not tokens:
                raise LexiconError(f"{source}: {section}.{value} has an empty phrase")
            senses = self.phrases.setdefault(tokens, [])
            sense = Sense(section, value)
            if sense not in senses:
                senses.append(sense)

    def match(self, tokens: tuple[str, ...], start: int) -> tuple[int, list[Sense]]:
        """The longest phrase starting at ``start``: (its length, its senses), or (0, [])."""
        for size in range(min(self.longest, len(tokens) - start), 0, -1):
            senses = self.phrases.get(tokens[start : start + size])
            if senses:
                return size, senses
        return 0, []

    def is_word(self, token: str) -> bool:
        """A stopword or a one-token phrase: never a record's name on its own."""
        return token in self.stopwords or (token,) in self.phrases


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lexicons, read once per process."""
    folder = resources.files("bot.question") / "lexicon"
    tables: dict[str, dict[str, Any]] = {}
    for name in FILES:
        path = folder / name
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise LexiconError(f"lexicon/{name}: {exc}") from exc
        if not isinstance(data, dict):
            raise LexiconError(f"lexicon/{name}: expected a mapping of sections")
        tables[f"lexicon/{name}"] = data
    return Lexicon(tables)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
