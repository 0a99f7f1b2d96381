"""Spotlight pure helpers: weekly slots across DST, time/zone parsing, rotation order."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.spotlight import (
    DEFAULT_TIMEZONE,
    InvalidTime,
    InvalidTimezone,
    latest_slot,
    match_timezones,
    next_slot,
    parse_time,
    pick_next,
    resolve_timezone,
    rotation_order,
    slot_instant,
    slot_key,
    valid_timezones,
)

UTC = dt.UTC
MON, SUN = 0, 6


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- slots ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "after", "weekday", "at", "expected", "why"),
    [
        # America/New_York 2025: 9 March 02:00 EST -> 03:00 EDT; 2 November 02:00 EDT -> 01:00 EST
        ("America/New_York", "2025-03-02T15:00", SUN, "09:00", "2025-03-09T13:00", "09:00 EDT"),
        ("America/New_York", "2025-02-28T00:00", SUN, "09:00", "2025-03-02T14:00", "09:00 EST"),
        ("America/New_York", "2025-03-08T12:00", SUN, "02:30", "2025-03-09T07:00", "gap: 03:00"),
        ("America/New_York", "2025-03-09T07:00", SUN, "02:30", "2025-03-16T06:30", "next week EDT"),
        ("America/New_York", "2025-11-01T12:00", SUN, "01:30", "2025-11-02T05:30", "first 01:30"),
        ("America/New_York", "2025-11-02T05:30", SUN, "01:30", "2025-11-09T06:30", "not the 2nd"),
        ("America/New_York", "2025-11-01T12:00", SUN, "09:00", "2025-11-02T14:00", "09:00 EST"),
        # Europe/London 2025: 30 March 01:00 GMT -> 02:00 BST; 26 October 02:00 BST -> 01:00 GMT
        ("Europe/London", "2025-03-29T12:00", SUN, "01:30", "2025-03-30T01:00", "gap: 02:00 BST"),
        ("Europe/London", "2025-03-29T12:00", SUN, "09:00", "2025-03-30T08:00", "09:00 BST"),
        ("Europe/London", "2025-10-25T12:00", SUN, "01:30", "2025-10-26T00:30", "first 01:30"),
        ("Europe/London", "2025-10-26T00:30", SUN, "01:30", "2025-11-02T01:30", "not the 2nd"),
        ("Europe/London", "2025-10-25T12:00", SUN, "09:00", "2025-10-26T09:00", "09:00 GMT"),
        # Hong Kong has no DST: Monday 09:30 HKT is always 01:30 UTC
        ("Asia/Hong_Kong", "2025-03-01T00:00", MON, "09:30", "2025-03-03T01:30", "HKT"),
        ("Asia/Hong_Kong", "2025-07-01T00:00", MON, "09:30", "2025-07-07T01:30", "HKT"),
        # A Monday-morning slot in Hong Kong is still Sunday in UTC
        ("Asia/Hong_Kong", "2025-03-01T00:00", MON, "07:00", "2025-03-02T23:00", "HKT"),
    ],
)
def test_next_slot_across_dst(zone, after, weekday, at, expected, why):
    slot = next_slot(utc(after), weekday, dt.time.fromisoformat(at), zone)
    assert slot == utc(expected), why
    assert slot.tzinfo is UTC


def test_nonexistent_time_posts_at_the_transition():
    # 02:30 does not exist on 9 March 2025 in New York: the first valid instant after it is
    # 03:00 EDT, the moment the clocks jump — not 03:30 (what fold=0 would give).
    slot = slot_instant(dt.date(2025, 3, 9), dt.time(2, 30), "America/New_York")
    assert slot == utc("2025-03-09T07:00")
    local = slot.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (3, 0)


def test_ambiguous_time_is_the_first_occurrence_and_posts_once():
    zone = "America/New_York"
    first = slot_instant(dt.date(2025, 11, 2), dt.time(1, 30), zone)
    assert first == utc("2025-11-02T05:30")  # 01:30 EDT, not 01:30 EST (06:30Z)
    # At the second 01:30 the most recent slot is still the first one: same key, no new slot.
    second = utc("2025-11-02T06:30")
    assert latest_slot(second, SUN, dt.time(1, 30), zone) == first
    assert slot_key(1, first, zone) == "1:2025-11-02"


def test_latest_and_next_at_the_exact_slot():
    at = dt.time(9, 30)
    slot = utc("2025-03-03T01:30")
    assert latest_slot(slot, MON, at, DEFAULT_TIMEZONE) == slot
    assert next_slot(slot, MON, at, DEFAULT_TIMEZONE) == utc("2025-03-10T01:30")
    assert latest_slot(slot - dt.timedelta(seconds=1), MON, at, DEFAULT_TIMEZONE) == utc(
        "2025-02-24T01:30"
    )


def test_slot_key_is_guild_and_local_date():
    slot = utc("2025-03-02T23:00")  # Monday 07:00 in Hong Kong, Sunday in UTC
    assert slot_key(42, slot, "Asia/Hong_Kong") == "42:2025-03-03"


def test_slot_arguments_are_checked():
    with pytest.raises(ValueError, match="aware"):
        next_slot(dt.datetime(2025, 1, 1), MON, dt.time(9), DEFAULT_TIMEZONE)
    with pytest.raises(ValueError, match="weekday"):
        next_slot(utc("2025-01-01T00:00"), 7, dt.time(9), DEFAULT_TIMEZONE)


ZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Hong_Kong",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # southern hemisphere, midnight transitions
    "Asia/Tehran",
]


@settings(max_examples=150, deadline=None)
@given(
    instant=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2037, 12, 31)),
    zone=st.sampled_from(ZONES),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45, 59]),
)
def test_slot_properties(instant, zone, weekday, hour, minute):
    now = instant.replace(tzinfo=UTC)
    at = dt.time(hour, minute)
    before, after = latest_slot(now, weekday, at, zone), next_slot(now, weekday, at, zone)
    assert before <= now < after
    assert next_slot(before, weekday, at, zone) == after
    assert latest_slot(after, weekday, at, zone) == after
    assert dt.timedelta(days=6) < after - before < dt.timedelta(days=8)
    tz = ZoneInfo(zone)
    for slot in (before, after):
        local = slot.astimezone(tz)
        assert local.weekday() == weekday
        # On time, or moved later by a DST gap (never earlier, at most the gap's length).
        wall = dt.datetime.combine(local.date(), at)
        shift = local.replace(tzinfo=None) - wall
        assert dt.timedelta(0) <= shift <= dt.timedelta(hours=1)
        if shift:
            assert (slot - dt.timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) < wall


# --- what a moderator types -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:30", dt.time(9, 30)), ("9:30", dt.time(9, 30)), ("21:05", dt.time(21, 5)),
     (" 00:00 ", dt.time(0, 0)), ("23:59", dt.time(23, 59)), ("９：３０", dt.time(9, 30))],
)  # fmt: skip
def test_parse_time_accepts(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "9.30", "", "   ", "9:5", "09:60", "930"])
def test_parse_time_rejects_with_a_clear_message(text):
    with pytest.raises(InvalidTime) as info:
        parse_time(text)
    assert isinstance(info.value, ValueError)
    assert "HH:MM" in str(info.value) or "00-23" in str(info.value)
    assert info.value.text == text


def test_valid_timezones_sorted_and_cached():
    zones = valid_timezones()
    assert list(zones) == sorted(zones)
    assert zones is valid_timezones()
    assert {"Asia/Hong_Kong", "Asia/Taipei", "Europe/London", "UTC"} <= set(zones)
    assert "localtime" not in zones


def test_match_timezones_for_autocomplete():
    assert match_timezones("hong")[0] == "Asia/Hong_Kong"
    assert match_timezones("HONG KONG") == ["Asia/Hong_Kong"]
    assert "Asia/Hong_Kong" in match_timezones("kong")
    assert match_timezones("asia/tai")[0] == "Asia/Taipei"
    europe = match_timezones("europe/", limit=100)
    assert len(europe) == 25 and all(name.startswith("Europe/") for name in europe)
    assert match_timezones("")[:2] == ["Asia/Hong_Kong", "Asia/Taipei"]
    assert len(match_timezones("")) == 25
    assert len(match_timezones("a", limit=3)) == 3
    assert match_timezones("no such zone") == []
    assert all(len(name) <= 100 for name in match_timezones("a"))


def test_resolve_timezone():
    assert resolve_timezone("Asia/Hong_Kong") == "Asia/Hong_Kong"
    assert resolve_timezone(" asia/hong kong ") == "Asia/Hong_Kong"
    with pytest.raises(InvalidTimezone) as info:
        resolve_timezone("Asia/HongKong")
    assert isinstance(info.value, ValueError)
    assert "Asia/HongKong" in str(info.value) and "Asia/Hong_Kong" in info.value.suggestions
    for bad in ("", "Mars/Olympus", "../../etc/passwd", "localtime"):
        with pytest.raises(InvalidTimezone, match="IANA"):
            resolve_timezone(bad)


# --- rotation -------------------------------------------------------------------------------

IDS = [f"s{i:02d}" for i in range(12)]


def test_rotation_order_is_a_reproducible_shuffle():
    order = rotation_order("seed", 1, IDS)
    assert sorted(order) == sorted(IDS)
    assert order == rotation_order("seed", 1, reversed(IDS + IDS))  # input order, duplicates
    assert order != sorted(IDS)
    assert order != rotation_order("seed", 2, IDS)
    assert order != rotation_order("other", 1, IDS)


def test_rotation_order_is_stable_when_the_data_changes():
    order = rotation_order("seed", 3, IDS)
    grown = rotation_order("seed", 3, [*IDS, "new"])
    assert [i for i in grown if i != "new"] == order
    shrunk = rotation_order("seed", 3, IDS[1:])
    assert shrunk == [i for i in order if i != IDS[0]]


def test_pick_next_follows_the_order_then_starts_a_new_cycle():
    order = rotation_order("k", 1, IDS[:4])
    picks = [pick_next("k", 1, IDS[:4], done=order[:n]) for n in range(4)]
    assert [p.startup_id for p in picks] == order
    assert {p.cycle for p in picks} == {1}
    renewed = pick_next("k", 1, IDS[:4], done=order, last=order[-1])
    assert renewed.cycle == 2
    assert renewed.startup_id != order[-1]  # no back-to-back repeat across cycles
    assert pick_next("k", 1, []) is None


def test_pick_next_override_wins_even_if_featured():
    order = rotation_order("k", 1, IDS[:4])
    pick = pick_next("k", 1, IDS[:4], done=order[:2], override=order[0])
    assert (pick.startup_id, pick.cycle, pick.by_override) == (order[0], 1, True)
    # An override that is not in the data is ignored.
    assert pick_next("k", 1, IDS[:4], done=order[:2], override="gone").startup_id == order[2]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=8),
    start=st.sets(st.sampled_from(IDS), min_size=1, max_size=8),
    steps=st.lists(
        st.one_of(
            st.just(("post", None)),
            st.tuples(st.just("add"), st.sampled_from(IDS)),
            st.tuples(st.just("remove"), st.sampled_from(IDS)),
        ),
        max_size=60,
    ),
)
def test_rotation_is_fair_while_the_data_changes(seed, start, steps):
    """No repeat within a cycle; a cycle ends only when every current startup had its turn."""
    ids, cycle, done, last = set(start), 1, [], None
    for op, arg in steps:
        if op == "add":
            ids.add(arg)
        elif op == "remove" and len(ids) > 1:
            ids.discard(arg)
        elif op == "post":
            pick = pick_next(seed, cycle, ids, done=done, last=last)
            assert pick is not None and pick.startup_id in ids
            if pick.cycle != cycle:
                assert ids <= set(done), "a new cycle began before everyone had a turn"
                cycle, done = pick.cycle, []
            assert pick.startup_id not in done, "repeated within a cycle"
            done.append(pick.startup_id)
            last = pick.startup_id
