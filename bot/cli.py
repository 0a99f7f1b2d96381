"""The ``smartups`` command: the bot's answers in a terminal, data checks, and starting the bot.

``smartups run`` connects to Discord when a token is configured and otherwise opens the local
session, where a person types questions or the bot's own commands and sees the same answers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from bot import admin_tools, answers, fastexit, gaps, version
from bot.clock import utcnow
from bot.config import ConfigError, Settings, load_settings, setup_logging
from bot.errors import NotFound
from bot.fingerprint import stored_matches
from bot.i18n import LANGUAGES, lang_of, language, tr
from bot.knowledge import Knowledge
from bot.memory import tune_malloc
from bot.model import Kind
from bot.render import Card, not_found_card, to_text
from bot.sanitize import Where, shown
from bot.store import ReloadReport, Store

log = logging.getLogger(__name__)

KIND_WORDS = {
    "city": Kind.CITY, "cities": Kind.CITY,
    "initiative": Kind.INITIATIVE, "initiatives": Kind.INITIATIVE,
    "organization": Kind.ORGANIZATION, "organizations": Kind.ORGANIZATION,
    "org": Kind.ORGANIZATION, "body": Kind.ORGANIZATION, "bodies": Kind.ORGANIZATION,
    "startup": Kind.STARTUP, "startups": Kind.STARTUP,
}  # fmt: skip

def parse_lang(word: str) -> str:
    """'zh-TW' (also zh_tw, ZH-tw) or 'en': the answer language."""
    lang = language(word)
    if lang is not None:
        return lang
    raise argparse.ArgumentTypeError(
        f"unknown language {word!r}; expected {' or '.join(LANGUAGES)}"
    )


def parse_kind(word: str) -> Kind:
    try:
        return KIND_WORDS[word.casefold()]
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"unknown kind {word!r}; expected city, initiative, organization or startup"
        ) from None


async def open_store(settings: Settings, *, private: bool) -> Store:
    """A store over the data folder. ``private`` keeps it in memory (queries never write)."""
    store = Store(":memory:" if private else settings.db, settings.data_dir)
    await store.open()
    if not private and settings.database_url:
        # A shared state: `smartups reload` and `history` audit there, and the running bot
        # processes pick the new version up from its audit log (their periodic check).
        from bot.state import open_state

        try:
            store.attach_state(await open_state(settings), owned=True)
        except BaseException:
            await store.close()
            raise
    return store


async def open_for_query(settings: Settings, *, questions: bool = True) -> tuple[Store, bool]:
    """The store a one-shot command answers from, and whether it is already loaded: the
    configured database when it holds the data folder as it is now (no file added, removed
    or changed since it was written: see bot.fingerprint), else a private in-memory store
    the folder still has to be read into."""
    if stored_matches(Path(settings.db), settings.data_dir):
        store = Store(settings.db, settings.data_dir)
        # It answers, never reloads: no loader results; without questions, no facets.
        await store.open(reloads=False, questions=questions)
        if store.loaded:
            return store, True
        await store.close()
    return await open_store(settings, private=True), False


async def load_or_explain(store: Store, out: TextIO, *, loaded: bool = False) -> bool:
    if loaded:
        return True
    report = await store.reload(actor="cli", command="load", audit=False)
    if report.ok or store.loaded:
        if not report.ok:
            print(
                f"warning: the data folder has {len(report.problems)} problem(s); "
                "answering from the last good data. Run `smartups validate`.",
                file=out,
            )
        return True
    print_problems(report.problems, out)
    return False


def print_problems(problems: Sequence[object], out: TextIO) -> None:
    for problem in problems:
        print(str(problem), file=out)
    print(f"{len(problems)} problem(s).", file=out)


# ---------------------------------------------------------------------------- commands


async def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    store, loaded = await open_for_query(settings, questions=False)
    try:
        if not await load_or_explain(store, sys.stderr, loaded=loaded):
            return 2
        knowledge = Knowledge(store)
        queries = sys.stdin if args.query == "-" else [args.query]
        as_json = args.json or args.query == "-"
        for raw in queries:
            query = raw.rstrip("\n")
            if args.query == "-" and not query.strip():
                continue
            hits = await knowledge.search(
                query, args.kind, city=args.city, sector=args.sector, limit=args.limit
            )
            if as_json:
                print(
                    json.dumps(
                        {
                            "query": query,
                            "results": [
                                {
                                    "kind": h.record.kind,
                                    "id": h.record.id,
                                    "name": h.record.name,
                                    "score": h.score,
                                    "matched": h.matched,
                                }
                                for h in hits
                            ],
                        },
                        ensure_ascii=False,
                    ),
                    flush=True,
                )
            elif not hits:
                print(f"Nothing matched {shown(query, Where.TERMINAL)!r}.")
            else:
                for h in hits:
                    name = shown(h.record.name, Where.TERMINAL)
                    print(f"{h.score:6.1f}  {h.record.kind:<12} {h.record.id:<28} {name}")
        return 0
    finally:
        fastexit.keep(store)  # its snapshot is not taken apart at exit (see bot.fastexit)
        await store.close()


async def _with_knowledge(  # type: ignore[no-untyped-def]
    settings: Settings, lang: str, action, *, questions: bool = True
) -> int:
    """Run ``action`` on the loaded knowledge; a name nobody has prints "not found" (exit 1).
    ``questions=False``: the action answers no question (the facets need not be read)."""
    store, loaded = await open_for_query(settings, questions=questions)
    try:
        if not await load_or_explain(store, sys.stderr, loaded=loaded):
            return 2
        async with gaps.counted_in(store, settings):  # gaps go to the configured state
            try:
                return await action(Knowledge(store))
            except NotFound as missing:
                await gaps.count_miss(store, missing, lang)
                card = not_found_card(missing.query, missing.kind, missing.suggestions, lang)
                print(to_text(card))
                return 1
    finally:
        fastexit.keep(store)
        await store.close()


async def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    async def action(knowledge: Knowledge) -> int:
        print(to_text(answers.record(knowledge, args.kind, " ".join(args.name), args.lang)))
        return 0

    return await _with_knowledge(settings, args.lang, action, questions=False)


async def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """One question, or with ``-`` one per stdin line; ``--json`` prints the parse and answer
    (always for ``-``: one JSON line per question)."""

    async def action(knowledge: Knowledge) -> int:
        from_stdin = args.question == ["-"]
        questions = sys.stdin if from_stdin else [" ".join(args.question)]
        for raw in questions:
            question = raw.rstrip("\n")
            if from_stdin and not question.strip():
                continue
            reply, pages = await answers.ask_reply(knowledge, question, args.lang)
            if args.json or from_stdin:
                print(json.dumps(answers.ask_json(reply, pages), ensure_ascii=False), flush=True)
            else:
                print("\n\n".join(to_text(page) for page in pages))
        return 0

    return await _with_knowledge(settings, args.lang, action)


async def cmd_browse(args: argparse.Namespace, settings: Settings) -> int:
    async def action(knowledge: Knowledge) -> int:
        pages = answers.browse(knowledge, args.kind, args.city, args.sector, args.lang)
        print("\n\n".join(to_text(p) for p in pages))
        return 0

    return await _with_knowledge(settings, args.lang, action)


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.validate import validate_folder
    from bot.validate_cache import open_cache

    data_dir = Path(args.dir) if args.dir else settings.data_dir
    cache = None if args.no_cache else open_cache(data_dir)
    outcome = validate_folder(data_dir, cache)  # what Loader.load() would report (bot.validate)
    if outcome.problems:
        if args.format == "github":  # one annotation per problem on a pull request's lines
            from bot.admin_tools.annotations import github_annotations

            print("\n".join(github_annotations(outcome.problems)))
            print(f"{len(outcome.problems)} problem(s).", file=sys.stderr)
        else:
            print_problems(outcome.problems, sys.stdout)
        return 1
    counts = ", ".join(f"{n} {k}" for k, n in outcome.counts.items())
    print(f"OK: {data_dir} is valid (data {outcome.version}: {counts}).")
    return 0


async def cmd_reload(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_store(settings, private=False)
    try:
        actor = f"cli:{_user()}"
        report = await store.reload(actor=actor, command="smartups reload", dry_run=args.dry_run)
        print_report(report, sys.stdout)
        return 0 if report.ok else 1
    finally:
        await store.close()


async def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_store(settings, private=False)
    try:
        for row in await store.audit_log(args.limit):
            print(
                f"{row['at']}  {row['outcome']:<9} {row['actor']:<24} {row['command']:<18} "
                f"{row['version_before'] or '-'} -> {row['version_after'] or '-'}"
            )
        return 0
    finally:
        await store.close()


#: A reload's report names this many records per kind and change, then counts the rest (a
#: first load of 100,000 records printed a megabyte of names).
REPORT_NAMES = 20


def print_report(report: ReloadReport, out: TextIO) -> None:
    if report.problems:
        print_problems(report.problems, out)
        print(f"Rejected: data {report.version_before or '(none)'} stays in service.", file=out)
        return
    if report.error:
        print(f"Failed: {report.error}. Data {report.version_before} stays in service.", file=out)
        return
    print(
        f"{report.outcome}: {report.version_before or '(none)'} -> {report.version_after} "
        f"in {report.seconds:.2f}s",
        file=out,
    )
    for kind, actions in report.summary()["changes"].items():
        for action, names in actions.items():
            if names:
                shown_names = ", ".join(shown(n, Where.TERMINAL) for n in names[:REPORT_NAMES])
                rest = len(names) - REPORT_NAMES
                more = f" and {rest:,} more" if rest > 0 else ""
                print(f"  {kind} {action} ({len(names):,}): {shown_names}{more}", file=out)
    if report.outcome == "applied":
        print("A running bot picks this up within 30 seconds (it watches the database).", file=out)


def _user() -> str:
    import getpass

    with contextlib.suppress(Exception):
        return getpass.getuser()
    return "unknown"


# ---------------------------------------------------------------------------- local session


class LocalSession:
    """A terminal stand-in for Discord: the same commands, the same answers, as text."""

    def __init__(self, knowledge: Knowledge, lang: str = "en") -> None:
        self.knowledge = knowledge
        self.lang = lang
        self.started = utcnow()

    async def handle(self, line: str) -> str | None:
        """The reply to one typed line; ``None`` means the session should end."""
        line = line.strip()
        if not line:
            return ""
        if line in ("/quit", "/exit", "quit", "exit"):
            return None
        if not line.startswith("/"):
            pages = await answers.ask(self.knowledge, line, self.lang)
            return "\n\n".join(to_text(page) for page in pages)
        command, _, rest = line[1:].partition(" ")
        command = command.casefold()
        rest = rest.strip()
        try:
            card = await self._command(command, rest)
        except NotFound as missing:
            await gaps.count_miss(self.knowledge.store, missing, self.lang)
            card = not_found_card(missing.query, missing.kind, missing.suggestions, self.lang)
        return to_text(card) if isinstance(card, Card) else card

    async def _command(self, command: str, rest: str) -> Card | str:
        """One slash command of the local session, as a card or a line of text."""
        if command in ("city", "initiative", "startup", "organization", "org"):
            if not rest:
                return tr("local.usage_name", self.lang, command=command)
            return answers.record(self.knowledge, KIND_WORDS[command], rest, self.lang)
        if command == "ask":
            if not rest:
                return tr("local.usage_ask", self.lang)
            pages = await answers.ask(self.knowledge, rest, self.lang)
            return "\n\n".join(to_text(page) for page in pages)
        if command == "browse":
            return self._browse(rest)
        if command == "help":
            return answers.help_(self.lang)
        if command == "about":
            return answers.about(self.knowledge, self.started, self.lang)
        if command == "lang":
            try:
                self.lang = parse_lang(rest)
            except argparse.ArgumentTypeError:
                return tr("local.usage_lang", self.lang, choices="|".join(LANGUAGES))
            return tr("local.language", self.lang, lang=self.lang)
        return tr("local.unknown", self.lang, command=command)

    def _browse(self, rest: str) -> str:
        try:
            words = shlex.split(rest)
        except ValueError:
            words = rest.split()
        if not words or words[0].casefold() not in KIND_WORDS:
            return tr("local.usage_browse", self.lang)
        options: dict[str, str | None] = {"city": None, "sector": None}
        for word in words[1:]:
            key, sep, value = word.partition(":")
            if sep and key in options:
                options[key] = value
        pages = answers.browse(
            self.knowledge,
            KIND_WORDS[words[0].casefold()],
            options["city"],
            options["sector"],
            self.lang,
        )
        return "\n\n".join(to_text(p) for p in pages)


async def run_local(settings: Settings, lang: str, stdin: TextIO, stdout: TextIO) -> int:
    store = await open_store(settings, private=False)
    try:
        if not await load_or_explain(store, stdout):
            return 2
        knowledge = Knowledge(store)
        session = LocalSession(knowledge, lang)
        snap = knowledge.snapshot
        counts = tr("local.separator", lang).join(
            tr("local.count", lang, count=n, kind=tr(f"kinds.{k}", lang))
            for k, n in snap.counts().items()
        )
        interactive = stdin.isatty()
        banner = tr(
            "local.banner", lang, version=version(), data=snap.version, counts=counts,
            languages="|".join(LANGUAGES),
        )  # fmt: skip
        print(banner + "\n", file=stdout)
        while True:
            if interactive:
                print("smartups> ", end="", file=stdout, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            reply = await session.handle(line)
            if reply is None:
                break
            if reply:
                print(reply + "\n", file=stdout, flush=True)
        return 0
    finally:
        await store.close()


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.token:
        from bot.client import run_bot

        return await run_bot(settings)
    return await cmd_local(args, settings)


async def cmd_local(args: argparse.Namespace, settings: Settings) -> int:
    return await run_local(settings, args.lang, sys.stdin, sys.stdout)


# ---------------------------------------------------------------------------- parser


class _VersionAction(argparse.Action):
    """``--version``: the version is read (package metadata, ~60 ms) only when asked for."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        print(f"smartups {version()}")  # on stdout, as argparse's own version action
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smartups", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--version", action=_VersionAction, nargs=0, help="show the version and exit"
    )
    lang_help = f"answer language: {' or '.join(LANGUAGES)} (default: SMARTUPS_LANG, else en)"
    parser.add_argument("--lang", type=parse_lang, default=None, help=lang_help)
    # --lang also after the subcommand (`smartups show startup x --lang zh-TW`); SUPPRESS keeps
    # a subcommand without it from resetting a --lang given before the subcommand.
    with_lang = argparse.ArgumentParser(add_help=False)
    with_lang.add_argument("--lang", type=parse_lang, default=argparse.SUPPRESS, help=lang_help)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, summary: str, func) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        command = sub.add_parser(name, help=summary, parents=[with_lang])
        command.set_defaults(func=func)
        return command

    add("run", "the bot on Discord, or the local session without a token", cmd_run)
    add("local", "the local session (no Discord)", cmd_local)

    search = add("search", "ranked matches for a query ('-': one per stdin line)", cmd_search)
    search.add_argument("--kind", type=parse_kind)
    search.add_argument("--city")
    search.add_argument("--sector")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="one JSON object per query")
    search.add_argument("query")

    show = add("show", "the full profile of one record", cmd_show)
    show.add_argument("kind", type=parse_kind)
    show.add_argument("name", nargs="+")

    ask = add("ask", "answer a free question", cmd_ask)
    ask.add_argument("--json", action="store_true", help="print the parse and answer as JSON")
    ask.add_argument("question", nargs="+", help="the question, or - for one per stdin line")

    browse = add("browse", "list records of a kind", cmd_browse)
    browse.add_argument("kind", type=parse_kind)
    browse.add_argument("--city")
    browse.add_argument("--sector")

    validate = add("validate", "check the data folder; non-zero exit on errors", cmd_validate)
    validate.add_argument("dir", nargs="?")
    validate.add_argument(
        "--format", choices=("text", "github"), default="text",
        help="github: problems as GitHub Actions annotations (::error file=,line=,col=::)",
    )  # fmt: skip
    validate.add_argument(
        "--no-cache", action="store_true",
        help="check every file again and leave the cache alone (it lives in "
        "$SMARTUPS_CACHE_DIR, else $XDG_CACHE_HOME/smartups/validate)",
    )  # fmt: skip

    reload = add("reload", "load the data folder into the configured database", cmd_reload)
    reload.add_argument("--dry-run", action="store_true")

    history = add("history", "the audit log of data loads", cmd_history)
    history.add_argument("--limit", type=int, default=20)
    admin_tools.register(add)  # schema, new, export
    from bot.suggestions.cli import register as register_suggestions

    register_suggestions(add)  # suggestions list|show|accept|reject|export, gaps
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    tune_malloc()  # before any thread starts (see bot.memory)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"smartups: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging("WARNING" if args.command != "run" or not settings.token else settings.log_level)
    if args.command in ANSWER_ONLY:
        fastexit.arm()
    args.lang = args.lang or lang_of(settings.lang)
    try:
        result = args.func(args, settings)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


#: Commands that only answer from the store: they end without freeing it (bot.fastexit).
ANSWER_ONLY = frozenset({"search", "show", "ask", "browse"})


def entry() -> NoReturn:
    """The ``smartups`` console script."""
    fastexit.run(main)


if __name__ == "__main__":
    entry()
