"""Full-text queries: user text only ever reaches FTS5 as quoted words, common words are
pruned from the ranking on large tables, and the SQL built runs against the real schema."""

from __future__ import annotations

from pathlib import Path

from bot.db import migrate, open_db
from bot.fts import CommonTerms, fulltext_query, match_expression, match_parts


def test_match_expression_quotes_everything() -> None:
    expression = match_expression(["NEAR(a", "name:x", '"', "AND", "台北"])
    assert expression.count('"') % 2 == 0
    assert '"and"*' in expression and '"台 北"' in expression
    assert match_expression([]) == "" and match_expression(['"""']) == ""


def test_no_searchable_term_builds_no_query() -> None:
    assert fulltext_query([], None, 10, None) is None
    assert fulltext_query(["...", '"'], ["startup"], 10, None) is None


def test_common_terms_keep_the_rarest_within_the_budget() -> None:
    # 1,000 documents: a query may rank about 30 of them (FTS_BUDGET_SHARE).
    common = CommonTerms(1000, ["platform", "smart"], [600, 25])
    parts = match_parts(["platform", "smart", "lamppost"])
    kept, too_many = common.prune(parts)
    # "lamppost" is not common (0), "smart" fits (25), "platform" would blow the budget.
    assert kept == ['"smart"*', '"lamppost"*'] and not too_many
    kept, too_many = common.prune(match_parts(["platform"]))
    assert kept == ['"platform"*'] and too_many  # the only word: kept, but too many to rank


def test_a_query_too_common_to_rank_comes_unranked() -> None:
    common = CommonTerms(1000, ["platform"], [600])
    query = fulltext_query(["platform"], None, 5, common)
    assert query is not None
    sql, params = query
    assert "bm25" not in sql and "ORDER BY" not in sql and params == ['"platform"*', 5]


async def test_the_query_runs_on_the_schema(tmp_path: Path) -> None:
    conn = await open_db(tmp_path / "fts.db")
    try:
        await migrate(conn)
        rows = [
            (1, "startup", "a", "Alpha", None, None, "{}", "h1"),
            (2, "city", "b", "Beta", None, None, "{}", "h2"),
            (3, "startup", "c", "Gamma", None, None, "{}", "h3"),
        ]
        await conn.executemany("INSERT INTO record VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        await conn.executemany(
            "INSERT INTO record_fts (rowid, name, aliases, tags, description, figures) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (1, "Alpha", "", "", "rooftop solar panels", ""),
                (2, "Beta", "", "", "solar", ""),
                (3, "Gamma Solar", "", "", "batteries", ""),
            ],
        )
        query = fulltext_query(["solar"], ["startup"], 10, None)
        assert query is not None
        async with conn.execute(*query) as cur:
            found = [(row[0], row[1]) async for row in cur]
        # Only startups; a match in the name outranks one in the description.
        assert found == [("startup", "c"), ("startup", "a")]
    finally:
        await conn.close()
