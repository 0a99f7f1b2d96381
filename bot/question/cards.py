"""A question's reply as cards (Discord and the terminal) and as JSON (``smartups ask --json``).

Rendering only: everything shown is in the :class:`~bot.question.plan.Reply`. A listing is a
sequence of pages drawn on demand, so a reply matching thousands of records renders one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from bot.i18n import tr
from bot.model import Figure, Kind, Record
from bot.question.facts import Fact
from bot.question.plan import Reply
from bot.render import (
    COLOURS,
    ELLIPSIS,
    Card,
    display_name,
    esc,
    figure_line,
    link,
    localized,
    page_count,
    plain,
    short_name,
    to_text,
)

PER_PAGE = 10
MAX_COMPARED = 10


def kinds_word(kind: Kind | None, lang: str) -> str:
    return tr(f"kinds.{(kind or Kind.STARTUP).value}", lang)


def understood(reply: Reply, lang: str) -> list[str]:
    """The filters as the title shows them: "Startups", "Hong Kong", "fintech", "listed"..."""
    parts = [kinds_word(reply.kind, lang)]
    for name, (value, shown) in reply.filters.items():
        if name in ("winner", "superlative"):
            continue
        if name == "status":
            parts.append(", ".join(tr(f"status.{s}", lang).lower() for s in value.split(",")))
        elif name == "founded":
            parts.append(_years_part(reply, lang))
        elif name == "status_date":
            status = ", ".join(tr(f"status.{s}", lang).lower() for s in reply.parsed.statuses)
            parts.append(tr("question.dated_in", lang, status=status, years=esc(shown)))
        elif name == "list":
            parts.append(tr("question.on_list", lang, name=esc(shown)))
        elif name == "city":
            parts.append(esc(city_names(reply, lang)))
        elif name == "organization":
            parts.append(tr("question.working_with", lang, names=esc(shown)))
        else:
            parts.append(esc(shown))
    return parts


def joined(items: list[str], lang: str) -> str:
    """A list in running text: "a, b" or "甲、乙"."""
    return ("、" if lang.startswith("zh") else ", ").join(items)


def city_names(reply: Reply, lang: str) -> str:
    """The cities the question named, as the reader calls them (香港, 臺北 or 台北...)."""
    return joined([short_name(c, lang) for c in reply.parsed.named(Kind.CITY)], lang)


def _years_part(reply: Reply, lang: str) -> str:
    years = reply.parsed.years
    assert years is not None
    if years.op == "before":
        return tr("question.founded_before", lang, year=years.high + 1)
    if years.op == "after":
        return tr("question.founded_after", lang, year=years.low - 1)
    if years.op == "since":
        return tr("question.founded_since", lang, year=years.low)
    if years.op == "between":
        return tr("question.founded_between", lang, low=years.low, high=years.high)
    return tr("question.founded_in", lang, years=years.low)


# ---------------------------------------------------------------------------- values


def value_text(item: Fact, lang: str) -> str:
    """A fact's value as markdown for a sentence."""
    value = item.value
    if item.field == "website":
        return link(value, value)
    if item.field == "status":
        text = tr(f"status.{value}", lang)
        if item.detail:
            key = "question.last_verified" if value == "active" else "question.since"
            text += f" ({tr(key, lang, date=esc(item.detail))})"
        return text
    if item.field == "listing" and item.detail:
        return f"{esc(value)} ({esc(item.detail)})"
    if item.field == "vision" and item.detail == "community":
        return f"{esc(value)} {tr('question.community_wording', lang)}"
    if item.field == "sector" and item.detail:
        return f"{esc(value)} ({esc(item.detail)})"
    if item.field == "description":
        return esc(localized(item.record.description, item.record.description_zh, lang) or value)
    if isinstance(value, list):
        if value and isinstance(value[0], Figure):
            return "\n".join(f"• {figure_line(f, lang)}" for f in value)
        return esc(", ".join(str(v) for v in value))
    return esc(value)


def fact_sentence(item: Fact, lang: str) -> str:
    name = f"**{esc(short_name(item.record, lang))}**"
    value = value_text(item, lang)
    if item.field == "figures":
        return tr("question.fact.figures", lang, name=name) + "\n" + value
    sentence = tr(f"question.fact.{item.field}", lang, name=name, value=value)
    sentence = sentence.replace("****", "")
    if item.source:
        sentence += f" ({link(tr('label.source', lang), item.source)})"
    return sentence


