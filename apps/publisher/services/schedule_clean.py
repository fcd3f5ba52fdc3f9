"""Checking a publishing schedule's fields: weekdays, slots ("HH:MM"), the daily cap, the
timezone and how articles arrive, each refused in plain words by field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from apps.publisher.services import slots as slot_times
from igny8.zones import zone_match

POST_STATUSES = ("publish", "draft")
DAILY_CAP_MAX = 48
SLOTS_MAX = 24
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clean_weekdays(value: Any, errors: dict) -> list[int]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    days = set()
    for item in value or []:
        text = str(item).strip()
        if text.isdigit() and 0 <= int(text) <= 6:
            days.add(int(text))
            continue
        named = [n for n, name in enumerate(WEEKDAY_NAMES) if name.lower().startswith(text.lower())]
        if text and len(named) == 1:
            days.add(named[0])
        else:
            errors.setdefault("weekdays", []).append(f"“{text}” is not a day of the week.")
    return sorted(days)


def _clean_slots(value: Any, errors: dict) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    times = set()
    for item in value or []:
        try:
            moment = slot_times.parse_slot(str(item))
        except ValueError as exc:
            errors.setdefault("slots", []).append(str(exc))
            continue
        times.add(f"{moment:%H:%M}")
    if len(times) > SLOTS_MAX:
        errors.setdefault("slots", []).append(f"Keep to {SLOTS_MAX} times a day at most.")
    return sorted(times)


def _clean_cap(value: Any, errors: dict) -> int:
    try:
        cap = int(str(value).strip())
    except (TypeError, ValueError):
        errors["daily_cap"] = ["Write the most articles a day as a whole number, such as 2."]
        return 1
    if not 1 <= cap <= DAILY_CAP_MAX:
        errors["daily_cap"] = [f"The most articles a day must be between 1 and {DAILY_CAP_MAX}."]
    return cap


def schedule_clean(data: dict) -> dict:
    """Validate schedule fields; raises ValidationError({field: [sentence]})."""
    errors: dict[str, list[str]] = {}
    enabled = data.get("enabled", False)
    if isinstance(enabled, str):
        enabled = enabled.strip().lower() in ("1", "true", "on", "yes")
    cleaned: dict[str, Any] = {
        "enabled": bool(enabled),
        "weekdays": _clean_weekdays(data.get("weekdays"), errors),
        "slots": _clean_slots(data.get("slots"), errors),
        "daily_cap": _clean_cap(data.get("daily_cap", 1), errors),
    }
    typed = str(data.get("time_zone") or "").strip()
    zone = zone_match(typed) if typed else ""
    if zone is None:
        errors["time_zone"] = [
            f"“{typed}” is not a timezone we know. Use a name such as “Europe/Paris”, or "
            "leave it blank to use the workspace's timezone."
        ]
    cleaned["time_zone"] = zone or ""
    post_status = str(data.get("post_status") or "publish").strip()
    if post_status not in POST_STATUSES:
        errors["post_status"] = ["Choose whether articles arrive published or as drafts."]
    cleaned["post_status"] = post_status
    if cleaned["enabled"] and not errors:
        if not cleaned["weekdays"]:
            errors["weekdays"] = ["Tick at least one day, or switch the schedule off."]
        if not cleaned["slots"]:
            errors["slots"] = ["Add at least one time, such as 09:00, or switch the schedule off."]
    if errors:
        raise ValidationError(errors)
    return cleaned
