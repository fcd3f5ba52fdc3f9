"""Scheduled billing tasks (public schema: they run for every workspace at once)."""

from __future__ import annotations

from apps.billing.periods import free_periods_roll


def roll_free_periods() -> int:
    """Hourly: give Free workspaces their monthly credits back when a period ends."""
    return free_periods_roll()
