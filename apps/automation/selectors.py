"""Reads for the automation pages: the active run, the history, one run for a member, the
pipeline's counts, a run's progress and its stages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from apps.automation.models import (
    ACTIVE_STATUSES,
    STAGE_NAMES,
    STAGE_NUMBERS,
    STAGE_UNITS,
    AutomationRun,
    Request,
    RunStatus,
    StageResult,
    StageStatus,
)
from apps.automation.runlog import run_log_path, run_log_text
from apps.workspace.models import Site
from apps.workspace.selectors import sites_for_member

__all__ = [
    "run_active",
    "run_for_member",
    "run_last",
    "run_log_path",
    "run_log_text",
    "run_progress",
    "runs_for",
    "stage_results",
]


def run_active(site: Site) -> AutomationRun | None:
    """The site's queued, running or paused run, if any."""
    return (
        AutomationRun.objects.select_related("site")
        .filter(site=site, status__in=ACTIVE_STATUSES)
        .first()
    )


def runs_for(site: Site) -> QuerySet[AutomationRun]:
    """The site's runs, newest first (paginate in the view)."""
    return (
        AutomationRun.objects.filter(site=site).select_related("site").order_by("-created", "-id")
    )


def run_last(site: Site) -> AutomationRun | None:
    """The site's last run that ended."""
    return runs_for(site).exclude(status__in=ACTIVE_STATUSES).first()


def run_for_member(request: HttpRequest, pk: int | str) -> AutomationRun:
    """One run of a site the member may see, or 404 (never a hint that it exists)."""
    try:
        return (
            AutomationRun.objects.select_related("site")
            .filter(site__in=sites_for_member(request).values("pk"))
            .get(pk=int(pk))
        )
    except (AutomationRun.DoesNotExist, ValueError, TypeError):
        raise Http404("No such run.") from None


@dataclass(frozen=True)
class RunProgress:
    stage: int
    stage_name: str
    done: int  # items done in the stage
    total: int  # items it planned (at least `done`)
    percent: int  # 0–100 over the whole run (seven stages)
    text: str  # "Stage 4 of 7 · Tasks → articles: 3 of 12 tasks"
    pausing: bool  # a pause or cancel is asked and waits for the current item


def run_progress(run: AutomationRun) -> RunProgress:
    """What the progress bar shows for a run."""
    number = min(run.stage, STAGE_NUMBERS[-1])
    result = StageResult.objects.filter(run=run, stage=number).first()
    done = result.handled if result else run.item
    total = max(result.total if result else 0, done)
    if run.status == RunStatus.COMPLETED:
        percent = 100
    else:
        within = done / total if total else 0
        percent = int(((number - 1) + within) / len(STAGE_NUMBERS) * 100)
    unit = STAGE_UNITS[number] + ("" if total == 1 else "s")
    text = f"Stage {number} of 7 · {STAGE_NAMES[number]}: {done:,} of {total:,} {unit}"
    pausing = run.status == RunStatus.RUNNING and run.requested != Request.NONE
    if pausing:
        word = "Pausing" if run.requested == Request.PAUSE else "Cancelling"
        text += f" · {word} after the current item…"
    elif run.status == RunStatus.PAUSED:
        text += " · Paused"
    elif run.status == RunStatus.QUEUED:
        text = "Waiting for a worker to start…"
    return RunProgress(
        stage=number,
        stage_name=STAGE_NAMES[number],
        done=done,
        total=total,
        percent=min(percent, 100),
        text=text,
        pausing=pausing,
    )


def stage_results(run: AutomationRun) -> list[StageResult]:
    """All seven stages of a run, in order; stages it did not reach are unsaved placeholders."""
    saved = {r.stage: r for r in StageResult.objects.filter(run=run)}
    return [
        saved.get(n) or StageResult(run=run, stage=n, status=StageStatus.PENDING)
        for n in STAGE_NUMBERS
    ]
