"""Loading the data folder into a validated, immutable :class:`Dataset`.

Every problem is collected in one pass (so an admin fixes everything at once), each pinned to
file, line, column and field. Files are parsed one by one and cached by content hash, so a
reload after editing one file re-reads only that file, and a reload of unchanged files returns
the very same dataset without assembling it again.

A large load (a first load of a big data folder) is parsed and validated in child processes,
one file per task: that uses every core and keeps the parser's transient memory out of the
bot's process. The children also normalize every name and alias once; the name-collision check
and the search index reuse those keys instead of normalizing 100,000 names again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import pickle
import threading
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz, process, utils

from bot.crosscheck import FileSummary, ItemSummary, cross_check, label_keys
from bot.crosscheck import did_you_mean as _did_you_mean
from bot.errors import DataProblem
from bot.memory import gc_paused
from bot.model import (
    SECTION_KIND,
    SECTIONS,
    Community,
    CommunityList,
    Kind,
    Record,
    Source,
)
from bot.text import record_keys
from bot.yamlfast import parse_fast
from bot.yamlio import (
    MAX_FILE_BYTES,
    MarkedDict,
    MarkedList,
    ParsedFile,
    parse_yaml_bytes,
    read_yaml,
)

log = logging.getLogger(__name__)

DATA_SUFFIXES = (".yaml", ".yml")
TOP_LEVEL_KEYS = (*SECTIONS, "community")
#: Parse in child processes when at least this many bytes in this many files need parsing.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
PARALLEL_MIN_FILES = 4
MAX_PARSE_WORKERS = 4
#: A smaller load still parses in a child process from this many bytes on (when there is a
#: second core): PyYAML's C parser holds the GIL for a whole file, so a 280 KB file changed
#: and reloaded by the bot stalled its event loop ~45-70 ms, in one piece.
OFFLOAD_MIN_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class Item:
    """One validated item of a file, with where it stood."""

    section: str
    model: BaseModel
    line: int
    column: int
    #: For records: the normalized name, Chinese name, aliases and id (see text.record_keys).
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileResult:
    """The validated content of one file, cached by ``sha256``."""

    name: str
    sha256: str
    items: tuple[Item, ...]
    community: tuple[Community, int] | None
    problems: tuple[DataProblem, ...]


@dataclass(frozen=True)
class Dataset:
    """A complete, validated copy of the data: what a snapshot serves."""

    records: dict[Kind, dict[str, Record]]
    sources: dict[str, Source]
    lists: dict[str, CommunityList]
    community: Community | None
    file_hashes: dict[str, str]
    version: str
    #: id(record) -> its normalized label keys, as the loader computed them (may be empty).
    label_keys: dict[int, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def counts(self) -> dict[str, int]:
        return {kind.value: len(self.records.get(kind, {})) for kind in Kind}

    def all_records(self) -> Iterable[Record]:
        for kind in Kind:
            yield from self.records.get(kind, {}).values()


@dataclass
class LoadOutcome:
    """Either a dataset or the problems that kept it from being made."""

    dataset: Dataset | None
    problems: list[DataProblem]


#: A load's fingerprint (each file's name and content hash, in order) and its outcome.
LastLoad = tuple[tuple[tuple[str, str], ...], LoadOutcome]


def data_version(file_hashes: dict[str, str]) -> str:
    """A short content hash of the whole data folder (names and contents of its files)."""
    digest = hashlib.sha256()
    for name in sorted(file_hashes):
        digest.update(name.encode("utf-8") + b"\0" + file_hashes[name].encode("ascii") + b"\n")
    return digest.hexdigest()[:12]


def discover(data_dir: Path) -> list[Path]:
    """All data files below ``data_dir``, in a stable order; hidden files are skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(data_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(DATA_SUFFIXES) and not name.startswith("."):
                found.append(Path(root) / name)
    return found


def display_name(data_dir: Path, path: Path) -> str:
    """How a file of ``data_dir`` is named in problems and file hashes ("data/startups.yaml")."""
    try:
        return str(path.relative_to(data_dir.parent))
    except ValueError:
        return str(path)


class Loader:
    """Reads a data folder; keeps a per-file cache so unchanged files are not parsed again."""

    def __init__(self, data_dir: Path, *, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.data_dir = Path(data_dir)
        self.max_file_bytes = max_file_bytes
        self._cache: dict[str, FileResult] = {}
        self._last: LastLoad | None = None

    def display_name(self, path: Path) -> str:
        return display_name(self.data_dir, path)

    def results(self) -> tuple[dict[str, FileResult], LastLoad | None]:
        """The per-file results and the last load (its fingerprint and outcome), to be kept
        with a snapshot on disk (see bot.snapshots)."""
        return dict(self._cache), self._last

    def adopt(self, results: dict[str, FileResult], last: LastLoad | None) -> None:
        """Start from results kept on disk: a file that hashes as it did then is not parsed
        again, and a folder whose every file does gives back the very outcome kept."""
        self._cache = dict(results)
        self._last = last

    def load(self) -> LoadOutcome:
        """Read, validate and cross-check every file. Blocking: run it off the event loop."""
        with gc_paused():
            return self._load()

    def _load(self) -> LoadOutcome:
        if not self.data_dir.is_dir():
            problem = DataProblem(
                str(self.data_dir), 0, 0, "", "no such folder", "a folder of YAML data files"
            )
            return LoadOutcome(None, [problem])
        slots: list[FileResult | None] = []
        jobs: list[tuple[int, Path, str, str, bytes | None]] = []
        # Bytes of files to parse kept in memory: past PARALLEL_MIN_BYTES the children will
        # read their files themselves, so a big first load never holds the whole folder here.
        kept = 0
        for path in discover(self.data_dir):
            name = self.display_name(path)
            if kept >= PARALLEL_MIN_BYTES and name not in self._cache:
                # A new file of a big load: its child process reads and hashes it (doing it
                # here too would read and hash most of the folder twice).
                jobs.append((len(slots), path, name, "", None))
                slots.append(None)
                continue
            try:
                size = path.stat().st_size
                raw = path.read_bytes() if size <= self.max_file_bytes else None
            except OSError as exc:
                slots.append(
                    FileResult(
                        name,
                        "",
                        (),
                        None,
                        (
                            DataProblem(
                                name, 0, 0, "", f"unreadable ({exc.strerror})", "a readable file"
                            ),
                        ),
                    )
                )
                continue
            sha = hashlib.sha256(raw).hexdigest() if raw is not None else f"size:{size}"
            cached = self._cache.get(name)
            if cached is not None and cached.sha256 == sha:
                slots.append(cached)
            else:
                if raw is not None and kept < PARALLEL_MIN_BYTES:
                    kept += len(raw)
                    if kept >= PARALLEL_MIN_BYTES:
                        jobs = [(*job[:4], None) for job in jobs]
                else:
                    raw = None
                jobs.append((len(slots), path, name, sha, raw))
                slots.append(None)
        positions = [job[0] for job in jobs]
        for position, result in zip(positions, self._parse(jobs, kept), strict=True):
            slots[position] = result
        results = [r for r in slots if r is not None]
        self._cache = {r.name: r for r in results}
        if not results:
            problem = DataProblem(
                str(self.data_dir), 0, 0, "", "no .yaml files", "at least one data file"
            )
            return LoadOutcome(None, [problem])
        fingerprint = tuple((r.name, r.sha256) for r in results)
        if self._last is not None and self._last[0] == fingerprint:
            return self._last[1]  # nothing changed: the same dataset, not assembled again
        dataset, problems = assemble(results)
        outcome = LoadOutcome(dataset, problems)
        self._last = (fingerprint, outcome)
        return outcome

    def _parse(
        self, jobs: list[tuple[int, Path, str, str, bytes | None]], total: int
    ) -> list[FileResult]:
        work = [(path, name, sha, raw, self.max_file_bytes) for _, path, name, sha, raw in jobs]
        jobs.clear()
        cpus = os.cpu_count() or 1
        workers = min(cpus, MAX_PARSE_WORKERS, len(work))
        # Children for a big load (in parallel), or for one big enough to stall the loop.
        big = total >= OFFLOAD_MIN_BYTES or (
            total >= PARALLEL_MIN_BYTES and len(work) >= PARALLEL_MIN_FILES
        )
        if cpus < 2 or not big:
            return [_validate_job(job) for job in work]
        # Imported here, not at the top: a one-shot command that answers from the database
        # never parses in processes (~10 ms of its start; tests/test_cli_imports_lazy.py).
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        # forkserver: children start from a clean single-threaded process (forking the bot,
        # with its event loop and SQLite threads, is unsafe) with the loader preloaded.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["bot.loader"])
        log.info("parsing %d files in %d processes", len(work), workers)
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                blobs = pool.map(_validate_job_packed, work, chunksize=2)
                try:
                    return [_unpack(blob) for blob in blobs]
                finally:
                    _interned.clear()  # the strings already shared stay shared
        except (BrokenProcessPool, OSError) as exc:  # no processes here: do it ourselves
            log.warning("parsing in child processes failed (%s); parsing in-process", exc)
            return [_validate_job(job) for job in work]


# ----------------------------------------------------------------- compact transfer
#
# A pydantic model unpickles with a fresh dict per instance (~460 bytes for a startup) and
# its own set of field names (~730 bytes). Results from the child processes are pickled so
# that the parent rebuilds each model with a key-sharing instance dict, one shared set per
# distinct set of fields, and one object per repeated string (city, sector, tags, sources,
# texts several records share): a 100k-startup dataset takes ~85 MB instead of ~230 MB in
# the bot. Sharing long strings too (not only those up to 40 characters) took the real-shape
# 100k records from 292 to 189 MB (their clones keep the originals' texts; a folder where
# every text differs gains less, and pays one dict lookup per string).
_fields_sets: dict[tuple[type, frozenset[str]], set[str]] = {}
_field_names: dict[type, tuple[str, ...]] = {}
_intern_lock = threading.Lock()
_interned: dict[str, str] = {}


class _CompactPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, BaseModel):
            cls = type(obj)
            names = _field_names.get(cls)
            state = obj.__dict__
            if (
                names is None
                or len(names) != len(state)
                or any(a != b for a, b in zip(names, state, strict=False))
            ):
                names = _field_names[cls] = tuple(state)
            return (
                _rebuild_model,
                (
                    cls,
                    names,
                    tuple(state.values()),
                    tuple(sorted(obj.__pydantic_fields_set__)),
                    obj.__pydantic_extra__,
                    obj.__pydantic_private__,
                ),
            )
        return NotImplemented


def _share(value: Any) -> Any:
    if isinstance(value, str):
        return _interned.setdefault(value, value)
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [_interned.setdefault(v, v) for v in value]
    return value


def share_strings(models: Iterable[BaseModel]) -> None:
    """Share every repeated string among ``models`` (and the models they hold) in place, as
    the parse processes' results are shared: records read back from SQLite after a code
    change came back with a string object per field (a 155 MB snapshot of real-shape 100k
    against 87 MB, ~120 MB more in memory, measured)."""
    with _intern_lock:
        try:
            for model in models:
                _share_fields(model)
        finally:
            _interned.clear()


def _share_fields(model: BaseModel) -> None:
    state = model.__dict__
    for name, value in state.items():
        if isinstance(value, BaseModel):
            _share_fields(value)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for inner in value:
                _share_fields(inner)
        else:
            state[name] = _share(value)  # a value replaced, no key added: safe mid-loop


def _rebuild_model(
    cls: type[BaseModel],
    names: tuple[str, ...],
    values: tuple[Any, ...],
    fields_set: tuple[str, ...],
    extra: dict[str, Any] | None = None,
    private: dict[str, Any] | None = None,
) -> BaseModel:
    """A model equal to the pickled one, laid out compactly (see above)."""
    model = cls.__new__(cls)
    for name, value in zip(names, values, strict=True):
        object.__setattr__(model, name, _share(value))  # a key-sharing __dict__
    key = (cls, frozenset(fields_set))
    shared = _fields_sets.get(key)
    if shared is None:
        shared = _fields_sets.setdefault(key, set(fields_set))
    object.__setattr__(model, "__pydantic_fields_set__", shared)
    object.__setattr__(model, "__pydantic_extra__", extra)
    object.__setattr__(model, "__pydantic_private__", private)
    return model


def _pack(result: FileResult) -> bytes:
    buffer = io.BytesIO()
    _CompactPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    return buffer.getvalue()


def _unpack(blob: bytes) -> FileResult:
    with _intern_lock:
        result: FileResult = pickle.loads(blob)
    return result


def _validate_job_packed(job: tuple[Path, str, str, bytes | None, int]) -> bytes:
    # In a child process: single-threaded, so the fast parser may silence its error prints.
    return _pack(_validate_job(job, fast=True))


def _validate_job(
    job: tuple[Path, str, str, bytes | None, int], *, fast: bool = False
) -> FileResult:
    """One file's parse and validation (in a child process for large loads).

    ``fast``: try :func:`bot.yamlfast.parse_fast` first (only in a single-threaded child,
    see there); a file it declines, or whose validation finds any problem, is parsed and
    validated again the exact way, so problems are always reported exactly as before.
    """
    path, name, sha, raw, max_bytes = job
    with gc_paused():
        if raw is None:  # the parent did not keep it: read it here
            try:
                if path.stat().st_size <= max_bytes:
                    raw = path.read_bytes()
                    sha = hashlib.sha256(raw).hexdigest()
            except OSError:
                raw = None
        if raw is None:
            return validate_file(path, name, sha, max_bytes)
        if fast:
            parsed = parse_fast(raw, name, max_bytes=max_bytes, quiet=True)
            if parsed is not None:
                result = validate_parsed(parsed, name, sha)
                if not result.problems:
                    return result
        return validate_parsed(parse_yaml_bytes(raw, name, max_bytes=max_bytes), name, sha)


# --------------------------------------------------------------------------- one file


def validate_file(path: Path, name: str, sha: str, max_bytes: int) -> FileResult:
    """Parse one file and validate each item against its section's model."""
    return validate_parsed(read_yaml(path, name, max_bytes=max_bytes), name, sha)


def validate_parsed(parsed: ParsedFile, name: str, sha: str) -> FileResult:
    """Validate each item of a parsed file against its section's model."""
    problems = list(parsed.problems)
    items: list[Item] = []
    community: tuple[Community, int] | None = None
    data = parsed.data
    if data is None and not problems:
        problems.append(DataProblem(name, 0, 0, "", "an empty file", f"a mapping with {_keys()}"))
    elif data is not None and not isinstance(data, MarkedDict):
        problems.append(
            DataProblem(
                name, 1, 1, "", f"a {_type_name(data)} at the top", f"a mapping with {_keys()}"
            )
        )
    elif isinstance(data, MarkedDict):
        for key, value in data.items():
            line, column = data.key_marks.get(key, (0, 0))
            if key == "community":
                try:
                    community = (Community.model_validate(value), line)
                except ValidationError as exc:
                    problems.extend(_problems_from(exc, value, name, "community", model=Community))
                continue
            model = SECTIONS.get(key) if isinstance(key, str) else None
            if model is None:
                problems.append(
                    DataProblem(
                        name,
                        line,
                        column,
                        str(key),
                        f"unknown section {str(key)!r}",
                        f"one of {_keys()}{_did_you_mean(str(key), TOP_LEVEL_KEYS)}",
                    )
                )
                continue
            if not isinstance(value, MarkedList):
                problems.append(
                    DataProblem(
                        name,
                        line,
                        column,
                        key,
                        f"a {_type_name(value)}",
                        f"a list of {key} (each item starting with '- ')",
                    )
                )
                continue
            for index, raw in enumerate(value):
                item_line, item_col = value.item_marks[index]
                path_label = f"{key}[{index}]"
                try:
                    validated = model.model_validate(raw)
                except ValidationError as exc:
                    problems.extend(
                        _problems_from(exc, raw, name, path_label, (item_line, item_col), model)
                    )
                    continue
                keys = record_keys(cast("Record", validated)) if key in SECTION_KIND else ()
                items.append(Item(key, validated, item_line, item_col, keys))
    return FileResult(name, sha, tuple(items), community, tuple(problems))


def _keys() -> str:
    return ", ".join(repr(k) for k in TOP_LEVEL_KEYS)


def _type_name(value: Any) -> str:
    if value is None:
        return "empty value"
    if isinstance(value, bool):
        return f"boolean ({str(value).lower()})"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, int | float):
        return f"number ({value})"
    if isinstance(value, dt.date):
        return f"date ({value.isoformat()})"
    return f"text ({_short(value)})"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _closest_choice(value: Any, choices: tuple[str, ...], detail_field: str | None) -> str:
    """A "did you mean" for a value outside a controlled vocabulary.

    A value that starts with a choice and goes on ("fintech (crypto / blockchain)", the
    free-text form sectors had before the vocabulary) is shown split into the choice and its
    ``detail_field``; otherwise the nearest choice by rapidfuzz's weighted ratio, case and
    punctuation ignored ("IoT" -> 'iot', "helthtech" -> 'healthtech').
    """
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip()
    if detail_field:
        for choice in sorted(choices, key=len, reverse=True):
            head, tail = text[: len(choice)], text[len(choice) :]
            if head.casefold() != choice or not tail or tail[0].isalnum():
                continue
            rest = tail.lstrip(" /-,;:")
            if rest.startswith("(") and rest.endswith(")") and rest.count("(") == 1:
                rest = rest[1:-1].strip()
            if rest:
                return f" (did you mean {choice!r}, with {detail_field}: {rest!r}?)"
    match = process.extractOne(
        text, choices, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=75
    )
    return f" (did you mean {match[0]!r}?)" if match else ""


