"""What every automation view needs: who may change what, and the workspace's clock."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from apps.accounts.models import Role
from apps.automation.models import AutomationRun
from apps.automation.selectors import run_for_member
from apps.workspace.models import Site
from apps.workspace.selectors import site_for_member
from igny8.http import render_error
from igny8.roles import member_has_role

READ_ONLY = (
    "Viewers can follow automation but not change it. Ask an owner or admin to make you an "
    "editor of this site if you need to."
)


def can_steer(request: HttpRequest) -> bool:
    """Owners, admins and editors change settings and start, pause, resume or cancel runs, on
    the sites they can see (an editor sees only the sites granted to them)."""
    return member_has_role(request, Role.EDITOR)


def refuse_viewer(request: HttpRequest) -> HttpResponse:
    return render_error(request, status=403, code="forbidden_role", message=READ_ONLY)


def site_to_steer(request: HttpRequest, pk: int | str) -> tuple[Site | None, HttpResponse | None]:
    """The site a change is asked for: 404 when the member may not see it, 403 for viewers."""
    site = site_for_member(request, pk)
    if not can_steer(request):
        return None, refuse_viewer(request)
    return site, None


def run_to_steer(
    request: HttpRequest, pk: int | str
) -> tuple[AutomationRun | None, HttpResponse | None]:
    run = run_for_member(request, pk)
    if not can_steer(request):
        return None, refuse_viewer(request)
    return run, None
