"""When a site's automation runs next: a pure function of its settings, a moment and a zone.

A schedule is a wall-clock time in the workspace's timezone ("every Monday at 09:00 in
Europe/Paris"), so the same setting is a different UTC instant in winter and in summer. Two
days a year the wall clock is not a plain line, and each scheduled day still gets exactly
one run:

- **spring forward** (the clock jumps from 02:00 to 03:00): a time inside the gap does not
  exist. It runs the gap's length later, at the same instant the clock would have shown had it
  not jumped (02:30 → 03:30 summer time), which is what PEP 495 gives for `fold=0`.
- **fall back** (01:00–02:00 happens twice): it runs at the first of the two (`fold=0`, summer
  time); the repeat an hour later is the same slot, so it does not run again.

Candidates are compared in UTC: Python compares two datetimes of one tzinfo by their wall
clock alone, which would count 01:30 summer time and 01:30 winter time as the same instant.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"
FREQUENCIES = (DAILY, WEEKLY, MONTHLY)

# A monthly slot is at most 31 days away; a few days more covers any clock change.
_SEARCH_DAYS = 40


class ScheduleLike(Protocol):
    """What `next_run_at` reads: AutomationConfig has these, so does SiteSchedule."""

    enabled: bool
    frequency: str
    hour: int
    weekday: int  # Monday = 0, as date.weekday()
    day_of_month: int


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(str(tz))


def _number(config: object, name: str, default: int) -> int:
    # Only what the frequency uses has to be set (a daily config may carry weekday None).
    value = getattr(config, name, None)
    return default if value is None else int(value)


def _matches(day: date, frequency: str, weekday: int, day_of_month: int) -> bool:
    if frequency == DAILY:
        return True
    if frequency == WEEKLY:
        return day.weekday() == weekday
    # 29–31 fall on the last day of shorter months rather than skipping them.
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(day_of_month, last)


def _check(frequency: str, hour: int, minute: int, weekday: int, day_of_month: int) -> None:
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}, not {frequency!r}")
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0–23, not {hour}")
    if not 0 <= minute <= 59:
        raise ValueError(f"minute must be 0–59, not {minute}")
    if frequency == WEEKLY and not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
    if frequency == MONTHLY and not 1 <= day_of_month <= 31:
        raise ValueError(f"day of month must be 1–31, not {day_of_month}")


def next_run_at(config: ScheduleLike, now: datetime, tz: ZoneInfo | str) -> datetime | None:
    """The first scheduled instant strictly after `now` (aware, in UTC), or None when the
    schedule is switched off.

    `config` has `enabled`, `frequency` (daily / weekly / monthly), `hour` (0–23), `weekday`
    (0 = Monday, weekly only), `day_of_month` (monthly only) and optionally `minute`; `tz` is
    an IANA name or a ZoneInfo. "Strictly after" is what keeps a slot from running twice: the
    dispatcher asks at or just after the slot, and gets the next one.
    """
    if not getattr(config, "enabled", True):
        return None
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    frequency = str(config.frequency)
    hour, minute = int(config.hour), _number(config, "minute", 0)
    weekday, day_of_month = _number(config, "weekday", 0), _number(config, "day_of_month", 1)
    _check(frequency, hour, minute, weekday, day_of_month)

    zone = _zone(tz)
    now_utc = now.astimezone(UTC)
    # Start a day early: `now` may be just past midnight UTC while the zone is still on the
    # day before, and that day's slot may still be ahead.
    first = now_utc.astimezone(zone).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS):
        day = first + timedelta(days=offset)
        if not _matches(day, frequency, weekday, day_of_month):
            continue
        candidate = datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
        if candidate > now_utc:
            return candidate
    raise AssertionError("no slot within 40 days")  # unreachable: every month has the day
