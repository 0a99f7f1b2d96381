"""Chinese full text is searched by character pairs: a query finds the records holding two
of its characters side by side, not every record sharing one character with it (which, on a
large table, ranked most of the table by bm25 for each Chinese query)."""

from __future__ import annotations

from pathlib import Path

from bot.db import migrate, open_db
from bot.fts import fulltext_query, match_expression
from bot.search import question_terms


def test_a_cjk_run_stays_one_term_and_becomes_its_pairs() -> None:
    assert question_terms("臺北有哪些初創公司") == ["台北有哪些初创公司"]
    assert list(question_terms("how many 公司 in hk")) == ["公司", "hk"]
    assert list(question_terms("ai芯片 startups")) == ["ai", "芯片", "startups"]
    assert match_expression(["科技园"]) == '"科 技" OR "技 园"'
    assert match_expression(["港"]) == '"港"'  # one character: itself


async def test_pairs_find_the_phrase_not_single_characters(tmp_path: Path) -> None:
    conn = await open_db(tmp_path / "fts.db")
    try:
        await migrate(conn)
        rows = [
            (1, "organization", "a", "Alpha", None, None, "{}", "h1"),
            (2, "organization", "b", "Beta", None, None, "{}", "h2"),
            (3, "startup", "c", "Gamma", None, None, "{}", "h3"),
        ]
        await conn.executemany("INSERT INTO record VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        await conn.executemany(
            "INSERT INTO record_fts (rowid, name, aliases, tags, description, figures) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (1, "Alpha", "香 港 科 技 园", "", "", ""),
                (2, "Beta", "", "", "科 学 园 的 技 术", ""),  # 科, 技, 园 apart
                (3, "Gamma", "", "", "位 于 科 技 园", ""),
            ],
        )
        query = fulltext_query(list(question_terms("科技園")), None, 10, None)
        assert query is not None
        async with conn.execute(*query) as cur:
            found = [row[1] async for row in cur]
        # The alias (weighted above descriptions) first; Beta shares characters, no pair.
        assert found == ["a", "c"]
    finally:
        await conn.close()
