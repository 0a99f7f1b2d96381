"""A data folder shaped like ours: the records of ``data/`` cloned to 10,000s of startups.

The synthetic generator (:mod:`bench.generator`) writes short, regular records; the community's
own records are about twice its bytes each (sources, founders, statuses with notes, wrapped
descriptions). ``clone(size, root)`` grows the shipped data to ``size`` startups by cloning its
records: each clone gets a new unique name, id, alias set and Chinese name (same count and
script as the original's), and keeps every other field (sources, notes, status texts,
founders) as it was, with the original's name in its description replaced by the clone's.
Initiatives and organizations are cloned in the generator's proportions (one of each per 50
startups), so the two kinds of set have the same counts; cities, sources, the community and
the lists (with their ranks) are copied once, not cloned. References stay valid: a clone of
generation ``g`` names the organizations of generation ``g`` (modulo the generations there are).

Written in files of 250 records per kind (``startups/startups-0001.yaml`` ...) beside a copy
of every original file, in the style of ``data/`` (PyYAML block style, 100 columns). A stamp
records the cloner's version, the size and a digest of the source folder and of the output:
a folder is written again only when one of them no longer matches.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.generator import RECORDS_PER_FILE, Names, Plan, brand, chinese_name, digest
from bot.loader import discover
from bot.text import has_cjk, normalize

#: Bump when the output changes: stale folders are then written again.
CLONER_VERSION = 1
SEED = 20_201_124
STAMP = "STAMP.json"
SOURCE = Path(__file__).resolve().parent.parent / "data"
#: The kinds that are cloned, in the order they are written (references point backwards).
CLONED = ("organizations", "initiatives", "startups")

_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def folder_for(root: Path, size: int) -> Path:
    """The data folder of one size: ``root/real<size>/data``."""
    return root / f"real{size}" / "data"


def source_digest(source: Path) -> str:
    """A digest of the YAML files the clones are made from."""
    h = hashlib.sha256()
    for path in discover(source):
        h.update(str(path.relative_to(source)).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _read_sections(source: Path) -> dict[str, list[dict[str, Any]]]:
    """The records of ``source`` by section (the cloned ones and the cities)."""
    sections: dict[str, list[dict[str, Any]]] = {name: [] for name in (*CLONED, "cities")}
    for path in discover(source):
        data = yaml.load(path.read_text("utf-8"), Loader=_Loader) or {}
        for name in sections:
            sections[name].extend(data.get(name) or [])
    return sections


class _Renamer:
    """New names that no record (original or clone) has, after the bot's normalization."""

    def __init__(self, rng: random.Random, originals: dict[str, list[dict[str, Any]]]) -> None:
        self.rng = rng
        self.names = Names()
        for records in originals.values():
            for record in records:
                self.names.ids.add(record["id"])
                for label in (record["name"], record.get("name_zh"), *record.get("aliases", [])):
                    if label:
                        self.names.taken.add(normalize(label))

    def _unique(self, make: Callable[[], str], tries: int = 50) -> str | None:
        for _ in range(tries):
            label = make()
            if self.names.claim(label):
                return label
        return None

    def latin(self, original: str, old_name: str, new_name: str | None) -> str | None:
        """A Latin-script label like ``original``: the record's new name where the old one
        stood ('WeLab Holdings' -> 'Kivora Holdings'), else a new first word."""
        if new_name and old_name and old_name in original:
            first = original.replace(old_name, new_name)
            if self.names.claim(first):
                return first
        words = original.split()
        rest = " ".join(words[1:])

        def make() -> str:
            word = brand(self.rng)
            return f"{word} {rest}" if rest else word

        return self._unique(make)

    def chinese(self, original: str) -> str | None:
        """A Chinese label of about the length of ``original``."""
        size = max(2, min(6, len(original)))

        def make() -> str:
            text = chinese_name(self.rng)
            while len(text) < size:
                text += chinese_name(self.rng)
            return text[:size]

        return self._unique(make)

    def label(self, original: str, old_name: str, new_name: str | None) -> str | None:
        return self.chinese(original) if has_cjk(original) else self.latin(
            original, old_name, new_name
        )


def _clone(
    record: dict[str, Any], renamer: _Renamer, org_ids: dict[str, str]
) -> dict[str, Any] | None:
    """One clone of ``record`` with new labels and references mapped through ``org_ids``."""
    name = renamer.label(record["name"], "", None)
    if name is None:
        return None
    out = copy.deepcopy(record)
    out["id"] = renamer.names.slug(name)
    out["name"] = name
    if record.get("name_zh"):
        zh = renamer.chinese(record["name_zh"])
        if zh is None:
            out.pop("name_zh")
        else:
            out["name_zh"] = zh
    if record.get("aliases"):
        aliases = [renamer.label(a, record["name"], name) for a in record["aliases"]]
        out["aliases"] = [a for a in aliases if a]
        if not out["aliases"]:
            out.pop("aliases")
    if isinstance(out.get("description"), str):
        out["description"] = out["description"].replace(record["name"], name)
    if out.get("organizations"):
        out["organizations"] = [org_ids.get(org, org) for org in out["organizations"]]
    return out


