"""Reads for the publisher pages: a site's connection and clock, the calendar month, the sync
log. Always scoped to one site the caller has already checked the member may see."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from apps.publisher.models import (
    Connection,
    ConnectionStatus,
    Publication,
    PublishSchedule,
    SyncEvent,
)
from apps.workspace.models import Site
from apps.writer.models import Content, PublishingStatus
from igny8.lists import Choice, Filters, ListSpec
from igny8.zones import zone_valid

# The kinds of exchange the sync log knows (models.SyncEvent.kind), in the filter's order.
SYNC_KINDS = [
    ("publish", "Publish"),
    ("unpublish", "Unpublish"),
    ("test", "Connection test"),
    ("structure", "Site structure"),
    ("status", "Post status"),
    ("permalink", "Permalink"),
    ("ack", "Acknowledgement"),
    ("pull", "Content pull"),
]


def connection_of(site: Site) -> Connection | None:
    """The site's connection, revoked included (the page says so), or None."""
    return Connection.objects.filter(site=site).first()


def wordpress_connected(site: Site | None) -> bool:
    """Whether the site can publish: a live connection that WordPress answered at least once."""
    if site is None:
        return False
    return Connection.objects.filter(
        site=site, status=ConnectionStatus.CONNECTED, outbound_ok_at__isnull=False
    ).exists()


def site_zone(site: Site, account_zone: str = "") -> str:
    """The clock a site publishes by: its schedule's timezone, else the workspace's, else UTC."""
    named = (
        PublishSchedule.objects.filter(site=site).values_list("time_zone", flat=True).first() or ""
    )
    for name in (named, account_zone):
        if name and zone_valid(name):
            return name
    return "UTC"


# --- the calendar --------------------------------------------------------------------------


@dataclass
class Entry:
    """One thing on one day. `kind` is "planned" (Content.planned_for, a date someone
    planned), "scheduled" (Publication.publish_at, a booked time), "published" (live) or
    "failed"."""

    kind: str
    content: Content
    publication: Publication | None = None
    at: datetime | None = None  # local time of a booked or published entry; None for planned

    @property
    def live_url(self) -> str:
        if self.kind == "published" and self.publication:
            return self.publication.remote_url
        return ""

    @property
    def movable(self) -> bool:
        """Whether a person may book (or move, or take off) this article's time now: approved,
        and not being published or already live."""
        if self.content.status != "approved":
            return False
        return self.content.publishing_status in (
            PublishingStatus.NOT_PUBLISHED,
            PublishingStatus.SCHEDULED,
            PublishingStatus.FAILED,
        )

    @property
    def offers_booking(self) -> bool:
        """Book / move / take off here: on the booked entry, or on a planned date of an
        approved article not booked yet (never twice for one article)."""
        return self.movable and (self.kind != "planned" or not self.booked)

    @property
    def booked(self) -> bool:
        return self.content.publishing_status in (
            PublishingStatus.SCHEDULED,
            PublishingStatus.FAILED,
        ) and bool(self.publication and self.publication.publish_at)


@dataclass
class Day:
    date: date
    in_month: bool
    today: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Month:
    first: date
    zone: str
    weeks: list[list[Day]]

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=32)).replace(day=1)

    @property
    def days_with_entries(self) -> list[Day]:
        return [d for w in self.weeks for d in w if d.entries and d.in_month]

    @property
    def count(self) -> int:
        return sum(len(d.entries) for d in self.days_with_entries)


