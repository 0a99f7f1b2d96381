"""Shared fixtures: real YAML files in a temporary folder, a real SQLite file."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.knowledge import Knowledge
from bot.store import Store

pytest_plugins = ["tests.fakediscord.fixtures", "tests.pgfixtures"]

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "data"

SAMPLE = {
    "cities.yaml": """
        community:
          name: SmartUps
          links:
            - {label: LinkedIn group, url: "https://www.linkedin.com/groups/6717003/"}
        cities:
          - id: hong-kong
            name: Hong Kong
            name_zh: 香港
            aliases: [HK, Hongkong]
            description: A city with a first-class telecommunications network.
            figures:
              - id: free-wifi-hotspots
                label: Free Wi-Fi hotspots
                value: 20000
                qualifier: over
                as_of: 2020
                source: https://www.smartcity.gov.hk/vision/
                keywords: [wifi, wi-fi, hotspots]
              - id: broadband
                label: Household broadband penetration rate
                value: 90
                unit: "%"
                as_of: 2020
                source: https://www.smartcity.gov.hk/vision/
          - id: taipei
            name: Taipei
            name_zh: 臺北
            aliases: [台北]
            description: Smart Taipei, a citizen-centric smart city.
            figures:
              - id: open-data-rank
                label: Global Open Data Index rank
                value: 1
                qualifier: rank
                as_of: 2020
                source: https://smartcity.taipei/
                keywords: [open data]
        """,
    "startups.yaml": """
        startups:
          - id: qupital
            name: Qupital
            name_zh: 橋彼道
            description: Online invoice-financing marketplace where SMEs sell invoices to funders.
            sector: fintech
            city: hong-kong
            tags: [fintech]
            sources: [https://qupital.com/businesses-faq]
          - id: lalamove
            name: Lalamove
            aliases: [EasyVan]
            description: App-based on-demand delivery and logistics platform.
            sector: logistics
            city: hong-kong
            tags: [logistics]
          - id: welab
            name: WeLab
            aliases: [WeLab Bank]
            description: Fintech group running online lending platforms and a virtual bank.
            sector: fintech
            city: hong-kong
            tags: [fintech]
        """,
    "organizations.yaml": """
        organizations:
          - id: hkstp
            name: HKSTP
            name_zh: 香港科技園公司
            aliases: [Hong Kong Science and Technology Parks Corporation]
            city: hong-kong
            type: statutory body
        initiatives:
          - id: hk-smart-lampposts
            name: Smart lampposts
            city: hong-kong
            area: Smart Mobility
            description: Multi-functional lampposts combining light, 5G and Wi-Fi.
        """,
}


@pytest.fixture(autouse=True)
def _validate_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """`smartups validate` keeps its cache in a folder of the test run, never in ~/.cache."""
    folder = tmp_path_factory.mktemp("validate-cache")
    monkeypatch.setenv("SMARTUPS_CACHE_DIR", str(folder))
    return folder


def write_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    return write_files(tmp_path / "data", SAMPLE)


@pytest.fixture
async def store(sample_dir: Path, tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(tmp_path / "smartups.db", sample_dir)
    await store.open()
    report = await store.reload()
    assert report.ok, report.problems
    yield store
    await store.close()


@pytest.fixture
def knowledge(store: Store) -> Knowledge:
    return Knowledge(store)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the shipped data/ that a test may edit."""
    from tests.discord_helpers import copy_data

    return copy_data(tmp_path)


@pytest.fixture
def settings(tmp_path: Path, data_dir: Path):
    """Bot settings over ``data_dir`` and a fresh SQLite file, with no token."""
    from tests.discord_helpers import make_settings

    return make_settings(tmp_path, data_dir)
