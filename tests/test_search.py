"""Search quality on real data structures: names, aliases, typos, Chinese, figures, filters,
and the guarantee that no input ever raises or is run as query syntax."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import NotFound
from bot.knowledge import Knowledge
from bot.model import Kind


def top(hits) -> str | None:
    return hits[0].record.id if hits else None


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Lalamove", Kind.STARTUP, "lalamove"),
        ("lalamove", None, "lalamove"),
        ("EasyVan", Kind.STARTUP, "lalamove"),  # alias
        ("welab bank", None, "welab"),  # alias with a space
        ("HK", Kind.CITY, "hong-kong"),
        ("hongkong", Kind.CITY, "hong-kong"),  # spaces do not matter
        ("Hong-Kong", Kind.CITY, "hong-kong"),  # punctuation does not matter
        ("ＨＯＮＧ ＫＯＮＧ", Kind.CITY, "hong-kong"),  # full-width letters
        ("香港", Kind.CITY, "hong-kong"),  # two-character Chinese
        ("台北", Kind.CITY, "taipei"),
        ("臺北", Kind.CITY, "taipei"),  # Traditional form finds the alias
        ("橋彼道", Kind.STARTUP, "qupital"),
        ("桥彼道", Kind.STARTUP, "qupital"),  # Simplified finds Traditional
        ("科技園", Kind.ORGANIZATION, "hkstp"),  # Chinese substring
        ("科技园", None, "hkstp"),
        ("lalamvoe", Kind.STARTUP, "lalamove"),  # transposed letters
        ("qupitl", Kind.STARTUP, "qupital"),  # dropped letter
        ("lala", Kind.STARTUP, "lalamove"),  # prefix
        ("science park", Kind.ORGANIZATION, "hkstp"),
        ("hong-kong", Kind.CITY, "hong-kong"),  # id
    ],
)
def test_lookup_finds_the_record(knowledge: Knowledge, text: str, kind, expected: str) -> None:
    assert top(knowledge.complete(kind, text)) == expected


def test_prefix_suggestions_for_autocomplete(knowledge: Knowledge) -> None:
    names = [h.record.id for h in knowledge.complete(Kind.STARTUP, "")]
    assert set(names) == {"lalamove", "qupital", "welab"}  # empty: the list, by name
    assert [h.record.id for h in knowledge.complete(Kind.STARTUP, "w")] == ["welab"]
    assert len(knowledge.complete(None, "a", limit=2)) <= 2
    assert len(knowledge.complete(None, "h", limit=2)) == 2 < len(knowledge.complete(None, "h"))


def test_resolve_typed_value_or_suggest(knowledge: Knowledge) -> None:
    assert knowledge.resolve(Kind.STARTUP, "qupital").id == "qupital"
    assert knowledge.resolve(Kind.STARTUP, "Qupitel").id == "qupital"
    with pytest.raises(NotFound) as missing:
        knowledge.resolve(Kind.STARTUP, "zzzz")
    assert missing.value.kind == "startup"
    with pytest.raises(NotFound):
        knowledge.resolve(Kind.CITY, "Lalamove")  # exists, but not as a city


async def test_full_text_over_descriptions_and_tags(knowledge: Knowledge) -> None:
    assert top(await knowledge.search("invoice financing")) == "qupital"
    assert top(await knowledge.search("virtual bank")) == "welab"
    assert top(await knowledge.search("5G")) == "hk-smart-lampposts"
    assert top(await knowledge.search("delivery", Kind.STARTUP)) == "lalamove"


async def test_filters_by_kind_city_and_sector(knowledge: Knowledge) -> None:
    fintech = await knowledge.search("platform", sector="fintech")
    assert {h.record.id for h in fintech} <= {"qupital", "welab"} and fintech
    in_taipei = await knowledge.search("platform", city="taipei")
    assert in_taipei == []
    cities = await knowledge.search("hong", Kind.CITY)
    assert cities and all(h.record.kind == "city" for h in cities)
    browse = knowledge.browse(Kind.STARTUP, city="HK", sector="fintech")
    assert [r.id for r in browse] == ["qupital", "welab"]
    with pytest.raises(NotFound):
        knowledge.browse(Kind.STARTUP, city="Atlantis")


async def test_figure_questions_return_the_figure_with_its_source(knowledge: Knowledge) -> None:
    answer = await knowledge.ask("How many free Wi-Fi hotspots does Hong Kong have?")
    assert answer.figures, "the Wi-Fi figure should answer this"
    first = answer.figures[0]
    assert first.owner.id == "hong-kong" and first.figure.id == "free-wifi-hotspots"
    assert first.figure.source.startswith("https://")
    broadband = await knowledge.ask("household broadband penetration in HK")
    assert broadband.figures[0].figure.id == "broadband"
    rank = await knowledge.ask("What is Taipei's open data rank?")
    assert rank.figures[0].owner.id == "taipei"


async def test_questions_about_records(knowledge: Knowledge) -> None:
    answer = await knowledge.ask("Which startup does invoice financing for SMEs?")
    assert answer.hits and answer.hits[0].record.id == "qupital"
    assert not answer.figures


NASTY = [
    "",
    "   ",
    '"',
    '""',
    "*",
    "-",
    ":",
    "name:x",
    "NEAR(",
    "NEAR(a b)",
    "a AND",
    "OR",
    "NOT x",
    "(",
    ")",
    "+",
    "@",
    "'",
    "' OR 1=1 --",
    "; DROP TABLE record; --",
    "x" * 4000,
    "🚀🏙️ smart city 🚀",
    "\x00\x01\x1b[31m",
    "\u202eevil",
    "%",
    "_",
    "\\",
    'a"b*c-d:e',
    '台北"',
    "<@123> @everyone",
    "[link](https://evil.example)",
    "^",
    "{}",
    "*" * 300,
]


@pytest.mark.parametrize("text", NASTY)
async def test_hostile_input_never_raises(knowledge: Knowledge, text: str) -> None:
    await knowledge.search(text)
    await knowledge.ask(text)
    knowledge.complete(Kind.STARTUP, text)
    with pytest.raises(NotFound):
        knowledge.resolve(Kind.CITY, text + " zzqx")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
async def test_arbitrary_text_never_raises(knowledge: Knowledge, text: str) -> None:
    hits = await knowledge.search(text)
    assert isinstance(hits, list)
    answer = await knowledge.ask(text)
    assert isinstance(answer.hits, list)
    assert len(knowledge.complete(None, text)) <= 25
    assert len(knowledge.complete(None, text, limit=3)) <= 3


async def test_a_question_naming_a_city_keeps_to_that_city(knowledge: Knowledge) -> None:
    # "delivery" is the logistics sector: without a city, Lalamove (Hong Kong) is among them;
    # naming Taipei keeps it out.
    assert "lalamove" in {r.id for r in (await knowledge.ask("Who does delivery?")).records}
    in_taipei = await knowledge.ask("Who does delivery in Taipei?")
    assert in_taipei.records == [] and in_taipei.filters["city"][0] == "taipei"
    in_taipei_all = await knowledge.ask("Which startups are in Taipei?")
    assert in_taipei_all.records == []  # no Taipei startup in the sample
    fintech_hk = await knowledge.ask("fintech platform in Hong Kong")
    assert fintech_hk.records and all(
        getattr(r, "city", None) == "hong-kong" for r in fintech_hk.records
    )
    in_hk = await knowledge.ask("Who does delivery in Hong Kong?")
    assert "lalamove" in {r.id for r in in_hk.records}
    assert all(getattr(r, "city", None) == "hong-kong" for r in in_hk.records)
    wifi = await knowledge.ask("How many free Wi-Fi hotspots does Hong Kong have?")
    assert all(h.owner.id != "taipei" for h in wifi.figures)


def test_startups_without_sector_are_not_similar_to_each_other() -> None:
    from bot.model import Startup
    from bot.search import SearchIndex

    index = SearchIndex(
        [
            Startup(id="alpha", name="Alpha", tags=["+"]),
            Startup(id="beta", name="Beta"),
            Startup(id="gamma", name="Gamma", sector="fintech"),
            Startup(id="delta", name="Delta", tags=["fintech"]),
        ]
    )
    alpha = index.record(Kind.STARTUP, "alpha")
    assert alpha is not None
    assert index.similar_startups(alpha, 6) == []
    gamma = index.record(Kind.STARTUP, "gamma")
    assert gamma is not None
    assert [r.id for r in index.similar_startups(gamma, 6)] == ["delta"]
