"""What the queue shows, as cards: the bot and the command line draw the same content.

Every piece of member text goes through :func:`bot.render.esc` (no mention, no markdown, no
masked link can get out) and is cut to fit; the renderer never queries anything.
"""

from __future__ import annotations

from typing import Any

from bot.gaps import Gap
from bot.i18n import tr
from bot.render import COLOURS, Card, esc, fit
from bot.suggestions.models import Suggestion
from bot.usage import Stats

VALUE_SHOWN = 900
PAGE_SIZE = 10


def shown(value: Any, lang: str, limit: int = VALUE_SHOWN) -> str:
    """A field value as a reader sees it, escaped and cut to ``limit``."""
    if value is None:
        return tr("suggest.absent", lang)
    if isinstance(value, dict):  # a new record
        value = f"{value.get('name', '')}: {value.get('description', '')}"
    elif isinstance(value, list):
        value = ", ".join(map(str, value))
    return esc(fit(str(value), limit))


def _what(s: Suggestion, lang: str) -> str:
    if s.is_new_record:
        return tr("suggest.card.new_record", lang, id=esc(s.record_id))
    return f"{tr(f'kind.{s.kind}', lang)} `{s.record_id}` · `{s.field}`"


def recorded_card(s: Suggestion, lang: str) -> Card:
    """The member's confirmation: what was queued, under which number."""
    card = Card(tr("suggest.card.recorded", lang, id=s.id), lang=lang, colour=COLOURS["answer"])
    card.description = _what(s, lang)
    card.add(tr("suggest.card.value", lang), shown(s.value, lang))
    card.add(tr("suggest.card.source", lang), esc(fit(s.source, 300)))
    card.footer = tr("suggest.card.recorded_footer", lang)
    return card


def queue_card(rows: list[Suggestion], total: int, page: int, lang: str) -> Card:
    """One page of the queue, oldest first."""
    pages = max(1, -(-total // PAGE_SIZE))
    card = Card(tr("suggest.card.queue", lang, total=total), lang=lang)
    if not rows:
        card.description = tr("suggest.card.queue_empty", lang)
    lines = [
        f"**#{s.id}** {_what(s, lang)} → {shown(s.value, lang, 80)}"
        f" · {esc(fit(s.author_name, 40))} · {s.created_at:%Y-%m-%d}"
        for s in rows
    ]
    card.add_lines(tr("suggest.card.pending", lang), lines)
    card.footer = tr("suggest.card.page", lang, page=page, pages=pages)
    return card


def suggestion_card(s: Suggestion, current: Any, lang: str) -> Card:
    """A suggestion beside the field's current value, with source, author and time."""
    card = Card(tr("suggest.card.title", lang, id=s.id), lang=lang)
    card.description = _what(s, lang)
    card.add(tr("suggest.card.current", lang), shown(current, lang), True)
    card.add(tr("suggest.card.suggested", lang), shown(s.value, lang), True)
    card.add(tr("suggest.card.source", lang), esc(fit(s.source, 300)))
    card.add(tr("suggest.card.by", lang),
             f"{esc(fit(s.author_name, 80))} · {s.created_at:%Y-%m-%d %H:%M} UTC")
    card.add(tr("suggest.card.state", lang), tr(f"suggest.state.{s.state}", lang))
    if s.reason:
        card.add(tr("suggest.card.reason", lang), esc(fit(s.reason, 500)))
    return card


def decided_card(s: Suggestion, lang: str, *, file: str | None = None,
                 notified: str | None = None) -> Card:
    """The moderator's answer after an accept or a reject."""
    colour = COLOURS["answer"] if s.state == "accepted" else COLOURS["info"]
    card = Card(tr(f"suggest.card.{s.state}", lang, id=s.id), lang=lang, colour=colour)
    card.description = _what(s, lang)
    if file:
        card.add(tr("suggest.card.file", lang), esc(file))
    if notified:
        card.add(tr("suggest.card.notified", lang), tr(f"suggest.notified.{notified}", lang))
    return card


def outcome_card(s: Suggestion) -> Card:
    """The DM the member gets, in the language they suggested in."""
    lang = s.lang
    card = Card(tr(f"suggest.card.outcome_{s.state}", lang, id=s.id), lang=lang,
                colour=COLOURS["answer"] if s.state == "accepted" else COLOURS["info"])
    card.description = _what(s, lang)
    card.add(tr("suggest.card.value", lang), shown(s.value, lang))
    if s.reason:
        card.add(tr("suggest.card.reason", lang), esc(fit(s.reason, 500)))
    return card


def gaps_card(rows: list[Gap], lang: str, kept_days: int) -> Card:
    """The most asked questions the knowledge could not answer (/data gaps)."""
    card = Card(tr("suggest.gaps.title", lang), lang=lang)
    if not rows:
        card.description = tr("suggest.gaps.none", lang)
    lines = [
        f"**{gap.count}** · {esc(fit(gap.question, 120))} · {gap.lang} · "
        f"{tr(f'suggest.gaps.{gap.reason}', lang)} · {gap.last_seen:%Y-%m-%d}"
        for gap in rows
    ]
    card.add_lines(tr("suggest.gaps.most_asked", lang), lines)
    card.footer = tr("suggest.gaps.footer", lang, days=kept_days)
    return card


def stats_card(stats: Stats, lang: str, kept_days: int) -> Card:
    """The most looked-up records and the most used commands of a period (/data stats)."""
    period = (tr("suggest.stats.period_days", lang, days=stats.days) if stats.days
              else tr("suggest.stats.period_all", lang, days=kept_days))
    card = Card(tr("suggest.stats.title", lang), lang=lang)
    card.description = period
    if not stats.records and not stats.commands:
        card.description += "\n" + tr("suggest.stats.none", lang)
    card.add_lines(tr("suggest.stats.records", lang),
                   [f"**{count}** · {esc(fit(name, 120))}" for name, count in stats.records])
    card.add_lines(tr("suggest.stats.commands", lang),
                   [f"**{count}** · {esc(name)}" for name, count in stats.commands])
    card.footer = tr("suggest.stats.footer", lang)
    return card


def events_card(events: list[dict[str, Any]], lang: str) -> Card:
    """The queue's audit trail (/data history shows it beside the reloads)."""
    card = Card(tr("suggest.history.events", lang), lang=lang)
    lines = [
        f"{e['at'][:16].replace('T', ' ')} · #{e['suggestion']} · {esc(e['action'])} · "
        f"{esc(fit(e['actor'], 60))}"
        + (f" · {e['version_before'] or '—'} → {e['version_after']}" if e["version_after"] else "")
        for e in events
    ]
    if not lines:
        card.description = tr("suggest.card.queue_empty", lang)
    card.add_lines(tr("suggest.history.events_newest", lang), lines)
    return card
