"""The ASCII shortcut of fts_document must give FTS5 exactly the tokens fts_text gives it;
a record's label keys come in the slot order the search index relies on."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.model import Startup
from bot.text import fts_document, fts_text, normalize, record_keys, words


def _tokens(conn: sqlite3.Connection, text: str) -> list[str]:
    """The tokens SQLite's tokenizer (as record_fts is declared) makes of ``text``."""
    conn.execute("DELETE FROM doc")
    conn.execute("INSERT INTO doc (rowid, body) VALUES (1, ?)", (text,))
    rows = conn.execute("SELECT term FROM doc_terms ORDER BY offset").fetchall()
    return [row[0] for row in rows]


@pytest.fixture(scope="module")
def conn() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE doc USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute("CREATE VIRTUAL TABLE doc_terms USING fts5vocab (doc, instance)")
    return conn


@pytest.mark.parametrize(
    "text",
    [
        "Hong Kong's 5G-ready smart_lamp (pilot) @ HKSTP: 400 lampposts, 3.5% up!",
        'Wi-Fi "hotspots" -- x NEAR(y) AND name:z OR `code` ~tilde~ back\\slash',
        "tabs\tand\nnewlines\x00control\x1f and \x7f delete",
    ],
)
def test_ascii_is_stored_as_is_with_the_same_tokens(conn: sqlite3.Connection, text: str) -> None:
    assert fts_document(text) == text
    assert _tokens(conn, text) == _tokens(conn, fts_text(text))
    assert _tokens(conn, text)  # the comparison is over something


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=60))
def test_any_ascii_text_tokenizes_alike(text: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE doc USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute("CREATE VIRTUAL TABLE doc_terms USING fts5vocab (doc, instance)")
    assert _tokens(conn, fts_document(text)) == _tokens(conn, fts_text(text))


def test_other_text_is_normalized() -> None:
    assert fts_document("香港科技園 Café") == fts_text("香港科技園 Café")
    assert fts_document("台北市") == "台 北 市"


def test_record_keys_follow_the_slot_order() -> None:
    record = Startup(id="we-lab", name="We-Lab", name_zh="匯立", aliases=["WeLab Bank", "ＷＬ"])
    keys = record_keys(record)
    # name, Chinese name, each alias, the id (its dashes as spaces): search.NAME_SLOT onwards.
    assert keys == ("we lab", "汇立", "welab bank", "wl", "we lab")
    assert keys[0] is keys[-1]  # equal keys are one object (most ids repeat the name)
    assert record_keys(Startup(id="x", name="X"))[1] == ""  # no Chinese name: an empty key


def test_long_and_short_texts_lose_the_same_combining_marks() -> None:
    """normalize() drops combining marks one character at a time in short texts and through
    a table of every combining code point in long ones: both ways agree on every mark."""
    import sys
    import unicodedata

    from bot.text import _LONG_TEXT, _without_combining, normalize

    marks = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))]
    text = "".join(f"a{m}台" for m in marks)
    kept = "a台" * len(marks)
    assert _without_combining(text) == kept
    for m in marks[:: max(1, len(marks) // 50)]:
        short = f"é{m}x"
        assert len(short) < _LONG_TEXT
        assert _without_combining(short) == "é" + "x"
    assert normalize("Café Ñandú 台北 " * 5) == normalize("cafe nandu 台北 " * 5)


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(min_codepoint=0, max_codepoint=0x2FF),
            st.sampled_from("台北臺灣科技園区區のカナ한국　\u3000\u00a0\u2028\u1680\x1c\x1f_-·é̀ＨＯ"),
            st.characters(),
        ),
        max_size=80,
    )
)
def test_a_document_is_the_words_of_its_normalized_text(text: str) -> None:
    """The one-regex split of fts_document stores exactly what words() of the key gives (ASCII
    text is stored as is: the tests above)."""
    expected = text if text.isascii() else " ".join(words(normalize(text)))
    assert fts_document(text) == expected


def test_a_document_spaces_out_cjk_beside_other_words() -> None:
    assert fts_document("臺北市ABC科技園 Café-bar") == "台 北 市 abc 科 技 园 cafe bar"
