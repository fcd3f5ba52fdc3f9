"""Moving an article to the trash, and the trash page (restore, delete forever)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import Role
from apps.workspace.context import current_site
from apps.writer.selectors import content as sel
from apps.writer.selectors.access import can_edit, content_for_member
from apps.writer.services import content as services
from apps.writer.views.content import editor_url, refused
from igny8.http import redirect, render_error, render_page
from igny8.lists import ListSpec, Pager
from igny8.roles import member_has_role

TRASH_LIST = ListSpec(filters=())
TRASH = "writer/trash.html"


@require_POST
def content_delete(request: HttpRequest, pk: int) -> HttpResponse:
    content = content_for_member(request, pk)
    try:
        services.content_trash(content=content, actor=sel.actor_for(request, content.site))
    except PermissionDenied as exc:
        return refused(request, exc)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(request, editor_url(content))
    messages.success(
        request,
        format_html(
            'Moved “{}” to the trash. <a href="{}">Open the trash</a> to restore it.',
            content.title,
            reverse("writer:trash"),
        ),
    )
    return redirect(request, reverse("writer:contents"))


def _page(request: HttpRequest, *, status: int = 200, **extra) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "can_edit": can_edit(request), **extra}
    if site is None:
        context["can_manage"] = member_has_role(request, Role.ADMIN)
    else:
        number = request.POST.get("page") or request.GET.get("page")
        page = TRASH_LIST.page(sel.trash_list(site=site), number)
        context.update(page=page, pager=Pager(page, htmx="", label="Trash pages"))
    return render_page(request, TRASH, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def trash(request: HttpRequest) -> HttpResponse:
    """GET: trashed articles of the current site. POST: restore one, or delete one forever
    (after a confirmation step, which also works without JavaScript)."""
    if request.method != "POST":
        return _page(request)
    action = request.POST.get("action", "")
    if action not in ("restore", "delete"):
        return render_error(
            request, status=400, code="bad_action", message="Choose restore or delete forever."
        )
    content = content_for_member(request, request.POST.get("id", ""), trashed=True)
    actor = sel.actor_for(request, content.site)
    if not actor.can_edit:
        return refused(request, PermissionDenied(services.CANNOT_EDIT))
    if action == "delete" and request.POST.get("confirm") != "yes":
        return _page(request, confirm=content)
    try:
        if action == "restore":
            services.content_restore(content=content, actor=actor)
            messages.success(
                request,
                format_html('Restored “<a href="{}">{}</a>”.', editor_url(content), content.title),
            )
        else:
            title = services.content_delete_forever(content=content, actor=actor)
            messages.success(request, f"Deleted “{title}” and its versions forever.")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    page = request.POST.get("page", "")
    suffix = f"?page={page}" if page.isdigit() and page != "1" else ""
    return redirect(request, reverse("writer:trash") + suffix)
