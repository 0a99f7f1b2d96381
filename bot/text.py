"""Text normalization shared by indexing and querying, so both sides agree exactly.

Matching must treat "Hong-Kong", "hong kong" and "ＨＯＮＧ　ＫＯＮＧ" alike, and Traditional and
Simplified Chinese alike (台北/臺北, 科技园/科技園): every key is folded the same way before it is
stored or looked up.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.chinese import fold_script

if TYPE_CHECKING:
    from bot.model import Record

_CJK_CLASS = (
    r"\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
)
_CJK_RE = re.compile(f"[{_CJK_CLASS}]")
#: A token's words: each CJK character alone, the runs of other characters between them.
_TOKEN_WORDS_RE = re.compile(f"[{_CJK_CLASS}]|[^{_CJK_CLASS}]+")
#: The same words over a whole normalized key (its words are one space apart, none inside).
_KEY_WORDS_RE = re.compile(f"[{_CJK_CLASS}]|[^{_CJK_CLASS} ]+")
#: Texts at least this long drop their combining marks by one table lookup (see below).
_LONG_TEXT = 48
_combining: dict[int, None] = {}
_NON_WORD_RE = re.compile(r"[^\w]+", re.UNICODE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
MAX_QUERY_CHARS = 200


def clean_input(text: str, limit: int = MAX_QUERY_CHARS) -> str:
    """Drop control and invisible characters and cut user input to a sane length."""
    text = _CONTROL_RE.sub(" ", text or "")
    return " ".join(text.split())[:limit]


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Fold case, width, accents, punctuation and Chinese script into one comparable key."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _without_combining(unicodedata.normalize("NFKD", text))
    text = fold_script(text)
    text = _NON_WORD_RE.sub(" ", text).replace("_", " ")
    return " ".join(text.split())


def _without_combining(text: str) -> str:
    """``text`` without its combining marks (accents after NFKD). Character by character for
    short texts; long ones (descriptions and notes a load writes to the full-text index:
    with the CJK split below, 1.27 -> 0.78 s of full-text rows at real-shape 10k) through
    str.translate with a table of every combining code point, made once per process
    (~0.2 s)."""
    if text.isascii():
        return text
    if len(text) < _LONG_TEXT:
        return "".join(ch for ch in text if not unicodedata.combining(ch))
    if not _combining:
        marks = range(sys.maxunicode + 1)
        _combining.update({mark: None for mark in marks if unicodedata.combining(chr(mark))})
    return text.translate(_combining)


def record_keys(record: Record) -> tuple[str, ...]:
    """The normalized key of each label, in slot order: name, Chinese name, aliases, id.

    The loader computes them once per record (in its child processes for a big load); the
    name-collision check and the search index both use them.
    """
    labels = (record.name, record.name_zh or "", *record.aliases, record.id.replace("-", " "))
    same: dict[str, str] = {}  # equal keys as one object (the id's key is mostly the name's)
    keys = (normalize(label) if label else "" for label in labels)
    return tuple(same.setdefault(key, key) for key in keys)


def compact(key: str) -> str:
    """A normalized key without spaces: 'hong kong' and 'hongkong' meet here."""
    return key.replace(" ", "")


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def words(key: str) -> list[str]:
    """Split a normalized key into words; each CJK character counts as a word of its own."""
    out: list[str] = []
    for token in key.split():
        if has_cjk(token):
            out.extend(_TOKEN_WORDS_RE.findall(token))
        else:
            out.append(token)
    return out


def fts_text(text: str) -> str:
    """Text as the FTS5 index stores it: normalized, CJK characters spaced out.

    SQLite's unicode61 tokenizer reads an unbroken CJK run as one token, so '台北' would never
    match '台北市的創業家'; one token per character plus a phrase query finds it.
    """
    return " ".join(words(normalize(text)))


def fts_document(text: str) -> str:
    """A column of an FTS5 row: :func:`fts_text`, except that ASCII text is stored as is.

    For ASCII, SQLite's unicode61 tokenizer (``remove_diacritics 2``) folds case and splits on
    every non-alphanumeric character, which is all :func:`normalize` would do to it, so both
    give the same tokens (``tests/test_text.py`` checks it against SQLite). Preparing it in
    Python cost ~1.5 s of a 100,000-record load.
    """
    if text.isascii():
        return text
    # Not through normalize()'s cache: a document is normalized once, and caching them would
    # fill the cache with descriptions no query reuses (~13 MB at 100k records).
    key = normalize.__wrapped__(text)
    # What " ".join(words(key)) gives (tests/test_text.py checks it), by one regex search over
    # the whole key rather than one per word: a key without CJK is already its words one space
    # apart. (Half of the non-ASCII columns' cost at real-shape 10k went to words().)
    if not _CJK_RE.search(key):
        return key
    return " ".join(_KEY_WORDS_RE.findall(key))
