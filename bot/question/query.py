"""One question, cleaned and normalized once, as every later step reads it.

A member's text is cut to a sane length, stripped of control characters, folded (case, width,
accents, Chinese script) and split into tokens exactly once, when the command receives it; the
parser, the lookups and the rendering all take this value instead of cleaning the text again.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.text import clean_input, has_cjk, normalize, words

#: Longer questions are cut here (Discord's option allows 500; the CLI more).
MAX_QUESTION_CHARS = 500
#: Tokens read for names and words; a question naming fifty records stays bounded.
MAX_TOKENS = 120


@dataclass(frozen=True, slots=True)
class Query:
    """``text``: what the member typed, cleaned (shown back to them); ``normal``: its folded
    key; ``tokens``: words of ``normal``, each CJK character a token of its own."""

    text: str
    normal: str
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, raw: str) -> Query:
        text = clean_input(raw, MAX_QUESTION_CHARS)
        normal = normalize(text)
        return cls(text, normal, tuple(words(normal))[:MAX_TOKENS])

    @property
    def empty(self) -> bool:
        return not self.tokens

    def span(self, start: int, stop: int) -> str:
        """Tokens ``start:stop`` as a lookup key: CJK characters joined without spaces."""
        out = ""
        previous_cjk = False
        for token in self.tokens[start:stop]:
            cjk = has_cjk(token)
            if out and not (cjk and previous_cjk):
                out += " "
            out += token
            previous_cjk = cjk
        return out
