"""The fixed query mix: what members type, in proportions, drawn from the loaded data.

The mix is built from the dataset with a seeded generator, so the same data set always gives
the same queries. Categories (each query is tagged with its own):

- ``exact``: a startup's name as listed (sometimes lower-cased);
- ``prefix``: the first 1-4 characters of a name (what autocomplete sees on each keystroke);
- ``typo``: a name with one dropped, doubled, swapped or wrong letter;
- ``alias``: a legal, former or short name;
- ``chinese``: a Chinese name or alias, in Traditional, Simplified or as a 2-character part;
- ``question``: a multi-word question (figures, sectors, products, partners).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from bot.chinese import fold_script
from bot.loader import Dataset
from bot.model import City, Kind
from bot.text import has_cjk

MIX = {"exact": 100, "prefix": 100, "typo": 80, "alias": 80, "chinese": 80, "question": 80}
#: The categories whose autocomplete must answer from the exact/prefix indexes alone.
FAST_PATH = ("exact", "prefix")


@dataclass(frozen=True, slots=True)
class Query:
    category: str
    text: str
    target: str | None = None  # the startup id a name query should find


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "double", "swap", "wrong"))
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    if how == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    letter = rng.choice([c for c in string.ascii_lowercase if c != word[i].lower()])
    return word[:i] + letter + word[i + 1 :]


def build(dataset: Dataset, seed: int = 7, scale: float = 1.0) -> list[Query]:
    """About ``520 * scale`` queries in a fixed order (categories interleaved)."""
    rng = random.Random(seed)
    startups = sorted(dataset.records[Kind.STARTUP].values(), key=lambda r: r.id)
    cities = sorted(dataset.records[Kind.CITY].values(), key=lambda r: r.id)
    orgs = sorted(dataset.records[Kind.ORGANIZATION].values(), key=lambda r: r.id)
    latin_aliases = [(a, r.id) for r in startups for a in r.aliases if not has_cjk(a)]
    chinese: list[tuple[str, str | None]] = [
        (t, r.id) for r in startups for t in (r.name_zh, *r.aliases) if t and has_cjk(t)
    ]
    figures = [(c, f) for c in cities if isinstance(c, City) for f in c.figures]
    wanted = {name: max(1, round(count * scale)) for name, count in MIX.items()}
    out: dict[str, list[Query]] = {name: [] for name in MIX}

    for _ in range(wanted["exact"]):
        record = rng.choice(startups)
        name = record.name if rng.random() < 0.6 else record.name.lower()
        out["exact"].append(Query("exact", name, record.id))
    for n in range(wanted["prefix"]):
        name = rng.choice(startups).name
        out["prefix"].append(Query("prefix", name[: 1 + n % 4].lower()))
    while len(out["typo"]) < wanted["typo"]:
        record = rng.choice(startups)
        words = record.name.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        if len(words[longest]) < 5:
            continue
        words[longest] = _typo(rng, words[longest])
        out["typo"].append(Query("typo", " ".join(words), record.id))
    for _ in range(wanted["alias"]):
        alias, owner = rng.choice(latin_aliases)
        out["alias"].append(Query("alias", alias, owner))
    for n in range(wanted["chinese"]):
        text, target = rng.choice(chinese)
        if n % 3 == 1:
            text = fold_script(text)  # typed in Simplified
        elif n % 3 == 2 and len(text) >= 3:
            start = rng.randrange(len(text) - 1)
            text, target = text[start : start + 2], None  # part of the name
        out["chinese"].append(Query("chinese", text, target))
    templates = [
        lambda: "How many {} does {} have?".format(*_figure_words(rng, figures)),
        lambda: f"which {rng.choice(_sectors(startups))} startups are in {rng.choice(cities).name}",
        lambda: f"startups working with {rng.choice(orgs).name}",
        lambda: f"what does {rng.choice(startups).name} do",
        lambda: _product_question(rng, startups),
        lambda: f"{rng.choice(cities).name_zh}有哪些初創公司",
    ]
    for n in range(wanted["question"]):
        out["question"].append(Query("question", templates[n % len(templates)]()))
    mixed: list[Query] = []
    queues = [list(reversed(q)) for q in out.values()]
    while any(queues):
        for queue in queues:
            if queue:
                mixed.append(queue.pop())
    return mixed


def _figure_words(rng: random.Random, figures) -> tuple[str, str]:
    city, figure = rng.choice(figures)
    return figure.label.lower(), city.name


def _sectors(startups) -> list[str]:
    return sorted({r.sector for r in startups[:500] if r.sector})


def _product_question(rng: random.Random, startups) -> str:
    """Words lifted from a description: 'delivery robot for hotels in Taipei' (from the
    startups that have one: the real-shape sets' do not all)."""
    words = rng.choice([s for s in startups if s.description]).description.split()
    start = rng.randrange(2, 6)
    return "who makes " + " ".join(words[start : start + rng.randint(3, 6)]).strip(".,")
