"""Every user-facing error answers in the member's language from the key and values it carries."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import bot
from bot.errors import DataNotLoaded, DataProblem, NotFound, SmartUpsError
from bot.i18n import LANGUAGES, strings
from bot.permissions import Level, MissingLevel
from bot.render import error_message, failure_card, to_text
from bot.spotlight import InvalidTime, InvalidTimezone, NoStartups, NotScheduled
from bot.state import StateUnavailable
from bot.suggestions import (
    AcceptConflict,
    AcceptNotWritable,
    AcceptRejectedByData,
    SuggestionInvalid,
    SuggestionLimit,
    SuggestionNotFound,
    SuggestionNotPending,
)

# One example of each error a member can meet. A new SmartUpsError subclass must be added here:
# the test below fails for any subclass without an example, so none ships without a message.
EXAMPLES: dict[type[SmartUpsError], SmartUpsError] = {
    NotFound: NotFound("Qupitl", "startup", ["Qupital"]),
    DataNotLoaded: DataNotLoaded("no data"),
    MissingLevel: MissingLevel(Level.ADMIN),
    NotScheduled: NotScheduled(1),
    NoStartups: NoStartups(),
    InvalidTime: InvalidTime("25:99", "the hour must be 00-23"),
    InvalidTimezone: InvalidTimezone("Asia/HongKong", ["Asia/Hong_Kong"]),
    SuggestionInvalid: SuggestionInvalid("founded", "type_int", "twenty"),
    SuggestionLimit: SuggestionLimit("pending", 10),
    SuggestionNotFound: SuggestionNotFound(7),
    SuggestionNotPending: SuggestionNotPending(7, "accepted"),
    AcceptConflict: AcceptConflict(7, "logistics", "mobility"),
    AcceptNotWritable: AcceptNotWritable(7, "startups.yaml", "Read-only file system"),
    AcceptRejectedByData: AcceptRejectedByData(
        7, [DataProblem("data/startups.yaml", 3, 5, "city", "'x'", "a city id")]
    ),
    StateUnavailable: StateUnavailable("ConnectionRefusedError: [Errno 111] Connect call failed"),
}

PLACEHOLDER = re.compile(r"{(\w+)}")


def all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | all_subclasses(sub)
    return found


def user_errors() -> set[type[SmartUpsError]]:
    for module in pkgutil.walk_packages(bot.__path__, prefix="bot."):
        if module.name not in {"bot.__main__"}:
            importlib.import_module(module.name)
    return {c for c in all_subclasses(SmartUpsError) if c.__module__.startswith("bot.")}


def test_every_error_has_an_example() -> None:
    missing = {c.__qualname__ for c in user_errors() if not c.__subclasses__()} - {
        c.__qualname__ for c in EXAMPLES
    }
    assert not missing, f"add an example (and a message key) for: {sorted(missing)}"


@pytest.mark.parametrize("error", list(EXAMPLES.values()), ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_error_has_its_own_message_in_every_language(error: SmartUpsError, lang: str) -> None:
    table = strings(lang)
    assert error.key in table, f"{error.key} missing in {lang}"
    assert set(PLACEHOLDER.findall(table[error.key])) <= set(error.message_args(lang))
    text = error_message(error, lang)
    assert "{" not in text
    if lang != "en":
        assert text != error_message(error, "en")
        assert not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", text.replace("Asia/Hong_Kong", "")), text


def test_suggestions_and_user_text_are_escaped() -> None:
    error = InvalidTimezone("@everyone **x**", ["Asia/Hong_Kong"])
    text = error_message(error, "en")
    assert "@everyone" not in text and "\\*\\*x" in text
    assert "Did you mean" in text and "Asia/Hong\\_Kong" in text


def test_the_permission_names_the_level_in_the_members_language() -> None:
    assert "moderator" in error_message(MissingLevel(Level.MODERATOR), "en")
    assert "管理員" in error_message(MissingLevel(Level.ADMIN), "zh-TW")


def test_not_found_keeps_its_did_you_mean_card() -> None:
    text = to_text(failure_card(NotFound("Qupitl", "startup", ["Qupital"]), "en"))
    assert "Qupital" in text and "Qupitl" in text
