"""Role-aware fetches of writer objects: every view gets tasks, contents and images through
these, so a member only ever reaches what the sites shared with them hold (404 otherwise)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from apps.accounts.models import Role
from apps.planner.selectors.clusters import visible_site_ids
from apps.workspace.models import Site
from apps.writer.models import Content, Image, Task
from igny8.roles import member_has_role


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


def task_for_member(request: HttpRequest, pk: int | str) -> Task:
    """A live task of a site the member may see, or 404."""
    try:
        return (
            Task.objects.alive()
            .select_related("site", "sector", "idea", "cluster")
            .get(pk=_pk(pk), site_id__in=visible_site_ids(request))
        )
    except Task.DoesNotExist:
        raise Http404("No such task.") from None


def content_for_member(request: HttpRequest, pk: int | str, *, trashed: bool = False) -> Content:
    """A live (or, with `trashed`, a trashed) content of a site the member may see, or 404."""
    contents = Content.objects.trashed() if trashed else Content.objects.alive()
    try:
        return contents.select_related("site", "sector", "task").get(
            pk=_pk(pk), site_id__in=visible_site_ids(request)
        )
    except Content.DoesNotExist:
        raise Http404("No such article.") from None


def image_for_member(request: HttpRequest, pk: int | str) -> Image:
    """An image of a live content of a site the member may see, or 404."""
    try:
        return Image.objects.select_related("content", "site").get(
            pk=_pk(pk),
            site_id__in=visible_site_ids(request),
            content__deleted_at__isnull=True,
        )
    except Image.DoesNotExist:
        raise Http404("No such image.") from None


def can_edit(request: HttpRequest) -> bool:
    """Editors, admins and owners write; viewers read."""
    return member_has_role(request, Role.EDITOR)


def can_approve(request: HttpRequest, site: Site) -> bool:
    """Owners and admins approve; editors too when the site allows it."""
    if member_has_role(request, Role.ADMIN):
        return True
    return site.editors_can_approve and member_has_role(request, Role.EDITOR)