def _generations(
    originals: list[dict[str, Any]], wanted: int, renamer: _Renamer,
    org_maps: list[dict[str, str]],
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:  # fmt: skip
    """``wanted`` clones of ``originals``, generation by generation; each generation's map of
    original id -> clone id (generation 0: the originals themselves)."""
    clones: list[dict[str, Any]] = []
    maps: list[dict[str, str]] = [{r["id"]: r["id"] for r in originals}]
    generation = 0
    while len(clones) < wanted and originals:
        generation += 1
        org_ids = org_maps[generation % len(org_maps)] if org_maps else {}
        mapping: dict[str, str] = {}
        for record in originals:
            if len(clones) >= wanted:
                break
            clone = _clone(record, renamer, org_ids)
            if clone is not None:
                clones.append(clone)
                mapping[record["id"]] = clone["id"]
        maps.append(mapping)
    return clones, maps


def _write_section(folder: Path, section: str, records: list[dict[str, Any]]) -> list[Path]:
    target = folder / section
    target.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Benchmark data: clones of data/ (bench/realshape.py v{CLONER_VERSION}); "
        "never committed.\n"
    )
    written = []
    for part, start in enumerate(range(0, len(records), RECORDS_PER_FILE), start=1):
        chunk = records[start : start + RECORDS_PER_FILE]
        text = yaml.dump(
            {section: chunk}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
        )
        path = target / f"{section}-{part:04d}.yaml"
        path.write_text(header + text, encoding="utf-8")
        written.append(path)
    return written


def clone(size: int, root: Path, source: Path = SOURCE) -> tuple[Path, dict[str, int]]:
    """Write the real-shape folder of ``size`` startups below ``root``; return it and its
    counts."""
    folder = folder_for(root, size)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path in discover(source):
        target = folder / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    originals = _read_sections(source)
    plan = Plan(size)
    wanted = {
        "organizations": plan.organizations - len(originals["organizations"]),
        "initiatives": plan.initiatives - len(originals["initiatives"]),
        "startups": size - len(originals["startups"]),
    }
    renamer = _Renamer(random.Random(f"{SEED}:{size}"), originals)
    orgs, org_maps = _generations(
        originals["organizations"], wanted["organizations"], renamer, []
    )
    initiatives, _ = _generations(
        originals["initiatives"], wanted["initiatives"], renamer, org_maps
    )
    startups, _ = _generations(originals["startups"], wanted["startups"], renamer, org_maps)
    for section, records in zip(CLONED, (orgs, initiatives, startups), strict=True):
        _write_section(folder, section, records)
    counts = {
        "cities": len(originals["cities"]),
        "organizations": len(originals["organizations"]) + len(orgs),
        "initiatives": len(originals["initiatives"]) + len(initiatives),
        "startups": len(originals["startups"]) + len(startups),
        "files": len(discover(folder)),
        "bytes": sum(p.stat().st_size for p in discover(folder)),
    }
    stamp = {
        "version": CLONER_VERSION,
        "size": size,
        "seed": SEED,
        "source": source_digest(source),
        "digest": digest(folder),
        "counts": counts,
    }
    (folder.parent / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return folder, counts


def stamp_ok(folder: Path, size: int, source: Path = SOURCE) -> bool:
    """True when ``folder`` holds what this cloner makes of ``source`` for ``size``."""
    try:
        info = json.loads((folder.parent / STAMP).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        info.get("version") == CLONER_VERSION
        and info.get("size") == size
        and info.get("seed") == SEED
        and info.get("source") == source_digest(source)
        and info.get("digest") == digest(folder)
    )


def ensure(
    size: int, root: Path, log: Callable[[str], None] = print, source: Path = SOURCE
) -> tuple[Path, dict[str, int]]:
    """The real-shape folder for ``size``, written only when missing or stale."""
    folder = folder_for(root, size)
    if folder.is_dir() and stamp_ok(folder, size, source):
        info = json.loads((folder.parent / STAMP).read_text("utf-8"))
        return folder, info["counts"]
    log(f"cloning data/ to {size:,} startups under {folder} ...")
    return clone(size, root, source)


__all__ = ["clone", "ensure", "folder_for", "stamp_ok"]
