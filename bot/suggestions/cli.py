"""``smartups suggestions list|show|accept|reject|export --patch``, ``gaps`` and ``stats``.

The same service and cards as /review and /data gaps, for admins at a terminal or in CI. An
accept here writes the data folder and reloads into the configured database, which a running
bot picks up within 30 seconds (it watches the database). ``export --patch`` writes nothing:
it prints the pending changes as a unified diff against the data folder.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.suggestions.service import SuggestionService

Command = Callable[[argparse.Namespace, "Settings"], object]
AddCommand = Callable[[str, str, Command], argparse.ArgumentParser]


def register(add: AddCommand) -> None:
    """Declare ``suggestions`` (with its actions) and ``gaps`` through the CLI's helper."""
    suggestions = add("suggestions", "the members' suggestion queue", cmd_list)
    actions = suggestions.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="pending suggestions, oldest first")
    listing.add_argument("--state", choices=("pending", "accepted", "rejected"),
                         default="pending")
    listing.add_argument("--record", help="only suggestions about this record id")
    listing.add_argument("--page", type=int, default=1)
    listing.set_defaults(func=cmd_list)
    show = actions.add_parser("show", help="one suggestion beside the current value")
    show.add_argument("id", type=int)
    show.set_defaults(func=cmd_show)
    accept = actions.add_parser("accept", help="write it into the data folder and reload")
    accept.add_argument("id", type=int)
    accept.add_argument("--note")
    accept.set_defaults(func=cmd_accept)
    reject = actions.add_parser("reject", help="refuse it, with a reason")
    reject.add_argument("id", type=int)
    reject.add_argument("reason")
    reject.set_defaults(func=cmd_reject)
    export = actions.add_parser("export", help="pending changes as a unified diff (--patch)")
    export.add_argument("--patch", action="store_true", required=True,
                        help="print a unified diff against the data folder")
    export.set_defaults(func=cmd_export)

    gaps = add("gaps", "the questions the knowledge could not answer", cmd_gaps)
    gaps.add_argument("--limit", type=int, default=20)
    gaps.add_argument("--days", type=int, help="only gaps seen in the last N days")

    stats = add("stats", "the most looked-up records and most used commands", cmd_stats)
    stats.add_argument("--days", type=int, default=30, help="the last N days (0: all kept)")
    stats.add_argument("--limit", type=int, default=10)


def _actor() -> str:
    with contextlib.suppress(Exception):
        return f"cli:{getpass.getuser()}"
    return "cli:unknown"


@contextlib.asynccontextmanager
async def _service(settings: Settings) -> AsyncIterator[SuggestionService]:
    from bot.store import Store
    from bot.suggestions.service import SuggestionService
    from bot.suggestions.storage import Limits

    store = Store(settings.db, settings.data_dir)
    await store.open()
    service = None
    try:
        await store.reload(actor=_actor(), command="load", audit=False)
        limits = Limits(settings.suggest_max_pending, settings.suggest_max_per_day)
        service = await SuggestionService.connect(store, settings, limits=limits)
        yield service
    finally:
        if service is not None:
            await service.close()
        await store.close()


def _lang(args: argparse.Namespace) -> str:
    return str(getattr(args, "lang", None) or "en")


async def _explained(action: Callable[[], Awaitable[None]]) -> int:
    """Run ``action``; an expected error is one line on stderr and exit status 1."""
    from bot.errors import SmartUpsError
    from bot.render import error_message, plain

    try:
        await action()
    except SmartUpsError as exc:
        print(plain(error_message(exc, "en")), file=sys.stderr)
        return 1
    return 0


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.render import to_text
    from bot.suggestions.cards import PAGE_SIZE, queue_card

    async with _service(settings) as service:
        page = max(1, getattr(args, "page", 1))
        rows, total = await service.queue.page(
            state=getattr(args, "state", "pending"), record_id=getattr(args, "record", None),
            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        print(to_text(queue_card(rows, total, page, _lang(args))))
    return 0


async def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.render import to_text
    from bot.suggestions.cards import suggestion_card
    from bot.suggestions.fields import current_value

    async with _service(settings) as service:
        async def show() -> None:
            found = await service.queue.get(args.id)
            record = None if found.is_new_record else service.record(found.kind,
                                                                      found.record_id)
            current = current_value(record, found.field) if record is not None else None
            print(to_text(suggestion_card(found, current, _lang(args))))

        return await _explained(show)


async def cmd_accept(args: argparse.Namespace, settings: Settings) -> int:
    async with _service(settings) as service:
        async def accept() -> None:
            done = await service.accept(args.id, _actor(), args.note)
            print(f"accepted #{done.suggestion.id}: {done.file.name} changed, data "
                  f"{done.report.version_before} -> {done.report.version_after}")
            print("The member is not told from the command line; /review show has the outcome.")

        return await _explained(accept)


async def cmd_reject(args: argparse.Namespace, settings: Settings) -> int:
    async with _service(settings) as service:
        async def reject() -> None:
            done = await service.reject(args.id, _actor(), args.reason)
            print(f"rejected #{done.id}")

        return await _explained(reject)


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.suggestions.patch import build_patch

    async with _service(settings) as service:
        rows, _total = await service.queue.page(limit=10_000)
        patch = build_patch(rows, service.data_dir)
    sys.stdout.write(patch.diff)
    for number, reason in patch.skipped:
        print(f"skipped #{number}: {reason}", file=sys.stderr)
    return 0


async def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    from bot import gaps
    from bot.clock import utcnow
    from bot.state import open_state

    conn = await open_state(settings)
    try:
        now = utcnow()
        await gaps.prune(conn, now - dt.timedelta(days=settings.counts_retention_days))
        since = now - dt.timedelta(days=args.days) if args.days else None
        rows = await gaps.top(conn, limit=args.limit, since=since)
    finally:
        await conn.close()
    for gap in rows:
        print(f"{gap.count:>5}  {gap.reason:<12} {gap.lang:<5} {gap.last_seen:%Y-%m-%d}  "
              f"{gap.question}")
    if not rows:
        print("No unanswered questions counted.")
    return 0


async def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """/data stats at a terminal: the bot's counts, named from the data folder."""
    from bot import usage
    from bot.render import to_text
    from bot.state import open_state
    from bot.store import Store
    from bot.suggestions.cards import stats_card

    store = Store(":memory:", settings.data_dir)  # only to name the records; queries no counts
    await store.open()
    try:
        await store.reload(actor=_actor(), command="load", audit=False)
        conn = await open_state(settings)
        try:
            stats = await usage.gather(store, conn, days=args.days or None, lang=_lang(args),
                                       limit=args.limit)
        finally:
            await conn.close()
    finally:
        await store.close()
    print(to_text(stats_card(stats, _lang(args), settings.counts_retention_days)))
    return 0
