"""`smartups export --format json|csv|md` (issue 16): each format read back — JSON by the
loader's models, CSV by the csv module with Chinese intact, Markdown with every record — and
written record by record rather than built whole in memory."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

from bench.generator import generate
from bot.admin_tools import export
from bot.cli import main
from bot.loader import Dataset, Loader
from bot.model import SECTIONS, CommunityList, Kind, Source
from tests.conftest import DATA_DIR


def shipped() -> Dataset:
    dataset = Loader(DATA_DIR).load().dataset
    assert dataset is not None
    return dataset


def test_json_reads_back_through_the_models(tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    assert main(["export", "--format", "json", "--out", str(out), "--dir", str(DATA_DIR)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    dataset = shipped()
    assert document["version"] == dataset.version
    assert document["counts"] == dataset.counts()
    for section, model in SECTIONS.items():
        if section in ("sources", "lists"):
            continue
        kind = Kind(model.model_fields["kind"].default)
        records = dataset.records[kind]
        assert [r["id"] for r in document[section]] == list(records)
        for item in document[section]:
            assert model.model_validate(item) == records[item["id"]]
    assert [Source.model_validate(s) for s in document["sources"]] == list(
        dataset.sources.values()
    )
    assert [CommunityList.model_validate(c) for c in document["lists"]] == list(
        dataset.lists.values()
    )
    assert document["community"]["name"] == "SmartUps"


def test_json_of_one_kind_has_only_that_kind(capsys) -> None:
    assert main(["export", "--kind", "city", "--dir", str(DATA_DIR)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"format", "version", "counts", "cities"}
    assert [c["id"] for c in document["cities"]] == ["hong-kong", "taipei"]


def test_csv_is_one_file_per_kind_with_a_bom_and_chinese_intact(tmp_path: Path) -> None:
    out = tmp_path / "csv"
    assert main(["export", "--format", "csv", "--out", str(out), "--dir", str(DATA_DIR)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "cities.csv", "initiatives.csv", "organizations.csv", "startups.csv",
    ]  # fmt: skip
    raw = (out / "startups.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (out / "startups.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 30
    by_id = {row["id"]: row for row in rows}
    assert by_id["qupital"]["name_zh"] == "橋彼道"
    assert by_id["qupital"]["founders"] == "Winston Wong (黃永東) | 陳盛源"
    assert by_id["lalamove"]["aliases"].split(" | ")[:2] == ["EasyVan", "貨拉拉"]
    assert by_id["anx-international"]["sector_detail"] == "crypto / blockchain"
    assert by_id["boxful"]["status.as_of"] == "2019-06"
    assert by_id["prenetics"]["listing.ticker"] == "PRE"
    assert by_id["imagedeep"]["description"] == ""
    with (out / "cities.csv").open(encoding="utf-8-sig", newline="") as stream:
        hk = next(csv.DictReader(stream))
    assert hk["name_zh"] == "香港" and "Free Wi-Fi hotspots: over 20000 hotspots (2017)" in hk[
        "figures"
    ]


def test_csv_of_every_kind_needs_a_folder(capsys) -> None:
    assert main(["export", "--format", "csv", "--dir", str(DATA_DIR)]) == 2
    assert "--out FOLDER" in capsys.readouterr().err
    assert main(["export", "--format", "csv", "--kind", "startup", "--dir", str(DATA_DIR)]) == 0
    assert capsys.readouterr().out.startswith("\ufeffid,name,name_zh")


def test_markdown_lists_every_record_with_its_source_links(tmp_path: Path) -> None:
    out = tmp_path / "knowledge.md"
    assert main(["export", "--format", "md", "--out", str(out), "--dir", str(DATA_DIR)]) == 0
    text = out.read_text(encoding="utf-8")
    dataset = shipped()
    for record in dataset.all_records():
        heading = f"### {export.md(record.name)}"
        assert heading in text, record.id
        assert f"`{record.id}`" in text
    assert "## Startups (30)" in text and "## Cities (2)" in text
    assert "- **Founders:** Norman Cheung, Carl Wu" in text
    assert "active (last verified 2019-06)" in text
    boxful_scmp = dataset.sources[
        "https://www.scmp.com/lifestyle/technology/leaders-founders/article/1766344/"
        "how-boxfuls-norman-cheung-saw-new-opportunity"
    ]
    assert f"[{export.md(boxful_scmp.title)}](<{boxful_scmp.url}>)" in text
    assert "## Lists" in text and "31. ImageDeep" in text


class CountingStream(io.StringIO):
    """A text stream that records how much each write hands it."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, text: str) -> int:
        self.sizes.append(len(text))
        return super().write(text)


def test_every_format_streams_record_by_record(tmp_path: Path) -> None:
    folder, counts = generate(2000, tmp_path / "bench")
    dataset = Loader(folder).load().dataset
    assert dataset is not None
    total = sum(dataset.counts().values())
    for name, write in (
        ("json", lambda out: export.write_json(dataset, out)),
        ("md", lambda out: export.write_markdown(dataset, out)),
        ("csv", lambda out: export.write_csv(dataset, Kind.STARTUP, out)),
    ):
        stream = CountingStream()
        started = time.perf_counter()
        written = write(stream)
        elapsed = time.perf_counter() - started
        expected = counts["startups"] if name == "csv" else total
        assert written == expected, name
        assert len(stream.sizes) >= expected, f"{name}: fewer writes than records"
        assert max(stream.sizes) < 20_000, f"{name}: one write held much more than a record"
        assert elapsed < 5, f"{name} took {elapsed:.1f} s for {expected} records"
