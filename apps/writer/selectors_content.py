"""Reads for the content pages: the content list with its filters, the review queue, the trash,
an article's versions, and who is acting (`actor_for`). Always scoped to one site."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, QueryDict

from apps.workspace.models import Site
from apps.writer.models import Content, ContentVersion, EditorialStatus, PublishingStatus
from apps.writer.selectors import can_approve, can_edit
from apps.writer.services.content import Actor


def actor_for(request: HttpRequest, site: Site) -> Actor:
    """The signed-in member with what their role allows on `site`."""
    return Actor(
        user=request.user,
        can_edit=can_edit(request),
        can_approve=can_approve(request, site),
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass
class ContentFilters:
    q: str = ""
    status: str = ""
    publishing: str = ""
    sector: int | None = None
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query: QueryDict, *, sector_ids: set[int]) -> ContentFilters:
        """Filters from the query string; values that do not exist are ignored and named."""
        f = cls(q=query.get("q", "").strip()[:100])
        status = query.get("status", "")
        if status in EditorialStatus.values:
            f.status = status
        elif status:
            f.ignored.append(f"“{status}” is not a status")
        publishing = query.get("publishing", "")
        if publishing in PublishingStatus.values:
            f.publishing = publishing
        elif publishing:
            f.ignored.append(f"“{publishing}” is not a publishing status")
        sector = query.get("sector", "")
        if sector:
            f.sector = _int(sector)
            if f.sector not in sector_ids:
                f.sector = None
                f.ignored.append("that sector is not one of this site's")
        return f

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.publishing or self.sector)

    def as_query(self) -> dict[str, str]:
        params = {
            "q": self.q,
            "status": self.status,
            "publishing": self.publishing,
            "sector": str(self.sector or ""),
        }
        return {k: v for k, v in params.items() if v}


def content_list(*, site: Site, filters: ContentFilters) -> QuerySet[Content]:
    """Live articles of `site`, most recently changed first."""
    contents = Content.objects.alive().filter(site=site).select_related("sector")
    if filters.q:
        contents = contents.filter(
            Q(title__icontains=filters.q)
            | Q(primary_keyword__icontains=filters.q)
            | Q(slug__icontains=filters.q)
        )
    if filters.status:
        contents = contents.filter(status=filters.status)
    if filters.publishing:
        contents = contents.filter(publishing_status=filters.publishing)
    if filters.sector:
        contents = contents.filter(sector_id=filters.sector)
    return contents.order_by("-updated", "-id")


def status_counts(*, site: Site) -> dict[str, int]:
    """How many live articles of `site` are in each editorial status."""
    counts = dict.fromkeys(EditorialStatus.values, 0)
    rows = (
        Content.objects.alive()
        .filter(site=site)
        .values("status")
        .order_by()
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def review_queue(*, site: Site) -> QuerySet[Content]:
    """Articles of `site` waiting for review, the longest waiting first."""
    return (
        Content.objects.alive()
        .filter(site=site, status=EditorialStatus.REVIEW)
        .select_related("sector", "submitted_by")
        .order_by("submitted_at", "id")
    )


def trash_list(*, site: Site) -> QuerySet[Content]:
    """Trashed articles of `site`, the most recently trashed first."""
    return (
        Content.objects.trashed()
        .filter(site=site)
        .select_related("sector")
        .order_by("-deleted_at", "-id")
    )


def versions_of(content: Content) -> QuerySet[ContentVersion]:
    """Every version of `content`, the newest first, with its author."""
    return content.versions.select_related("author").order_by("-number")


def version_of(content: Content, number: int | str) -> ContentVersion:
    """One version of `content` by its number, or 404."""
    try:
        return content.versions.select_related("author").get(number=int(number))
    except (ContentVersion.DoesNotExist, TypeError, ValueError):
        raise Http404("No such version.") from None


def latest_version(content: Content) -> ContentVersion | None:
    return content.versions.select_related("author").order_by("-number").first()
