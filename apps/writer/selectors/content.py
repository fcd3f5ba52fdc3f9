"""Reads for the content pages: the content list with its filters, the review queue, the trash,
an article's versions, and who is acting (`actor_for`). Always scoped to one site."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest

from apps.workspace.models import Site
from apps.writer.models import Content, ContentVersion, EditorialStatus, PublishingStatus
from apps.writer.selectors.access import can_approve, can_edit
from apps.writer.services.content import Actor
from igny8.lists import Choice, Filters, ListSpec, Ref, Search


def actor_for(request: HttpRequest, site: Site) -> Actor:
    """The signed-in member with what their role allows on `site`."""
    return Actor(
        user=request.user,
        can_edit=can_edit(request),
        can_approve=can_approve(request, site),
    )


CONTENT_LIST = ListSpec(
    filters=(
        Search("q", ("title", "primary_keyword", "slug")),
        Choice("status", EditorialStatus.values, noun="status"),
        Choice(
            "publishing",
            PublishingStatus.values,
            field="publishing_status",
            noun="publishing status",
        ),
        Ref("sector", "sector_id", "sector"),
    ),
)


def content_list(*, site: Site, filters: Filters) -> QuerySet[Content]:
    """Live articles of `site` matching the filters, most recently changed first."""
    contents = Content.objects.alive().filter(site=site).select_related("sector")
    return filters.apply(contents, "-updated", "-id")


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