def record_line(record: Record, reply: Reply, number: int, lang: str) -> str:
    """'3. **WeLab** — fintech · Hong Kong · 2013' (or the attribute asked, when one was)."""
    line = f"{number}. **{esc(display_name(record, lang))}**"
    details: list[str] = []
    if reply.attribute:
        from bot.question.facts import fact

        found = fact(record, reply.attribute)
        details.append(value_text(found, lang) if found else "—")
    else:
        for attr in ("sector", "area", "type"):
            value = getattr(record, attr, None)
            if value:
                details.append(esc(value))
                break
        founded = getattr(record, "founded", None)
        if founded:
            details.append(str(founded))
        status = getattr(record, "status", None)
        if status is not None and status.state not in ("active", "unknown"):
            details.append(tr(f"status.{status.state}", lang).lower())
    if details:
        line += " — " + " · ".join(details)
    return line


# ---------------------------------------------------------------------------- pages


class ReplyPages(Sequence[Card]):
    """The pages of a reply; only the page asked for is drawn."""

    def __init__(self, reply: Reply, lang: str) -> None:
        self.reply = reply
        self.lang = lang
        self.listing = reply.intent in ("list", "count", "oldest", "newest", "similar")

    def __len__(self) -> int:
        if self.listing:
            return page_count(len(self._listed()), PER_PAGE)
        return 1

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
        return self._draw(page)

    def _listed(self) -> Sequence[Record]:
        if self.reply.intent == "similar":
            return self.reply.records[1:]
        return self.reply.records

    def _draw(self, page: int) -> Card:
        reply, lang = self.reply, self.lang
        if self.listing:
            card = _listing_card(reply, self._listed(), page, lang)
        elif reply.intent in ("fact",):
            card = _fact_card(reply, lang)
        elif reply.intent == "compare":
            card = _compare_card(reply, lang)
        elif reply.intent == "figures":
            card = _figures_card(reply, lang)
        elif reply.intent == "search":
            card = _search_card(reply, lang)
        else:
            card = Card(
                tr("answer.title", lang, question=esc(reply.question[:200])),
                tr("question.offtopic", lang),
                colour=COLOURS["info"],
                lang=lang,
            )
        if len(self) > 1:
            card.footer = tr(
                "browse.page", lang, page=page + 1, pages=len(self), count=len(self._listed())
            )
        elif not card.footer:
            card.footer = tr("answer.footer", lang, version=reply.version)
        return card


def _listing_card(reply: Reply, records: Sequence[Record], page: int, lang: str) -> Card:
    if reply.intent == "similar":
        title = tr(
            "question.similar_title",
            lang,
            name=esc(display_name(reply.records[0], lang)),
            count=len(records),
        )
    else:
        title = tr(
            "question.understood",
            lang,
            parts=" · ".join(understood(reply, lang)),
            count=len(records),
        )
    card = Card(title, colour=COLOURS.get(reply.kind or Kind.STARTUP, COLOURS["answer"]), lang=lang)
    lead: list[str] = []
    if reply.intent == "count":
        lead.append(
            tr(
                "question.count_line",
                lang,
                count=len(records),
                kinds=kinds_word(reply.kind, lang).lower(),
            )
        )
    if reply.intent in ("oldest", "newest") and records:
        year = getattr(records[0], "founded")  # noqa: B009
        best = [r for r in records if getattr(r, "founded") == year]  # noqa: B009
        names = ", ".join(f"**{esc(display_name(r, lang))}**" for r in best)
        lead.append(tr(f"question.{reply.intent}_line", lang, names=names, year=year))
    if reply.per_city:
        lead.append(
            " · ".join(f"{esc(name)}: **{count}**" for name, count in reply.per_city.items())
        )
    if reply.undated:
        lead.append(tr("question.undated", lang, count=reply.undated))
    if not records:
        lead.append(_nothing(reply, lang))
    chunk = records[page * PER_PAGE : (page + 1) * PER_PAGE]
    lines = [record_line(r, reply, n, lang) for n, r in enumerate(chunk, page * PER_PAGE + 1)]
    card.description = "\n\n".join(x for x in ("\n".join(lead), "\n".join(lines)) if x)
    return card


