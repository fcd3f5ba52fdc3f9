"""When a site's schedule can publish: its slots as instants, a pure function of the schedule.

A slot is a wall-clock time on a weekday in the schedule's timezone ("Tuesdays at 09:00 in
Europe/Paris"), so the same slot is a different UTC instant in winter and in summer. The two
odd days of the year follow `apps.schedule.timing` (PEP 495, `fold=0`):

- spring forward: a slot inside the gap (02:30 when the clock jumps from 02:00 to 03:00) is
  the gap's length later (03:30 summer time);
- fall back: a slot in the repeated hour is the first of the two; the repeat is the same slot.

Two slots of one day that land on the same instant (02:30 and 03:30 on the spring-forward
day) are one slot with both capacities.

The daily cap is spread over the day's slots in order: with slots 09:00, 14:00, 18:00 and a
cap of 2, the 09:00 and 14:00 slots take one article each; with one slot and a cap of 3, that
slot takes three.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead slots are looked for: a year of one article a week is 52 slots.
HORIZON_DAYS = 400


@dataclass(frozen=True)
class Slot:
    at: datetime  # aware, UTC
    day: date  # the local day it belongs to (the daily cap counts per local day)
    capacity: int


def parse_slot(text: str) -> time:
    """ "09:00" → time(9, 0). Raises ValueError in plain words."""
    value = (text or "").strip()
    try:
        hours, minutes = value.split(":")
        parsed = time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise ValueError(f"“{value}” is not a time; write it as HH:MM, such as 09:30.") from None
    if len(minutes) != 2:
        raise ValueError(f"“{value}” is not a time; write it as HH:MM, such as 09:30.")
    return parsed


def capacities(slot_count: int, daily_cap: int) -> list[int]:
    """How many articles each of a day's slots takes, in order."""
    if slot_count <= 0 or daily_cap <= 0:
        return [0] * max(slot_count, 0)
    base, extra = divmod(daily_cap, slot_count)
    return [base + (1 if n < extra else 0) for n in range(slot_count)]


def day_slots(
    day: date, *, weekdays: Sequence[int], slots: Sequence[str], daily_cap: int, zone: ZoneInfo
) -> list[Slot]:
    """The slots of one local day, in time order (empty when the weekday is not scheduled)."""
    if day.weekday() not in set(weekdays):
        return []
    times = sorted(parse_slot(s) for s in slots)
    merged: dict[datetime, int] = {}
    for moment, capacity in zip(times, capacities(len(times), daily_cap), strict=True):
        if capacity <= 0:
            continue
        at = datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)
        merged[at] = merged.get(at, 0) + capacity
    return [Slot(at=at, day=day, capacity=c) for at, c in sorted(merged.items())]


def slots_from(
    since: datetime,
    *,
    weekdays: Sequence[int],
    slots: Sequence[str],
    daily_cap: int,
    zone: ZoneInfo,
    days: int = HORIZON_DAYS,
) -> Iterator[Slot]:
    """Every slot at or after `since` (aware), in time order, for up to `days` local days."""
    if since.tzinfo is None:
        raise ValueError("since must be an aware datetime")
    if not weekdays or not slots or daily_cap <= 0:
        return
    since_utc = since.astimezone(UTC)
    # A day early: `since` may be just past midnight UTC while the zone is on the day before.
    first = since_utc.astimezone(zone).date() - timedelta(days=1)
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        for slot in day_slots(day, weekdays=weekdays, slots=slots, daily_cap=daily_cap, zone=zone):
            if slot.at >= since_utc:
                yield slot


def local_day(at: datetime, zone: ZoneInfo) -> date:
    """The local day an instant falls on (what the daily cap counts by)."""
    return at.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day, in UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
