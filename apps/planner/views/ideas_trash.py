"""The ideas trash page: trashed ideas of the current site, restore or delete forever."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.accounts.models import Role
from apps.planner.models import Idea
from apps.planner.services.ideas_trash import ideas_delete_forever, ideas_restore
from apps.workspace.context import current_site
from igny8.http import redirect, render_error, render_page
from igny8.lists import ListSpec, Pager, ticked
from igny8.roles import member_has_role

TRASH_LIST = ListSpec(filters=())
TEMPLATE = "planner/ideas_trash.html"


def _ids(request: HttpRequest) -> list[int]:
    return [int(pk) for pk in ticked(request.POST) if pk.isdigit()]


@require_http_methods(["GET", "HEAD", "POST"])
def ideas_trash(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    can_edit = member_has_role(request, Role.EDITOR)
    url = reverse("planner:ideas_trash")
    confirm = None
    if request.method == "POST":
        if not can_edit:
            return render_error(
                request,
                status=403,
                code="forbidden_role",
                message="Only an editor, admin or owner can restore or delete ideas. "
                "Ask an owner of this workspace if you need access.",
            )
        if site is None:
            return redirect(request, url)
        ids = _ids(request)
        action = request.POST.get("action", "")
        if not ids:
            messages.error(request, "Tick the ideas first, then choose what to do with them.")
            return redirect(request, url)
        if action == "restore":
            report = ideas_restore(site=site, ids=ids)
            if report.restored:
                n = report.restored
                messages.success(request, f"Restored {n} idea{'s' * (n != 1)}.")
            for reason in report.refused[:10]:
                messages.warning(request, f"Not restored: {reason}")
            return redirect(request, url)
        if action == "delete" and request.POST.get("confirm") == "yes":
            n = ideas_delete_forever(site=site, ids=ids)
            messages.success(request, f"Deleted {n} idea{'s' * (n != 1)} forever.")
            return redirect(request, url)
        if action == "delete":
            confirm = {"ids": ids, "count": len(ids)}
        else:
            return render_error(
                request, status=400, code="bad_action", message="Choose restore or delete."
            )
    ideas = (
        Idea.objects.trashed().filter(site=site).select_related("cluster").order_by("-deleted_at")
        if site
        else Idea.objects.none()
    )
    page = TRASH_LIST.page(ideas, request.GET.get("page"))
    return render_page(
        request,
        TEMPLATE,
        {
            "site": site,
            "can_edit": can_edit,
            "page": page,
            "pager": Pager(page, htmx="", label="Trash pages"),
            "confirm": confirm,
            "can_manage": member_has_role(request, Role.ADMIN),
        },
    )