def _nothing(reply: Reply, lang: str) -> str:
    city = reply.filters.get("city")
    kind = tr(f"kind.{(reply.kind or Kind.STARTUP).value}", lang).lower()
    if city and set(reply.filters) - {"winner", "superlative"} == {"city"}:
        text = tr("question.nothing_in_city", lang, kind=kind, city=esc(city_names(reply, lang)))
    else:
        filters = " · ".join(understood(reply, lang)[1:]) or "—"
        text = tr(
            "question.nothing", lang, kinds=kinds_word(reply.kind, lang).lower(), filters=filters
        )
    if city and reply.elsewhere:
        what = joined(
            [
                tr(
                    "question.elsewhere_part",
                    lang,
                    count=count,
                    kinds=tr(f"kinds.{k}", lang).lower(),
                )
                for k, count in reply.elsewhere.items()
            ],
            lang,
        )
        text += " " + tr("question.elsewhere", lang, city=esc(city_names(reply, lang)), what=what)
    return text


def _fact_card(reply: Reply, lang: str) -> Card:
    subject = reply.records[0]
    card = Card(display_name(subject, lang), colour=COLOURS[Kind(subject.kind)], lang=lang)
    card.url = getattr(subject, "website", None)
    lines = [fact_sentence(f, lang) for f in reply.facts]
    for record, field in reply.missing:
        lines.append(_missing_sentence(record, field, lang))
    if reply.parsed.guessed:
        lines.insert(
            0, tr("question.did_you_mean", lang, name=f"**{esc(display_name(subject, lang))}**")
        )
    card.description = "\n".join(lines)
    if reply.missing:
        card.add(tr("question.has", lang), _what_it_has(subject, lang), False)
        card.description += "\n\n*" + tr("question.missing_hint", lang) + "*"
    return card


def _missing_sentence(record: Record, field: str, lang: str) -> str:
    if field.startswith("figure:"):
        return tr(
            "question.missing_figure",
            lang,
            words=esc(field.partition(":")[2]),
            name=f"**{esc(short_name(record, lang))}**",
        )
    return tr(
        "question.missing",
        lang,
        field=tr(f"question.field.{field}", lang),
        name=f"**{esc(short_name(record, lang))}**",
    )


def _what_it_has(record: Record, lang: str) -> str:
    from bot.question.facts import APPLIES, fact

    shown = []
    figures = getattr(record, "figures", None) or []
    if figures:
        labels = [localized(f.label, f.label_zh, lang) or f.label for f in figures]
        shown.append(f"{tr('question.field.figures', lang)}: {esc('; '.join(labels))}")
    for attribute in ("sector", "hq", "founded", "founders", "status", "website", "type", "areas"):
        if Kind(record.kind) not in APPLIES[attribute]:
            continue
        found = fact(record, attribute)
        if found is not None:
            label = tr(f"question.field.{attribute}", lang)
            shown.append(f"{label}: {value_text(found, lang)}")
    blurb = localized(record.description, record.description_zh, lang)
    if blurb:
        shown.append(esc(blurb if len(blurb) <= 300 else blurb[:299] + ELLIPSIS))
    return "\n".join(shown) or f"*{tr('text.no_details', lang)}*"


def _compare_card(reply: Reply, lang: str) -> Card:
    records = list(reply.records[:MAX_COMPARED])
    names = " · ".join(display_name(r, lang) for r in records)
    card = Card(
        tr("question.compare_title", lang, names=names), colour=COLOURS["answer"], lang=lang
    )
    card.description = _superlative(reply, records, lang)
    by_record: dict[int, list[Fact]] = {}
    for item in reply.facts:
        by_record.setdefault(id(item.record), []).append(item)
    missing: dict[int, list[str]] = {}
    for record, field in reply.missing:
        missing.setdefault(id(record), []).append(field)
    for record in records:
        lines = [
            f"{tr(f'question.field.{f.field}', lang)}: {value_text(f, lang)}"
            for f in by_record.get(id(record), [])
        ]
        lines += [
            f"{tr(f'question.field.{field}', lang)}: —" for field in missing.get(id(record), [])
        ]
        card.add(display_name(record, lang), "\n".join(lines) or "—", True)
    return card


