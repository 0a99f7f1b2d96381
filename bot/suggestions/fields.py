"""Which fields a member may suggest, and checking a suggested value against the schema.

The allowed fields are read from the pydantic models of :mod:`bot.model` at run time, so a
field added to the model becomes suggestable without a change here: every field whose value is
a single value (text, a number, a URL, a choice such as the sector) or a list of such values
(aliases, tags, sources). Ids and kinds are never suggestable (other records refer to them), nor
are nested values (status, listing, founders, figures) that a one-line form cannot express.

A value is checked by validating the whole record with the value in place, through the same
strict model the loader uses, so a suggestion is refused for exactly what would make the file
invalid (and for cross-field rules such as "sector_detail needs a sector"). The member's words
are never YAML: they become a typed Python value here, which the YAML writer serializes.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from bot.model import SECTION_KIND, SECTIONS, SECTORS, Record, RecordBase, Url
from bot.suggestions.errors import SuggestionInvalid

#: The ``field`` of a suggestion that proposes a new startup.
NEW_RECORD = "*new*"
#: The kind new records may be suggested for (the community's lists are of startups).
NEW_RECORD_KIND = "startup"
#: Longest value a member may send (Discord modals allow 4,000; the model caps text anyway).
MAX_VALUE_CHARS = 2000
#: Fields no suggestion may set: identity, and admin-only notes.
NEVER = frozenset({"id", "kind", "notes"})

FieldShape = Literal["text", "int", "choice", "list"]
_INT_RE = re.compile(r"^[+-]?\d{1,6}$")
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


@cache
def _url_adapter() -> TypeAdapter[str]:
    """Built on the first suggestion checked: a TypeAdapter builds its validator when made, and
    this module is imported by every command line start (``smartups`` registers the
    suggestion commands), which never checks one."""
    return TypeAdapter(Url)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One suggestable field of one kind: its name, shape and choices (for a choice)."""

    name: str
    shape: FieldShape
    required: bool
    choices: tuple[str, ...] = ()


def model_of(kind: str) -> type[RecordBase]:
    """The model of records of ``kind`` (from the model's own section table)."""
    for section, section_kind in SECTION_KIND.items():
        if section_kind.value == kind:
            model = SECTIONS[section]
            assert issubclass(model, RecordBase)
            return model
    raise SuggestionInvalid("kind", "unknown_kind", kind)


def _without_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _base(annotation: Any) -> Any:
    """``Annotated[str, ...]`` -> ``str``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _shape(annotation: Any) -> tuple[FieldShape, tuple[str, ...]] | None:
    annotation = _base(_without_none(annotation))
    if typing.get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(annotation))
    if annotation is str:
        return "text", ()
    if annotation is int:
        return "int", ()
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if _base(item) is str:
            return "list", ()
    return None


@cache
def allowed_fields(kind: str) -> dict[str, FieldSpec]:
    """The fields a member may suggest for ``kind``, in the model's order."""
    model = model_of(kind)
    specs: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        if name in NEVER:
            continue
        shaped = _shape(info.annotation)
        if shaped is not None:
            specs[name] = FieldSpec(name, shaped[0], info.is_required(), shaped[1])
    return specs


def check_source(text: str) -> str:
    """The source URL, or the reason it is refused (a fact needs a source)."""
    text = text.strip()
    if not text:
        raise SuggestionInvalid("source", "source_required")
    try:
        return _url_adapter().validate_python(text)
    except ValidationError:
        raise SuggestionInvalid("source", "url", text[:200]) from None


def _typed(spec: FieldSpec, text: str, current: Any) -> Any:
    """The member's text as the field's Python value (a list suggestion adds its items)."""
    if spec.shape == "int":
        if not _INT_RE.match(text):
            raise SuggestionInvalid(spec.name, "type_int", text[:50])
        return int(text)
    if spec.shape == "choice":
        word = text.casefold()
        if word not in spec.choices:
            raise SuggestionInvalid(spec.name, "choice", ", ".join(spec.choices))
        return word
    if spec.shape == "list":
        items = [line.strip() for line in text.splitlines() if line.strip()]
        merged = list(current or [])
        merged.extend(item for item in items if item not in merged)
        return merged
    return text


def _problem_of(error: ValidationError, field: str) -> SuggestionInvalid:
    """The first pydantic error, as a reason a member can act on."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"] if isinstance(part, str)) or field
    kind = first["type"]
    context = first.get("ctx") or {}
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = context.get("ge", context.get("le", ""))  # the model's Field(ge=, le=)
        return SuggestionInvalid(where, "range", str(bound))
    if kind == "string_too_long":
        return SuggestionInvalid(where, "too_long", str(context.get("max_length", "")))
    if kind == "value_error" and "URL" in first["msg"]:
        return SuggestionInvalid(where, "url", "")
    if kind == "value_error" and "slug" in first["msg"]:
        return SuggestionInvalid(where, "slug", "")
    if kind == "literal_error":
        return SuggestionInvalid(where, "choice", ", ".join(SECTORS))
    return SuggestionInvalid(where, "invalid", str(first["msg"])[:200])


def _validate(model: type[RecordBase], data: dict[str, Any], field: str) -> None:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        raise _problem_of(exc, field) from None


def _plain(record: Record) -> dict[str, Any]:
    """A record as the plain values a file holds (nested models as mappings)."""
    return record.model_dump(mode="json", exclude_defaults=True)


def check_suggestion(kind: str, record: Record | None, field: str, text: str) -> tuple[Any, Any]:
    """Check a suggested ``text`` for ``field`` of ``record``; return ``(value, seen)``.

    ``value`` is the typed value to write, ``seen`` the field's current value (None when
    absent). Raises :class:`SuggestionInvalid` with the exact reason.
    """
    text = text.strip()
    if len(text) > MAX_VALUE_CHARS:
        raise SuggestionInvalid(field, "too_long", str(MAX_VALUE_CHARS))
    if not text:
        raise SuggestionInvalid(field, "empty")
    spec = allowed_fields(kind).get(field)
    if spec is None or record is None:
        raise SuggestionInvalid(field, "unknown_field", ", ".join(allowed_fields(kind)))
    data = _plain(record)
    data.pop("kind", None)
    seen = data.get(field)
    value = _typed(spec, text, seen)
    if value == seen:
        raise SuggestionInvalid(field, "unchanged")
    _validate(model_of(kind), {**data, field: value}, field)
    return value, seen


def slug_of(name: str) -> str:
    """The id a new record of that name gets (``"Acme Robotics Ltd."`` -> ``acme-robotics-ltd``)."""
    return _SLUG_STRIP.sub("-", name.casefold()).strip("-")[:80].strip("-")


def check_new_record(name: str, description: str, existing: set[str]) -> dict[str, Any]:
    """Check a new startup's name and description; return its record (without sources)."""
    name, description = name.strip(), description.strip()
    if not name:
        raise SuggestionInvalid("name", "name_required")
    if not description:
        raise SuggestionInvalid("description", "description_required")
    if len(description) > MAX_VALUE_CHARS:
        raise SuggestionInvalid("description", "too_long", str(MAX_VALUE_CHARS))
    record_id = slug_of(name)
    if not record_id:
        raise SuggestionInvalid("name", "name_latin")
    if record_id in existing:
        raise SuggestionInvalid("name", "exists", record_id)
    data: dict[str, Any] = {"id": record_id, "name": name, "description": description}
    _validate(model_of(NEW_RECORD_KIND), data, "name")
    return data


def current_value(record: Record, field: str) -> Any:
    """The field's value as a file holds it (None when absent), for the conflict check."""
    return _plain(record).get(field)