_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "string_too_short": "non-empty text",
    "too_short": "at least one item",
}


def _problems_from(
    exc: ValidationError,
    raw: Any,
    file: str,
    prefix: str,
    fallback: tuple[int, int] = (0, 0),
    model: type[BaseModel] | None = None,
) -> list[DataProblem]:
    """Turn pydantic's errors into DataProblems pinned to the line of the offending value."""
    out: list[DataProblem] = []
    for error in exc.errors(include_url=False):
        loc = [part for part in error["loc"] if not _is_union_tag(part)]
        line, column = _locate(raw, loc, fallback)
        field_path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
        kind = error["type"]
        value = error.get("input")
        if kind == "extra_forbidden":
            known = _model_fields_at(model, loc) if model else set()
            found = f"unknown key {str(loc[-1])!r}"
            expected = "a known key" + _did_you_mean(str(loc[-1]), known)
            if known and "did you mean" not in expected:
                expected += f" ({', '.join(sorted(known))})"
        elif kind == "missing":
            found = f"no {str(loc[-1])!r}"
            expected = f"a value for {str(loc[-1])!r} (required)"
        elif kind in ("value_error", "assertion_error"):
            # A rule between fields is reported on a mapping: show what it held.
            if isinstance(value, dict):
                found = f"mapping {_short(dict(value))}"
            else:
                found = _type_name(value)
            expected = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            expected = expected.removeprefix("expected ")
        elif kind.startswith("literal"):
            found = _type_name(value)
            choices = _literal_choices(model, loc) if model else ()
            if choices:
                keys = _model_keys_at(model, loc) if model else ()
                detail = f"{loc[-1]}_detail"
                expected = "one of " + ", ".join(repr(c) for c in choices)
                expected += _closest_choice(value, choices, detail if detail in keys else None)
            else:
                expected = error["msg"].removeprefix("Input should be ")
        elif kind in _EXPECTED:
            found = _type_name(value)
            expected = _EXPECTED[kind] + (_shape_hint(model, loc, kind) if model else "")
            if isinstance(value, str) and kind in ("int_type", "float_type"):
                expected += " (without quotes)"
            if isinstance(value, dt.date) and kind == "string_type":
                expected += " (put quotes around a date meant as text)"
        else:
            found = _type_name(value)
            expected = error["msg"].removeprefix("Input should be ")
        out.append(DataProblem(file, line, column, field_path, found, expected))
    return out


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in {
        "int",
        "float",
        "str",
        "function-after[_check_url(), str]",
    }


