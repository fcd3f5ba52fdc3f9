"""What the publishing schedule reads: a site's schedule and zone, whether it may publish, and
the next slot for its waiting articles.

Apart from `schedule` (which writes) because the publishing index and the publish job read
these too, and `schedule` in turn updates the index and claims articles for the job: kept in
one module with the writes, each side imported the other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q

from apps.publisher.models import Connection, ConnectionStatus, PublishSchedule
from apps.publisher.services import slots as slot_times
from apps.schedule.services import account_of
from apps.workspace.models import Site
from apps.writer.models import Content, EditorialStatus, PublishingStatus
from igny8.zones import zone_valid


def schedule_for(site: Site) -> PublishSchedule:
    """The site's schedule (an unsaved, switched-off one when it has none yet)."""
    found = PublishSchedule.objects.filter(site=site).first()
    return found or PublishSchedule(site=site, weekdays=[0, 1, 2, 3, 4], slots=["09:00"])


def zone_for(schedule: PublishSchedule, account: Any = None) -> ZoneInfo:
    """The schedule's timezone; blank (or unknown) → the workspace's."""
    if schedule.time_zone and zone_valid(schedule.time_zone):
        return ZoneInfo(schedule.time_zone)
    account = account_of(account)
    return ZoneInfo(account.timezone if zone_valid(account.timezone) else "UTC")


def connected(site: Site) -> bool:
    """Whether the site has a WordPress connection that may publish (made, not revoked)."""
    return Connection.objects.filter(site=site).exclude(status=ConnectionStatus.REVOKED).exists()


def plan_refusal(account: Any = None) -> str:
    """Why the workspace may not publish now (a paused workspace, a lapsed plan), or ""."""
    from apps.billing.plans import account_plan_state

    state = account_plan_state(account_of(account))
    return "" if state.can_write else state.message


def waiting_for_slot(site: Site):  # noqa: ANN201
    """Approved articles of the site the schedule may place: never published, not placed,
    and not taken off the calendar by a person (a Publication without a time that the
    schedule did not place)."""
    return Content.objects.filter(
        site=site,
        status=EditorialStatus.APPROVED,
        deleted_at__isnull=True,
        publishing_status=PublishingStatus.NOT_PUBLISHED,
    ).filter(
        Q(publication__isnull=True)
        | Q(
            publication__publish_at__isnull=True,
            publication__slotted=True,
            publication__remote_id__isnull=True,
        )
    )


def next_slot_for_waiting(site: Site, *, now: datetime) -> datetime | None:
    """The next slot of the site's schedule when approved articles wait for one (so the
    dispatcher comes back then), else None."""
    schedule = PublishSchedule.objects.filter(site=site, enabled=True).first()
    if schedule is None or not waiting_for_slot(site).exists():
        return None
    zone = zone_for(schedule)
    for slot in slot_times.slots_from(
        now + timedelta(seconds=1),
        weekdays=schedule.weekdays,
        slots=schedule.slots,
        daily_cap=schedule.daily_cap,
        zone=zone,
        days=14,
    ):
        return slot.at
    return None
