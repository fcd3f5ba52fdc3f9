"""Reads of the schedule index, for pages that show "next run"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.schedule.models import SiteSchedule
from apps.schedule.services import account_of


def next_run_for(*, site_id: int, account: Any = None) -> datetime | None:
    """When the site's automation runs next (aware, UTC), or None when it is not scheduled.
    `account` defaults to the workspace of the current schema."""
    return (
        SiteSchedule.objects.filter(account=account_of(account), site_id=site_id, enabled=True)
        .values_list("next_run_at", flat=True)
        .first()
    )
