"""Small words for the automation pages: durations, counts with their unit, status badges."""

from __future__ import annotations

from django import template

register = template.Library()

BADGES = {
    "completed": "badge-ok",
    "running": "badge-accent",
    "queued": "badge-accent",
    "paused": "badge-warn",
    "failed": "badge-bad",
    "stopped": "badge-bad",
    "cancelled": "",
    "done": "badge-ok",
    "skipped": "",
    "pending": "",
}


@register.filter
def took(value: float | int | None, unit: str = "s") -> str:
    """A duration in words: "0.4 s", "12 s", "3 min 5 s", "1 h 2 min". `unit` is what the
    value counts: "s" (seconds, the default) or "ms"."""
    if value is None:
        return "—"
    seconds = float(value) / (1000 if unit == "ms" else 1)
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@register.filter
def counted(number: int | None, unit: str) -> str:
    """ "1 keyword", "12 keywords", "1,204 tasks"."""
    n = int(number or 0)
    return f"{n:,} {unit}{'' if n == 1 else 's'}"


@register.filter
def badge(status: str) -> str:
    """The badge class that goes with a run's or a stage's status (the word is always shown
    too: colour is never the only signal)."""
    return BADGES.get(str(status), "")
