"""Timezones as people name them, and the workspace's clock.

Below every app: the account settings (public schema), automation's schedule and the
publisher's schedule all read and check zone names the same way.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, available_timezones

from django.http import HttpRequest


@functools.cache
def _known_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk: once per process is enough.
    return frozenset(available_timezones())


def zone_valid(name: str) -> bool:
    """Whether `name` is an IANA timezone this machine knows ("Europe/Paris", "UTC")."""
    return name in _known_zones()


def zone_names() -> list[str]:
    """The zones a person picks from: "Area/City" names and UTC, sorted (the legacy aliases
    such as "EST5EDT" stay valid when typed, but are not offered)."""
    return sorted(
        n for n in _known_zones() if n == "UTC" or ("/" in n and not n.startswith("Etc/"))
    )


def zone_match(typed: str) -> str | None:
    """The zone a person meant: the exact name, the name in other case or with spaces for
    underscores ("europe/paris", "America/New York"), or a city that names one zone alone
    ("Paris", "new york"). None when there is no such zone, or several."""
    text = "_".join((typed or "").strip().split())
    if not text:
        return None
    if zone_valid(text):
        return text
    folded = text.casefold()
    by_name = [n for n in _known_zones() if n.casefold() == folded]
    if len(by_name) == 1:
        return by_name[0]
    by_city = [n for n in zone_names() if n.rsplit("/", 1)[-1].casefold() == folded]
    return by_city[0] if len(by_city) == 1 else None


def workspace_zone(request: HttpRequest) -> str:
    """The workspace's timezone name (automation's clock); UTC when it names none we know."""
    name = getattr(request.account, "timezone", "") or "UTC"
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return "UTC"
    return name