def month_of(value: str | None, today: date) -> date:
    """The first day of the month asked for as "YYYY-MM"; this month when unreadable."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 1971 <= year <= 2999:  # far ends would overflow the previous / next month links
            return date(year, month, 1)
    except (ValueError, TypeError):
        pass
    return today.replace(day=1)


def _booked(publication: Publication) -> tuple[str, datetime | None]:
    """What a publication shows on the calendar and when: live posts on the day they went
    live, booked ones at their slot; nothing for an article taken off the schedule."""
    status = publication.content.publishing_status
    if status == PublishingStatus.PUBLISHED:
        return "published", (
            publication.published_at or publication.publish_at or publication.updated
        )
    if status == PublishingStatus.FAILED:
        return "failed", publication.publish_at or publication.updated
    if status == PublishingStatus.SCHEDULED:
        return "scheduled", publication.publish_at
    if status == PublishingStatus.PUBLISHING:  # on its way now: booked, or a Publish now
        return "scheduled", publication.publish_at or publication.updated
    return "", None


def calendar_month(*, site: Site, first: date, zone: str, now: datetime) -> Month:
    """The weeks (Monday first) around the month of `first`, each day with what is planned,
    booked and published on it in the site's clock. Two queries, whatever the month holds."""
    tz = ZoneInfo(zone)
    cal = calendar.Calendar(firstweekday=calendar.MONDAY)
    weeks_dates = cal.monthdatescalendar(first.year, first.month)
    start, end = weeks_dates[0][0], weeks_dates[-1][-1] + timedelta(days=1)
    start_at = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
    end_at = datetime.combine(end, time.min, tzinfo=tz).astimezone(UTC)
    today = now.astimezone(tz).date()
    days = {
        d: Day(date=d, in_month=d.month == first.month, today=d == today)
        for w in weeks_dates
        for d in w
    }

    publications = (
        Publication.objects.filter(site=site, content__deleted_at__isnull=True)
        .filter(
            Q(publish_at__gte=start_at, publish_at__lt=end_at)
            | Q(published_at__gte=start_at, published_at__lt=end_at)
            | Q(publish_at__isnull=True, updated__gte=start_at, updated__lt=end_at)
        )
        .select_related("content")
        .order_by("pk")
    )
    for publication in publications:
        kind, when = _booked(publication)
        if not kind or when is None:
            continue
        local = when.astimezone(tz)
        day = days.get(local.date())
        if day is not None:
            day.entries.append(
                Entry(kind=kind, content=publication.content, publication=publication, at=local)
            )

    planned = (
        Content.objects.alive()
        .filter(site=site, planned_for__gte=start, planned_for__lt=end)
        .select_related("publication")
        .order_by("planned_for", "title", "pk")
    )
    for content in planned:
        days[content.planned_for].entries.append(
            Entry(
                kind="planned", content=content, publication=getattr(content, "publication", None)
            )
        )
    for day in days.values():
        # Booked times in order, then what is only planned for the day.
        day.entries.sort(
            key=lambda e: (e.kind == "planned", e.at or datetime.max.replace(tzinfo=tz))
        )
    return Month(first=first, zone=zone, weeks=[[days[d] for d in week] for week in weeks_dates])


# --- the sync log --------------------------------------------------------------------------


SYNC_LIST = ListSpec(
    filters=(
        Choice("kind", None),  # the kinds `sync_kinds` lists for the site
        Choice("status", ("ok", "failed"), lookups={"ok": Q(ok=True), "failed": Q(ok=False)}),
        Choice("direction", ("in", "out")),
    ),
)


def sync_kinds(site: Site) -> list[tuple[str, str]]:
    """The kinds to filter by: the known ones, then any other the site's log holds."""
    known = dict(SYNC_KINDS)
    present = SyncEvent.objects.filter(site=site).values_list("kind", flat=True).distinct()
    extra = sorted(k for k in present if k and k not in known)
    return SYNC_KINDS + [(k, k.replace("_", " ").capitalize()) for k in extra]


def sync_events(*, site: Site, filters: Filters) -> QuerySet[SyncEvent]:
    """The site's sync log, newest first, narrowed by the filters."""
    return filters.apply(SyncEvent.objects.filter(site=site), "-created", "-id")


def content_titles(events: list[SyncEvent]) -> dict[str, Content]:
    """The articles the events name (one query), by id as the log keeps it (a string)."""
    ids = {int(e.object_id) for e in events if e.object_type == "content" and e.object_id.isdigit()}
    return {
        str(c.pk): c for c in Content.objects.filter(pk__in=ids).only("pk", "title", "deleted_at")
    }
