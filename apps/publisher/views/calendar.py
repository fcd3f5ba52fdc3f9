"""The calendar of the current site: a month of what is planned (an article's *planned for*
date), booked (a publication's *publishes at* time, in the site's clock) and published, with
reschedule, unschedule and publish now."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.planner.selectors.clusters import visible_site_ids
from apps.publisher.forms import RescheduleForm, words_of
from apps.publisher.selectors import (
    calendar_month,
    connection_of,
    month_of,
)
from apps.publisher.services import schedule as schedule_services
from apps.publisher.views.common import can_publish, refuse_viewer, say, zone_of
from apps.workspace.context import current_site, show_site
from apps.writer.models import Content
from apps.writer.selectors.access import content_for_member
from igny8.errors import UserFacingError
from igny8.http import redirect, render_page

TEMPLATE = "publisher/calendar.html"
FREE_SLOTS = 8  # offered when rescheduling
MANY = 500  # articles in one "publish ticked" post, at most


def calendar_url() -> str:
    return reverse("publisher:calendar")


def _context(
    request: HttpRequest,
    *,
    month: str | None = None,
    form_for: int | None = None,
    form: RescheduleForm | None = None,
) -> dict:
    site = current_site(request)
    context: dict = {"site": site, "tab": "calendar"}
    if site is None:
        return context
    zone = zone_of(request, site)
    now = timezone.now()
    today = timezone.localtime(now, timezone=ZoneInfo(zone)).date()
    first = month_of(month, today)
    editable = can_publish(request)
    context.update(
        zone=zone,
        month=calendar_month(site=site, first=first, zone=zone, now=now),
        this_month=today.replace(day=1),
        can_publish=editable,
        connection=connection_of(site),
        waiting=schedule_services.waiting_for_slot(site).count(),
        schedule_on=schedule_services.schedule_for(site).enabled,
        slots=schedule_services.free_slots(site=site, since=now, count=FREE_SLOTS)
        if editable
        else [],
        form_for=form_for,
        form=form,
    )
    return context


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    return render_page(request, TEMPLATE, _context(request, month=request.GET.get("month")))


def _back(request: HttpRequest) -> str:
    """Back to where the action came from: a path on this host, else the calendar."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return calendar_url()


def _content_to_publish(
    request: HttpRequest, pk: int
) -> tuple[Content | None, HttpResponse | None]:
    content = content_for_member(request, pk)
    if not can_publish(request):
        return None, refuse_viewer(request)
    show_site(request, content.site)
    return content, None


@require_POST
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    content, refusal = _content_to_publish(request, pk)
    if refusal:
        return refusal
    zone = zone_of(request, content.site)
    form = RescheduleForm(request.POST, zone=zone, now=timezone.now())
    if form.is_valid():
        try:
            schedule_services.content_schedule(
                content=content, when=form.cleaned_data["when"], user=request.user
            )
        except (ValidationError, UserFacingError) as exc:
            form.add_error(None, words_of(exc))
    if not form.is_valid():
        month = request.POST.get("month")
        context = _context(request, month=month, form_for=content.pk, form=form)
        return render_page(request, TEMPLATE, context, status=200 if request.htmx else 400)
    when = timezone.localtime(form.cleaned_data["when"], timezone=form.zone)
    say(request, f"“{content.title}” publishes on {when:%a %-d %b %Y at %H:%M} ({zone}).")
    return redirect(request, _back(request))


@require_POST
def unschedule(request: HttpRequest, pk: int) -> HttpResponse:
    content, refusal = _content_to_publish(request, pk)
    if refusal:
        return refusal
    try:
        schedule_services.content_unschedule(content=content, user=request.user)
    except (ValidationError, UserFacingError) as exc:
        say(request, words_of(exc), ok=False)
        return redirect(request, _back(request))
    say(
        request,
        f"“{content.title}” is off the schedule; it stays approved until you book it again.",
    )
    return redirect(request, _back(request))


@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    """Publish now, one article or many (ticked on the content list): each goes to the queue
    and publishes in the background; the calendar and the sync log follow."""
    ids = [i for i in request.POST.getlist("content") if i.isdigit()]
    if not ids:
        say(request, "Tick the approved articles to publish first.", ok=False)
        return redirect(request, _back(request))
    contents = list(
        Content.objects.alive()
        .select_related("site")
        .filter(pk__in=ids[:MANY], site_id__in=visible_site_ids(request))
        .order_by("pk")
    )
    if not contents:
        raise Http404("No such article.")
    if not can_publish(request):
        return refuse_viewer(request)
    show_site(request, contents[0].site)
    try:
        report = schedule_services.publish_queue(contents=contents, user=request.user)
    except (ValidationError, UserFacingError) as exc:
        say(request, words_of(exc), ok=False)
        return redirect(request, _back(request))
    if report.queued:
        say(
            request,
            f"{report.message} The calendar and the sync log show when it is done.",
            ok=not report.refused,
        )
    else:
        say(request, report.message, ok=False)
    return redirect(request, _back(request))
