"""The Suggestion value: one proposed change to one field of one record (or a new startup).

``value`` and ``seen`` are JSON-ready Python values (text, a number, a list of text): ``value``
is what the member proposed, already checked and typed by :mod:`bot.suggestions.fields`;
``seen`` is what the field held when the suggestion was made (None: the field was absent), so
an accept can tell whether someone changed it since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

State = Literal["pending", "accepted", "rejected"]
Notified = Literal["sent", "dm_closed", "failed"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A stored suggestion, as the review queue shows it."""

    id: int
    kind: str
    record_id: str
    field: str
    value: Any
    seen: Any
    source: str
    author_id: int
    author_name: str
    lang: str
    state: State
    created_at: dt.datetime
    data_version: str | None = None
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    notified: Notified | None = None

    @property
    def is_new_record(self) -> bool:
        from bot.suggestions.fields import NEW_RECORD

        return self.field == NEW_RECORD
