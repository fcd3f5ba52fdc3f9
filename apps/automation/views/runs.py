"""Run history (paginated) and one run: per-stage counts, credits, time and skip reasons, its
log in the page and as a download."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.accounts.models import User
from apps.automation.models import AutomationRun
from apps.automation.selectors import (
    run_for_member,
    run_log_path,
    run_log_text,
    run_progress,
    runs_for,
    stage_results,
)
from apps.automation.views.common import can_steer
from apps.workspace.context import current_site
from apps.workspace.models import Site
from igny8.http import redirect, render_page
from igny8.lists import ListSpec, Pager
from igny8.zones import workspace_zone

PER_PAGE = 20
LOG_LINES = 1000  # shown in the page; the download has every line


def runs_with_totals(site: Site) -> QuerySet[AutomationRun]:
    """The site's runs, newest first, with what each made and spent (one query)."""
    return runs_for(site).annotate(
        spent=Sum("stages__credits"),
        articles=Sum("stages__processed", filter=Q(stages__stage=4)),
        images=Sum("stages__processed", filter=Q(stages__stage=6)),
        handed=Sum("stages__processed", filter=Q(stages__stage=7)),
        skipped_items=Sum("stages__skipped"),
        failed_items=Sum("stages__failed"),
    )


def starters(runs: list[AutomationRun]) -> dict[int, str]:
    """Who started each run, by user id (users live in the public schema: one query)."""
    ids = {r.started_by_id for r in runs if r.started_by_id}
    return {
        u.pk: (u.get_full_name() or u.email)
        for u in User.objects.filter(pk__in=ids).only("pk", "name", "email")
    }


RUN_LIST = ListSpec(filters=(), page_size=PER_PAGE)


@require_GET
def run_history(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "zone": workspace_zone(request)}
    if site is not None:
        page = RUN_LIST.page(runs_with_totals(site), request.GET.get("page"))
        runs = list(page.object_list)
        names = starters(runs)
        for run in runs:
            run.starter = names.get(run.started_by_id, "a former member")
        context.update(
            page=page,
            runs=runs,
            pager=Pager(
                page,
                base=reverse("automation:runs"),
                bare_first=True,
                htmx="push",
                label="Run pages",
                previous_word="Newer",
                next_word="Older",
            ),
        )
    return render_page(request, "automation/runs.html", context, partial="history")


def _run_context(request: HttpRequest, run: AutomationRun, *, error: str = "") -> dict:
    log = run_log_text(run, max_lines=LOG_LINES)
    return {
        "run": run,
        "site": run.site,
        "progress": run_progress(run) if run.is_active else None,
        "stages": stage_results(run),
        "starter": starters([run]).get(run.started_by_id, "a former member"),
        "log": log,
        "log_cut": bool(log) and log.count("\n") + 1 >= LOG_LINES,
        "log_lines": LOG_LINES,
        "zone": workspace_zone(request),
        "can_steer": can_steer(request),
        "error": error,
    }


@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = run_for_member(request, pk)
    return render_page(request, "automation/run.html", _run_context(request, run), partial="live")


def run_after_action(
    request: HttpRequest, run: AutomationRun, *, error: str = "", status: int = 200
) -> HttpResponse:
    """After pause / resume / cancel on the run's page: its live part again (HTMX), else the
    page (redirected after a success, shown with the refusal otherwise)."""
    run.refresh_from_db()
    if request.htmx:
        context = _run_context(request, run, error=error)
        return render_page(request, "automation/run.html", context, partial="live")
    if error:
        context = _run_context(request, run, error=error)
        return render_page(request, "automation/run.html", context, status=status)
    return redirect(request, reverse("automation:run", args=[run.pk]))


@require_GET
def run_log_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's whole log as a text file, to members who may see its site. The path comes
    from the run alone (`run_log_path`), never from the request."""
    run = run_for_member(request, pk)
    try:
        path = run_log_path(run)
    except ValueError:
        raise Http404("This run has no log.") from None
    if not path.is_file():
        raise Http404("This run has no log yet.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"automation-run-{run.pk}.log",
        content_type="text/plain; charset=utf-8",
    )
