"""What each member command answers, as cards: shared by the Discord cogs and the local session.

A cog parses Discord options and calls one of these; the local session parses a typed line and
calls the same one; so both show exactly the same answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import overload

from bot import gaps, memo, version
from bot.clock import utcnow
from bot.errors import NotFound
from bot.i18n import tr
from bot.knowledge import Knowledge
from bot.model import Kind, Record
from bot.question import Query, Reply
from bot.question.cards import ReplyPages, reply_json
from bot.render import (
    Card,
    about_card,
    browse_card,
    display_name,
    esc,
    help_card,
    page_count,
    record_card,
    spotlight_post_card,
)
from bot.store import Snapshot

BROWSE_PER_PAGE = 10


def record(knowledge: Knowledge, kind: Kind, text: str, lang: str = "en") -> Card:
    """The profile of the record ``text`` names (id, name, alias, typo, Chinese)."""
    snapshot = knowledge.snapshot
    found = knowledge.resolve(kind, text, snapshot)
    return record_card(knowledge.profile(found, snapshot), lang)


def profile_card(knowledge: Knowledge, found: Record, lang: str = "en") -> Card:
    """The card of a record already resolved (a picked autocomplete choice), drawn once per
    data version and language (bot.memo): a burst of members opening one startup is cheap."""
    snapshot = knowledge.snapshot
    if snapshot.dataset.records.get(Kind(found.kind), {}).get(found.id) is not found:
        return record_card(knowledge.profile(found, snapshot), lang)  # a record of another version
    return memo.remembered(
        snapshot,
        ("card", found.kind, found.id, lang),
        lambda: record_card(knowledge.profile(found, snapshot), lang),
    )


def spotlight_post(knowledge: Knowledge, startup: Record, lang: str = "en") -> Card:
    """The weekly spotlight post of one startup, gathered from the live snapshot."""
    return spotlight_post_card(knowledge.profile(startup), lang)


async def ask(knowledge: Knowledge, question: str | Query, lang: str = "en") -> Sequence[Card]:
    """The pages answering a question (one page unless it lists more than a page of records)."""
    _reply, pages = await ask_reply(knowledge, question, lang)
    return pages


async def ask_reply(
    knowledge: Knowledge, question: str | Query, lang: str = "en"
) -> tuple[Reply, Sequence[Card]]:
    """The reply (for JSON) and its pages; a record asked by name gets its profile card.

    The same question in the same language on the same data version is answered once and
    remembered (bot.memo), unless its answer holds many records (a long list stays cheap to
    rebuild and costly to keep); every ask still counts as a gap when it is one."""
    snapshot = knowledge.snapshot
    query = question if isinstance(question, Query) else Query.of(question)
    key = _ask_key(query, lang)
    found = memo.recall(snapshot, key)
    if found is memo.MISSING:
        found = await _answer(knowledge, snapshot, query, lang)
        reply = found[0]
        if len(reply.records) <= MEMO_MAX_RECORDS and len(reply.hits) <= MEMO_MAX_RECORDS:
            memo.keep(snapshot, key, found)
    # A question the data could not answer is counted for /data gaps (no member data kept).
    await count_gap(knowledge, found[0], lang)
    return found


#: An /ask or /browse answer with more records than this is not remembered (see ask_reply).
MEMO_MAX_RECORDS = 200


def _ask_key(query: Query, lang: str) -> tuple[str, str, str]:
    return ("ask", query.text, lang)


def remembered_reply(
    knowledge: Knowledge, question: str | Query, lang: str = "en"
) -> tuple[Reply, Sequence[Card]] | None:
    """The answer :func:`ask_reply` remembered for this question on the live data, or None.

    A cog answers a remembered question at once, on the event loop, without a trip through
    the worker threads; it then counts the gap itself (:func:`count_gap`)."""
    query = question if isinstance(question, Query) else Query.of(question)
    found = memo.recall(knowledge.snapshot, _ask_key(query, lang))
    return None if found is memo.MISSING else found


async def count_gap(knowledge: Knowledge, reply: Reply, lang: str) -> None:
    """Count ``reply`` for /data gaps when the data could not answer it (never raises)."""
    await gaps.count_reply(knowledge.store, reply, lang)


async def _answer(
    knowledge: Knowledge, snapshot: Snapshot, query: Query, lang: str
) -> tuple[Reply, Sequence[Card]]:
    reply = await knowledge.ask(query, snapshot)
    if reply.intent == "profile" and reply.records:
        card = record_card(knowledge.profile(reply.records[0], snapshot), lang)
        if reply.parsed.guessed:
            name = f"**{esc(display_name(reply.records[0], lang))}**"
            card.description = tr("question.did_you_mean", lang, name=name) + "\n\n" + (
                card.description
            )
        return reply, [card]
    return reply, ReplyPages(reply, lang)


def ask_json(reply: Reply, pages: Sequence[Card]) -> dict[str, object]:
    """``smartups ask --json``: the parse and the answer."""
    return reply_json(reply, pages, pages[0].lang if pages else "en")


class BrowsePages(Sequence[Card]):
    """The pages of one listing, each rendered only when shown.

    The records are fixed when the listing is made (one snapshot, so pages never mix data
    versions); rendering every page up front would cost ~0.5 s of event loop at 100k records.
    """

    def __init__(
        self,
        records: list[Record],
        kind: Kind,
        lang: str,
        city: str | None,
        sector: str | None,
    ) -> None:
        self.records = records
        self.kind = kind
        self.lang = lang
        self.city = city
        self.sector = sector

    def __len__(self) -> int:
        return page_count(len(self.records), BROWSE_PER_PAGE)

    @overload
    def __getitem__(self, page: int) -> Card: ...
    @overload
    def __getitem__(self, page: slice) -> list[Card]: ...
    def __getitem__(self, page: int | slice) -> Card | list[Card]:
        if isinstance(page, slice):
            return [self[i] for i in range(*page.indices(len(self)))]
        if page < 0:
            page += len(self)
        if not 0 <= page < len(self):
            raise IndexError(page)
        return browse_card(
            self.records,
            self.kind,
            page,
            BROWSE_PER_PAGE,
            self.lang,
            city=self.city,
            sector=self.sector,
        )


def browse(
    knowledge: Knowledge,
    kind: Kind,
    city: str | None = None,
    sector: str | None = None,
    lang: str = "en",
) -> BrowsePages:
    """The pages of a listing, filtered by city (name, alias or id) and sector."""
    snapshot = knowledge.snapshot
    key = _browse_key(kind, city, sector, lang)
    found = memo.recall(snapshot, key)
    if found is not memo.MISSING:
        return found
    city_record = knowledge.city(city, snapshot) if city else None  # resolved once
    records = knowledge.browse(kind, city=city_record, sector=sector, snapshot=snapshot)
    city_name = display_name(city_record, lang) if city_record else None
    pages = BrowsePages(records, kind, lang, city_name, sector)
    if len(records) <= MEMO_MAX_RECORDS:
        memo.keep(snapshot, key, pages)
    return pages


def _browse_key(
    kind: Kind, city: str | None, sector: str | None, lang: str
) -> tuple[str, str, str | None, str | None, str]:
    return ("browse", kind.value, city, sector, lang)


def remembered_browse(
    knowledge: Knowledge, kind: Kind, city: str | None, sector: str | None, lang: str = "en"
) -> BrowsePages | None:
    """The listing :func:`browse` remembered for these options on the live data, or None."""
    found = memo.recall(knowledge.snapshot, _browse_key(kind, city, sector, lang))
    return None if found is memo.MISSING else found


def help_(lang: str = "en") -> Card:
    return help_card(lang)


def about(knowledge: Knowledge, started: dt.datetime, lang: str = "en") -> Card:
    uptime = utcnow() - started
    return about_card(knowledge.snapshot, version(), _duration(uptime, lang), lang)


def _duration(delta: dt.timedelta, lang: str = "en") -> str:
    """'2d 3h 4m' (or '2 天 3 小時 4 分鐘'): the largest units, down to minutes."""
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [tr("duration.days", lang, n=days)] if days else []
    if days or hours:
        parts.append(tr("duration.hours", lang, n=hours))
    if days or hours or minutes:
        parts.append(tr("duration.minutes", lang, n=minutes))
    else:
        parts.append(tr("duration.seconds", lang, n=seconds))
    return " ".join(parts)


__all__ = ["BROWSE_PER_PAGE", "NotFound", "about", "ask", "browse", "help_", "record"]
