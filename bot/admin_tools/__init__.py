"""Tools for admins who keep the knowledge in YAML: schemas, new records, export.

:func:`register` adds ``smartups schema``, ``smartups new`` and ``smartups export`` to the
command line. This module stays light (argparse only): each command imports its module when
it runs, so ``smartups`` starts as fast without them and none of them needs discord.py.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.loader import Dataset
    from bot.model import Kind

Command = Callable[[argparse.Namespace, "Settings"], int]
AddCommand = Callable[[str, str, Command], argparse.ArgumentParser]

FORMATS = ("json", "csv", "md")


def register(add: AddCommand) -> None:
    """Declare the admin commands with ``add(name, summary, function)`` (the CLI's helper)."""
    schema = add("schema", "write the data files' JSON Schemas (default: DATA/schema)", cmd_schema)
    schema.add_argument("--out", type=Path, help="folder to write (default: data/schema)")
    schema.add_argument(
        "--check", action="store_true", help="only check they are up to date (exit 1 if not)"
    )
    schema.add_argument(
        "--link", action="store_true", help="also start every data file with its schema line"
    )

    new = add("new", "a new record with every field (--write: append it to the data)", cmd_new)
    new.add_argument("kind", help="city, initiative, organization or startup")
    new.add_argument("name", nargs="+")
    new.add_argument("--id", dest="rid", help="the id, when the name gives no good slug")
    new.add_argument("--city", help="id of its city (an initiative needs one)")
    new.add_argument("--write", action="store_true", help="append it to the right data file")
    new.add_argument("--dir", type=Path, help="data folder (default: SMARTUPS_DATA_DIR)")

    export = add("export", "the knowledge as JSON, CSV or Markdown", cmd_export)
    export.add_argument("--format", choices=FORMATS, default="json")
    export.add_argument("--kind", help="only this kind (city, initiative, organization, startup)")
    export.add_argument(
        "--out", type=Path, help="file to write (CSV of every kind: a folder); default stdout"
    )
    export.add_argument("--dir", type=Path, help="data folder (default: SMARTUPS_DATA_DIR)")


def kind_of(word: str) -> Kind:
    """'startup' or 'startups' (any case) -> Kind.STARTUP; ValueError names the kinds."""
    from bot.model import Kind

    word = word.casefold()
    for kind in Kind:
        if word in (kind.value, kind.value + "s", "cities" if kind is Kind.CITY else ""):
            return kind
    raise ValueError(f"unknown kind {word!r}; expected city, initiative, organization or startup")


def _load(data_dir: Path, err: TextIO) -> Dataset | None:
    from bot.loader import Loader

    outcome = Loader(data_dir).load()
    if outcome.dataset is None:
        for problem in outcome.problems:
            print(str(problem), file=err)
        print(f"{len(outcome.problems)} problem(s); run `smartups validate`.", file=err)
    return outcome.dataset


# ------------------------------------------------------------------------------- commands


def cmd_schema(args: argparse.Namespace, settings: Settings) -> int:
    from bot.admin_tools import schema

    out_dir = args.out or settings.data_dir / schema.SCHEMA_DIR
    if args.check:
        stale = schema.stale(out_dir)
        for name in stale:
            print(f"{out_dir / name}: out of date; run `smartups schema`", file=sys.stderr)
        return 1 if stale else 0
    for path in schema.write(out_dir):
        print(path)
    if args.link:
        for path in schema.link_files(settings.data_dir):
            print(f"{path}: schema line added")
    return 0


def cmd_new(args: argparse.Namespace, settings: Settings) -> int:
    from bot.admin_tools import scaffold
    from bot.loader import Loader

    try:
        kind = kind_of(args.kind)
        name = " ".join(args.name)
        if not args.write:
            sys.stdout.write(scaffold.snippet(kind, name, rid=args.rid, city=args.city))
            return 0
        data_dir = args.dir or settings.data_dir
        dataset = _load(data_dir, sys.stderr)
        if dataset is None:
            return 1
        rid = args.rid or scaffold.slug_of(name)
        if rid in dataset.records.get(kind, {}):
            taken = f"a {kind.value} with id {rid!r} exists; choose another with --id"
            print(taken, file=sys.stderr)
            return 1
        path, before = scaffold.write_record(data_dir, kind, name, rid=args.rid, city=args.city)
    except (ValueError, scaffold.ScaffoldError) as exc:
        print(f"smartups new: {exc}", file=sys.stderr)
        return 2
    outcome = Loader(data_dir).load()
    if outcome.problems:  # the new record clashes (a name, a city): leave the file as it was
        scaffold.restore(path, before)
        for problem in outcome.problems:
            print(str(problem), file=sys.stderr)
        print(f"not written: {path} restored.", file=sys.stderr)
        return 1
    print(f"{path}: added {kind.value} {rid!r}; fill in or delete the commented lines.")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.admin_tools import export
    from bot.model import Kind

    try:
        kinds = [kind_of(args.kind)] if args.kind else list(Kind)
    except ValueError as exc:
        print(f"smartups export: {exc}", file=sys.stderr)
        return 2
    out: Path | None = args.out
    if args.format == "csv" and len(kinds) > 1 and out is None:
        need = "smartups export: CSV of every kind needs --out FOLDER (or one --kind)"
        print(need, file=sys.stderr)
        return 2
    dataset = _load(args.dir or settings.data_dir, sys.stderr)
    if dataset is None:
        return 1
    if args.format == "csv":
        folder = out if out is not None and (len(kinds) > 1 or out.is_dir()) else None
        for kind in kinds:
            target = folder / f"{export.SECTION_OF[kind]}.csv" if folder else out
            with _opened(target, newline="") as stream:
                export.write_csv(dataset, kind, stream)
        return 0
    writer: dict[str, Any] = {"json": export.write_json, "md": export.write_markdown}
    with _opened(out) as stream:
        writer[args.format](dataset, stream, kinds)
    return 0


@contextlib.contextmanager
def _opened(path: Path | None, newline: str | None = None) -> Iterator[TextIO]:
    """A text stream to ``path`` (its folder made), or stdout, left open, when None."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline=newline) as stream:
        yield stream
