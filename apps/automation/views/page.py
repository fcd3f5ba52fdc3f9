"""The automation page of a site: the seven stages with what is pending and what a run would
cost, run now / pause / resume / cancel with live progress, last and next run, and the
settings form.

The live part (`#panel`) polls every 2 s while a run is active and stops when it ends; the
settings form is outside it, so nothing typed is swapped away by a poll.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.automation import services
from apps.automation.forms import AutomationConfigForm
from apps.automation.models import AutomationConfig, AutomationRun, RunStatus
from apps.automation.selectors import run_active, run_last, run_progress
from apps.automation.services import CannotStart, NotNow, RunActive, StagePreview
from apps.automation.views.common import can_steer, run_to_steer, site_to_steer
from apps.automation.views.runs import run_after_action
from apps.schedule.selectors import next_run_for
from apps.workspace.context import current_site, show_site
from apps.workspace.models import Site
from apps.workspace.selectors import site_for_member
from igny8.ai import costs
from igny8.http import redirect, render_page
from igny8.zones import workspace_zone

TEMPLATE = "automation/automation.html"


@dataclass(frozen=True)
class StageCard:
    stage: StagePreview
    state: str  # "", "done", "current" (during an active run)


def _cards(preview: services.RunPreview, active: AutomationRun | None) -> list[StageCard]:
    cards = []
    for stage in preview.stages:
        state = ""
        if active is not None:
            if stage.number < active.stage:
                state = "done"
            elif stage.number == active.stage:
                state = "current"
        cards.append(StageCard(stage=stage, state=state))
    return cards


def panel_context(request: HttpRequest, site: Site, *, error: str = "") -> dict:
    """The live part: stages, cost, the active run's progress, last and next run."""
    config = services.config_for(site)
    preview = services.run_preview(site=site)
    active = run_active(site)
    # What a run would spend: the stages that do something and are priced (queueing ideas and
    # clustering never cost; the offline writer's work is free and says so).
    priced = [
        s.price
        for s in preview.stages
        if s.enabled and s.planned and (s.price.offline or s.price.credits)
    ]
    return {
        "site": site,
        "config": config,
        "preview": preview,
        "cards": _cards(preview, active),
        "run_cost": costs.total(priced),
        "active": active,
        "progress": run_progress(active) if active else None,
        "last_run": run_last(site),
        "next_run": next_run_for(site_id=site.pk) if config.enabled else None,
        "zone": workspace_zone(request),
        "can_steer": can_steer(request),
        "error": error,
    }


def _page(
    request: HttpRequest,
    site: Site | None,
    *,
    form: AutomationConfigForm | None = None,
    error: str = "",
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    if site is None:
        return render_page(request, TEMPLATE, {"site": None}, status=status)
    context = panel_context(request, site, error=error)
    context["form"] = form or AutomationConfigForm.for_config(context["config"])
    context["defaults"] = AutomationConfig(site=site)
    return render_page(request, TEMPLATE, context, partial=partial, status=status)


@require_GET
def automation(request: HttpRequest) -> HttpResponse:
    return _page(request, current_site(request))


@require_GET
def panel(request: HttpRequest, site_pk: int) -> HttpResponse:
    """The live part alone (what the page polls); the whole page without HTMX."""
    site = site_for_member(request, site_pk)
    return _page(request, site, partial="panel")


def _here(site: Site) -> str:  # noqa: ARG001 (the page shows the current site, set first)
    return reverse("automation:home")


@require_POST
def config_update(request: HttpRequest, site_pk: int) -> HttpResponse:
    site, refusal = site_to_steer(request, site_pk)
    if refusal:
        return refusal
    form = AutomationConfigForm(request.POST)
    try:
        config = services.config_save(
            site=site, data=form.service_data(request.POST), user=request.user
        )
    except ValidationError as exc:
        form.show_errors(exc)
        show_site(request, site)
        # HTMX swaps the form with its errors in (a typo is no failure of the page: 200);
        # a plain post says 400.
        status = 200 if request.htmx else 400
        return _page(request, site, form=form, partial="settings", status=status)
    words = "on a schedule" if config.enabled else "by hand only (the schedule is off)"
    messages.success(request, f"Automation settings of {site.name} saved: it runs {words}.")
    show_site(request, site)
    return redirect(request, _here(site))


@require_POST
def config_reset(request: HttpRequest, site_pk: int) -> HttpResponse:
    site, refusal = site_to_steer(request, site_pk)
    if refusal:
        return refusal
    config = services.config_reset(site=site, user=request.user)
    state = "still on" if config.enabled else "still off"
    messages.success(
        request,
        f"Automation settings of {site.name} are back to their defaults (the schedule is {state}).",
    )
    show_site(request, site)
    return redirect(request, _here(site))


def _after_action(
    request: HttpRequest, site: Site, *, error: str = "", status: int = 200
) -> HttpResponse:
    """HTMX: the live part again (the error inside it). Otherwise the page: redirected after
    a success, shown with the error after a refusal."""
    show_site(request, site)
    if request.htmx:
        # The refusal is shown in the live part, swapped in as any answer (200): htmx would
        # treat a 4xx as a failure of the page. A plain post keeps the refusal's status.
        return _page(request, site, error=error, partial="panel")
    if error:
        return _page(request, site, error=error, status=status)
    return redirect(request, _here(site))


@require_POST
def run_now(request: HttpRequest, site_pk: int) -> HttpResponse:
    site, refusal = site_to_steer(request, site_pk)
    if refusal:
        return refusal
    try:
        run = services.run_start(site=site, user=request.user)
    except (RunActive, CannotStart) as exc:
        return _after_action(request, site, error=exc.message, status=exc.status)
    messages.success(request, f"Run #{run.pk} of {site.name} started.")
    return _after_action(request, site)


def _steer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    run, refusal = run_to_steer(request, pk)
    if refusal:
        return refusal
    step = {
        "pause": services.run_pause,
        "resume": services.run_resume,
        "cancel": services.run_cancel,
    }[action]
    # The run page and the site's page both have the buttons; the answer goes back to the one
    # the person is on.
    back = run_after_action if request.POST.get("view") == "run" else _site_after_action
    try:
        run = step(run=run, user=request.user)
    except (NotNow, CannotStart) as exc:
        return back(request, run, error=exc.message, status=exc.status)
    messages.success(request, _done_words(run, action))
    return back(request, run)


def _site_after_action(
    request: HttpRequest, run: AutomationRun, *, error: str = "", status: int = 200
) -> HttpResponse:
    return _after_action(request, run.site, error=error, status=status)


def _done_words(run: AutomationRun, action: str) -> str:
    if action == "pause":
        if run.status == RunStatus.PAUSED:
            return f"Run #{run.pk} is paused. Resume it to go on from where it stopped."
        return f"Run #{run.pk} will pause after the item in hand."
    if action == "resume":
        return f"Run #{run.pk} goes on from stage {run.stage}."
    if run.status == RunStatus.CANCELLED:
        return f"Run #{run.pk} is cancelled; what it finished is kept."
    return f"Run #{run.pk} will stop after the item in hand; what it finished is kept."


@require_POST
def run_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _steer(request, pk, "pause")


@require_POST
def run_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _steer(request, pk, "resume")


@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _steer(request, pk, "cancel")


__all__ = [
    "automation",
    "config_reset",
    "config_update",
    "panel",
    "run_cancel",
    "run_now",
    "run_pause",
    "run_resume",
]
