"""One rendering layer: records and answers become :class:`Card`, shown as an embed or as text.

Discord and the local session show the same content because both go through here. A card holds
Discord-flavoured markdown in which every piece of data or user text has been escaped (no
mentions, no markdown breakout, no masked links); :func:`to_embed` fits it into Discord's limits,
cutting cleanly with a visible ellipsis, and :func:`to_text` turns it into plain text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.chinese import fold_script, to_simplified, to_traditional
from bot.errors import NotFound, SmartUpsError, Translated
from bot.i18n import tr
from bot.model import City, Figure, Initiative, Kind, Organization, Record, Startup, Status
from bot.sanitize import Where, shown
from bot.store import ReloadReport, Snapshot

if TYPE_CHECKING:
    import discord

    from bot.knowledge import Profile
    from bot.spotlight import Schedule
    from bot.state.processes import Process

# Discord's limits (see shared/NOTES.md): a message over any of them is rejected with HTTP 400.
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ELLIPSIS = "…"

COLOURS = {
    Kind.CITY: 0x1F6FEB,
    Kind.INITIATIVE: 0x2DA44E,
    Kind.ORGANIZATION: 0x8250DF,
    Kind.STARTUP: 0xFB8500,
    "answer": 0x0A7EA4,
    "error": 0xCF222E,
    "info": 0x57606A,
    "spotlight": 0xE3B341,
}

_LINK_RE = re.compile(r"\[([^\]]*)\]\(<?([^)>\s]+)>?\)")
_UNESCAPE_RE = re.compile(r"\\(.)")
_TIMESTAMP_RE = re.compile(r"<t:(-?\d+)(?::[tTdDfFR])?>")


def esc(text: object) -> str:
    """Escape data or user text for embedding in markdown: nothing in it can format or ping."""
    return shown(text, Where.MARKDOWN)


def defuse(text: str) -> str:
    """For places without markdown (titles, footers, choices): only break mention syntax."""
    return shown(text, Where.PLAIN)


def link(label: str, url: str) -> str:
    """A masked link whose label is escaped and whose URL cannot close the markdown early."""
    safe_url = url.replace(" ", "%20").replace(")", "%29").replace("(", "%28").replace(">", "%3E")
    return (
        f"[{esc(label)}](<{safe_url}>)"
        if safe_url.startswith(("http://", "https://"))
        else esc(label)
    )


@dataclass
class Card:
    """Content of one message, independent of where it is shown."""

    title: str
    description: str = ""
    url: str | None = None
    fields: list[tuple[str, str, bool]] = field(default_factory=list)
    footer: str | None = None
    colour: int = COLOURS["info"]
    author: str | None = None
    #: The reader's language, for the few words the card adds itself ("continued", "…and 3 more").
    lang: str = "en"

    def add(self, name: str, value: str, inline: bool = False) -> None:
        if value and value.strip():
            self.fields.append((name, value, inline))

    def add_lines(self, name: str, lines: list[str]) -> None:
        """Add lines under one heading, continuing in further fields rather than cutting one."""
        chunk: list[str] = []
        size = 0
        first = True
        continued = f"{name} ({tr('label.continued', self.lang)})"
        for line in lines:
            line = fit(line, FIELD_VALUE_MAX)
            if chunk and size + len(line) + 1 > FIELD_VALUE_MAX:
                self.add(name if first else continued, "\n".join(chunk))
                first, chunk, size = False, [], 0
            chunk.append(line)
            size += len(line) + 1
        if chunk:
            self.add(name if first else continued, "\n".join(chunk))


# ---------------------------------------------------------------------------- fitting


def fit(text: str, limit: int) -> str:
    """Cut markdown ``text`` to ``limit`` characters at a clean point, ending in an ellipsis.

    Never splits an escape (a lone trailing backslash) or a masked link, and prefers a line or
    word boundary when one is near.
    """
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    # Do not leave half a masked link behind.
    open_at = cut.rfind("[")
    link = _LINK_RE.match(text, open_at) if open_at != -1 else None
    if link is not None and link.end() > len(cut):
        cut = cut[:open_at]
    floor = int(len(cut) * 0.8)
    for boundary in ("\n", " "):
        at = cut.rfind(boundary)
        if at >= floor:
            cut = cut[:at]
            break
    while cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def to_embed(card: Card) -> discord.Embed:
    """A Discord embed of the card that satisfies every size limit.

    discord.py is imported here, not at the top: the command line renders cards as text and
    should not pay for importing discord.py and aiohttp.
    """
    import discord
    title = fit(defuse(card.title), TITLE_MAX)
    description = fit(card.description, DESCRIPTION_MAX) if card.description else None
    fields = [
        (fit(name, FIELD_NAME_MAX), fit(value, FIELD_VALUE_MAX), inline)
        for name, value, inline in card.fields
    ]
    if len(fields) > FIELDS_MAX:
        dropped = len(fields) - (FIELDS_MAX - 1)
        more = tr("label.more", card.lang, count=dropped)
        fields = [*fields[: FIELDS_MAX - 1], (ELLIPSIS, more, False)]
    footer = fit(defuse(card.footer), FOOTER_MAX) if card.footer else None
    author = fit(defuse(card.author), AUTHOR_MAX) if card.author else None

    def total() -> int:
        return (
            len(title)
            + len(description or "")
            + sum(len(n) + len(v) for n, v, _ in fields)
            + len(footer or "")
            + len(author or "")
        )

    while total() > EMBED_TOTAL_MAX and fields:
        excess = total() - EMBED_TOTAL_MAX
        name, value, inline = fields[-1]
        if len(value) - excess >= 40:
            fields[-1] = (name, fit(value, len(value) - excess), inline)
        else:
            fields.pop()
    if total() > EMBED_TOTAL_MAX and description:
        description = fit(description, max(1, len(description) - (total() - EMBED_TOTAL_MAX)))
    if total() > EMBED_TOTAL_MAX and footer:
        footer = fit(footer, max(1, len(footer) - (total() - EMBED_TOTAL_MAX)))
    url = card.url if card.url and card.url.startswith(("http://", "https://")) else None
    embed = discord.Embed(title=title, description=description, url=url, colour=card.colour)
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer:
        embed.set_footer(text=footer)
    if author:
        embed.set_author(name=author)
    return embed


def to_text(card: Card) -> str:
    """Plain text of the card for the terminal: links as 'label <url>', no escapes."""
    title = plain(card.title)
    lines = [title, "=" * min(text_width(title), 60)]
    if card.url:
        lines.append(card.url)
    if card.description:
        lines += ["", plain(card.description)]
    for name, value, _ in card.fields:
        lines += ["", f"{plain(name)}:"]
        lines += ["  " + line for line in plain(value).splitlines()]
    if card.footer:
        lines += ["", plain(card.footer)]
    return shown("\n".join(lines), Where.TERMINAL)


def text_width(text: str) -> int:
    """Terminal columns of ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plain(markdown: str) -> str:
    """Our markdown as terminal text: links spelled out, emphasis and code marks dropped."""
    text = _LINK_RE.sub(lambda m: f"{m.group(1)} <{m.group(2)}>", markdown)
    text = _TIMESTAMP_RE.sub(
        lambda m: dt.datetime.fromtimestamp(int(m.group(1)), dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        text,
    )
    text = re.sub(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*", r"\1", text)
    text = re.sub(r"(?<![\\*])\*([^*\n]+?)(?<!\\)\*(?!\*)", r"\1", text)
    text = re.sub(r"(?<!\\)`([^`\n]*)(?<!\\)`", r"\1", text)
    text = text.replace("\u200b", "")
    return _UNESCAPE_RE.sub(r"\1", text)


# ---------------------------------------------------------------------------- pieces


def page_count(items: int, per_page: int) -> int:
    """Pages a listing of ``items`` takes (at least one: an empty listing says so)."""
    return max(1, -(-items // per_page))


def traditional(text: str) -> str:
    """Chinese data text as a zh-TW reader expects it: Simplified converted, the rest untouched.

    Only text written in Simplified (no Traditional-only character, and converting changes it)
    is converted, so Traditional names such as 數碼港 keep their own wording.
    """
    if fold_script(text) != text:  # it has Traditional characters: leave it as written
        return text
    return to_traditional(text)


def in_script(text: str, lang: str) -> str:
    """Chinese data text in the reader's script: Simplified for zh-CN, else as for zh-TW."""
    return to_simplified(text) if lang == "zh-CN" else traditional(text)


def display_name(record: Record, lang: str = "en") -> str:
    """Name for a reader: the Chinese name first for Chinese readers where we have one."""
    if lang.startswith("zh") and record.name_zh:
        name_zh = in_script(record.name_zh, lang)
        return f"{name_zh} ({record.name})" if name_zh != record.name else record.name
    if record.name_zh and record.name_zh != record.name:
        return f"{record.name} · {record.name_zh}"
    return record.name


def short_name(record: Record, lang: str = "en") -> str:
    """One name for running text: the Chinese name for Chinese readers where we have one."""
    if lang.startswith("zh") and record.name_zh:
        return in_script(record.name_zh, lang)
    return record.name


def localized(en: str | None, zh: str | None, lang: str) -> str | None:
    """The Chinese value for a Chinese reader where the data has one, else the English one."""
    if lang.startswith("zh") and zh and zh.strip():
        return in_script(zh, lang)
    return en


def number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"
    return f"{int(value):,}"


def figure_line(figure: Figure, lang: str = "en") -> str:
    """'**over 20,000** free Wi-Fi hotspots (2020, [source](url))'."""
    label = localized(figure.label, figure.label_zh, lang) or figure.label
    value = number(figure.value)
    unit = figure.unit or ""
    if unit in ("%", "％"):
        value += "%"
        unit = ""
    if figure.qualifier:
        value = tr(f"figure.qualifier.{figure.qualifier.replace(' ', '_')}", lang, value=value)
    scope = f" ({esc(figure.scope)})" if figure.scope else ""
    unit_text = f" {esc(unit)}" if unit else ""
    provenance = tr(
        "figure.provenance",
        lang,
        as_of=tr("text.figure_as_of", lang, year=figure.as_of),
        source=link(tr("label.source", lang), figure.source),
    )
    return f"**{esc(value)}**{unit_text} — {esc(label)}{scope} {provenance}"


def status_line(status: Status, lang: str = "en") -> str:
    text = tr(f"status.{status.state}", lang)
    if status.date:
        text += f" ({esc(status.date)})"
    as_of = getattr(status, "as_of", None)
    if as_of and as_of != status.date:
        text += f" ({tr('question.last_verified', lang, date=esc(as_of))})"
    note = localized(status.note, status.note_zh, lang)
    if note:
        text += f" — {esc(note)}"
    return text


def names_line(records: list[Record], lang: str = "en", limit: int = 12) -> str:
    shown = ", ".join(esc(display_name(r, lang)) for r in records[:limit])
    if len(records) > limit:
        shown += " " + tr("label.more", lang, count=len(records) - limit)
    return shown


def sources_lines(sources: Sequence[tuple[str | None, str]]) -> list[str]:
    """One bullet per (title, url); a source without a title shows its domain."""
    return [f"• {link(title or _domain(url), url)}" for title, url in sources]


def _domain(url: str) -> str:
    match = re.match(r"https?://(?:www\.)?([^/]+)", url)
    return match.group(1) if match else url


def _field(card: Card, key: str, value: str | None, lang: str, inline: bool = True) -> None:
    if value:
        card.add(tr(f"label.{key}", lang), value, inline)


# ---------------------------------------------------------------------------- record cards


def record_card(profile: Profile, lang: str = "en") -> Card:
    """The profile of any record, as its kind is shown."""
    record = profile.record
    builders: dict[Kind, Callable[[Any, Profile, str], Card]] = {
        Kind.CITY: _city_card,
        Kind.INITIATIVE: _initiative_card,
        Kind.ORGANIZATION: _organization_card,
        Kind.STARTUP: _startup_card,
    }
    card = builders[Kind(record.kind)](record, profile, lang)
    card.colour = COLOURS[Kind(record.kind)]
    card.author = tr(f"kind.{record.kind}", lang)
    if record.aliases:
        _field(card, "aliases", esc(", ".join(record.aliases)), lang, inline=False)
    if profile.sources:
        card.add_lines(tr("label.sources", lang), sources_lines(profile.sources))
    card.footer = tr("record.footer", lang, id=record.id, version=profile.version)
    return card


def _describe(record: Record, lang: str) -> str:
    text = localized(record.description, record.description_zh, lang)
    return esc(text) if text else f"*{tr('text.no_details', lang)}*"


def _city_card(city: City, profile: Profile, lang: str) -> Card:
    card = Card(display_name(city, lang), _describe(city, lang), url=city.website, lang=lang)
    if city.vision:
        vision = esc(city.vision)
        source = getattr(city, "vision_source", None)
        if source:
            vision += f" ({link(tr('label.source', lang), source)})"
        _field(card, "vision", vision, lang, inline=False)
    community = getattr(city, "community_vision", None)
    if community:
        text = f"{esc(community)} {tr('question.community_wording', lang)}"
        _field(card, "community_vision", text, lang, inline=False)
    if city.figures:
        card.add_lines(tr("label.figures", lang), [figure_line(f, lang) for f in city.figures])
    if city.areas:
        _field(card, "areas", esc(", ".join(city.areas)), lang, inline=False)
    for key, records in (
        ("initiatives", profile.initiatives),
        ("organizations", profile.organizations),
        ("startups", profile.startups),
    ):
        if records:
            _field(card, key, names_line(records, lang, 15), lang, inline=False)
    return card


def _initiative_card(item: Initiative, profile: Profile, lang: str) -> Card:
    card = Card(display_name(item, lang), _describe(item, lang), lang=lang)
    if profile.city:
        _field(card, "city", esc(display_name(profile.city, lang)), lang)
    _field(card, "area", esc(item.area) if item.area else None, lang)
    if item.status:
        _field(card, "status", status_line(item.status, lang), lang, inline=False)
    if item.figures:
        card.add_lines(tr("label.figures", lang), [figure_line(f, lang) for f in item.figures])
    if profile.organizations:
        _field(card, "organizations", names_line(profile.organizations, lang), lang, False)
    return card


def _organization_card(org: Organization, profile: Profile, lang: str) -> Card:
    card = Card(display_name(org, lang), _describe(org, lang), url=org.website, lang=lang)
    _field(card, "type", esc(org.type) if org.type else None, lang)
    if profile.city:
        _field(card, "city", esc(display_name(profile.city, lang)), lang)
    _field(card, "founded", str(org.founded) if org.founded else None, lang)
    if org.website:
        _field(card, "website", link(_domain(org.website), org.website), lang)
    if org.status:
        _field(card, "status", status_line(org.status, lang), lang, inline=False)
    if profile.initiatives:
        _field(card, "initiatives", names_line(profile.initiatives, lang), lang, False)
    return card


def _startup_where(startup: Startup, profile: Profile, lang: str) -> str | None:
    """Where a startup is: its HQ text, else its city's name."""
    return startup.hq or (display_name(profile.city, lang) if profile.city else None)


def _startup_links(card: Card, profile: Profile, lang: str) -> None:
    """The list memberships, bodies and similar startups both startup cards show."""
    if profile.lists:
        value = "\n".join(
            f"• {esc(name)} — {esc(tr('label.as_listed', lang, name=spelled))}"
            for name, spelled in profile.lists
        )
        _field(card, "lists", value, lang, inline=False)
    if profile.organizations:
        _field(card, "organizations", names_line(profile.organizations, lang), lang, False)
    if profile.similar:
        similar = names_line(profile.similar, lang, 6)
        _field(card, "similar_startups", similar, lang, False)


def _startup_card(startup: Startup, profile: Profile, lang: str) -> Card:
    card = Card(
        display_name(startup, lang), _describe(startup, lang), url=startup.website, lang=lang
    )
    _field(card, "sector", sector_text(startup), lang)
    where = _startup_where(startup, profile, lang)
    _field(card, "hq", esc(where) if where else None, lang)
    _field(card, "founded", str(startup.founded) if startup.founded else None, lang)
    if startup.website:
        _field(card, "website", link(_domain(startup.website), startup.website), lang)
    founders = getattr(startup, "founders", None) or []
    if founders:
        names = ", ".join(
            f"{f.name} ({f.name_zh})" if getattr(f, "name_zh", None) else f.name for f in founders
        )
        _field(card, "founders", esc(names), lang, inline=False)
    if startup.status:
        _field(card, "status", status_line(startup.status, lang), lang, inline=False)
    listing = getattr(startup, "listing", None)
    if listing is not None:
        parts = [p for p in (getattr(listing, "ticker", None), listing.date) if p]
        text = esc(listing.exchange) + (f" ({esc(', '.join(parts))})" if parts else "")
        if getattr(listing, "source", None):
            text += f" — {link(tr('label.source', lang), listing.source)}"
        _field(card, "listing", text, lang, inline=False)
    _startup_links(card, profile, lang)
    return card


def sector_text(startup: Startup) -> str | None:
    """'fintech (crypto / blockchain)': the vocabulary sector and its detail."""
    if not startup.sector:
        return None
    detail = getattr(startup, "sector_detail", None)
    return esc(startup.sector) + (f" ({esc(detail)})" if detail else "")


# ---------------------------------------------------------------------------- other cards


def browse_card(
    records: list[Record],
    kind: Kind,
    page: int,
    per_page: int,
    lang: str = "en",
    *,
    city: str | None = None,
    sector: str | None = None,
) -> Card:
    pages = page_count(len(records), per_page)
    page = min(max(page, 0), pages - 1)
    kinds = tr(f"kinds.{kind.value}", lang)
    if city:
        title = tr("browse.title_in", lang, kinds=kinds, city=esc(city))
    else:
        title = tr("browse.title", lang, kinds=kinds)
    if sector:
        title = tr("browse.title_sector", lang, kinds=title, sector=esc(sector))
    chunk = records[page * per_page : (page + 1) * per_page]
    lines = []
    for offset, record in enumerate(chunk, start=page * per_page + 1):
        detail = (
            getattr(record, "sector", None)
            or getattr(record, "area", None)
            or getattr(record, "type", None)
        )
        line = f"`{offset:>3}` **{esc(display_name(record, lang))}**"
        if detail:
            line += f" — {esc(detail)}"
        lines.append(line)
    card = Card(
        title,
        "\n".join(lines) or tr("browse.empty", lang),
        colour=COLOURS[kind],
        footer=tr("browse.page", lang, page=page + 1, pages=pages, count=len(records)),
        lang=lang,
    )
    return card


def not_found_card(query: str, kind: str | None, names: list[str], lang: str = "en") -> Card:
    if kind:
        text = tr(
            "error.not_found_kind", lang, kind=tr(f"kind.{kind}", lang).lower(), query=esc(query)
        )
    else:
        text = tr("error.not_found", lang, query=esc(query))
    if names:
        text += "\n" + tr(
            "error.did_you_mean", lang, names=", ".join(f"**{esc(n)}**" for n in names)
        )
    title = tr("error.not_found", lang, query=esc(query[:80]))
    return Card(title, text, colour=COLOURS["error"], lang=lang)


def help_card(lang: str = "en") -> Card:
    keys = ("city", "initiative", "startup", "organization", "ask", "browse", "about")
    card = Card(tr("help.title", lang), tr("help.intro", lang), colour=COLOURS["info"], lang=lang)
    card.description += "\n\n" + "\n".join(tr(f"help.{k}", lang) for k in keys)
    card.add("🛡️", tr("help.moderators", lang) + "\n" + tr("help.admins", lang))
    return card


def about_card(snapshot: Snapshot, version: str, uptime: str, lang: str = "en") -> Card:
    counts = snapshot.counts()
    card = Card(tr("about.title", lang), tr("help.intro", lang), colour=COLOURS["info"], lang=lang)
    card.add(tr("about.version", lang), esc(version), True)
    card.add(tr("about.data", lang), f"`{snapshot.version}`", True)
    card.add(tr("about.uptime", lang), esc(uptime), True)
    card.add(tr("about.counts", lang), tr("about.counts_line", lang, **counts))
    card.add(tr("about.loaded", lang), f"<t:{int(snapshot.loaded_at.timestamp())}:R>", True)
    community = snapshot.dataset.community
    if community and community.links:
        card.add(
            tr("about.links", lang),
            "\n".join(f"• {link(item.label, item.url)}" for item in community.links),
        )
    return card


def error_card(message: str, lang: str = "en") -> Card:
    return Card("⚠️", message, colour=COLOURS["error"], lang=lang)


def error_message(error: SmartUpsError, lang: str = "en") -> str:
    """An expected error in the member's language, from the key and values it carries."""
    values = {
        name: tr(value.key, lang) if isinstance(value, Translated) else esc(value)
        for name, value in error.message_args(lang).items()
    }
    text = tr(error.key, lang, **values)
    if error.suggestions:
        names = ", ".join(f"**{esc(n)}**" for n in error.suggestions[:5])
        text += " " + tr("error.did_you_mean", lang, names=names)
    return text


def failure_card(error: SmartUpsError, lang: str = "en") -> Card:
    """The card for an expected error: "nothing matched" has its own, others one message."""
    if isinstance(error, NotFound):
        return not_found_card(error.query, error.kind, list(error.suggestions[:5]), lang)
    return error_card(error_message(error, lang), lang)


# ---------------------------------------------------------------------------- admin cards

PROBLEMS_SHOWN = 15


def reload_card(report: ReloadReport, lang: str = "en") -> Card:
    """What a reload or dry run did: the change summary, or every problem (cut to fit)."""
    before, after = report.version_before or "—", report.version_after or "—"
    if report.problems:
        shown = report.problems[:PROBLEMS_SHOWN]
        lines = [
            f"`{p.file}:{p.line}:{p.column}` "
            + (f"{esc(p.field)}: " if p.field else "")
            + f"{esc(p.found)}; "
            + tr("data.expected", lang, what=esc(p.expected))
            for p in shown
        ]
        rest = len(report.problems) - len(shown)
        if rest > 0:
            lines.append(tr("label.more", lang, count=rest))
        return Card(
            tr("data.rejected", lang, count=len(report.problems)),
            "\n".join(lines),
            colour=COLOURS["error"],
            footer=tr("data.still_serving", lang, version=before),
            lang=lang,
        )
    if report.outcome == "failed":
        return Card(
            tr("data.failed", lang),
            esc(report.error or ""),
            colour=COLOURS["error"],
            footer=tr("data.still_serving", lang, version=before),
            lang=lang,
        )
    title = tr(f"data.outcome.{report.outcome}", lang)
    card = Card(
        title,
        f"`{before}` → `{after}` · {report.seconds:.2f} s",
        colour=COLOURS["answer"],
        lang=lang,
    )
    summary = report.summary()["changes"]
    if not summary:
        card.description += "\n" + tr("data.no_changes", lang)
    for kind, actions in summary.items():
        lines = []
        for action in ("added", "changed", "removed"):
            names = actions[action]
            if names:
                listed = ", ".join(esc(n) for n in names[:20])
                if len(names) > 20:
                    listed += " " + tr("label.more", lang, count=len(names) - 20)
                lines.append(f"**{tr(f'data.{action}', lang)}** ({len(names)}): {listed}")
        card.add(tr(f"kinds.{kind}", lang), "\n".join(lines))
    counts = report.counts
    if counts:
        card.footer = tr(
            "about.counts_line",
            lang,
            **{k: counts.get(k, 0) for k in ("city", "initiative", "organization", "startup")},
        )
    return card


def data_status_card(snapshot: Snapshot, reloading: bool, lang: str = "en", *,
                     processes: Sequence[Process] | None = (), this: str = "") -> Card:
    """The live data; ``processes``: every live process of the bot with the version it serves
    (None: the shared state could not be read), ``this`` the instance answering."""
    card = Card(tr("data.status_title", lang), colour=COLOURS["info"], lang=lang)
    card.add(tr("about.data", lang), f"`{snapshot.version}`", True)
    card.add(tr("about.loaded", lang), f"<t:{int(snapshot.loaded_at.timestamp())}:F>", True)
    card.add(tr("data.loaded_by", lang), esc(snapshot.loaded_by), True)
    card.add(tr("about.counts", lang), tr("about.counts_line", lang, **snapshot.counts()))
    notes = [tr("data.reloading", lang)] if reloading else []
    if processes is None:
        notes.append(tr("data.processes_unavailable", lang))
    elif processes:
        lines = [
            tr("data.process_line", lang, version=p.data_version or "—",
               shards=p.shards or tr("data.all_shards", lang), host=esc(p.host), pid=p.pid,
               beat=int(p.beat_at.timestamp()),
               this=tr("data.process_this", lang) if p.instance == this else "")
            for p in processes
        ]
        card.add_lines(tr("data.processes", lang), lines)
        if len({p.data_version for p in processes}) > 1:
            notes.append(tr("data.versions_differ", lang))
    if notes:
        card.description = "\n".join(notes)
    return card


def audit_card(rows: list[dict], lang: str = "en") -> Card:
    lines = []
    for row in rows:
        when = row["at"]
        with contextlib.suppress(ValueError):
            when = f"<t:{int(dt.datetime.fromisoformat(row['at']).timestamp())}:f>"
        versions = f"`{row['version_before'] or '—'}` → `{row['version_after'] or '—'}`"
        changes = row["summary"].get("changes", {})
        counted = sum(len(v) for actions in changes.values() for v in actions.values())
        extra = " · " + tr("data.change_count", lang, count=counted) if counted else ""
        if row["problems"]:
            extra += " · " + tr("data.problem_count", lang, count=len(row["problems"]))
        outcome = tr(f"data.result.{row['outcome']}", lang)
        by = tr("data.by", lang, actor=esc(row["actor"]))
        lines.append(f"{when} **{esc(outcome)}** {esc(row['command'])} {by} {versions}{extra}")
    return Card(
        tr("data.history_title", lang),
        "\n".join(lines) or tr("data.history_empty", lang),
        colour=COLOURS["info"],
        lang=lang,
    )


# ---------------------------------------------------------------------------- spotlight cards

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def spotlight_post_card(profile: Profile, lang: str = "en") -> Card:
    """The weekly feature: one startup's story, styled as a post rather than a data dump."""
    startup = profile.record
    assert isinstance(startup, Startup)
    name = display_name(startup, lang)
    card = Card(
        tr("spotlight.post_title", lang, name=name),
        colour=COLOURS["spotlight"],
        url=startup.website,
        author=tr("spotlight.post_author", lang),
        lang=lang,
    )
    facts = []
    if startup.sector:
        facts.append(esc(startup.sector))
    where = _startup_where(startup, profile, lang)
    if where:
        facts.append(esc(where))
    if startup.founded:
        facts.append(tr("spotlight.since", lang, year=startup.founded))
    lead = f"**{' · '.join(facts)}**\n\n" if facts else ""
    card.description = lead + _describe(startup, lang)
    if startup.website:
        card.add(tr("label.website", lang), link(_domain(startup.website), startup.website), True)
    if startup.status:
        card.add(tr("label.status", lang), status_line(startup.status, lang), False)
    _startup_links(card, profile, lang)
    if profile.sources:
        card.add_lines(tr("label.sources", lang), sources_lines(profile.sources[:5]))
    card.footer = tr("spotlight.post_footer", lang, id=startup.id)
    return card


def discord_time(moment: dt.datetime | None, style: str = "F") -> str:
    """A Discord timestamp, shown to each reader in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>" if moment else "—"


def spotlight_status_card(
    s: Schedule,
    lang: str = "en",
    *,
    upcoming: str | None,
    done: int,
    total: int,
    loop_state: str,
    loop_failures: tuple[str, int] | None = None,
) -> Card:
    """Where and when the spotlight posts, who is next and how the last post went.

    ``done`` counts only startups still in the data, so it never exceeds ``total``.
    """
    card = Card(tr("spotlight.status_title", lang), colour=COLOURS["spotlight"], lang=lang)
    weekday = tr(f"weekday.{WEEKDAYS[s.weekday]}", lang)
    card.add(tr("spotlight.channel", lang), f"<#{s.channel_id}>", True)
    card.add(
        tr("spotlight.when", lang),
        f"{weekday} {s.time.strftime('%H:%M')} ({esc(s.timezone)})",
        True,
    )
    if s.paused:
        card.add(tr("spotlight.next_post", lang), tr("spotlight.paused", lang), True)
    else:
        when = f"{discord_time(s.next_slot)} ({discord_time(s.next_slot, 'R')})"
        card.add(tr("spotlight.next_post", lang), when, True)
    if upcoming:
        card.add(tr("spotlight.next_startup", lang), esc(upcoming), True)
    cycle = tr("spotlight.cycle_line", lang, cycle=s.cycle, done=min(done, total), total=total)
    card.add(tr("spotlight.cycle", lang), cycle, True)
    last = s.last_result
    if last is not None:
        text = f"{tr(f'spotlight.outcome.{last.outcome}', lang)} {discord_time(last.at, 'f')}"
        if last.reason:
            text += " — " + tr(f"spotlight.reason.{last.reason}", lang)
        if last.detail:
            text += f" ({esc(last.detail)})"
        card.add(tr("spotlight.last_result", lang), text, False)
    state = tr(f"spotlight.loop_state.{loop_state}", lang)
    if loop_failures:
        state += " " + tr(
            "spotlight.loop_failures", lang, error=esc(loop_failures[0]), count=loop_failures[1]
        )
    card.add(tr("spotlight.loop", lang), state, False)
    return card


def spotlight_history_card(entries: list, names: dict[str, str], lang: str = "en") -> Card:
    lines = []
    for entry in entries:
        name = names.get(entry.startup_id or "", entry.startup_id or "—")
        outcome = tr(f"spotlight.outcome.{entry.outcome}", lang)
        line = f"{discord_time(entry.slot_at, 'd')} **{esc(name)}** — {outcome}"
        if entry.message_id and entry.channel_id:
            url = (
                f"https://discord.com/channels/{entry.guild_id}/{entry.channel_id}/"
                f"{entry.message_id}"
            )
            line += f" · {link(tr('spotlight.message', lang), url)}"
        if entry.reason:
            line += f" ({tr(f'spotlight.reason.{entry.reason}', lang)})"
        lines.append(line)
    return Card(
        tr("spotlight.history_title", lang),
        "\n".join(lines) or tr("spotlight.history_empty", lang),
        colour=COLOURS["spotlight"],
        lang=lang,
    )
