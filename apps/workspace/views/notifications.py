"""The notifications page: one's own notifications, all or unread, read one or all.

Everyone in the workspace has the page and sees only what was addressed to them; outsiders
are stopped by the membership middleware (403) as everywhere. Somebody else's notification
is a 404, like any object one may not see.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.workspace.models import Notification
from apps.workspace.notifications import (
    notification_read,
    notifications_for,
    notifications_read_all,
    unread_count,
)
from igny8.http import SeeOther, redirect, render_page
from igny8.lists import ListSpec, Pager

PER_PAGE = 20
NOTIFICATION_LIST = ListSpec(filters=(), page_size=PER_PAGE)


def _own(request: HttpRequest, pk: int) -> Notification:
    return get_object_or_404(Notification, pk=pk, recipient_id=request.user.pk)


def _list_url(show: str, page: int | str | None = None) -> str:
    query = {k: v for k, v in (("show", show), ("page", page)) if v and str(v) != "1"}
    base = reverse("workspace:notifications")
    return f"{base}?{urlencode(query)}" if query else base


def _show(source) -> str:
    return "unread" if source.get("show") == "unread" else ""


def _context(request: HttpRequest, show: str, page_number) -> dict:
    rows = notifications_for(request.user, unread_only=show == "unread")
    page = NOTIFICATION_LIST.page(rows, page_number)
    return {
        "page": page,
        "show": show,
        "unread": unread_count(request.user),
        "here": _list_url(show, page.number),
        "pager": Pager(
            page,
            base=reverse("workspace:notifications"),
            query=urlencode({"show": show}) if show else "",
            bare_first=True,
            htmx="push",
            label="Notification pages",
            previous_word="Newer",
            next_word="Older",
        ),
    }


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    show = _show(request.GET)
    context = _context(request, show, request.GET.get("page"))
    return render_page(request, "workspace/notifications.html", context, partial="list")


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link; following it is reading it."""
    notification = notification_read(notification=_own(request, pk))
    link = notification.link
    if not link.startswith("/") or link.startswith("//"):
        link = reverse("workspace:notifications")
    return SeeOther(link)


@require_POST
def notification_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_read(notification=_own(request, pk))
    if request.htmx:
        context = {"n": notification, "here": request.POST.get("here", "")}
        return render_page(request, "workspace/notifications.html#item", context)
    return redirect(request, _back(request))


@require_POST
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = notifications_read_all(user=request.user)
    if marked:
        messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    else:
        messages.info(request, "Nothing was unread.")
    show = _show(request.POST)
    if request.htmx:
        context = _context(request, show, request.POST.get("page"))
        return render_page(request, "workspace/notifications.html#list", context)
    return redirect(request, _back(request))


def _back(request: HttpRequest) -> str:
    """Where a plain form post returns: the list page it came from, nowhere else."""
    here = request.POST.get("here", "")
    list_url = reverse("workspace:notifications")
    return here if here.startswith(list_url) and "//" not in here else list_url
