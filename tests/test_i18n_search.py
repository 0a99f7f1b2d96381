"""Search treats Traditional and Simplified Chinese alike, and Chinese and English names meet
through aliases: 台/臺, 灣/湾, 科技園/科技园 find the same record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.knowledge import Knowledge
from bot.model import Kind
from bot.store import Store
from bot.text import normalize
from tests.conftest import write_files

FILES = {
    "records.yaml": """
        cities:
          - id: taipei
            name: Taipei
            name_zh: 臺北
            description: Smart Taipei.
        organizations:
          - id: hkstp
            name: HKSTP
            name_zh: 香港科技園公司
            aliases: [Hong Kong Science and Technology Parks Corporation]
            type: statutory body
          - id: taiwan-startup-stadium
            name: Taiwan Startup Stadium
            name_zh: 台灣新創競技場
            type: startup community
          - id: cyberport
            name: 數碼港
            aliases: [Cyberport]
            type: digital technology hub
        startups:
          - id: lalamove
            name: Lalamove
            aliases: [EasyVan, 啦啦快送]
            sector: logistics
          - id: gogoro
            name: Gogoro
            name_zh: 睿能創意
            sector: mobility
        """,
}


@pytest.fixture
async def knowledge(tmp_path: Path) -> AsyncIterator[Knowledge]:
    folder = write_files(tmp_path / "data", FILES)
    store = Store(tmp_path / "search.db", folder)
    await store.open()
    report = await store.reload()
    assert report.ok, report.problems
    yield Knowledge(store)
    await store.close()


async def first_id(knowledge: Knowledge, query: str, kind: Kind | None = None) -> str | None:
    hits = await knowledge.search(query, kind)
    return hits[0].record.id if hits else None


@pytest.mark.parametrize(
    ("left", "right"),
    [("台", "臺"), ("灣", "湾"), ("科技園", "科技园"), ("臺北", "台北"), ("台灣", "台湾")],
)
def test_normalize_folds_the_two_scripts_onto_one_key(left: str, right: str) -> None:
    assert normalize(left) == normalize(right)


@pytest.mark.parametrize(
    ("queries", "kind", "expected"),
    [
        (["臺北", "台北"], Kind.CITY, "taipei"),
        (["台灣新創競技場", "臺灣新創競技場", "台湾新创竞技场"], Kind.ORGANIZATION,
         "taiwan-startup-stadium"),
        (["科技園", "科技园", "香港科技園公司", "香港科技园公司"], Kind.ORGANIZATION, "hkstp"),
        (["數碼港", "数码港"], Kind.ORGANIZATION, "cyberport"),
        (["睿能創意", "睿能创意"], Kind.STARTUP, "gogoro"),
    ],
)  # fmt: skip
async def test_both_scripts_find_the_same_record(
    knowledge: Knowledge, queries: list[str], kind: Kind, expected: str
) -> None:
    for query in queries:
        assert await first_id(knowledge, query, kind) == expected, query
        assert await first_id(knowledge, query) == expected, f"{query} (any kind)"
        assert knowledge.resolve(kind, query).id == expected, f"{query} (resolve)"
        assert knowledge.complete(kind, query)[0].record.id == expected, f"{query} (complete)"


async def test_a_chinese_query_finds_an_english_named_record_through_its_chinese_alias(
    knowledge: Knowledge,
) -> None:
    for query in ("啦啦快送", "啦啦"):
        assert await first_id(knowledge, query, Kind.STARTUP) == "lalamove"
    assert knowledge.resolve(Kind.STARTUP, "啦啦快送").name == "Lalamove"
    # ... and through its Chinese name (name_zh), in either script.
    assert knowledge.resolve(Kind.STARTUP, "睿能创意").name == "Gogoro"


async def test_an_english_query_finds_a_chinese_named_record_through_its_english_alias(
    knowledge: Knowledge,
) -> None:
    assert await first_id(knowledge, "Cyberport", Kind.ORGANIZATION) == "cyberport"
    assert knowledge.resolve(Kind.ORGANIZATION, "cyberport").name == "數碼港"
    assert knowledge.resolve(Kind.ORGANIZATION, "Hong Kong Science and Technology Parks").id == (
        "hkstp"
    )
    assert (
        knowledge.resolve(Kind.ORGANIZATION, "taiwan startup stadium").name_zh == "台灣新創競技場"
    )


async def test_the_shipped_data_answers_both_scripts_alike(tmp_path: Path) -> None:
    from tests.conftest import DATA_DIR

    store = Store(tmp_path / "shipped.db", DATA_DIR)
    await store.open()
    try:
        assert (await store.reload()).ok
        knowledge = Knowledge(store)
        for traditional, simplified in (("臺北市政府", "台北市政府"), ("科技園", "科技园"),
                                        ("橋彼道", "桥彼道"), ("臺北", "台北")):  # fmt: skip
            left = [h.record.id for h in await knowledge.search(traditional)][:3]
            right = [h.record.id for h in await knowledge.search(simplified)][:3]
            assert left and left == right, (traditional, left, simplified, right)
    finally:
        await store.close()