def _superlative(reply: Reply, records: list[Record], lang: str) -> str:
    superlative = reply.filters.get("superlative")
    if not superlative:
        return ""
    dated = [r for r in records if getattr(r, "founded", None)]
    undated = [r for r in records if not getattr(r, "founded", None)]
    text = ""
    if len(dated) >= 2:
        ordered = sorted(dated, key=lambda r: getattr(r, "founded"))  # noqa: B009
        if superlative[0] == "newest":
            ordered.reverse()
        first, last = ordered[0], ordered[-1]
        first_year, last_year = getattr(first, "founded"), getattr(last, "founded")  # noqa: B009
        if first_year == last_year:
            names = ", ".join(f"**{esc(display_name(r, lang))}**" for r in ordered)
            text = tr("question.same_year", lang, names=names, year=first_year)
        elif len(dated) == 2:
            text = tr(
                "question.older" if superlative[0] == "oldest" else "question.newer",
                lang,
                first=f"**{esc(display_name(first, lang))}**",
                first_year=first_year,
                second=f"**{esc(display_name(last, lang))}**",
                second_year=last_year,
            )
        else:
            best = [r for r in ordered if getattr(r, "founded") == first_year]  # noqa: B009
            names = ", ".join(f"**{esc(display_name(r, lang))}**" for r in best)
            text = tr(f"question.{superlative[0]}_of", lang, names=names, year=first_year)
    if undated:
        names = ", ".join(f"**{esc(display_name(r, lang))}**" for r in undated)
        text = (text + " " if text else "") + tr("question.no_years", lang, names=names)
    return text


def _figures_card(reply: Reply, lang: str) -> Card:
    card = Card(
        tr("answer.title", lang, question=esc(reply.question[:200])),
        colour=COLOURS["answer"],
        lang=lang,
    )
    card.description = "\n".join(
        f"**{esc(display_name(hit.owner, lang))}**: {figure_line(hit.figure, lang)}"
        for hit in reply.figures
    )
    return card


def _search_card(reply: Reply, lang: str) -> Card:
    card = Card(
        tr("answer.title", lang, question=esc(reply.question[:200])),
        colour=COLOURS["answer"],
        lang=lang,
    )
    if not reply.hits:
        card.description = tr("answer.nothing", lang)
        return card
    lines = []
    for hit in reply.hits:
        record = hit.record
        blurb = localized(record.description, record.description_zh, lang) or ""
        if len(blurb) > 140:
            blurb = blurb[:139].rsplit(" ", 1)[0] + ELLIPSIS
        line = f"**{esc(display_name(record, lang))}** ({tr(f'kind.{record.kind}', lang)})"
        if blurb:
            line += f" — {esc(blurb)}"
        lines.append(line)
    card.add(tr("answer.matches", lang), "\n".join(lines))
    return card


# ---------------------------------------------------------------------------- JSON


def _json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, Figure):
        return {
            "label": value.label,
            "value": value.value,
            "unit": value.unit,
            "as_of": value.as_of,
            "source": value.source,
        }
    return value


def reply_json(reply: Reply, pages: Sequence[Card], lang: str) -> dict[str, Any]:
    """The parse and the answer, as ``smartups ask --json`` prints them."""
    parsed = reply.parsed
    filters = {name: value for name, (value, _shown) in reply.filters.items()}
    if reply.kind is not None:
        filters = {"kind": reply.kind.value, **filters}
    records = reply.records
    if reply.intent == "figures":
        records = [hit.owner for hit in reply.figures]
    elif reply.intent == "search":
        records = [hit.record for hit in reply.hits]
    facts = [
        {
            "record": f.record.id,
            "field": f.field,
            "value": _json_value(f.value),
            "source": f.source,
            **({"detail": f.detail} if f.detail else {}),
        }
        for f in reply.facts
    ]
    for hit in reply.figures:
        facts.append(
            {
                "record": hit.owner.id,
                "field": f"figure:{hit.figure.id}",
                "value": hit.figure.value,
                "source": hit.figure.source,
                "as_of": hit.figure.as_of,
            }
        )
    return {
        "question": reply.question,
        "lang": parsed.lang,
        "intent": reply.intent,
        "filters": filters,
        "count": len(records),
        "records": [{"kind": r.kind, "id": r.id, "name": r.name} for r in records],
        "facts": facts,
        "missing": [{"record": r.id, "field": field} for r, field in reply.missing],
        "text": plain(to_text(pages[0])) if pages else "",
    }
