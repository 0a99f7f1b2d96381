"""The fields members ask about (issue 13): sector from a vocabulary with its detail, founders,
status with the date it was last verified, listing. Each is checked on real YAML files, and each
mistake is reported with file, line, field and what would be right."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.errors import DataProblem
from bot.loader import Loader
from bot.model import SECTORS, Kind, Startup
from tests.conftest import DATA_DIR, write_files

GOOD = """
    cities:
      - id: hong-kong
        name: Hong Kong
        vision: Embrace innovation and technology to build a world-famed Smart Hong Kong
        vision_source: https://smartcity.gov.hk/vision-and-mission.html
        community_vision: Hong Kong Smart City vision 2030 is to embrace ICT.
    startups:
      - id: anx
        name: ANX International
        sector: fintech
        sector_detail: crypto / blockchain
        city: hong-kong
        founded: 2013
        founders:
          - name: Ken Lo
      - id: boxful
        name: Boxful
        sector: logistics
        founders:
          - {name: Norman Cheung}
          - {name: Carl Wu}
        status:
          state: active
          as_of: 2019-06
      - id: prenetics
        name: Prenetics
        sector: healthtech
        founded: 2014
        founders:
          - name: Teddy Chan
            name_zh: 陳龍生
        status: {state: listed, date: 2022-05-18, as_of: 2023}
        listing:
          exchange: Nasdaq
          ticker: PRE
          date: 2022-05-18
          source: https://ir.prenetics.com/node/6716/html
