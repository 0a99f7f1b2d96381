"""What can go wrong with a suggestion, in words the one error handler can translate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from bot.errors import DataProblem, SmartUpsError
from bot.i18n import tr


class SuggestionInvalid(SmartUpsError):
    """A suggested value the schema refuses; ``problem`` names the translated reason."""

    key: ClassVar[str] = "suggest.error.invalid"

    def __init__(self, field: str, problem: str, detail: str = "") -> None:
        self.field = field
        self.problem = problem
        self.detail = detail
        super().__init__(f"{field}: {problem}" + (f" ({detail})" if detail else ""))

    def message_args(self, lang: str) -> dict[str, object]:
        reason = tr(f"suggest.problem.{self.problem}", lang, detail=self.detail)
        return {"field": self.field, "problem": reason}


class SuggestionLimit(SmartUpsError):
    """A member reached a limit (pending suggestions, or suggestions in one day)."""

    key: ClassVar[str] = "suggest.error.limit"

    def __init__(self, which: str, limit: int) -> None:
        self.which = which
        self.limit = limit
        super().__init__(f"limit of {limit} {which} suggestions reached")

    def message_args(self, lang: str) -> dict[str, object]:
        return {"limit": self.limit, "which": tr(f"suggest.limit.{self.which}", lang)}


class SuggestionNotFound(SmartUpsError):
    """No suggestion has that number."""

    key: ClassVar[str] = "suggest.error.not_found"

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"no suggestion #{number}")

    def message_args(self, lang: str) -> dict[str, object]:
        return {"id": self.number}


class SuggestionNotPending(SmartUpsError):
    """The suggestion was already accepted or rejected."""

    key: ClassVar[str] = "suggest.error.not_pending"

    def __init__(self, number: int, state: str) -> None:
        self.number = number
        self.state = state
        super().__init__(f"suggestion #{number} is already {state}")

    def message_args(self, lang: str) -> dict[str, object]:
        return {"id": self.number, "state": tr(f"suggest.state.{self.state}", lang)}


class AcceptConflict(SmartUpsError):
    """The field changed since the suggestion was made: both values, for the moderator."""

    key: ClassVar[str] = "suggest.error.conflict"

    def __init__(self, number: int, seen: object, current: object) -> None:
        self.number = number
        self.seen = seen
        self.current = current
        super().__init__(f"suggestion #{number}: the field was {seen!r}, it is now {current!r}")

    def message_args(self, lang: str) -> dict[str, object]:
        none = tr("suggest.absent", lang)
        return {
            "id": self.number,
            "seen": none if self.seen is None else str(self.seen),
            "current": none if self.current is None else str(self.current),
        }


class AcceptRejectedByData(SmartUpsError):
    """The change would make the data folder invalid; the file was restored byte for byte."""

    key: ClassVar[str] = "suggest.error.data_invalid"

    def __init__(self, number: int, problems: Sequence[DataProblem]) -> None:
        self.number = number
        self.problems = tuple(problems)
        super().__init__(
            f"suggestion #{number} would break the data: " + "; ".join(map(str, problems[:5]))
        )

    def message_args(self, lang: str) -> dict[str, object]:
        return {"id": self.number, "problems": "; ".join(str(p) for p in self.problems[:5])}


class AcceptNotWritable(SmartUpsError):
    """The data folder cannot be written here (a read-only deployment); nothing changed.

    The suggestion stays pending, so ``smartups suggestions export --patch`` still carries it
    to wherever the data is edited.
    """

    key: ClassVar[str] = "suggest.error.not_writable"

    def __init__(self, number: int, file: str, reason: str) -> None:
        self.number = number
        self.file = file
        self.reason = reason
        super().__init__(f"suggestion #{number}: cannot write {file}: {reason}")

    def message_args(self, lang: str) -> dict[str, object]:
        return {"id": self.number, "file": self.file}
