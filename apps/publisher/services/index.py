"""Keeping the public publishing index (`apps.schedule.models.PublishIndex`) in step with a
site's publications, so the dispatcher finds due sites without entering any schema.

A site's `next_due_at` is the earliest of:
- the time of its earliest scheduled article (`Publication.publish_at`);
- the time of its earliest retry (`Publication.next_attempt_at` of a failed article);
- when an article has been "publishing" for longer than a publish job may run (its worker
  died): that moment, so another job takes it over;
- when approved articles wait for a slot and the schedule is on: the next slot, so that an
  article approved by a person, or a site connected after its schedule was set, is slotted
  at the latest there (a person's approval also brings it forward, `content_approved`).

Every service that changes one of those calls `index_bump` (earlier only) or `index_refresh`
(recomputed). Both lock the site's row, so a recomputation and a concurrent bump cannot lose
each other's time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from apps.publisher.models import Publication, PublishSchedule
from apps.schedule.models import PublishIndex
from apps.schedule.services import account_of
from apps.workspace.models import Site
from apps.writer.models import PublishingStatus

# A publish job's time limit is well under this: an article "publishing" for longer lost its
# worker, and the dispatcher hands it to a new job.
STALE_PUBLISHING = timedelta(minutes=15)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def due_at(site: Site, *, now: datetime | None = None) -> datetime | None:
    """When the site next has publishing work (aware, UTC), or None when it has none."""
    from apps.publisher.services.schedule_reads import next_slot_for_waiting

    now = now or timezone.now()
    live = Publication.objects.filter(site=site, content__deleted_at__isnull=True)
    found = live.aggregate(
        scheduled=Min(
            "publish_at",
            filter=Q(content__publishing_status=PublishingStatus.SCHEDULED),
        ),
        retry=Min(
            "next_attempt_at",
            filter=Q(content__publishing_status=PublishingStatus.FAILED),
        ),
        stuck=Min("updated", filter=Q(content__publishing_status=PublishingStatus.PUBLISHING)),
    )
    when = _earlier(found["scheduled"], found["retry"])
    if found["stuck"] is not None:
        when = _earlier(when, found["stuck"] + STALE_PUBLISHING)
    return _earlier(when, next_slot_for_waiting(site, now=now))


def index_refresh(*, site: Site, account=None) -> PublishIndex | None:  # noqa: ANN001
    """Recompute the site's row (made when the site has work or a schedule that is on; a
    site with neither and no row gets none)."""
    account = account_of(account)
    with transaction.atomic():
        row = (
            PublishIndex.objects.select_for_update()
            .filter(account=account, site_id=site.pk)
            .first()
        )
        when = due_at(site) if site.is_active else None
        if row is None:
            wanted = when is not None or _schedule_on(site)
            if not wanted:
                return None
            row = PublishIndex(account=account, site_id=site.pk)
        row.next_due_at = when
        row.updated = timezone.now()
        row.save()
    return row


def index_bump(*, site: Site, when: datetime, account=None) -> None:  # noqa: ANN001
    """The site has work at `when`: make its row due then, unless it is due earlier already."""
    account = account_of(account)
    with transaction.atomic():
        row = (
            PublishIndex.objects.select_for_update()
            .filter(account=account, site_id=site.pk)
            .first()
        )
        if row is None:
            PublishIndex.objects.create(account=account, site_id=site.pk, next_due_at=when)
            return
        if row.next_due_at is None or when < row.next_due_at:
            row.next_due_at = when
            row.updated = timezone.now()
            row.save(update_fields=["next_due_at", "updated"])


def index_remove(*, site_id: int, account=None) -> int:  # noqa: ANN001
    """Take a site out of the index (the site is gone)."""
    deleted, _ = PublishIndex.objects.filter(account=account_of(account), site_id=site_id).delete()
    return deleted


def _schedule_on(site: Site) -> bool:
    return PublishSchedule.objects.filter(site=site, enabled=True).exists()
