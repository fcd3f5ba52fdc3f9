"""A site's publishing schedule, and what is published when.

- `schedule_for` / `schedule_save`: the schedule (weekdays, slots "HH:MM", daily cap,
  timezone, how articles arrive). Saving it re-plans the articles the schedule placed
  (`slotted`), never those a person placed.
- `slots_assign`: approved articles waiting for a slot go to the next free slots within the
  daily cap, oldest approval first (an article planned for an earlier day first). The
  dispatcher calls it for every due site; saving the schedule and stage 7 of automation too.
- `content_schedule` / `content_unschedule`: a person picks a time for one article, or takes
  it off the calendar (the schedule then leaves it alone until a person schedules or
  publishes it).
- `publish_queue`: publish now, one or many: each becomes a publish job.

An article's publishing status moves only here and in `apps.publisher.services.outcome`
(and in the CLIENT's `publishing` service that talks to WordPress):
not_published → scheduled → publishing → published / failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.publisher.models import Publication, PublishSchedule
from apps.publisher.services import slots as slot_times
from apps.publisher.services.schedule_clean import (  # noqa: F401  (names pages use too)
    DAILY_CAP_MAX,
    POST_STATUSES,
    SLOTS_MAX,
    WEEKDAY_NAMES,
    schedule_clean,
)
from apps.publisher.services.schedule_reads import (  # noqa: F401  (names callers use too)
    connected,
    next_slot_for_waiting,
    plan_refusal,
    schedule_for,
    waiting_for_slot,
    zone_for,
)
from apps.schedule.services import account_of
from apps.workspace.models import Job, Site
from apps.writer.models import Content, EditorialStatus, PublishingStatus

# --- the schedule -----------------------------------------------------------------------------


def schedule_save(*, site: Site, data: dict, user: Any = None) -> PublishSchedule:
    """Save the site's schedule (ValidationError with field errors otherwise), then re-plan:
    the articles the schedule had placed go back to waiting and are placed again under the
    new rules (none when it is switched off); those a person placed keep their time."""
    from apps.publisher.services.index import index_refresh

    cleaned = schedule_clean(data)
    now = timezone.now()
    with transaction.atomic():
        schedule = PublishSchedule.objects.select_for_update().filter(site=site).first()
        schedule = schedule or PublishSchedule(site=site)
        for name, value in cleaned.items():
            setattr(schedule, name, value)
        schedule.updated_by_id = getattr(user, "pk", None)
        schedule.updated = now
        schedule.save()
        _release_slotted(site, now)
        if schedule.enabled:
            slots_assign(site=site, now=now)
        index_refresh(site=site)
    return schedule


def schedules_replan(*, account: Any) -> int:
    """After the workspace's timezone changed: the schedules that follow it (blank
    `time_zone`) place their articles again, at the new zone's wall-clock times. Returns
    how many schedules were re-planned."""
    from django_tenants.utils import schema_context

    from apps.publisher.services.index import index_refresh

    account = account_of(account)
    now = timezone.now()
    with schema_context(account.schema_name):
        schedules = list(
            PublishSchedule.objects.filter(enabled=True, time_zone="").select_related("site")
        )
        for schedule in schedules:
            with transaction.atomic():
                _release_slotted(schedule.site, now)
                slots_assign(site=schedule.site, now=now)
                index_refresh(site=schedule.site, account=account)
    return len(schedules)


def _release_slotted(site: Site, now: datetime) -> int:
    """The schedule's own future placements go back to waiting for a slot."""
    held = Publication.objects.filter(
        site=site,
        slotted=True,
        publish_at__gt=now,
        content__publishing_status=PublishingStatus.SCHEDULED,
    )
    content_ids = list(held.values_list("content_id", flat=True))
    if not content_ids:
        return 0
    Publication.objects.filter(content_id__in=content_ids).update(publish_at=None, updated=now)
    Content.objects.filter(pk__in=content_ids).update(
        publishing_status=PublishingStatus.NOT_PUBLISHED
    )
    return len(content_ids)


# --- placing articles in slots ---------------------------------------------------------------


