"""Finding records and figures for any text a member types.

One :class:`SearchIndex` is built per data snapshot (off the event loop) and never changes, so
a command that holds a snapshot sees one consistent world. It answers, best first:

1. exact name, Chinese name, alias or id (after normalization: case, width, punctuation,
   Traditional/Simplified);
2. prefixes of names and of their words (what autocomplete needs on each keystroke);
3. Chinese substrings through a character-bigram index (香港科技園 from 科技园);
4. typos, scored by rapidfuzz over a bounded candidate set drawn from a one-deletion index of
   words, so a typo costs the same at 50 records and at 100,000;
5. full text (FTS5, bm25) over descriptions, tags and figures — see :mod:`bot.store`.

Figures ("How many free Wi-Fi hotspots does Hong Kong have?") are matched by their labels and
keywords, preferring the city the question names.
"""

from __future__ import annotations

import bisect
import heapq
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from rapidfuzz import fuzz, process

from bot.index_types import FigureHit, Hit, IndexLike
from bot.model import City, Figure, Kind, Record
from bot.text import clean_input, compact, has_cjk, normalize, record_keys, words

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

_Sortable = TypeVar("_Sortable", bound="SupportsRichComparison")

#: Below this many keys a typo is scored against every key: exact and cheap.
FULL_SCAN_KEYS = 3000
MAX_FUZZY_CANDIDATES = 1500
FUZZY_CUTOFF = 75.0

STOPWORDS = frozenset(
    """a an the of in on at to for and or is are was were be been does do did has have had how
    many much what which who whom whose where when why tell me about show give list find
    there their its it this that these those with by from as any all can could would should
    please i we you our your my number count total""".split()
)


#: Which label of its record a key is: the name, the Chinese name, alias n (2 + n), the id.
#: A match on the name is worth 1.0, on the Chinese name 0.99, an alias 0.97, the id 0.96.
NAME_SLOT, ZH_SLOT, ID_SLOT = 0, 1, -1
#: One prefix entry in this many is kept as a string too, to start lookups (see _find).
FENCE_STEP = 32
#: Chunk size of the "gentle" sorts: each C-level sort call stays well under a few ms, so a
#: build running in a worker thread never holds the GIL (and the event loop) for long.
SORT_CHUNK = 8192
#: _sorted_texts splits a long list of texts by one more character at most this deep.
_MAX_SPLIT_DEPTH = 64
#: The one-deletion index is kept as sorted arrays of packed (hash, word) integers, spread
#: over at most 2 ** this many buckets: ~12 bytes per variant instead of a dict entry with a
#: string.
_MAX_DELETE_BUCKET_BITS = 12
_HASH_BITS = 43


class PrefixEntry(NamedTuple):
    """One prefix entry, decoded from its packed integer (see SearchIndex.prefix_entries)."""

    key: int  # the key's number
    text: str  # the key's whole text
    record: int  # the number of the key's record
    weight: float  # of a match on this label: name, Chinese name, alias or id
    offset: int  # where the entry starts in its key: 0 for the key itself or its compact form
    is_compact: bool  # the key without spaces
    starts_key: int  # how long a prefix of the entry also starts the key (at most 255)


#: The record fields an index is built from; a change elsewhere keeps the index valid.
INDEX_FIELDS = ("kind", "id", "name", "name_zh", "aliases", "figures", "city", "tags", "sector",
                "organizations")  # fmt: skip


