"""What every publisher view needs: who may change what, which site, and its clock."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from apps.accounts.models import Role
from apps.publisher.selectors import site_zone
from apps.workspace.models import Site
from apps.workspace.selectors import site_for_member
from igny8.http import render_error
from igny8.roles import member_has_role
from igny8.zones import workspace_zone

NOT_MANAGER = (
    "Only an owner or admin can connect WordPress or change its key. Ask one of them if the "
    "connection needs a change."
)
NOT_PUBLISHER = (
    "Viewers can follow publishing but not change it. Ask an owner or admin to make you an "
    "editor of this site if you need to."
)


def can_manage(request: HttpRequest) -> bool:
    """Owners and admins connect a site to WordPress and hold its key."""
    return member_has_role(request, Role.ADMIN)


def can_publish(request: HttpRequest) -> bool:
    """Owners, admins and editors publish, schedule and reschedule, on the sites they see."""
    return member_has_role(request, Role.EDITOR)


def site_to_manage(request: HttpRequest, pk: int | str) -> tuple[Site | None, HttpResponse | None]:
    """The site a connection change is asked for: 404 when the member may not see it, 403
    below admin."""
    site = site_for_member(request, pk)
    if not can_manage(request):
        return None, render_error(request, status=403, code="forbidden_role", message=NOT_MANAGER)
    return site, None


def site_to_publish(request: HttpRequest, pk: int | str) -> tuple[Site | None, HttpResponse | None]:
    """The site a publishing change is asked for: 404 when unseen, 403 for viewers."""
    site = site_for_member(request, pk)
    if not can_publish(request):
        return None, refuse_viewer(request)
    return site, None


def refuse_viewer(request: HttpRequest) -> HttpResponse:
    return render_error(request, status=403, code="forbidden_role", message=NOT_PUBLISHER)


def zone_of(request: HttpRequest, site: Site) -> str:
    return site_zone(site, workspace_zone(request))


def say(request: HttpRequest, words: str, *, ok: bool = True) -> None:
    (messages.success if ok else messages.error)(request, words)