def _occupied(site: Site, since: datetime, zone: ZoneInfo) -> tuple[Counter, Counter]:
    """Articles already at each instant and on each local day, from the day of `since`."""
    start = slot_times.day_start(slot_times.local_day(since, zone), zone)
    at_instant, on_day = Counter(), Counter()
    for when in Publication.objects.filter(
        site=site, publish_at__gte=start, content__deleted_at__isnull=True
    ).values_list("publish_at", flat=True):
        at_instant[when] += 1
        on_day[slot_times.local_day(when, zone)] += 1
    return at_instant, on_day


def free_slots(
    *, site: Site, since: datetime, count: int, schedule: PublishSchedule | None = None
) -> list[datetime]:
    """The next `count` free slot instants at or after `since` (what a person picks from to
    reschedule; one instant per free place, so a slot taking two articles appears twice
    when both are free)."""
    schedule = schedule or schedule_for(site)
    zone = zone_for(schedule)
    at_instant, on_day = _occupied(site, since, zone)
    found: list[datetime] = []
    for slot in slot_times.slots_from(
        since,
        weekdays=schedule.weekdays,
        slots=schedule.slots,
        daily_cap=schedule.daily_cap,
        zone=zone,
    ):
        room = min(slot.capacity - at_instant[slot.at], schedule.daily_cap - on_day[slot.day])
        for _ in range(max(room, 0)):
            found.append(slot.at)
            at_instant[slot.at] += 1
            on_day[slot.day] += 1
            if len(found) >= count:
                return found
    return found


def slots_assign(
    *, site: Site, now: datetime | None = None, since: datetime | None = None
) -> list[Publication]:
    """Place the site's approved articles that wait for a slot in the next free slots (at or
    after `since`, default just after `now`), within the daily cap. Nothing when the schedule
    is off, the site inactive or not connected, or the plan does not allow publishing.
    Returns the publications placed, earliest first."""
    from apps.publisher.services.index import index_bump

    now = now or timezone.now()
    since = since or now + timedelta(seconds=1)
    with transaction.atomic():
        # One placement at a time per site: two would pick the same free slot.
        schedule = PublishSchedule.objects.select_for_update().filter(site=site).first()
        if schedule is None or not schedule.enabled or not schedule.weekdays:
            return []
        if not site.is_active or not connected(site) or plan_refusal():
            return []
        waiting = list(
            waiting_for_slot(site)
            .select_related("publication")
            .order_by(F("planned_for").asc(nulls_last=True), "approved_at", "pk")
        )
        if not waiting:
            return []
        times = free_slots(site=site, since=since, count=len(waiting), schedule=schedule)
        placed = _place(site, schedule, list(zip(waiting, times, strict=False)), now)
        if placed:
            index_bump(site=site, when=placed[0].publish_at)
    return placed


def _place(
    site: Site, schedule: PublishSchedule, pairs: list[tuple[Content, datetime]], now: datetime
) -> list[Publication]:
    new, changed = [], []
    for content, when in pairs:
        publication = getattr(content, "publication", None)
        if publication is None:
            publication = Publication(content=content, site=site)
            new.append(publication)
        else:
            changed.append(publication)
        publication.publish_at = when
        publication.slotted = True
        publication.post_status = schedule.post_status
        publication.attempts = 0
        publication.next_attempt_at = None
        publication.last_error = ""
        publication.updated = now
    Publication.objects.bulk_create(new)
    Publication.objects.bulk_update(
        changed,
        ["publish_at", "slotted", "post_status", "attempts", "next_attempt_at", "last_error"]
        + ["updated"],
    )
    Content.objects.filter(pk__in=[c.pk for c, _ in pairs]).update(
        publishing_status=PublishingStatus.SCHEDULED
    )
    for content, _ in pairs:
        content.publishing_status = PublishingStatus.SCHEDULED
    return sorted(new + changed, key=lambda p: (p.publish_at, p.content_id))


# --- a person's choices -------------------------------------------------------------------------


def _refuse_unless_publishable(content: Content, *, verb: str) -> None:
    if content.deleted_at is not None:
        raise ValidationError(f"This article is in the trash; restore it to {verb} it.")
    if content.status != EditorialStatus.APPROVED:
        raise ValidationError(f"Only an approved article can be {verb}ed. Approve it first.")
    if content.publishing_status == PublishingStatus.PUBLISHING:
        raise ValidationError(
            "This article is being published right now. Wait a moment and look again."
        )
    if not connected(content.site):
        raise ValidationError(
            f"{content.site.name} is not connected to WordPress. Connect it on the "
            "integration page first."
        )


