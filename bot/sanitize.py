"""The one text sanitizer: every piece of data or member text passes it before it is shown.

Shown text goes to three kinds of place, and :func:`shown` takes the place as ``where``:

* ``MARKDOWN`` — embed descriptions, field names and values, titles built from markdown: the
  text can neither format (``*``, ``_``, ``#``, ``>``, code, spoilers), nor link (``[x](url)``),
  nor ping or render as a mention (``@everyone``, ``@here``, ``<@id>``, ``<@&id>``, ``<#id>``,
  ``</cmd:id>``, ``<t:…>``). Markdown characters get a backslash; ``@`` gets a zero-width space.
* ``PLAIN`` — embed titles, footers, author names and autocomplete choices, which show
  backslashes literally: only mention syntax and masked links are broken, with zero-width
  spaces.
* ``TERMINAL`` — command-line lines: nothing pings there, so only invisible characters go.

Whatever the place, the same characters are removed first: C0/C1 controls except the newline
(tab, CR, vertical tab and form feed become a space), bidirectional controls (U+061C, U+200E/F,
U+202A–U+202E, U+2066–U+2069: a U+202E in a name reverses what follows it on screen), zero-width
and other format characters (every Unicode ``Cf``: U+200B–U+200D, U+2060–U+2064, U+FEFF, tag
characters, ...), line/paragraph separators, lone surrogates (they cannot be encoded as UTF-8,
so the send would fail), and runs of more than three combining marks (the "zalgo" that covers
neighbouring lines). ``PLAIN`` and ``TERMINAL`` are idempotent, so a title escaped where it is
built and defused again when it becomes an embed is not broken twice; ``MARKDOWN`` escapes
whatever it gets, so it is applied once, to the raw piece of text.
"""

from __future__ import annotations

import enum
import re


class Where(enum.Enum):
    """Where the text is shown, which decides how much of it must be neutralised."""

    MARKDOWN = "markdown"
    PLAIN = "plain"
    TERMINAL = "terminal"


ZWSP = "\u200b"

#: Every Unicode format character (category Cf, Unicode 15.1) plus bidi marks, C0/C1 controls
#: except \n (the whitespace ones are handled before), line and paragraph separators, surrogates.
#: tests/test_sanitize.py checks this against the interpreter's Unicode database.
_INVISIBLE_RE = re.compile(
    "["
    "\x00-\x09\x0b-\x1f\x7f-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "\ud800-\udfff"
    "]"
)
_SPACING_RE = re.compile("[\t\r\x0b\x0c\u2028\u2029]")
_COMBINING = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_ZALGO_RE = re.compile(f"([{_COMBINING}]{{3}})[{_COMBINING}]+")

#: Markdown that Discord renders in embeds and messages, and the mention brackets.
_MARKDOWN_RE = re.compile(r"([\\*_~`|\[\]()<>#:-])")
#: In plain places: ``<@``, ``<#``, ``</``, ``<t:`` and ``<a:`` (animated emoji) open mention
#: syntax; ``](`` joins a masked link.
_PLAIN_MENTION_RE = re.compile(r"<(?=[@#/:]|[ta]:)")
_PLAIN_LINK_RE = re.compile(r"\]\s*\(")


def visible(text: object) -> str:
    """``text`` without the characters that hide, reorder or corrupt what is shown."""
    value = str(text)
    value = _SPACING_RE.sub(" ", value)
    value = _INVISIBLE_RE.sub("", value)
    return _ZALGO_RE.sub(r"\1", value)


def shown(text: object, where: Where = Where.MARKDOWN) -> str:
    """``text`` made safe to show in ``where`` (see the module docstring)."""
    value = visible(text)
    if where is Where.TERMINAL:
        return value
    if where is Where.MARKDOWN:
        value = _MARKDOWN_RE.sub(r"\\\1", value)
    else:
        value = _PLAIN_MENTION_RE.sub("<" + ZWSP, value)
        value = _PLAIN_LINK_RE.sub("]" + ZWSP + "(", value)
    # A zero-width space after every @ breaks @everyone, @here and any mention the escapes left.
    return value.replace("@", "@" + ZWSP)


__all__ = ["ZWSP", "Where", "shown", "visible"]
