"""Slots as instants: wall-clock times in the schedule's zone, DST-correct, the daily cap
spread over the day's slots, only the ticked weekdays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from apps.publisher.services.slots import capacities, day_slots, parse_slot, slots_from

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def instants(day: date, slots: list[str], zone: ZoneInfo, cap: int = 10) -> list[datetime]:
    return [s.at for s in day_slots(day, weekdays=range(7), slots=slots, daily_cap=cap, zone=zone)]


def test_the_same_wall_clock_slot_is_a_different_instant_in_winter_and_summer():
    assert instants(date(2026, 1, 15), ["09:00"], PARIS) == [datetime(2026, 1, 15, 8, tzinfo=UTC)]
    assert instants(date(2026, 7, 15), ["09:00"], PARIS) == [datetime(2026, 7, 15, 7, tzinfo=UTC)]


def test_spring_forward_a_slot_in_the_gap_runs_the_gaps_length_later():
    # 29 March 2026, Paris: 02:00 → 03:00. 02:30 does not exist: it is 03:30 summer time,
    # the same instant as the 03:30 slot, which becomes one slot taking both articles.
    (slot,) = day_slots(
        date(2026, 3, 29), weekdays=[6], slots=["02:30", "03:30"], daily_cap=2, zone=PARIS
    )
    assert slot.at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert slot.capacity == 2


def test_fall_back_a_slot_in_the_repeated_hour_is_the_first_of_the_two_and_once():
    # 1 November 2026, New York: 01:00–02:00 happens twice; 01:30 is the first (EDT, -4).
    assert instants(date(2026, 11, 1), ["01:30"], NEW_YORK) == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    ]


def test_only_ticked_weekdays_have_slots():
    since = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # a Monday
    found = list(
        islice(
            slots_from(since, weekdays=[1, 3], slots=["10:00"], daily_cap=1, zone=ZoneInfo("UTC")),
            4,
        )
    )
    assert [s.at.strftime("%a %d") for s in found] == ["Tue 02", "Thu 04", "Tue 09", "Thu 11"]


def test_the_daily_cap_is_spread_over_the_days_slots_in_order():
    assert capacities(3, 2) == [1, 1, 0]
    assert capacities(1, 3) == [3]
    assert capacities(2, 5) == [3, 2]
    got = day_slots(
        date(2026, 6, 1),
        weekdays=[0],
        slots=["18:00", "09:00", "14:00"],
        daily_cap=2,
        zone=ZoneInfo("UTC"),
    )
    assert [(s.at.hour, s.capacity) for s in got] == [(9, 1), (14, 1)]


def test_slots_before_since_are_left_out_and_since_itself_counts():
    since = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    first = next(
        slots_from(
            since, weekdays=range(7), slots=["09:00", "12:00"], daily_cap=2, zone=ZoneInfo("UTC")
        )
    )
    assert first.at == since


def test_a_zone_ahead_of_utc_finds_its_slot_on_the_local_day():
    # 23:30 UTC on 1 June is already 2 June 08:30 in Tokyo: the 09:00 slot is 30 minutes away.
    since = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    first = next(
        slots_from(
            since, weekdays=range(7), slots=["09:00"], daily_cap=1, zone=ZoneInfo("Asia/Tokyo")
        )
    )
    assert first.at == datetime(2026, 6, 2, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["9", "25:00", "09:60", "nine", "9:5", ""])
def test_a_slot_that_is_not_a_time_is_refused_in_words(text):
    with pytest.raises(ValueError, match="HH:MM"):
        parse_slot(text)