"""


def load(tmp_path: Path, text: str) -> tuple[object, list[DataProblem]]:
    folder = write_files(tmp_path / "data", {"s.yaml": text})
    outcome = Loader(folder).load()
    return outcome.dataset, outcome.problems


def problem_at(problems: list[DataProblem], field: str) -> DataProblem:
    found = [p for p in problems if p.field == field]
    assert found, f"no problem on {field!r}: {[str(p) for p in problems]}"
    return found[0]


def test_the_new_fields_load_with_their_types(tmp_path: Path) -> None:
    dataset, problems = load(tmp_path, GOOD)
    assert problems == []
    assert dataset is not None
    startups = dataset.records[Kind.STARTUP]  # type: ignore[attr-defined]
    anx, boxful, prenetics = startups["anx"], startups["boxful"], startups["prenetics"]
    assert isinstance(anx, Startup) and isinstance(boxful, Startup)
    assert isinstance(prenetics, Startup)
    # The vocabulary value is a plain string: code comparing or printing it keeps working.
    assert anx.sector == "fintech" and type(anx.sector) is str
    assert anx.sector_detail == "crypto / blockchain"
    assert [f.name for f in boxful.founders] == ["Norman Cheung", "Carl Wu"]
    assert prenetics.founders[0].name_zh == "陳龍生"
    assert boxful.status is not None and boxful.status.as_of == "2019-06"
    assert boxful.status.state == "active" and boxful.status.date is None
    assert prenetics.listing is not None
    assert (prenetics.listing.exchange, prenetics.listing.ticker, prenetics.listing.date) == (
        "Nasdaq",
        "PRE",
        "2022-05-18",
    )
    city = dataset.records[Kind.CITY]["hong-kong"]  # type: ignore[attr-defined]
    assert city.vision_source == "https://smartcity.gov.hk/vision-and-mission.html"
    assert city.community_vision.startswith("Hong Kong Smart City vision 2030")


def test_a_sector_typo_names_file_line_field_and_the_closest_sector(tmp_path: Path) -> None:
    text = "startups:\n  - id: foo\n    name: Foo\n    sector: fintec\n"
    _, problems = load(tmp_path, text)
    problem = problem_at(problems, "startups[0].sector")
    assert (problem.file, problem.line, problem.column) == ("data/s.yaml", 4, 5)
    assert problem.found == "text ('fintec')"
    assert "did you mean 'fintech'?" in problem.expected
    assert all(repr(sector) in problem.expected for sector in SECTORS)


def test_a_sector_in_another_case_or_spelling_is_suggested(tmp_path: Path) -> None:
    text = (
        "startups:\n  - {id: a, name: A, sector: IoT}\n"
        "  - {id: b, name: B, sector: helthtech}\n  - {id: c, name: C, sector: ecommerce}\n"
    )
    _, problems = load(tmp_path, text)
    assert "did you mean 'iot'?" in problem_at(problems, "startups[0].sector").expected
    assert "did you mean 'healthtech'?" in problem_at(problems, "startups[1].sector").expected
    assert "did you mean 'e-commerce'?" in problem_at(problems, "startups[2].sector").expected


def test_the_old_free_text_sector_is_shown_split_into_sector_and_detail(tmp_path: Path) -> None:
    text = (
        "startups:\n"
        "  - id: anx\n    name: ANX\n    sector: fintech (crypto / blockchain)\n"
        "  - id: sb\n    name: Soundbrenner\n    sector: IoT / consumer hardware (music tech)\n"
    )
    _, problems = load(tmp_path, text)
    anx = problem_at(problems, "startups[0].sector")
    assert "did you mean 'fintech', with sector_detail: 'crypto / blockchain'?" in anx.expected
    sound = problem_at(problems, "startups[1].sector")
    assert "'iot', with sector_detail: 'consumer hardware (music tech)'" in sound.expected


def test_a_sector_unlike_any_gets_the_list_and_no_guess(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "startups:\n  - {id: a, name: A, sector: basket weaving}\n")
    problem = problem_at(problems, "startups[0].sector")
    assert "did you mean" not in problem.expected
    assert problem.expected.startswith("one of 'fintech', 'logistics'")


def test_a_detail_needs_a_sector(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "startups:\n  - {id: a, name: A, sector_detail: storage}\n")
    problem = problem_at(problems, "startups[0].sector_detail")
    assert "a sector as well" in problem.expected


def test_founders_of_the_wrong_shape_say_what_a_founder_looks_like(tmp_path: Path) -> None:
    text = """
        startups:
          - id: a
            name: A
            founders: Simon Loong
          - id: b
            name: B
            founders:
              - Simon Loong
          - id: c
            name: C
            founders:
              - nmae: Simon Loong
          - id: d
            name: D
            founders:
              - name_zh: 周勝馥
    """
    _, problems = load(tmp_path, text)
    whole = problem_at(problems, "startups[0].founders")
    assert whole.line == 4 and whole.found == "text ('Simon Loong')"
    assert whole.expected == (
        "a list of mappings with keys name, name_zh (each item starting with '- name: ')"
    )
    item = problem_at(problems, "startups[1].founders[0]")
    assert item.line == 8 and "with keys name, name_zh" in item.expected
    typo = problem_at(problems, "startups[2].founders[0].nmae")
    assert typo.line == 12 and "did you mean 'name'" in typo.expected
    missing = problem_at(problems, "startups[3].founders[0].name")
    assert missing.found == "no 'name'" and "required" in missing.expected


def test_a_listing_date_must_be_a_date_and_not_before_the_founding(tmp_path: Path) -> None:
    text = """
        startups:
          - id: a
            name: A
            listing:
              exchange: Nasdaq
              date: 2023-13
          - id: b
            name: B
            founded: 2014
            listing: {exchange: Nasdaq, date: 2013-11}
          - id: c
            name: C
            listing: {ticker: MNY}
    """
    _, problems = load(tmp_path, text)
    bad = problem_at(problems, "startups[0].listing.date")
    assert bad.line == 6 and bad.found == "text ('2023-13')"
    assert bad.expected == "a date as YYYY, YYYY-MM or YYYY-MM-DD"
    early = problem_at(problems, "startups[1].listing")
    assert early.line == 10 and "not before the founding year 2014" in early.expected
    assert "2013-11" in early.found
    assert problem_at(problems, "startups[2].listing.exchange").found == "no 'exchange'"


def test_a_status_cannot_be_verified_before_it_began(tmp_path: Path) -> None:
    text = "startups:\n  - id: a\n    name: A\n    status:\n      state: listed\n"
    text += "      date: 2022-05\n      as_of: 2021\n"
    _, problems = load(tmp_path, text)
    problem = problem_at(problems, "startups[0].status.as_of")
    assert problem.line == 7 and "not before the status date 2022-05" in problem.expected
    # Same year at a coarser precision is not "before".
    same = text.replace("as_of: 2021", "as_of: 2022")
    assert load(tmp_path / "again", same)[1] == []


def test_a_status_state_typo_is_suggested(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "startups:\n  - {id: a, name: A, status: {state: actve}}\n")
    assert "did you mean 'active'?" in problem_at(problems, "startups[0].status.state").expected


def test_a_vision_needs_its_source(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "cities:\n  - id: x\n    name: X\n    vision: Be smart.\n")
    problem = problem_at(problems, "cities[0].vision_source")
    assert problem.line == 2 and "page the vision is quoted from" in problem.expected


# ------------------------------------------------------------------ the shipped data


def _shipped(section: str) -> list[dict]:
    items: list[dict] = []
    for path in sorted(DATA_DIR.glob("*.yaml")):
        items.extend((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(section, []))
    return items


def test_every_cited_url_has_a_source_entry_and_every_entry_is_cited() -> None:
    cited: set[str] = set()
    for section in ("cities", "initiatives", "organizations", "startups"):
        for record in _shipped(section):
            cited.update(record.get("sources", []))
            for nested in (record.get("status") or {}, record.get("listing") or {}):
                if nested.get("source"):
                    cited.add(nested["source"])
            for key in ("vision_source", "website"):
                if record.get(key):
                    cited.add(record[key])
            cited.update(f["source"] for f in record.get("figures", []))
    for clist in _shipped("lists"):
        if clist.get("source"):
            cited.add(clist["source"])
    for path in sorted(DATA_DIR.glob("*.yaml")):
        community = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("community")
        cited.update(link["url"] for link in (community or {}).get("links", []))
    entries = {s["url"] for s in _shipped("sources")}
    assert sorted(cited - entries) == [], "cited without an entry in sources"
    assert sorted(entries - cited) == [], "an entry no record cites"


def test_shipped_evidence_urls_are_among_the_records_own_sources() -> None:
    for record in _shipped("startups") + _shipped("organizations") + _shipped("cities"):
        own = set(record.get("sources", []))
        for nested in (record.get("status") or {}, record.get("listing") or {}):
            if nested.get("source"):
                assert nested["source"] in own, record["id"]
        if record.get("vision_source"):
            assert record["vision_source"] in own, record["id"]


def test_a_shipped_record_without_sources_makes_no_claims() -> None:
    claims = ("description", "sector", "city", "hq", "founded", "founders", "website", "status")
    bare = [r for r in _shipped("startups") if not r.get("sources")]
    assert {r["id"] for r in bare} >= {"goxip", "imagedeep"}
    for record in bare:
        assert [c for c in claims if record.get(c)] == [], record["id"]


def test_shipped_active_states_say_when_they_were_last_verified_where_a_date_is_known() -> None:
    startups = {r["id"]: r for r in _shipped("startups")}
    assert startups["boxful"]["status"]["as_of"] == "2019-06"
    assert startups["passkit"]["city"] == "hong-kong"
    assert {f["name"] for f in startups["passkit"]["founders"]} == {"Nick Murray", "Paul Tomes"}
    listed = {rid: r["listing"] for rid, r in startups.items() if "listing" in r}
    assert set(listed) == {"gogovan", "compareasiagroup", "prenetics", "daydaycook"}
    assert listed["prenetics"]["ticker"] == "PRE" and listed["gogovan"]["ticker"] == "2246"