def delete_bucket_bits(records: int) -> int:
    """How many top bits of a variant's hash pick its bucket in an index of ``records``
    records: about 25,000 variants a bucket (a ~5 ms sort), one bucket for a small index."""
    return min(_MAX_DELETE_BUCKET_BITS, (records // 1600).bit_length())


def _has_field_of(name: str) -> Callable[[Record], bool]:
    """Whether a record has the attribute ``name``, asked once per record class: a missing
    attribute of a pydantic model goes through its ``__getattr__`` (~2 µs a miss)."""
    known: dict[type, bool] = {}

    def has(record: Record) -> bool:
        cls = record.__class__
        found = known.get(cls)
        if found is None:
            found = known[cls] = hasattr(record, name)
        return found

    return has


def _entry_order(bucket: list[int], key_text: list[str]) -> list[int]:
    """One bucket of prefix entries in index order: by (text, whole first, packed entry).

    Entries of one text are grouped as they came (in key order, so in packed order), whole
    entries put before the others; the distinct texts are sorted in short C calls (see
    _sorted_texts). The same order as sorting every entry by that triple, without building
    and comparing a tuple per entry (a bucket of a common word holds 40,000 equal texts).
    """
    offset_mask, compact_mark, key_shift = _OFFSET_MASK, _COMPACT, _KEY_SHIFT
    # A text's entries: one packed integer, or a list when the text repeats (most texts
    # are one entry's: no list made for them).
    groups: dict[str, int | list[int]] = {}
    get = groups.get
    for packed in bucket:
        offset = packed & offset_mask
        key = key_text[packed >> key_shift]
        if not offset:
            text = key
        else:
            text = key.replace(" ", "") if offset == compact_mark else key[offset:]
        found = get(text)
        if found is None:
            groups[text] = packed
        elif isinstance(found, int):
            groups[text] = [found, packed]
        else:
            found.append(packed)
    bucket.clear()
    out: list[int] = []
    for text in _sorted_texts(list(groups), 2):
        group = groups[text]
        if isinstance(group, int):
            out.append(group)
            continue
        whole = [p for p in group if not (offset := p & offset_mask) or offset == compact_mark]
        if 0 < len(whole) < len(group):
            out.extend(whole)
            group = [p for p in group if (offset := p & offset_mask) and offset != compact_mark]
        out.extend(group)
    return out


def _sorted_pairs(pairs: list[tuple[str, int]], depth: int) -> list[tuple[str, int]]:
    """``sorted(pairs)``, where every pair's text shares its first ``depth`` characters: as
    _sorted_texts, a long list is split by the texts' next character first."""
    if len(pairs) <= SORT_CHUNK or depth > _MAX_SPLIT_DEPTH:
        return sorted(pairs)
    parts: dict[str, list[tuple[str, int]]] = {}
    for pair in pairs:
        head = pair[0][: depth + 1]
        found = parts.get(head)
        if found is None:
            parts[head] = [pair]
        else:
            found.append(pair)
    out: list[tuple[str, int]] = []
    for head in sorted(parts):
        out.extend(_sorted_pairs(parts.pop(head), depth + 1))
    return out


def _sorted_texts(texts: list[str], depth: int) -> list[str]:
    """``sorted(texts)``, where all of them share their first ``depth`` characters: a large
    list is split by its next character and each part sorted apart, so no single sort holds
    the GIL for long (sorting 30,000 strings takes ~20 ms)."""
    if len(texts) <= SORT_CHUNK or depth > _MAX_SPLIT_DEPTH:
        return sorted(texts)
    parts: dict[str, list[str]] = {}
    for text in texts:
        head = text[: depth + 1]
        found = parts.get(head)
        if found is None:
            parts[head] = [text]
        else:
            found.append(text)
    out: list[str] = []
    for head in sorted(parts):
        out.extend(_sorted_texts(parts.pop(head), depth + 1))
    return out


def _as_arrays(table: dict[Any, Any]) -> None:
    """Replace each list value of ``table`` by an ``array("i")`` of the same numbers."""
    for name, value in table.items():
        if isinstance(value, list):
            table[name] = array("i", value)


def _drain(items: list[Any]) -> None:
    """Empty a big list in slices: freeing 500,000 items at once holds the GIL ~30 ms."""
    while items:
        del items[-32768:]


class SearchIndex:
    """Immutable lookup structures over one snapshot's records.

    Built to stay small and fast at 100,000 records: keys are parallel arrays (text, record,
    which label); prefixes are one sorted array of packed integers (key, offset and what
    ranking needs), which also answers exact lookups; words map to a key number or a list of
    them; and the one-deletion typo index stores packed hashes in sorted arrays rather than
    millions of strings. ``label_keys``
    (record id() -> normalized labels, as the loader computed them) spares normalizing again.
    """

    def __init__(
        self,
        records: Iterable[Record],
        label_keys: Mapping[int, Sequence[str]] | None = None,
        *,
        scan_all_keys: bool | None = None,
    ) -> None:
        listed = list(records)
        if len(listed) > _NUMBER_MASK:
            raise ValueError(f"{len(listed):,} records: an index holds at most {_NUMBER_MASK:,}")
        # By kind, then name (casefolded), then load order: kinds apart, each split by the
        # names' first characters so no single sort holds the GIL for long (see _sorted_pairs).
        by_kind: dict[str, list[tuple[str, int]]] = {}
        for n, r in enumerate(listed):
            found = by_kind.get(r.kind)
            if found is None:
                by_kind[r.kind] = found = []
            found.append((r.name.casefold(), n))
        self.records: list[Record] = []
        kind_start: dict[str, int] = {}
        for kind in sorted(by_kind):
            pairs = _sorted_pairs(by_kind.pop(kind), 0)
            kind_start[kind] = len(self.records)
            self.records.extend([listed[n] for _, n in pairs])
            _drain(pairs)
        _drain(listed)
        self._kind_range: dict[Kind, range] = {}
        # Record ids of each kind, sorted, and their record numbers (looked up by bisect): a
        # dict of every id with an int object per number took ~8 MB more at 100k records.
        self._ref_ids: dict[str, list[str]] = {}
        self._ref_numbers: dict[str, array[int]] = {}
        self._add_refs(kind_start)
        self._key_text: list[str] = []
        self._key_rec = array("i")
        self._key_slot = array("h")
        self._key_weight = array("d")
        self._word_keys: dict[str, int | list[int] | array[int]] = {}
        self._words: list[str] = []
        self._bigrams: dict[str, list[int] | array[int]] = {}
        self._figures: list[tuple[int, Figure, frozenset[str], frozenset[str]]] = []
        self._figure_words: dict[str, list[int] | array[int]] = {}
        self._owner_words: dict[int, frozenset[str]] = {}
        self._city_keys: dict[str, int] = {}
        # Relations, for cards: records of a city, startups by tag or sector, initiatives by
        # organization (record numbers, in name order).
        self._by_city: dict[tuple[str, str], list[int] | array[int]] = {}
        self._by_tag: dict[str, list[int] | array[int]] = {}
        self._by_org: dict[str, list[int] | array[int]] = {}
        self._sectors: list[str] | None = None
        # Prefix entries (packed integers, see _pack), bucketed by their first two
        # characters so each sort stays small; one-deletion variants by hash bucket.
        prefix: dict[str, list[int]] = {}
        # One-deletion variants: packed (hash << 21 | word id), spread by their hash's top
        # bits over enough buckets that sorting one stays short (~25,000 entries a bucket).
        bucket_bits = delete_bucket_bits(len(self.records))
        self._delete_shift = _HASH_BITS + 21 - bucket_bits
        deletes: list[list[int]] = [[] for _ in range(1 << bucket_bits)]
        self._add_keys(label_keys, prefix, deletes)
        self._add_relations()
        for kind in Kind:
            start = kind_start.get(kind.value)
            if start is None:
                self._kind_range[kind] = range(0)
            else:
                self._kind_range[kind] = range(start, start + len(self._ref_ids[kind.value]))
        #: The Chinese names of cities (compact), found inside a question by /ask.
        self._cjk_city_keys = [
            (key, number) for key, number in self._city_keys.items()
            if " " not in key and has_cjk(key)
        ]  # fmt: skip
        # Prefix entries are packed (key, character offset) integers, not strings (the
        # suffix strings would take ~20 MB more at 100k records; see _entry_text), sorted by
        # (text, whole first, key) one two-character bucket at a time (no transient copy of
        # every text; the buckets in order are the entries in order). Exact lookups are the
        # run of whole entries equal to the text (no separate dict of every key: ~27 MB at
        # 100k records).
        self._prefix_pos = array("q")
        for first in sorted(prefix):
            self._prefix_pos.extend(_entry_order(prefix.pop(first), self._key_text))
        self._fences = [
            self._entry_text(self._prefix_pos[at])
            for at in range(0, len(self._prefix_pos), FENCE_STEP)
        ]
        # Each bucket's list freed as its array is made: 1,600,000 integers let go at once
        # hold the GIL ~30 ms.
        self._deletes = [array("Q", sorted(deletes.pop(0))) for _ in range(len(deletes))]
        #: Typos scored against every key (small data), or against candidates sharing a
        #: word up to one typo. A patch's delta follows its base (see bot.index_patch).
        self.scans_all_keys = (
            len(self._key_text) <= FULL_SCAN_KEYS if scan_all_keys is None else scan_all_keys
        )
        # Lists of key and record numbers as arrays: 4 bytes a number rather than an 8-byte
        # slot and a 28-byte int (~40 MB less at 100k records, and one object each to pickle).
        for table in (self._word_keys, self._bigrams, self._figure_words, self._by_city,
                      self._by_tag, self._by_org):  # fmt: skip
            _as_arrays(table)

    def dispose(self) -> None:
        """Take the structures apart one at a time, big lists in slices: freeing them all in
        one step holds the GIL (and stalls the event loop) for ~100 ms at 100k records. Call
        it only on an index nobody uses any more."""
        for name in list(vars(self)):
            value = self.__dict__.pop(name)
            # Structures shared with a newer index (see with_records) are only let go.
            if sys.getrefcount(value) <= 2:
                if isinstance(value, list):
                    _drain(value)
                elif isinstance(value, dict):
                    value.clear()
            del value

    def with_records(self, records: Iterable[Record]) -> SearchIndex | None:
        """A new index for ``records`` (a new version of this index's data), when they differ
        from this index's only in fields the index is not built from (a description, a
        website, a status...): it shares every structure with this one but the record list.
        None when a record was added or removed or changed a name, tag, city... (rebuild)."""
        mine = list(self.records)
        seen = 0
        for record in records:
            seen += 1
            number = self.number(record.kind, record.id)
            if number is None:
                return None
            old = mine[number]
            if old is record:
                continue
            if type(old) is not type(record) or any(
                getattr(old, name, None) != getattr(record, name, None) for name in INDEX_FIELDS
            ):
                return None
            mine[number] = record
        if seen != len(mine):
            return None
        clone = object.__new__(SearchIndex)
        clone.__dict__.update(self.__dict__)
        clone.records = mine
        return clone

    # ------------------------------------------------------------------ building
    #
    # One pass over every record's keys, with the work of each step written out in the loop
    # and every structure held in a local: at 100,000 records the build handles ~300,000
    # keys, ~1,000,000 prefix entries and ~1,600,000 one-deletion variants, where a method
    # call or an attribute read per item costs seconds.

    def _add_keys(
        self,
        label_keys: Mapping[int, Sequence[str]] | None,
        prefix: dict[str, list[int]],
        deletes: list[list[int]],
    ) -> None:
        """Every record's keys: the key arrays, prefix entries, words and their one-deletion
        variants, Chinese bigrams, city keys, and the figures' words."""
        key_text = self._key_text
        key_rec: list[int] = []
        key_slot: list[int] = []
        key_weight: list[float] = []
        word_keys = self._word_keys
        words_list = self._words
        bigrams = self._bigrams
        city_keys = self._city_keys
        get_known = label_keys.get if label_keys is not None else None
        weights = _WEIGHTS
        key_shift, length_shift, weight_shift, same_shift = (
            _KEY_SHIFT, _LENGTH_SHIFT, _WEIGHT_SHIFT, _SAME_SHIFT
        )  # fmt: skip
        byte, compact_mark, hash_mask = _BYTE, _COMPACT, _HASH_MASK
        delete_shift, word_mask = self._delete_shift, _WORD_MASK
        city_kind = Kind.CITY.value
        prefix_get = prefix.get
        word_get = word_keys.get
        figured = _has_field_of("figures")
        for number, record in enumerate(self.records):
            kind = record.kind
            known = get_known(id(record)) if get_known is not None else None
            keys = known or record_keys(record)
            is_city = kind == city_kind
            figures = cast(Any, record).figures if figured(record) else ()
            owner_words: set[str] = set()
            # Slots: the name, the Chinese name, alias n (2 + n), the id (NAME_SLOT...).
            last = len(keys) - 1
            if last != len(record.aliases) + 2:
                raise ValueError(f"{kind} {record.id}: {len(keys)} keys for its labels")
            seen: set[str] = set()
            for position, text in enumerate(keys):
                if not text or text in seen:
                    continue
                seen.add(text)
                if figures:
                    owner_words.update(words(text))
                if position == last:
                    slot, weight_class = ID_SLOT, 3
                elif position < 2:
                    slot = weight_class = position  # NAME_SLOT 0, ZH_SLOT 1
                else:
                    slot, weight_class = position, 2
                index = len(key_text)
                key_text.append(text)
                key_rec.append(number)
                key_slot.append(slot)
                key_weight.append(weights[weight_class])
                squeezed = text.replace(" ", "")  # compact()
                if is_city:
                    city_keys[text] = number
                    city_keys[squeezed] = number
                # Prefix entries: the key and its compact form ("whole": they also answer
                # exact lookups), and the key from each later word on. Each entry carries
                # what ranking a prefix hit needs (see _pack), so autocomplete never reads
                # the key's text.
                packed = (
                    (index << key_shift)
                    | ((len(text) if len(text) < byte else byte) << length_shift)
                    | (weight_class << weight_shift)
                )
                first = text[:2]
                bucket = prefix_get(first)
                if bucket is None:
                    prefix[first] = [packed]
                else:
                    bucket.append(packed)
                plain = text.isascii()  # most keys: no CJK to look for, words split on spaces
                if " " in text:
                    parts = text.split(" ")
                    offset = 0
                    head = text[0]
                    for part in parts[:-1]:
                        offset += len(part) + 1
                        if offset >= compact_mark:  # a 1000-character name: far words unindexed
                            break
                        # A prefix of this word that also starts the key (or its compact
                        # form) is a hit "at the start": how long such a prefix can be.
                        entry = packed | offset
                        if text[offset] == head:
                            rest = text[offset:]
                            same = max(_common_length(text, rest), _common_length(squeezed, rest))
                            entry |= (same if same < byte else byte) << same_shift
                        first = text[offset : offset + 2]
                        bucket = prefix_get(first)
                        if bucket is None:
                            prefix[first] = [entry]
                        else:
                            bucket.append(entry)
                    first = squeezed[:2]
                    bucket = prefix_get(first)
                    if bucket is None:
                        prefix[first] = [packed | compact_mark]
                    else:
                        bucket.append(packed | compact_mark)
                    split = parts if plain else words(text)
                else:
                    split = [text] if plain else words(text)
                # stem(), written out: ~600,000 words at 100k records.
                for word in (
                    {w[:-1] if len(w) > 3 and w[-1] == "s" and w[-2] != "s" else w for w in split}
                    if len(split) > 1 else (stem(split[0]),)
                ):  # fmt: skip
                    if not plain and has_cjk(word):
                        continue
                    postings = word_get(word)
                    if postings is None:
                        word_keys[word] = index
                        # A new word: its one-deletion variants, packed (hash, word id).
                        word_id = len(words_list)
                        words_list.append(word)
                        if word_id > word_mask or len(word) < 3:
                            continue  # over two million distinct words: exact words only
                        # Each distinct variant once (as _deletions): deleting any letter
                        # of a run of equal letters gives the same word, so one per run.
                        for packed_variant in [
                            ((hash(word[:i] + word[i + 1 :]) & hash_mask) << 21) | word_id
                            for i in range(len(word)) if not i or word[i] != word[i - 1]
                        ]:  # fmt: skip
                            deletes[packed_variant >> delete_shift].append(packed_variant)
                    elif isinstance(postings, int):
                        word_keys[word] = [postings, index]
                    else:
                        postings.append(index)
                if not plain and has_cjk(text):
                    for bigram in {squeezed[i : i + 2] for i in range(max(1, len(squeezed) - 1))}:
                        found = bigrams.get(bigram)
                        if found is None:
                            bigrams[bigram] = [index]
                        else:
                            found.append(index)
            if figures:
                self._add_figures(number, figures, owner_words)
        self._key_rec.extend(key_rec)
        self._key_slot.extend(key_slot)
        self._key_weight.extend(key_weight)

    def _add_refs(self, kind_start: Mapping[str, int]) -> None:
        """Each kind's record ids, sorted, and their numbers; of ids given twice, the later
        record (as a dict filled in record order would keep)."""
        starts = [*sorted(kind_start.values()), len(self.records)]
        records = self.records
        for kind in Kind:
            ids: list[str] = []
            numbers = array("i")
            start = kind_start.get(kind.value)
            if start is not None:
                stop = starts[starts.index(start) + 1]
                pairs = _sorted_pairs([(records[n].id, n) for n in range(start, stop)], 0)
                for at, (record_id, number) in enumerate(pairs):
                    if at + 1 < len(pairs) and pairs[at + 1][0] == record_id:
                        continue  # the same id again later: that one is kept
                    ids.append(record_id)
                    numbers.append(number)
            self._ref_ids[kind.value] = ids
            self._ref_numbers[kind.value] = numbers

    def _add_figures(self, number: int, figures: Sequence[Figure], owner_words: set[str]) -> None:
        self._owner_words[number] = frozenset(owner_words)
        for figure in figures:
            text = " ".join(
                [figure.label, figure.label_zh or "", figure.unit or "", *figure.keywords]
            )
            label_words = frozenset(words(normalize(text))) - STOPWORDS
            scope_words = frozenset(words(normalize(figure.scope or "")))
            position = len(self._figures)
            self._figures.append((number, figure, label_words, scope_words))
            for word in label_words | scope_words:
                self._figure_words.setdefault(word, []).append(position)

    def _add_relations(self) -> None:
        """Records by city, startups by tag and sector, initiatives by organization; and the
        startups' sectors and tags for /browse (see startup_sectors), in the same pass."""
        by_city, by_tag, by_org = self._by_city, self._by_tag, self._by_org
        startup, initiative = Kind.STARTUP.value, Kind.INITIATIVE.value
        has_city = _has_field_of("city")
        has_sector = _has_field_of("sector")
        has_orgs = _has_field_of("organizations")
        sectors: dict[str, str] = {}
        for number, record in enumerate(self.records):
            kind = record.kind
            city = cast(Any, record).city if has_city(record) else None
            if city is not None:
                found = by_city.get((kind, city))
                if found is None:
                    by_city[(kind, city)] = [number]
                else:
                    found.append(number)
            if kind == startup:
                sector = cast(Any, record).sector if has_sector(record) else None
                # Sectors: the first spelling of each, in name order (as startup_sectors).
                for value in (sector, *record.tags):
                    if value:
                        sectors.setdefault(normalize(value), value)
                # The kin keys: normalized tags and sector (as _kin_keys).
                kin = {normalize(t) for t in record.tags} | {normalize(sector or "")}
                kin.discard("")
                for tag in kin:
                    found = by_tag.get(tag)
                    if found is None:
                        by_tag[tag] = [number]
                    else:
                        found.append(number)
            elif kind == initiative and has_orgs(record):
                for org in dict.fromkeys(cast(Any, record).organizations):
                    by_org.setdefault(org, []).append(number)
        self._sectors = sorted(sectors.values(), key=str.casefold)

    def _similar_words(self, variant: str) -> Iterator[str]:
        """Indexed words one of whose one-deletion variants is ``variant``."""
        wanted = hash(variant) & _HASH_MASK
        bucket = self._deletes[(wanted << 21) >> self._delete_shift]
        at = bisect.bisect_left(bucket, wanted << 21)
        while at < len(bucket) and bucket[at] >> 21 == wanted:
            yield self._words[bucket[at] & _WORD_MASK]
            at += 1

    # ------------------------------------------------------------------ keys

    def _exact_keys(self, text: str) -> list[int]:
        """Keys whose text, or text without spaces, is ``text`` (in key order)."""
        positions = self._prefix_pos
        at = self._find(text)
        found = []
        while at < len(positions):
            position = positions[at]
            offset = position & _OFFSET_MASK
            if (offset and offset != _COMPACT) or self._entry_text(position) != text:
                break
            found.append(position >> _KEY_SHIFT)
            at += 1
        return found

    def _entry_text(self, position: int) -> str:
        """The text of a prefix entry: its key from a word on, or the key without spaces."""
        text = self._key_text[position >> _KEY_SHIFT]
        offset = position & _OFFSET_MASK
        return compact(text) if offset == _COMPACT else text[offset:] if offset else text

    def _label(self, key: int) -> str:
        record = self.records[self._key_rec[key]]
        slot = self._key_slot[key]
        if slot == NAME_SLOT:
            return record.name
        if slot == ZH_SLOT:
            return record.name_zh or ""
        if slot == ID_SLOT:
            return record.id.replace("-", " ")
        return record.aliases[slot - 2]

    # ------------------------------------------------------------------ lookups

    def record(self, kind: Kind | str, record_id: str) -> Record | None:
        number = self.number(kind, record_id)
        return None if number is None else self.records[number]

    def of_kind(self, kind: Kind | None, limit: int | None = None) -> list[Record]:
        """Records of a kind (all kinds for None) by name; the first ``limit`` only if given."""
        span = self.numbers_of_kind(kind)
        stop = span.stop if limit is None else min(span.stop, span.start + limit)
        return self.records[span.start : stop]

    def numbers_of_kind(self, kind: Kind | None) -> range:
        """The record numbers of a kind (all kinds for None), which run in name order."""
        if kind is None:
            return range(len(self.records))
        return self._kind_range[Kind(kind)]

    def number(self, kind: Kind | str, record_id: str) -> int | None:
        """A record's number in this index (None if it has no such record)."""
        ids = self._ref_ids.get(str(kind))
        if ids is None:
            return None
        at = bisect.bisect_left(ids, record_id)
        if at < len(ids) and ids[at] == record_id:
            return self._ref_numbers[str(kind)][at]
        return None

    def lookup(
        self,
        text: str,
        kind: Kind | None = None,
        limit: int = 25,
        *,
        typos_if_found: bool = True,
        typos: bool = True,
    ) -> list[Hit]:
        """Rank records by name for ``text``: exact, prefix, all words, Chinese substring, then
        typos.

        ``typos_if_found=False`` (autocomplete) skips typo matching when the text already
        names a record, or is at most 4 characters and starts names or their words: the
        member is typing a name that exists, and scoring near-misses is the slowest part.
        ``typos=False`` (autocomplete under pressure) never matches typos.
        """
        return lookup_parts(
            self, [(self, frozenset())], text, kind, limit, typos_if_found, typos=typos
        )

    def _offer(self, best: Matches, span: range | None) -> Offer:
        """The function phases call with each matching key and its score."""
        key_rec = self._key_rec
        key_weight = self._key_weight

        def offer(key_index: int, score: float, matched: str) -> None:
            number = key_rec[key_index]
            if span is not None and number not in span:
                return
            score *= key_weight[key_index]
            current = best.get(number)
            if current is None or score > current[0]:
                rounded = round(score, 2)
                best[number] = (rounded, key_index, matched, _rank(rounded, number))

        return offer

    def direct_matches(
        self,
        query: str,
        kind: Kind | None,
        limit: int,
        exclude: AbstractSet[int] = frozenset(),
    ) -> Matches:
        """Exact, prefix, all-words and Chinese matches of a normalized ``query``."""
        best: Matches = {}
        span = self._kind_range[Kind(kind)] if kind is not None else None
        offer = self._offer(best, span)
        for index in self._exact_keys(query):
            offer(index, 100.0, "name")
        squeezed = compact(query)
        if squeezed != query:
            for index in self._exact_keys(squeezed):
                offer(index, 99.0, "name")
        self._prefix_hits(query, best, span, limit)
        if squeezed != query:
            self._prefix_hits(squeezed, best, span, limit)
        if " " in query:
            self._all_words_hits(query, offer, limit)
        if has_cjk(query):
            self._cjk_hits(squeezed, offer)
        if exclude:
            _drop(best, exclude)
        return best

    def typo_matches(
        self,
        query: str,
        kind: Kind | None,
        limit: int,
        best: Matches,
        exclude: AbstractSet[int] = frozenset(),
    ) -> None:
        """Add near misses of a normalized ``query`` to ``best``."""
        span = self._kind_range[Kind(kind)] if kind is not None else None
        self._fuzzy_hits(query, self._offer(best, span), limit)
        if exclude:
            _drop(best, exclude)

    def ranked(self, best: Matches, kind: Kind | None, limit: int) -> list[Hit]:
        """The ``limit`` best matches as hits, by score, then name."""
        records = self.records
        if kind is not None:  # record numbers of one kind run in name order: sort by rank
            ranks = [found[3] for found in best.values()]
            numbers = [rank & _NUMBER_MASK for rank in _smallest(limit, ranks)]
        else:
            order = [(-found[0], records[n].name.casefold(), n) for n, found in best.items()]
            numbers = [n for *_, n in _smallest(limit, order)]
        hits = []
        for number in numbers:
            score, key, matched, _ = best[number]
            hits.append(Hit(records[number], score, matched, self._label(key)))
        return hits

    def _prefix_range(self, query: str) -> tuple[int, int]:
        """Positions in the prefix list of entries starting with ``query``."""
        start = self._find(query)
        return start, self._find(query + "\U0010ffff", start)

    def _find(self, text: str, lo: int = 0) -> int:
        """The first position in the prefix list whose entry is not before ``text``.

        The fences (every FENCE_STEP-th entry's text, as strings) narrow it down in C; the
        last few steps decode entries. A bisect over decoded entries alone reads ~20 key texts
        scattered over memory, each a cache miss on a large index.
        """
        fences = self._fences
        block = bisect.bisect_left(fences, text)
        low = max(lo, (block - 1) * FENCE_STEP)
        high = min(len(self._prefix_pos), block * FENCE_STEP)
        if high < low:
            high = low
        return bisect.bisect_left(self._prefix_pos, text, low, high, key=self._entry_text)

    def _prefix_hits(
        self,
        query: str,
        best: Matches,
        span: range | None,
        limit: int,
    ) -> None:
        """Names and their words starting with ``query`` (the hot path of autocomplete: the
        work of ``offer`` is inlined)."""
        start, end = self._prefix_range(query)
        stop = min(end, start + max(limit * 8, 200))
        key_rec = self._key_rec
        size = len(query)
        get = best.get
        # Locals, not globals, in the loop (each global read is a dict lookup).
        key_shift, offset_mask, compact_mark, byte = _KEY_SHIFT, _OFFSET_MASK, _COMPACT, _BYTE
        same_shift, length_shift, weight_shift = _SAME_SHIFT, _LENGTH_SHIFT, _WEIGHT_SHIFT
        scores, cap = _PREFIX_SCORES, _LEFTOVER_CAP
        for packed in self._prefix_pos[start:stop]:
            index = packed >> key_shift
            number = key_rec[index]
            if span is not None and number not in span:
                continue
            offset = packed & offset_mask
            at_start = not offset or offset == compact_mark or size <= (packed >> same_shift) & byte
            # Longer leftovers rank lower: "we" prefers "WeLab" to "WeLab Digital Bank".
            leftover = ((packed >> length_shift) & byte) - size
            score, rounded, rank = scores[(packed >> weight_shift) & 3][at_start][
                leftover if leftover < cap else cap
            ]
            current = get(number)
            if current is None or score > current[0]:
                best[number] = (rounded, index, "prefix", rank | number)

    def _all_words_hits(self, query: str, offer: Offer, limit: int) -> None:
        """Every typed word starts some word of the name: "science park" finds
        "Hong Kong Science and Technology Parks Corporation"."""
        typed = query.split()
        # Anchor on the typed word that starts the fewest names (the longest on a tie): a
        # common word like "smart" would fill the capped scan with names lacking the others.
        spans = {word: self._prefix_range(word) for word in dict.fromkeys(typed)}
        anchor = min(typed, key=lambda w: (spans[w][1] - spans[w][0], -len(w)))
        start, end = spans[anchor]
        cap = max(limit * 20, 500)
        texts = self._key_text
        keys = self._prefix_pos
        for position in range(start, min(end, start + cap)):
            index = keys[position] >> _KEY_SHIFT
            key_words = texts[index].split()
            if all(any(w.startswith(t) for w in key_words) for t in typed):
                offer(index, 84.0, "words")

    def _cjk_hits(self, query: str, offer: Offer) -> None:
        chars = [ch for ch in query if has_cjk(ch)]
        if len(chars) < 2:
            return
        grams = [query[i : i + 2] for i in range(len(query) - 1) if has_cjk(query[i : i + 2])]
        if not grams:
            return
        candidates: set[int] | None = None
        for gram in sorted(set(grams), key=lambda g: len(self._bigrams.get(g, ()))):
            postings = set(self._bigrams.get(gram, ()))
            candidates = postings if candidates is None else candidates & postings
            if not candidates:
                return
        for index in candidates or ():
            whole = compact(self._key_text[index])
            if query in whole:
                offer(index, 86.0 - 6.0 * min(len(whole) - len(query), 10) / 10, "chinese")
            else:
                offer(index, 70.0, "chinese")

    def _postings(self, word: str) -> Sequence[int]:
        found = self._word_keys.get(word)
        if found is None:
            return ()
        return (found,) if isinstance(found, int) else found

    def _word_matches(self, query: str) -> tuple[dict[int, int], int]:
        """Keys sharing words with the query up to one typo each: key -> words matched.

        Both sides are reduced to one-deletion variants of their (singular) words, so a
        dropped, added, swapped or wrong letter, or a plural, still meets its word.

        A word that meets more than MAX_FUZZY_CANDIDATES keys (in a large data set: "ltd",
        "technologies", or "tyd" one typo away from "ltd") only confirms keys that rarer
        words found, when they found any: thousands of names sharing one common word are not
        typo matches of the rarer one.
        """
        typed = [stem(w) for w in words(query) if not has_cjk(w) and len(w) >= 3]
        typed = [w for w in typed if w not in STOPWORDS]
        # Per typed word, the postings of its similar words, and their union when it may be
        # small: a word one of whose postings alone is too long is common, and its union
        # ("limited": 43,000 keys at 100k records, ~1 ms to build) is built only if needed.
        per_word: list[tuple[list[Sequence[int]], set[int] | None]] = []
        for word in dict.fromkeys(typed):
            similar = {word} if word in self._word_keys else set()
            for variant in (*_deletions(word), word):
                similar.update(self._similar_words(variant))
                if len(variant) >= 4 and variant in self._word_keys:  # a letter too many
                    similar.add(variant)
            # (sorted: str hashes, so set order, vary by process)
            lists: list[Sequence[int]] = [self._postings(other) for other in sorted(similar)]
            if any(len(postings) > MAX_FUZZY_CANDIDATES for postings in lists):
                per_word.append((lists, None))
            else:
                per_word.append((lists, _union(lists)))
        found: dict[int, int] = {}
        common = [(lists, matched) for lists, matched in per_word
                  if matched is None or len(matched) > MAX_FUZZY_CANDIDATES]  # fmt: skip
        rare_found = common and any(
            matched for _, matched in per_word
            if matched is not None and len(matched) <= MAX_FUZZY_CANDIDATES
        )  # fmt: skip
        for lists, matched in per_word:
            if rare_found and (matched is None or len(matched) > MAX_FUZZY_CANDIDATES):
                continue
            for index in matched if matched is not None else _union(lists):
                found[index] = found.get(index, 0) + 1
        if rare_found:
            for lists, matched in common:
                for index in _among(found, lists, matched):
                    found[index] += 1
        return found, len(set(typed))

    def _fuzzy_hits(self, query: str, offer: Offer, limit: int) -> None:
        found, wanted = self._word_matches(query)
        if wanted and found:
            if len(found) > MAX_FUZZY_CANDIDATES:
                # Most words matched first, then key order: the same candidates in every
                # process (a set's order may depend on how it was filled).
                top = heapq.nlargest(MAX_FUZZY_CANDIDATES, sorted(found), key=found.__getitem__)
                found = {index: found[index] for index in top}
            for index, count in found.items():
                if count == wanted:
                    offer(index, 72.0 + 6.0 * min(wanted, 3) / 3, "typo")
                elif wanted >= 2 and count * 2 >= wanted:
                    offer(index, 55.0 + 10.0 * count / wanted, "typo")
        if self.scans_all_keys:
            candidates: Iterable[int] = range(len(self._key_text))
        else:
            candidates = found
        choices = {index: self._key_text[index] for index in candidates}
        if not choices:
            return
        # Plain edit-distance ratio: WRatio's partial matching lets any short query "match"
        # a long alias, which is noise for names.
        for _text, score, index in process.extract(
            query, choices, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=FUZZY_CUTOFF
        ):
            offer(index, 85.0 * score / 100.0, "typo")

    # ------------------------------------------------------------------ figures

    def mentioned_cities(self, text: str) -> set[str]:
        """Ids of the cities a question names (by name, alias or Chinese name)."""
        query = normalize(clean_input(text, 1000))
        tokens = query.split()
        found: set[int] = set()
        for size in (3, 2, 1):
            for start in range(0, max(0, len(tokens) - size + 1)):
                phrase = " ".join(tokens[start : start + size])
                if phrase in self._city_keys:
                    found.add(self._city_keys[phrase])
        squeezed = compact(query)
        for key, number in self._cjk_city_keys:
            if key in squeezed:
                found.add(number)
        return {self.records[number].id for number in found}

    def _city_numbers(self, ids: AbstractSet[str]) -> set[int]:
        city = Kind.CITY.value
        numbers = (self.number(city, city_id) for city_id in ids)
        return {number for number in numbers if number is not None}

    def city_words(self, ids: AbstractSet[str]) -> frozenset[str]:
        """The words of those cities' names and aliases ("hong", "kong", "hk", "香", "港"...)."""
        found: set[str] = set()
        for number in self._city_numbers(ids):
            found |= self._owner_words.get(number, frozenset())
        return frozenset(found)

    def figures(
        self,
        question: str,
        limit: int = 3,
        cities: AbstractSet[str] | None = None,
        *,
        exclude: AbstractSet[int] = frozenset(),
    ) -> list[FigureHit]:
        """Figures whose labels match the question, the named city's first.

        ``cities``: the ids of the question's cities when the caller has already found them.
        ``exclude``: record numbers whose figures are left out.
        """
        query = normalize(clean_input(question, 1000))
        asked = set(words(query)) - STOPWORDS
        if not asked:
            return []
        # Only figures sharing a word with the question can score: look those up.
        positions = sorted(
            {p for word in asked for p in self._figure_words.get(word, ())}
        )
        if not positions:
            return []
        if cities is None:
            cities = self.mentioned_cities(question)
        named = bool(cities)
        city_numbers = self._city_numbers(cities)
        scored: list[tuple[float, int, FigureHit]] = []
        for position in positions:
            number, figure, label_words, scope_words = self._figures[position]
            if number in exclude:
                continue
            owner_words = self._owner_words.get(number, frozenset())
            content = asked - owner_words if number in city_numbers else asked
            matched = len(content & label_words) + 0.5 * len(content & scope_words)
            if matched < 1:
                continue
            coverage = len(content & label_words) / max(1, len(label_words))
            precision = matched / max(1, len(content))
            if coverage < 0.34 and precision < 0.5:
                continue
            score = 50 * precision + 30 * coverage + (20 if number in city_numbers else 0)
            if named and number not in city_numbers and self.records[number].kind == Kind.CITY:
                score -= 40
            owner = self.records[number]
            scored.append((score, position, FigureHit(owner, figure, round(score, 2))))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [hit for score, _, hit in scored[:limit] if score >= 40]

    def cities(self) -> list[City]:
        return cast("list[City]", self.of_kind(Kind.CITY))  # the records of kind "city"

    # ------------------------------------------------------------------ relations

    def in_city(self, kind: Kind, city_id: str) -> list[Record]:
        """Records of ``kind`` whose ``city`` is ``city_id``, by name."""
        return [self.records[n] for n in self._by_city.get((kind.value, city_id), ())]

    def initiatives_of(self, organization_id: str) -> list[Record]:
        """Initiatives that list the organization, by name."""
        return [self.records[n] for n in self._by_org.get(organization_id, ())]

    def similar_startups(self, startup: Record, limit: int) -> list[Record]:
        """The first ``limit`` other startups (by name) sharing a tag or the sector."""
        mine = _kin_keys(startup)
        own = self.number(Kind.STARTUP.value, startup.id)
        found: list[Record] = []
        previous = -1
        for number in heapq.merge(*(self._by_tag.get(tag, ()) for tag in mine)):
            if number in (previous, own):
                continue
            previous = number
            found.append(self.records[number])
            if len(found) >= limit:
                break
        return found

    def sectors(self) -> list[str]:
        """Startup sectors and tags (first spelling of each), sorted; built with the index."""
        if self._sectors is None:
            self._sectors = startup_sectors(self.of_kind(Kind.STARTUP))
        return self._sectors

    # ------------------------------------------------------------------ inspection

    def prefix_entries(self, query: str) -> list[PrefixEntry]:
        """The prefix entries starting with a normalized ``query``, in index order, decoded
        (for tests and diagnostics: lookups read the packed bits themselves)."""
        start, end = self._prefix_range(query)
        entries = []
        for packed in self._prefix_pos[start:end]:
            key = packed >> _KEY_SHIFT
            offset = packed & _OFFSET_MASK
            entries.append(
                PrefixEntry(
                    key,
                    self._key_text[key],
                    self._key_rec[key],
                    self._key_weight[key],
                    0 if offset == _COMPACT else offset,
                    offset == _COMPACT,
                    (packed >> _SAME_SHIFT) & _BYTE,
                )
            )
        return entries

    def prefix_matches(self, query: str, limit: int) -> Matches:
        """The prefix phase of a lookup alone, for a normalized ``query`` and every kind."""
        best: Matches = {}
        self._prefix_hits(query, best, None, limit)
        return best

    def key_record(self, key: int) -> int:
        """The number of the record a key (one of its labels, normalized) belongs to."""
        return self._key_rec[key]


# A prefix entry is one integer: from the top, the key's number, then the key's length, how
# long a prefix of the entry also starts the key (both capped at 255), the key's weight class
# and the character offset of the entry in its key (or _COMPACT).
_OFFSET_BITS = 10
_OFFSET_MASK = (1 << _OFFSET_BITS) - 1
_COMPACT = _OFFSET_MASK  # the offset that marks a key's compact form
_WEIGHT_SHIFT = _OFFSET_BITS
_SAME_SHIFT = _WEIGHT_SHIFT + 2
_LENGTH_SHIFT = _SAME_SHIFT + 8
_KEY_SHIFT = _LENGTH_SHIFT + 8
_BYTE = 255
#: Weight of a match on the name, the Chinese name, an alias, the id.
_WEIGHTS = (1.0, 0.99, 0.97, 0.96)
_LEFTOVER_CAP = 40
_HASH_MASK = (1 << _HASH_BITS) - 1
_WORD_MASK = (1 << 21) - 1


def _pack(key: int, length: int, weight_class: int) -> int:
    return (key << _KEY_SHIFT) | (min(length, _BYTE) << _LENGTH_SHIFT) | (
        weight_class << _WEIGHT_SHIFT
    )


def _common_length(a: str, b: str) -> int:
    """How many leading characters ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _prefix_score(at_start: bool, leftover: int, weight: float) -> tuple[float, float, int]:
    """A prefix hit's score, its rounding and its rank (to be or-ed with a record number)."""
    score = ((94.0 if at_start else 88.0) - 4.0 * (min(leftover, 40) / 40)) * weight
    rounded = round(score, 2)
    return score, rounded, _rank(rounded, 0)


#: Record numbers fit in this many bits of a rank (16 million records).
_NUMBER_BITS = 24
_NUMBER_MASK = (1 << _NUMBER_BITS) - 1


def _rank(rounded: float, number: int) -> int:
    """One integer that sorts like (-score, number): best score first, then name order.
    (Sorting 200 integers takes ~3 µs; 200 tuples ~20.)"""
    return ((10000 - round(rounded * 100)) << _NUMBER_BITS) | number


def rank_number(rank: int) -> int:
    """The record number a lookup candidate's rank carries (see _rank)."""
    return rank & _NUMBER_MASK


#: _prefix_score for each weight class, start or not and leftover (0-40): a table lookup
#: instead of arithmetic and round() for each of the ~200 entries a short prefix scans.
_PREFIX_SCORES = tuple(
    tuple(tuple(_prefix_score(at_start, left, weight) for left in range(_LEFTOVER_CAP + 1))
          for at_start in (False, True))
    for weight in _WEIGHTS
)  # fmt: skip


def lookup_parts(
    listing: IndexLike,
    parts: Sequence[tuple[SearchIndex, AbstractSet[int]]],
    text: str,
    kind: Kind | None,
    limit: int,
    typos_if_found: bool,
    *,
    typos: bool = True,
) -> list[Hit]:
    """:meth:`SearchIndex.lookup` over index parts (one index; or a patch's base, with the
    record numbers it hides, and its delta), which decide on typo matching together, as one
    index over all their records would. An empty text lists ``listing``'s records by name."""
    query = normalize(clean_input(text))
    if not query:
        return [Hit(r, 0.0, "list", r.name) for r in listing.of_kind(kind, limit)]
    found = [index.direct_matches(query, kind, limit, hidden) for index, hidden in parts]
    if typos and wants_typos(found, query, limit, typos_if_found=typos_if_found):
        for (index, hidden), best in zip(parts, found, strict=True):
            index.typo_matches(query, kind, limit, best, hidden)
    if len(parts) == 1:
        return parts[0][0].ranked(found[0], kind, limit)
    hits = [hit for (index, _), best in zip(parts, found, strict=True)
            for hit in index.ranked(best, kind, limit)]  # fmt: skip
    hits.sort(key=lambda h: (-h.score, h.record.name.casefold()))
    return hits[:limit]


#: A lookup's candidates: record number -> (rounded score, key, how it matched, rank: see
#: _rank). Hits are made for the winners only.
Matches = dict[int, tuple[float, int, str, int]]
#: What a lookup phase calls with each matching key: (key number, score, how it matched).
Offer = Callable[[int, float, str], None]


def wants_typos(
    found: Sequence[Matches], query: str, limit: int, *, typos_if_found: bool
) -> bool:
    """Whether to look for near misses, given what exact and prefix matching ``found`` (the
    candidates of every part of an index: see bot.index_patch)."""
    if len(query) < 3:
        return False
    if not typos_if_found and any(found):
        # A typed name, or a short text that starts names: no typo matching. (A longer
        # text may start some other name and still be a typo of the one meant.)
        how = {match[2] for best in found for match in best.values()}
        if "name" in how or (len(query) <= 4 and how - {"chinese"}):
            return False
    strong = sum(1 for best in found for match in best.values() if match[0] >= 80)
    return strong < limit


def _kin_keys(startup: Record) -> set[str]:
    """The normalized tags and sector that make startups "similar" (no sector is no kinship:
    an empty key must not link unrelated startups)."""
    keys = {normalize(t) for t in startup.tags} | {normalize(getattr(startup, "sector", "") or "")}
    keys.discard("")
    return keys


def startup_sectors(startups: Iterable[Record]) -> list[str]:
    """The distinct sectors and tags of startups (first spelling of each), sorted."""
    values: dict[str, str] = {}
    for record in startups:
        for value in (getattr(record, "sector", None), *record.tags):
            if value:
                values.setdefault(normalize(value), value)
    return sorted(values.values(), key=str.casefold)


def _union(lists: Sequence[Sequence[int]]) -> set[int]:
    """The keys of several postings, as one set (filled in the given order)."""
    matched: set[int] = set()
    for postings in lists:
        matched.update(postings)
    return matched


def _among(
    found: Mapping[int, int], lists: Sequence[Sequence[int]], matched: set[int] | None
) -> Iterable[int]:
    """The keys of ``found`` that are in one of the postings (each sorted): by a set when it
    is built or cheap to build, else by bisecting each postings for each key (a few found
    keys against a common word's tens of thousands)."""
    if matched is None:
        total = sum(len(postings) for postings in lists)
        if len(found) * len(lists) * 8 < total:
            return [key for key in found if any(_holds(p, key) for p in lists)]
        matched = _union(lists)
    return matched.intersection(found)


def _holds(postings: Sequence[int], key: int) -> bool:
    at = bisect.bisect_left(postings, key)
    return at < len(postings) and postings[at] == key


def _drop(best: Matches, exclude: AbstractSet[int]) -> None:
    """Remove the excluded record numbers from a lookup's candidates."""
    if len(exclude) < len(best):
        for number in exclude:
            best.pop(number, None)
    else:
        for number in [n for n in best if n in exclude]:
            del best[number]


def _smallest(limit: int, items: list[_Sortable]) -> list[_Sortable]:
    """The ``limit`` smallest items, in order (a sort is faster for few items)."""
    if len(items) <= 16 * limit:
        items.sort()
        return items[:limit]
    return heapq.nsmallest(limit, items)


def stem(word: str) -> str:
    """A crude singular: 'lampposts' -> 'lamppost' (enough to meet plurals in typo matching)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _deletions(word: str) -> set[str]:
    """Every way to drop one character: 'welab' -> {'elab', 'wlab', 'weab', 'welb', 'wela'}."""
    if len(word) < 3:
        return set()
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def suggestions(
    index: IndexLike, text: str, kind: Kind | None, limit: int = 5
) -> list[str]:
    """Names to offer as "did you mean" when nothing matched well enough."""
    hits = index.lookup(text, kind, limit=limit)
    if not hits:
        return []
    return [hit.record.name for hit in hits]


def question_terms(text: str) -> Sequence[str]:
    """The content words of a question, for full-text search (stopwords removed). A run of
    CJK characters stays one term, so full-text search can match its character pairs
    (see bot.fts.match_parts) rather than each character alone."""
    terms: list[str] = []
    for token in normalize(clean_input(text, 1000)).split():
        if not has_cjk(token):
            if token not in STOPWORDS:
                terms.append(token)
            continue
        run = ""
        for part in words(token):
            if has_cjk(part):
                run += part
                continue
            if run:
                terms.append(run)
                run = ""
            if part not in STOPWORDS:
                terms.append(part)
        if run:
            terms.append(run)
    return terms