def _locate(raw: Any, loc: list[Any], fallback: tuple[int, int]) -> tuple[int, int]:
    """Follow ``loc`` into the marked data; return the deepest known (line, column)."""
    best = getattr(raw, "start", None) or fallback
    node = raw
    for part in loc:
        if isinstance(node, MarkedDict) and part in node:
            best = node.key_marks.get(part, best)
            node = node[part]
        elif isinstance(node, MarkedList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_marks[part]
            node = node[part]
        elif isinstance(node, MarkedDict) and part in node.key_marks:
            best = node.key_marks[part]
            break
        else:
            break
    return best


def _model_fields_at(model: type[BaseModel], loc: list[Any]) -> set[str]:
    """The valid keys of the (possibly nested) model that held an unknown key."""
    return set(_model_keys_at(model, loc))


def _model_at(model: type[BaseModel], loc: list[Any]) -> type[BaseModel] | None:
    """The (possibly nested) model whose field ``loc[-1]`` is."""
    current: type[BaseModel] = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        nested = _nested_model(info.annotation)
        if nested is None:
            return None
        current = nested
    return current


def _model_keys_at(model: type[BaseModel], loc: list[Any]) -> tuple[str, ...]:
    """The keys of the model that holds ``loc[-1]``, in declaration order ('kind' aside)."""
    found = _model_at(model, loc)
    return tuple(k for k in found.model_fields if k != "kind") if found else ()


def _literal_choices(model: type[BaseModel], loc: list[Any]) -> tuple[str, ...]:
    """The allowed values of the Literal field at ``loc`` (a sector, a status state...)."""
    owner = _model_at(model, loc)
    info = owner.model_fields.get(str(loc[-1])) if owner else None
    if info is None:
        return ()
    return tuple(str(v) for v in _literal_values(info.annotation))


def _literal_values(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    return [v for arg in typing.get_args(annotation) for v in _literal_values(arg)]


def _shape_hint(model: type[BaseModel], loc: list[Any], kind: str) -> str:
    """For a list or mapping of the wrong shape, the keys its items take: "founders: Simon
    Loong" gets "a list of mappings with keys name, name_zh"."""
    if kind not in ("list_type", "model_type", "dict_type", "model_attributes_type"):
        return ""
    keys = [k for k in _model_keys_at(model, [*loc, "_"]) if k != "kind"]
    if not keys:
        return ""
    owner = _model_at(model, loc)
    info = owner.model_fields.get(str(loc[-1])) if owner and loc else None
    required = [k for k in keys if _required(model, [*loc, k])]
    first = required[0] if required else keys[0]
    shape = f"with keys {', '.join(keys)}"
    if kind == "list_type" and info is not None and typing.get_origin(info.annotation) is list:
        return f" of mappings {shape} (each item starting with '- {first}: ')"
    return f" {shape}"


def _required(model: type[BaseModel], loc: list[Any]) -> bool:
    owner = _model_at(model, loc)
    info = owner.model_fields.get(str(loc[-1])) if owner else None
    return bool(info and info.is_required())


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- whole folder


def assemble(results: list[FileResult]) -> tuple[Dataset | None, list[DataProblem]]:
    """Combine files into one dataset and run the checks that need all records at once.

    The checks run on the files' summaries (:mod:`bot.crosscheck`), as ``smartups validate``
    runs them on its cached ones; the dataset is made only when nothing is wrong, so it holds
    no duplicate to leave out.
    """
    summaries = [file_summary(r) for r in results]
    problems = cross_check(summaries).problems
    _drop_in_steps(summaries)
    if problems:
        return None, problems
    records: dict[Kind, dict[str, Record]] = {kind: {} for kind in Kind}
    sources: dict[str, Source] = {}
    lists: dict[str, CommunityList] = {}
    community: Community | None = None
    label_keys: dict[int, tuple[str, ...]] = {}
    for result in results:
        if result.community is not None and community is None:
            community = result.community[0]
        for item in result.items:
            kind = SECTION_KIND.get(item.section)
            if kind is not None:
                record = cast("Record", item.model)  # validated by its section's record model
                records[kind].setdefault(record.id, record)
                if item.keys:
                    label_keys[id(record)] = item.keys
            elif item.section == "sources":
                source = cast("Source", item.model)
                sources.setdefault(source.url, source)
            elif item.section == "lists":
                clist = cast("CommunityList", item.model)
                lists.setdefault(clist.id, clist)
    file_hashes = {r.name: r.sha256 for r in results}
    dataset = Dataset(
        records=records,
        sources=sources,
        lists=lists,
        community=community,
        file_hashes=file_hashes,
        version=data_version(file_hashes),
        label_keys=label_keys,
    )
    return dataset, []


def _drop_in_steps(items: list[Any]) -> None:
    """Empty ``items`` a few at a time. The load runs in a worker thread, and freeing every
    file's item summaries at once (104,000 at real-shape 100k) was one C call that held the
    GIL ~45 ms: a stall of the bot's event loop in each reload."""
    while items:
        del items[-8:]


def file_summary(result: FileResult) -> FileSummary:
    """What the checks across files need from a validated file (see bot.crosscheck)."""
    return FileSummary(
        result.name,
        result.sha256,
        result.community[1] if result.community is not None else None,
        result.problems,
        tuple(item_summary(item) for item in result.items),
    )


def item_summary(item: Item) -> ItemSummary:
    """One validated item as the checks across files see it."""
    section, model = item.section, item.model
    if section in SECTION_KIND:
        record = cast("Record", model)
        return (
            section,
            record.id,
            item.line,
            item.column,
            getattr(record, "city", None),
            tuple(getattr(record, "organizations", ())),
            (record.name, record.name_zh or "", *record.aliases),
            label_keys(item.keys or record_keys(record), 2 + len(record.aliases)),
        )
    if section == "sources":
        return (section, cast("Source", model).url, item.line, item.column, None, (), (), ())
    if section == "lists":
        clist = cast("CommunityList", model)
        entries = tuple(entry.startup for entry in clist.entries)
        return (section, clist.id, item.line, item.column, clist.city, entries, (), ())
    return (section, "", item.line, item.column, None, (), (), ())
