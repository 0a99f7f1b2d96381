"""Discord's documented limits, checked the way the API checks them (400 / 50035 Invalid Form Body).

Only what our bot can realistically trip over is checked: message/embeds sizes, empty messages,
autocomplete choices, and application command definitions.
"""

from __future__ import annotations

import re
from typing import Any

from .records import ApiError, invalid_form_body

LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg "
    "ru uk hi th zh-CN ja zh-TW ko".split()
)

# Discord: ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ ; Python's \w is Unicode letters/digits/_.
_CHAT_INPUT_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")

Problems = dict[str, tuple[str, str]]


def _length(problems: Problems, path: str, value: Any, lo: int, hi: int) -> None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems[path] = ("BASE_TYPE_STRING", "Must be a string.")
    elif not lo <= len(value) <= hi:
        if lo == 0:
            problems[path] = ("BASE_TYPE_MAX_LENGTH", f"Must be {hi} or fewer in length.")
        else:
            problems[path] = ("BASE_TYPE_BAD_LENGTH", f"Must be between {lo} and {hi} in length.")


# --- messages --------------------------------------------------------------------------------


def embed_chars(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    return total


def check_message(body: dict[str, Any], n_files: int = 0, *, edit: bool = False) -> None:
    """Raise ApiError for what Discord rejects in a create/edit message body."""
    problems: Problems = {}
    content = body.get("content")
    if content is not None:
        _length(problems, "content", content, 0, 2000)
    embeds = body.get("embeds")
    if embeds is not None:
        if len(embeds) > 10:
            problems["embeds"] = ("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, e in enumerate(embeds or []):
            p = f"embeds.{i}"
            if e.get("title") is not None:
                _length(problems, f"{p}.title", e["title"], 0, 256)
            if e.get("description") is not None:
                _length(problems, f"{p}.description", e["description"], 0, 4096)
            fields = e.get("fields") or []
            if len(fields) > 25:
                problems[f"{p}.fields"] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for j, f in enumerate(fields):
                _length(problems, f"{p}.fields.{j}.name", f.get("name"), 1, 256)
                _length(problems, f"{p}.fields.{j}.value", f.get("value"), 1, 1024)
            if e.get("footer"):
                _length(problems, f"{p}.footer.text", e["footer"].get("text"), 0, 2048)
            if e.get("author"):
                _length(problems, f"{p}.author.name", e["author"].get("name"), 0, 256)
            total += embed_chars(e)
        if total > 6000:
            problems["embeds"] = (
                "MAX_EMBED_SIZE_EXCEEDED",
                "Embed size exceeds maximum size of 6000",
            )
    components = body.get("components")
    if components is not None and len(components) > 40:
        problems["components"] = ("BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")
    if problems:
        raise invalid_form_body(problems)
    if not edit:
        has_something = (
            bool(content)
            or bool(embeds)
            or bool(components)
            or n_files > 0
            or bool(body.get("sticker_ids"))
            or body.get("poll") is not None
        )
        if not has_something:
            raise ApiError(400, 50006, "Cannot send an empty message")


def check_autocomplete(data: dict[str, Any]) -> None:
    problems: Problems = {}
    choices = data.get("choices")
    if not isinstance(choices, list):
        problems["data.choices"] = ("BASE_TYPE_REQUIRED", "This field is required")
        raise invalid_form_body(problems)
    if len(choices) > 25:
        problems["data.choices"] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, c in enumerate(choices):
        _length(problems, f"data.choices.{i}.name", c.get("name"), 1, 100)
        value = c.get("value")
        if isinstance(value, str):
            _length(problems, f"data.choices.{i}.value", value, 0, 100)
        for loc in c.get("name_localizations") or {}:
            if loc not in LOCALES:
                problems[f"data.choices.{i}.name_localizations.{loc}"] = (
                    "LOCALE_INVALID",
                    f"Invalid locale {loc!r}",
                )
    if problems:
        raise invalid_form_body(problems)


# --- application commands --------------------------------------------------------------------


def _check_name(problems: Problems, path: str, name: Any, chat_input: bool) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        problems[path] = ("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    elif chat_input and (not _CHAT_INPUT_NAME.match(name) or name != name.lower()):
        problems[path] = ("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _check_localizations(
    problems: Problems, path: str, locs: Any, *, name: bool, chat_input: bool = True
) -> None:
    for loc, text in (locs or {}).items():
        if loc not in LOCALES:
            problems[f"{path}.{loc}"] = ("LOCALE_INVALID", f"Invalid locale {loc!r}")
        elif name:
            _check_name(problems, f"{path}.{loc}", text, chat_input)
        else:
            _length(problems, f"{path}.{loc}", text, 1, 100)


def _check_options(
    problems: Problems, path: str, options: list[dict[str, Any]], depth: int
) -> None:
    if len(options) > 25:
        problems[path] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen: set[str | None] = set()  # (a missing name is reported above)
    subs = [o for o in options if o.get("type") in (1, 2)]
    if subs and len(subs) != len(options):
        problems[path] = (
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive "
            "to all other types",
        )
    optional_seen = False
    for i, opt in enumerate(options):
        p = f"{path}.{i}"
        otype = opt.get("type")
        if otype not in range(1, 12):
            problems[f"{p}.type"] = (
                "BASE_TYPE_CHOICES",
                f"Value must be one of 1..11, not {otype}",
            )
            continue
        _check_name(problems, f"{p}.name", opt.get("name"), True)
        if opt.get("name") in seen:
            problems[f"{p}.name"] = (
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option name already exists",
            )
        seen.add(opt.get("name"))
        _length(problems, f"{p}.description", opt.get("description"), 1, 100)
        _check_localizations(
            problems, f"{p}.name_localizations", opt.get("name_localizations"), name=True
        )
        _check_localizations(
            problems,
            f"{p}.description_localizations",
            opt.get("description_localizations"),
            name=False,
        )
        if otype == 2 and depth > 0:
            problems[f"{p}.type"] = (
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-command groups can only be nested one level",
            )
        if otype == 1 and depth > 1:
            problems[f"{p}.type"] = (
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-commands can only be nested in a group",
            )
        if otype in (1, 2):
            inner = opt.get("options") or []
            if otype == 2 and any(o.get("type") != 1 for o in inner):
                problems[f"{p}.options"] = (
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Groups may only contain sub-commands",
                )
            _check_options(problems, f"{p}.options", inner, depth + 1)
            continue
        if opt.get("required"):
            if optional_seen:
                problems[f"{p}.required"] = (
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = opt.get("choices") or []
        if choices and opt.get("autocomplete"):
            problems[f"{p}.autocomplete"] = (
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete cannot be enabled with choices",
            )
        if len(choices) > 25:
            problems[f"{p}.choices"] = ("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, c in enumerate(choices):
            _length(problems, f"{p}.choices.{j}.name", c.get("name"), 1, 100)
            if isinstance(c.get("value"), str):
                _length(problems, f"{p}.choices.{j}.value", c.get("value"), 0, 100)
            _check_localizations(
                problems,
                f"{p}.choices.{j}.name_localizations",
                c.get("name_localizations"),
                name=False,
            )


def check_command(cmd: Any, path: str = "") -> Problems:
    """Problems with one command definition (dotted paths, prefixed with ``path``)."""
    problems: Problems = {}
    pre = f"{path}." if path else ""
    if not isinstance(cmd, dict):
        return {path or "_": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")}
    ctype = cmd.get("type", 1)
    chat_input = ctype == 1
    _check_name(problems, f"{pre}name", cmd.get("name"), chat_input)
    if chat_input:
        _length(problems, f"{pre}description", cmd.get("description"), 1, 100)
    elif cmd.get("description"):
        problems[f"{pre}description"] = (
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have description",
        )
    _check_localizations(
        problems,
        f"{pre}name_localizations",
        cmd.get("name_localizations"),
        name=True,
        chat_input=chat_input,
    )
    if chat_input:
        _check_localizations(
            problems,
            f"{pre}description_localizations",
            cmd.get("description_localizations"),
            name=False,
        )
    _check_options(problems, f"{pre}options", cmd.get("options") or [], 0)
    return problems


def check_command_list(cmds: Any) -> None:
    if not isinstance(cmds, list):
        raise invalid_form_body(
            {"_": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")}
        )
    problems: Problems = {}
    seen: set[tuple[int, str | None]] = set()
    for i, cmd in enumerate(cmds):
        problems.update(check_command(cmd, str(i)))
        if isinstance(cmd, dict):
            key = (cmd.get("type", 1), cmd.get("name"))
            if key in seen:
                problems[f"{i}.name"] = (
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[1]}",
                )
            seen.add(key)
    if sum(1 for c in cmds if isinstance(c, dict) and c.get("type", 1) == 1) > 100:
        problems["_"] = ("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    if problems:
        raise invalid_form_body(problems)
