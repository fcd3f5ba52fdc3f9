"""The publishing schedule of the current site: the days and times articles go out, a daily
cap and the clock they follow. Approved articles fill the next free slots on their own."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.publisher.forms import ScheduleForm
from apps.publisher.selectors import connection_of
from apps.publisher.services import schedule as schedule_services
from apps.publisher.views.common import can_publish, say, site_to_publish, zone_of
from apps.workspace.context import current_site, show_site
from apps.workspace.models import Site
from igny8.http import redirect, render_page
from igny8.zones import workspace_zone

TEMPLATE = "publisher/schedule.html"
UPCOMING = 6


def _page(
    request: HttpRequest,
    site: Site | None,
    *,
    form: ScheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict = {"site": site, "tab": "schedule"}
    if site is not None:
        schedule = schedule_services.schedule_for(site)
        zone = zone_of(request, site)
        context.update(
            schedule=schedule,
            zone=zone,
            workspace_zone=workspace_zone(request),
            form=form
            or ScheduleForm.for_schedule(schedule, workspace_zone=workspace_zone(request)),
            can_publish=can_publish(request),
            connection=connection_of(site),
            waiting=schedule_services.waiting_for_slot(site).count(),
            upcoming=schedule_services.free_slots(site=site, since=timezone.now(), count=UPCOMING)
            if schedule.enabled
            else [],
        )
    return render_page(request, TEMPLATE, context, partial="form", status=status)


@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    return _page(request, current_site(request))


@require_POST
def schedule_update(request: HttpRequest, site_pk: int) -> HttpResponse:
    site, refusal = site_to_publish(request, site_pk)
    if refusal:
        return refusal
    show_site(request, site)
    form = ScheduleForm(request.POST, workspace_zone=workspace_zone(request))
    try:
        saved = schedule_services.schedule_save(
            site=site, data=form.service_data(request.POST), user=request.user
        )
    except ValidationError as exc:
        form.show_errors(exc)
        return _page(request, site, form=form, status=200 if request.htmx else 400)
    if saved.enabled:
        words = "approved articles now fill its free slots"
    else:
        words = "it is off: articles publish only when you say"
    say(request, f"Publishing schedule of {site.name} saved: {words}.")
    return redirect(request, reverse("publisher:schedule"))
