"""Filters that come from per-snapshot positions (city, organization) answer exactly what a
scan of every record would: alone, together, and with a sector."""

from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge import Knowledge
from bot.model import Kind
from bot.store import Store

LINKED = {"lalamove": "hkstp", "welab": "hkstp", "9gag": "whub", "gogovan": "hkstp"}


def _link_startups(data_dir: Path) -> None:
    """Give a few shipped startups the organizations they are linked with (test data only)."""
    path = data_dir / "startups.yaml"
    text = path.read_text("utf-8")
    for startup, organization in LINKED.items():
        text, count = re.subn(
            rf"^- id: {re.escape(startup)}\n", f"- id: {startup}\n  organizations: [{organization}]\n",
            text, flags=re.M,
        )  # fmt: skip
        assert count == 1, startup
    path.write_text(text, "utf-8")


async def test_organization_and_city_filters_match_a_scan(data_dir: Path, tmp_path: Path) -> None:
    _link_startups(data_dir)
    store = Store(tmp_path / "smartups.db", data_dir)
    await store.open()
    try:
        report = await store.reload(actor="test", command="test", audit=False)
        assert report.ok, report.problems
        knowledge = Knowledge(store)
        startups = list(store.current.dataset.records[Kind.STARTUP].values())
        by_name = sorted(startups, key=lambda r: r.name.casefold())

        def scan(**want: str) -> list[str]:
            found = by_name
            if "org" in want:
                found = [r for r in found if want["org"] in getattr(r, "organizations", [])]
            if "city" in want:
                found = [r for r in found if getattr(r, "city", None) == want["city"]]
            return [r.id for r in found]

        async def ids(question: str) -> list[str]:
            reply = await knowledge.ask(question)
            return [r.id for r in reply.records]

        hkstp = scan(org="hkstp")
        assert set(hkstp) == {s for s, o in LINKED.items() if o == "hkstp"}
        assert await ids("startups working with HKSTP") == hkstp
        assert await ids("startups in Hong Kong working with HKSTP") == scan(
            org="hkstp", city="hong-kong"
        )
        assert await ids("startups in Taipei working with HKSTP") == []
        # With a sector (its own list, by sector, detail and tags): the other filter is then
        # checked on the sector list's positions.
        logistics = await ids("logistics startups")
        assert len(logistics) > 2
        in_hk = set(scan(city="hong-kong"))
        assert await ids("logistics startups in Hong Kong") == [s for s in logistics if s in in_hk]
        with_hkstp = [s for s in logistics if s in set(hkstp)]
        assert with_hkstp and await ids("logistics startups working with HKSTP") == with_hkstp
        assert await ids("startups in Hong Kong") == scan(city="hong-kong")
    finally:
        await store.close()