def _lapsed_guard() -> None:
    from apps.billing.errors import AccountLapsed

    refusal = plan_refusal()
    if refusal:
        raise AccountLapsed(refusal)


def content_schedule(*, content: Content, when: datetime, user: Any = None) -> Publication:
    """A person sets when the article publishes (any future moment; the calendar offers the
    free slots). It keeps that time when the schedule changes."""
    from apps.publisher.services.index import index_bump

    if when is None or when.tzinfo is None:
        raise ValidationError("Pick a date and time to publish at.")
    now = timezone.now()
    if when <= now:
        raise ValidationError("Pick a time in the future; to publish at once, use Publish now.")
    _lapsed_guard()
    _refuse_unless_publishable(content, verb="schedul")
    if content.publishing_status == PublishingStatus.PUBLISHED:
        raise ValidationError(
            "This article is already published. Use Publish now to send your changes to WordPress."
        )
    with transaction.atomic():
        publication, _ = Publication.objects.select_for_update().get_or_create(
            content=content, defaults={"site": content.site}
        )
        publication.publish_at = when
        publication.slotted = False
        publication.attempts = 0
        publication.next_attempt_at = None
        publication.last_error = ""
        publication.updated = now
        publication.save()
        Content.objects.filter(pk=content.pk).update(publishing_status=PublishingStatus.SCHEDULED)
        content.publishing_status = PublishingStatus.SCHEDULED
        index_bump(site=content.site, when=when)
    return publication


def content_unschedule(*, content: Content, user: Any = None) -> Publication | None:
    """Take the article off the calendar (scheduled, or failed and waiting for a retry). The
    schedule will not place it again until a person schedules or publishes it."""
    from apps.publisher.services.index import index_refresh

    if content.publishing_status not in (PublishingStatus.SCHEDULED, PublishingStatus.FAILED):
        raise ValidationError("This article is not scheduled, so there is nothing to take off.")
    with transaction.atomic():
        publication = Publication.objects.select_for_update().filter(content=content).first()
        if publication is None:
            return None
        publication.publish_at = None
        publication.slotted = False
        publication.next_attempt_at = None
        publication.updated = timezone.now()
        publication.save()
        # An article already on WordPress (a failed update) is still published there.
        live = publication.remote_id is not None and publication.remote_status == "publish"
        status = PublishingStatus.PUBLISHED if live else PublishingStatus.NOT_PUBLISHED
        Content.objects.filter(pk=content.pk).update(publishing_status=status)
        content.publishing_status = status
        index_refresh(site=content.site)
    return publication


@dataclass
class QueueReport:
    """What `publish_queue` did: the jobs queued, and the articles refused with why."""

    queued: list[tuple[Content, Job]] = field(default_factory=list)
    refused: list[tuple[Content, str]] = field(default_factory=list)

    @property
    def message(self) -> str:
        parts = []
        if self.queued:
            n = len(self.queued)
            parts.append(f"Publishing {n} article{'s' if n != 1 else ''}.")
        if self.refused:
            n = len(self.refused)
            first = self.refused[0][1]
            parts.append(
                f"{n} could not be published: {first}"
                if n == 1
                else f"{n} could not be published; the first because: {first}"
            )
        return " ".join(parts) or "Nothing to publish."


def publish_queue(
    *, contents: Iterable[Content], user: Any = None, post_status: str | None = None
) -> QueueReport:
    """Publish now, one article or many: each moves to "publishing" at once and gets a
    publish job. Articles that cannot be published are refused with the reason; a workspace
    whose plan lapsed is refused as a whole (AccountLapsed)."""
    from apps.publisher.services.outcome import claim
    from igny8 import jobs

    _lapsed_guard()
    if post_status is not None and post_status not in POST_STATUSES:
        raise ValidationError("Choose whether the article arrives published or as a draft.")
    report = QueueReport()
    for content in contents:
        try:
            _refuse_unless_publishable(content, verb="publish")
        except ValidationError as exc:
            report.refused.append((content, " ".join(exc.messages)))
            continue
        if not claim(content=content, manual=True):
            report.refused.append((content, "It is being published right now."))
            continue
        job = jobs.enqueue(
            "apps.publisher.jobs.publish_content",
            content.pk,
            getattr(user, "pk", None),
            post_status,
            label=f"Publish “{content.title}”"[:200],
            user=user,
        )
        report.queued.append((content, job))
    return report
