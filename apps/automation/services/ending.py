"""The end of a run: its status and reason, the stages it was in, the credit holds a dead job
left, and the notification to the people who follow it."""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone

from apps.automation.models import AutomationRun, RunStatus, StageResult, StageStatus
from apps.automation.runlog import run_log
from apps.billing.models import Reservation, ReservationStatus

log = logging.getLogger(__name__)

ENDED = {
    RunStatus.COMPLETED,
    RunStatus.FAILED,
    RunStatus.STOPPED,
    RunStatus.CANCELLED,
}


def release_holds(run: AutomationRun) -> int:
    """Give back every credit hold of the run still open (its job died holding them)."""
    from apps.billing import credits

    prefix = f"{connection.schema_name}:job:"
    marker = f":automation:{run.pk}:"
    held = Reservation.objects.filter(
        status=ReservationStatus.RESERVED, key__startswith=prefix, key__contains=marker
    ).select_related("account")
    released = 0
    for reservation in held:
        credits.release(reservation=reservation)
        released += 1
    return released


def finish(run: AutomationRun, status: str, reason: str = "") -> AutomationRun:
    """End the run (completed, failed, stopped or cancelled) with its reason, and tell the
    people who follow it."""
    now = timezone.now()
    # One transaction: a page polling the run sees it ended together with its notification
    # (the bell), never the end without it.
    with transaction.atomic():
        changed = AutomationRun.objects.filter(pk=run.pk).exclude(status__in=ENDED)
        if not changed.update(status=status, reason=reason[:2000], finished=now, requested=""):
            run.refresh_from_db()
            return run
        StageResult.objects.filter(run=run, status=StageStatus.RUNNING).update(
            status=StageStatus.DONE if status == RunStatus.COMPLETED else StageStatus.STOPPED,
            finished=now,
        )
        run.refresh_from_db()
        _notify_end(run)
    words = f"run {run.get_status_display().lower()}"
    run_log(run, f"{words}: {reason}" if reason else words)
    return run


def _run_url(run: AutomationRun) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("automation:run", args=[run.pk])
    except NoReverseMatch:
        return f"/automation/runs/{run.pk}/"


def _notify_end(run: AutomationRun) -> None:
    """Finished, failed or stopped: owners, admins and whoever started the run hear of it.
    A cancelled run is not announced: a person cancelled it."""
    if run.status == RunStatus.CANCELLED:
        return

    results = list(StageResult.objects.filter(run=run))
    made = {r.stage: r.processed for r in results}
    spent = sum(r.credits for r in results)
    summary = (
        f"{made.get(4, 0):,} articles written, {made.get(6, 0):,} images made, "
        f"{made.get(7, 0):,} articles handed over; {spent:,} credits used."
    )
    users = [run.started_by_id] if run.started_by_id else []
    if run.status == RunStatus.COMPLETED:
        kind, title, body = (
            "run_finished",
            f"Automation finished on {run.site.name}",
            summary,
        )
    else:
        kind = "run_failed"
        verb = "stopped" if run.status == RunStatus.STOPPED else "failed"
        title = f"Automation {verb} on {run.site.name}"
        body = f"{run.reason} So far: {summary}"
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the run's end intact
            _send(kind, title, body, run, users)
    except Exception:  # a notification must never undo the run's outcome
        log.exception("could not notify the end of run %s", run.pk)


def _send(kind: str, title: str, body: str, run: AutomationRun, users: list[int]) -> None:
    from apps.workspace.notifications import notify

    notify(
        kind=kind,
        title=title,
        body=body,
        link=_run_url(run),
        users=users,
        managers=True,
        key=f"automation-run:{run.pk}:end",  # a run ends once, however often delivered
    )
