"""What each member command answers, as cards: shared by the Discord cogs and the local session.

A cog parses Discord options and calls one of these; the local session parses a typed line and
calls the same one; so both show exactly the same answer.
"""

from __future__ import annotations

import datetime as dt

from bot import __version__
from bot.errors import NotFound
from bot.i18n import tr
from bot.knowledge import Knowledge
from bot.model import Kind
from bot.render import (
    Card,
    about_card,
    answer_card,
    browse_card,
    display_name,
    help_card,
    record_card,
)

BROWSE_PER_PAGE = 10


def record(knowledge: Knowledge, kind: Kind, text: str, lang: str = "en") -> Card:
    """The profile of the record ``text`` names (id, name, alias, typo, Chinese)."""
    snapshot = knowledge.snapshot
    found = knowledge.resolve(kind, text, snapshot)
    return record_card(found, knowledge, snapshot, lang)


async def ask(knowledge: Knowledge, question: str, lang: str = "en") -> Card:
    snapshot = knowledge.snapshot
    answer = await knowledge.ask(question, snapshot)
    return answer_card(answer, snapshot, lang)


def browse(
    knowledge: Knowledge,
    kind: Kind,
    city: str | None = None,
    sector: str | None = None,
    lang: str = "en",
) -> list[Card]:
    """Every page of a listing, built at once from one snapshot (pages never mix versions)."""
    snapshot = knowledge.snapshot
    records = knowledge.browse(kind, city=city, sector=sector, snapshot=snapshot)
    city_name = None
    if city:
        city_id = knowledge.city_id(city, snapshot)
        city_record = snapshot.index.record(Kind.CITY, city_id) if city_id else None
        city_name = display_name(city_record, lang) if city_record else city
    pages = max(1, -(-len(records) // BROWSE_PER_PAGE))
    return [
        browse_card(records, kind, page, BROWSE_PER_PAGE, lang, city=city_name, sector=sector)
        for page in range(pages)
    ]


def help_(lang: str = "en") -> Card:
    return help_card(lang)


def about(knowledge: Knowledge, started: dt.datetime, lang: str = "en") -> Card:
    uptime = dt.datetime.now(dt.UTC) - started
    return about_card(knowledge.snapshot, __version__, _duration(uptime, lang), lang)


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
