"""`next_run_at`: each frequency, the boundaries, both clock changes, every day of the month,
hour and timezone changes. Pure: no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.schedule.timing import next_run_at
from igny8.zones import zone_match, zone_names, zone_valid

NY = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Config:
    frequency: str = "daily"
    hour: int = 9
    weekday: int = 0
    day_of_month: int = 1
    enabled: bool = True
    minute: int = 0


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def runs(config: Config, start: datetime, zone: ZoneInfo | str, count: int) -> list[datetime]:
    """The next `count` runs after `start`, each asked right after the one before, the way
    the dispatcher asks."""
    out, now = [], start
    for _ in range(count):
        now = next_run_at(config, now, zone)
        out.append(now)
    return out


# --- each frequency ----------------------------------------------------------------------


def test_daily_later_today_then_tomorrow():
    now = utc(2025, 6, 10, 8, 30)
    assert next_run_at(Config(hour=9), now, "UTC") == utc(2025, 6, 10, 9, 0)
    assert next_run_at(Config(hour=8), now, "UTC") == utc(2025, 6, 11, 8, 0)


def test_weekly_on_its_weekday():
    # 2025-06-10 is a Tuesday (weekday 1).
    now = utc(2025, 6, 10, 12, 0)
    assert next_run_at(Config("weekly", hour=6, weekday=4), now, "UTC") == utc(2025, 6, 13, 6)
    # Today's weekday, hour passed: a week on. Hour to come: today.
    assert next_run_at(Config("weekly", hour=6, weekday=1), now, "UTC") == utc(2025, 6, 17, 6)
    assert next_run_at(Config("weekly", hour=18, weekday=1), now, "UTC") == utc(2025, 6, 10, 18)
    # Sunday (6) and Monday (0), the ends of the range.
    assert next_run_at(Config("weekly", hour=0, weekday=6), now, "UTC") == utc(2025, 6, 15, 0)
    assert next_run_at(Config("weekly", hour=23, weekday=0), now, "UTC") == utc(2025, 6, 16, 23)


def test_weekly_runs_are_a_week_apart():
    got = runs(Config("weekly", hour=7, weekday=2), utc(2025, 1, 1, 0, 0), PARIS, 6)
    assert all(r.astimezone(PARIS).weekday() == 2 for r in got)
    assert all(r.astimezone(PARIS).hour == 7 for r in got)
    assert [(b - a).days for a, b in zip(got, got[1:], strict=False)] == [7] * 5


@pytest.mark.parametrize("day", range(1, 29))
def test_monthly_every_day_of_month_1_to_28(day):
    got = runs(Config("monthly", hour=10, day_of_month=day), utc(2025, 1, 1, 0, 0), NY, 14)
    # Fourteen consecutive months (through a February and both clock changes), each once,
    # on that day at 10:00 New York time.
    months = [(r.astimezone(NY).year, r.astimezone(NY).month) for r in got]
    assert months == [(2025, m) for m in range(1, 13)] + [(2026, 1), (2026, 2)]
    assert {(r.astimezone(NY).day, r.astimezone(NY).hour) for r in got} == {(day, 10)}


def test_monthly_day_passed_goes_to_next_month_and_year():
    assert next_run_at(
        Config("monthly", hour=9, day_of_month=15), utc(2025, 12, 20, 0, 0), "UTC"
    ) == utc(2026, 1, 15, 9)
    assert next_run_at(
        Config("monthly", hour=9, day_of_month=28), utc(2025, 2, 27, 12, 0), "UTC"
    ) == utc(2025, 2, 28, 9)


def test_monthly_past_28_falls_on_the_last_day_of_short_months():
    got = runs(Config("monthly", hour=9, day_of_month=31), utc(2025, 1, 1, 0, 0), "UTC", 4)
    assert [r.date().isoformat() for r in got] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
    ]


# --- boundaries --------------------------------------------------------------------------


def test_strictly_after_now():
    """Asked at the slot (the dispatcher's tick), the answer is the next slot, never this one:
    that is what keeps a slot from running twice."""
    slot = utc(2025, 6, 10, 9, 0)
    assert next_run_at(Config(hour=9), slot, "UTC") == utc(2025, 6, 11, 9)
    assert next_run_at(Config(hour=9), slot - timedelta(microseconds=1), "UTC") == slot


def test_hour_0_and_23_around_midnight():
    assert next_run_at(Config(hour=0), utc(2025, 6, 10, 23, 59), "UTC") == utc(2025, 6, 11, 0)
    assert next_run_at(Config(hour=23), utc(2025, 6, 10, 23, 0, 1), "UTC") == utc(2025, 6, 11, 23)


def test_year_end_and_leap_day():
    assert next_run_at(Config(hour=1), utc(2024, 12, 31, 2, 0), "UTC") == utc(2025, 1, 1, 1)
    assert next_run_at(Config(hour=1), utc(2024, 2, 28, 2, 0), "UTC") == utc(2024, 2, 29, 1)


def test_local_day_differs_from_utc_day():
    # 23:30 UTC on the 10th is already the 11th in Tokyo, and 09:00 there is still to come.
    assert next_run_at(Config(hour=9), utc(2025, 6, 10, 23, 30), "Asia/Tokyo") == utc(
        2025, 6, 11, 0
    )
    # 02:00 UTC on the 11th is still the 10th in Los Angeles, whose 22:00 is ahead.
    assert next_run_at(Config(hour=22), utc(2025, 6, 11, 2, 0), "America/Los_Angeles") == utc(
        2025, 6, 11, 5
    )


def test_a_non_utc_now_is_the_same_instant():
    now_utc = utc(2025, 6, 10, 8, 30)
    assert next_run_at(Config(hour=9), now_utc.astimezone(NY), PARIS) == next_run_at(
        Config(hour=9), now_utc, PARIS
    )


def test_answer_is_utc():
    assert next_run_at(Config(), utc(2025, 6, 10, 8, 30), PARIS).tzinfo is UTC


def test_switched_off_is_none():
    assert next_run_at(Config(enabled=False), utc(2025, 6, 10), "UTC") is None


@pytest.mark.parametrize(
    "config",
    [
        Config(hour=24),
        Config(hour=-1),
        Config(frequency="hourly"),
        Config("weekly", weekday=7),
        Config("monthly", day_of_month=0),
        Config("monthly", day_of_month=32),
    ],
)
def test_out_of_range_is_refused(config):
    with pytest.raises(ValueError):
        next_run_at(config, utc(2025, 6, 10), "UTC")


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        next_run_at(Config(), datetime(2025, 6, 10), "UTC")


# --- clock changes -------------------------------------------------------------------------
# New York: 2025-03-09 02:00 EST → 03:00 EDT (spring forward);
#           2025-11-02 02:00 EDT → 01:00 EST (fall back, 01:00–02:00 twice).


def test_spring_forward_time_in_the_gap_runs_once():
    got = runs(Config(hour=2, minute=30), local(NY, 2025, 3, 7, 12, 0), NY, 4)
    in_ny = [r.astimezone(NY) for r in got]
    assert [r.date().isoformat() for r in in_ny] == [
        "2025-03-08",
        "2025-03-09",
        "2025-03-10",
        "2025-03-11",
    ]
    # 02:30 does not exist on the 9th: it runs the gap's length later, at 03:30 EDT.
    assert in_ny[1].strftime("%H:%M %Z") == "03:30 EDT"
    assert got[1] == utc(2025, 3, 9, 7, 30)
    assert [r.strftime("%H:%M") for r in in_ny[2:]] == ["02:30", "02:30"]


def test_spring_forward_hour_runs_once_a_day_with_the_right_offset():
    got = runs(Config(hour=9), local(NY, 2025, 3, 7, 12, 0), NY, 4)
    assert [r.astimezone(NY).strftime("%d %H:%M %Z") for r in got] == [
        "08 09:00 EST",
        "09 09:00 EDT",
        "10 09:00 EDT",
        "11 09:00 EDT",
    ]
    # The day of the change is 23 hours long.
    assert got[1] - got[0] == timedelta(hours=23)


def test_fall_back_repeated_time_runs_once():
    got = runs(Config(hour=1, minute=30), local(NY, 2025, 10, 31, 12, 0), NY, 4)
    in_ny = [r.astimezone(NY) for r in got]
    assert [r.date().isoformat() for r in in_ny] == [
        "2025-11-01",
        "2025-11-02",
        "2025-11-03",
        "2025-11-04",
    ]
    # The first 01:30 (still summer time); the second, an hour later, is the same slot.
    assert in_ny[1].strftime("%H:%M %Z") == "01:30 EDT"
    assert got[1] == utc(2025, 11, 2, 5, 30)


def test_fall_back_asked_during_the_repeated_hour_does_not_run_again():
    # The dispatcher ran the 01:30 EDT slot, then asks again during the second 01:xx (EST).
    second_hour = local(NY, 2025, 11, 2, 1, 45, fold=1)
    assert second_hour.astimezone(UTC) == utc(2025, 11, 2, 6, 45)
    assert next_run_at(Config(hour=1, minute=30), second_hour, NY) == utc(2025, 11, 3, 6, 30)


def test_fall_back_day_is_25_hours():
    got = runs(Config(hour=9), local(NY, 2025, 11, 1, 8, 0), NY, 2)
    assert got[0].astimezone(NY).strftime("%d %H:%M %Z") == "01 09:00 EDT"
    assert got[1] - got[0] == timedelta(hours=25)
    assert got[1].astimezone(NY).strftime("%H:%M %Z") == "09:00 EST"


def test_southern_hemisphere_and_half_hour_zones():
    # Sydney springs forward on 2025-10-05 (02:00 → 03:00); 02:00 there is 03:00 AEDT.
    got = next_run_at(
        Config(hour=2), local(ZoneInfo("Australia/Sydney"), 2025, 10, 4, 3), "Australia/Sydney"
    )
    assert got == utc(2025, 10, 4, 16, 0)
    assert next_run_at(Config(hour=9), utc(2025, 6, 10, 0, 0), "Asia/Kolkata") == utc(
        2025, 6, 10, 3, 30
    )


# --- changes to the schedule --------------------------------------------------------------


def test_hour_change_moves_the_next_run():
    now = utc(2025, 6, 10, 10, 0)
    assert next_run_at(Config(hour=9), now, PARIS) == utc(2025, 6, 11, 7)  # 09:00 CEST
    assert next_run_at(Config(hour=14), now, PARIS) == utc(2025, 6, 10, 12)  # later today
    assert next_run_at(Config(hour=11), now, PARIS) == utc(2025, 6, 11, 9)  # 11:00 passed


def test_timezone_change_moves_the_next_run():
    now = utc(2025, 1, 15, 12, 0)
    config = Config(hour=9)
    assert next_run_at(config, now, "UTC") == utc(2025, 1, 16, 9)
    assert next_run_at(config, now, PARIS) == utc(2025, 1, 16, 8)
    # New York's 09:00 on the 15th is 14:00 UTC: still ahead at noon UTC.
    assert next_run_at(config, now, NY) == utc(2025, 1, 15, 14)
    assert next_run_at(config, utc(2025, 1, 15, 14, 0), NY) == utc(2025, 1, 16, 14)


def test_zone_names_and_matching():
    assert zone_valid("Europe/Paris") and zone_valid("UTC")
    assert not zone_valid("Europe/Pariss") and not zone_valid("")
    assert "America/New_York" in zone_names() and "UTC" in zone_names()
    assert zone_match("paris") == "Europe/Paris"
    assert zone_match("new york") == "America/New_York"
    assert zone_match("america/new york") == "America/New_York"
    assert zone_match("Mars/Olympus_Mons") is None
