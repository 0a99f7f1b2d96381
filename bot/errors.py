"""Errors that carry what a user-facing message needs.

The command tree's error handler and the command line both turn these into short, specific
messages; nothing else should have to format an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class DataProblem:
    """One thing wrong with the data, pinned to where an admin can fix it.

    ``line`` and ``column`` are 1-based (as editors show them); 0 means "whole file".
    """

    file: str
    line: int
    column: int
    field: str
    found: str
    expected: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        what = f"{self.field}: " if self.field else ""
        return f"{where}: {what}{self.found}; expected {self.expected}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "found": self.found,
            "expected": self.expected,
        }


@dataclass(frozen=True, slots=True)
class Translated:
    """A message argument that is itself a translation key (a role name, a kind)."""

    key: str


class SmartUpsError(Exception):
    """Base for errors we expect and explain to the user.

    Each subclass names the translation key of its message (``key``) and the values the
    message needs (``message_args``), so the one error handler can answer in the member's
    language without knowing the feature the error comes from. ``suggestions`` are names to
    offer as "did you mean" after the message. ``str()`` stays an English sentence for logs
    and the command line.
    """

    key: ClassVar[str] = "error.unexpected"
    suggestions: Sequence[str] = ()

    def message_args(self, lang: str) -> dict[str, object]:
        """Values for the message's placeholders: raw text (the renderer escapes strings)."""
        return {}


@dataclass
class NotFound(SmartUpsError):
    """Nothing matched a lookup; ``suggestions`` are names to offer as "did you mean"."""

    key: ClassVar[str] = "error.not_found"

    query: str
    kind: str | None = None
    suggestions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"nothing matched {self.query!r}")

    def message_args(self, lang: str) -> dict[str, object]:
        return {"query": self.query}


class DataNotLoaded(SmartUpsError):
    """No valid data has been loaded yet (first start with a broken data folder)."""

    key: ClassVar[str] = "error.data_unavailable"
