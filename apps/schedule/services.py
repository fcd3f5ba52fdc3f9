"""Keeping the public schedule index in step with the sites' automation settings.

The automation configuration (in each workspace's schema) is the truth; `SiteSchedule` (in
`public`) is the dispatcher's copy of it. Every path that changes what the index depends on
calls in here: saving a configuration (`schedule_update`), deactivating, reactivating or
deleting a site (`site_schedule_refresh`, `schedule_remove`), and changing the workspace's
timezone (`schedules_retime`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import Account
from apps.schedule.models import SiteSchedule
from apps.schedule.signals import site_refreshed, zone_changed
from apps.schedule.timing import next_run_at

log = logging.getLogger(__name__)


def next_of(row: SiteSchedule, now: datetime, zone: str) -> datetime:
    """A row's next slot after `now`. A row held by staff (`enabled` off) keeps its place in
    time, so letting it go again needs no recomputing."""
    slot = SimpleNamespace(
        enabled=True,
        frequency=row.frequency,
        hour=row.hour,
        weekday=row.weekday,
        day_of_month=row.day_of_month,
    )
    return next_run_at(slot, now, zone)


def account_of(account: Any) -> Account:
    """The real Account row: callers inside a job may hold django-tenants' FakeTenant."""
    if isinstance(account, Account) and account.pk:
        return account
    schema = getattr(account, "schema_name", None) or connection.schema_name
    return Account.objects.get(schema_name=schema)


def zone_of(account: Account) -> str:
    from igny8.zones import zone_valid

    # Validated on save; an old row from before validation must not stop the dispatcher.
    return account.timezone if zone_valid(account.timezone) else "UTC"


def _wants_schedule(config: Any) -> bool:
    if config is None or not getattr(config, "enabled", False):
        return False
    site = getattr(config, "site", None)
    return site is None or bool(getattr(site, "is_active", True))


def schedule_update(*, account: Any, site_id: int, config: Any) -> SiteSchedule | None:
    """Make the index say when `site_id` runs next under `config` (an AutomationConfig, or
    anything with enabled / frequency / hour / weekday / day_of_month and optionally `site`).

    Automation off, no configuration, or an inactive site: the row goes, and None is returned.
    Otherwise the row is created or updated. When the schedule itself is unchanged and the row
    already has a time, that time is kept: saving other settings a few seconds after 09:00
    must not skip the 09:00 run the dispatcher has not picked up yet, and the call that
    `start_scheduled` makes after a run finds the time the dispatcher already moved on.
    """
    account = account_of(account)
    if not _wants_schedule(config):
        schedule_remove(account=account, site_id=site_id)
        return None
    values = {
        "frequency": str(config.frequency),
        "hour": int(config.hour),
        "weekday": int(config.weekday),
        "day_of_month": int(config.day_of_month),
    }
    now = timezone.now()
    with transaction.atomic():
        row = (
            SiteSchedule.objects.select_for_update()
            .filter(account=account, site_id=site_id)
            .first()
        )
        if row is None:
            row = SiteSchedule(account=account, site_id=site_id)
        unchanged = row.pk is not None and all(
            getattr(row, name) == value for name, value in values.items()
        )
        for name, value in values.items():
            setattr(row, name, value)
        if not (unchanged and row.next_run_at is not None):
            # Read afresh: the caller's Account may predate a timezone change.
            account.refresh_from_db(fields=["timezone"])
            row.next_run_at = next_of(row, now, zone_of(account))
        row.updated = now
        row.save()
    return row


def schedule_remove(*, account: Any = None, site_id: int) -> int:
    """Take a site out of the index (automation off, site deleted or deactivated)."""
    account = account_of(account)
    deleted, _ = SiteSchedule.objects.filter(account=account, site_id=site_id).delete()
    return deleted


def site_schedule_refresh(*, site: Any, account: Any = None) -> SiteSchedule | None:
    """After a site is deactivated or reactivated: out of the index while inactive, back in
    (from its saved automation settings) when active again."""
    account = account_of(account)
    from django.apps import apps

    # Publishing's index too: an inactive site publishes nothing, reactivated it resumes.
    site_refreshed.send(sender=SiteSchedule, site=site, account=account)
    if not site.is_active:
        schedule_remove(account=account, site_id=site.pk)
        return None

    # Looked up by name: the workspace app calls this and must not import automation.
    if not apps.is_installed("apps.automation"):
        return None
    config_model = apps.get_model("automation", "AutomationConfig")
    config = config_model.objects.filter(site_id=site.pk).select_related("site").first()
    return schedule_update(account=account, site_id=site.pk, config=config)


def schedules_retime(*, account: Account) -> int:
    """After the workspace's timezone changed: every row's next run, in the new zone."""
    now = timezone.now()
    zone = zone_of(account)
    with transaction.atomic():
        rows = list(SiteSchedule.objects.select_for_update().filter(account=account))
        for row in rows:
            row.next_run_at = next_of(row, now, zone)
            row.updated = now
        SiteSchedule.objects.bulk_update(rows, ["next_run_at", "updated"])
    # Publishing slots are wall-clock times too: the schedules that follow the workspace's
    # zone place their articles again.
    zone_changed.send(sender=SiteSchedule, account=account)
    return len(rows)
