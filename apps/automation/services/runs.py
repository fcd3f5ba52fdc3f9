"""Starting and steering runs: run now (or on schedule), pause, resume, cancel.

A run is worked on by one job at a time (`services.runner`); pause and cancel are requests the
job honours after the item in hand, and resume starts a new job that goes on from the saved
stage and item. At most one run per site is active: the database's partial unique index
decides between two starts at the same moment.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.automation.models import (
    ACTIVE_STATUSES,
    AutomationRun,
    Request,
    RunStatus,
    RunTrigger,
)
from apps.automation.runlog import log_name_for, run_log, run_log_begin
from apps.automation.services.run_words import active_words
from apps.automation.services.run_words import who as _who
from apps.workspace.models import Job, Site
from igny8 import jobs
from igny8.errors import UserFacingError
from igny8.logging import request_id_var

log = logging.getLogger(__name__)

# A run whose worker died this many times is given up: something in it kills workers.
MAX_RESTARTS = 3


class RunActive(UserFacingError):
    """The site already has an active run (named in the message)."""

    status = 409
    code = "automation_run_active"

    def __init__(self, message: str, *, run: AutomationRun | None = None) -> None:
        super().__init__(message)
        self.run = run


class CannotStart(UserFacingError):
    """A run cannot start now: the plan lapsed, nothing is pending, or the first stage cannot
    be paid (the message says which, and what to do)."""

    status = 402
    code = "automation_cannot_start"


class NotNow(UserFacingError):
    """Pause, resume or cancel asked of a run in a state where it makes no sense."""

    status = 409
    code = "automation_not_now"


def _run_job(run: AutomationRun, user=None) -> Job:  # noqa: ANN001
    """Queue the job that works on the run (from its saved stage and item)."""
    # Not inside a transaction: a synchronous job (tests) must keep what it did even when it
    # dies halfway, as a worker's would.
    job = jobs.enqueue(
        "apps.automation.jobs.run_automation",
        run.pk,
        label=f"Automation run #{run.pk} of {run.site.name}"[:200],
        user=user,
    )
    # The job may have started (or, synchronous, finished) already: it links itself then.
    AutomationRun.objects.filter(pk=run.pk, job__isnull=True).update(job=job)
    return job


def run_start(*, site: Site, user=None, trigger: str = RunTrigger.MANUAL) -> AutomationRun:  # noqa: ANN001
    """Start a run of the site's pipeline now. Raises RunActive (naming the active run) and
    CannotStart (a lapsed plan, nothing to do, a first stage the workspace cannot pay)."""
    from apps.automation.selectors import run_active
    from apps.automation.services.config import config_for, config_snapshot
    from apps.automation.services.preview import run_preview

    if trigger not in RunTrigger.values:
        raise ValueError(f"Unknown trigger {trigger!r}")
    active = run_active(site)
    if active is not None:
        raise RunActive(active_words(active), run=active)
    preview = run_preview(site=site)
    if not preview.can_start:
        raise CannotStart(preview.reason)
    config = config_for(site)
    request_id = request_id_var.get()
    try:
        with transaction.atomic():
            run = AutomationRun.objects.create(
                site=site,
                status=RunStatus.QUEUED,
                trigger=trigger,
                started_by_id=getattr(user, "pk", None),
                snapshot=config_snapshot(config),
                request_id="" if request_id == "-" else request_id[:64],
            )
            run.log_name = log_name_for(run.pk)
            run.save(update_fields=["log_name"])
        run_log_begin(run)
    except IntegrityError:
        # Another start won the race: the partial unique index let only one through.
        active = run_active(site)
        if active is None:  # it already ended; a person can simply try again
            raise RunActive(
                f"Another run of {site.name} started at the same moment. Look at the run "
                "history, then try again if needed."
            ) from None
        raise RunActive(active_words(active), run=active) from None
    planned = ", ".join(
        f"stage {s.number}: {s.planned:,} {s.unit}{'' if s.planned == 1 else 's'} ({s.cost_words})"
        for s in preview.stages
        if s.enabled and s.planned
    )
    run_log(
        run,
        f"run #{run.pk} of {site.name} queued ({RunTrigger(trigger).label.lower()}, by "
        f"{_who(run.started_by_id)}); pending now: {planned}; balance {preview.balance:,}",
    )
    _run_job(run, user)
    run.refresh_from_db()
    return run


def _locked(run: AutomationRun) -> AutomationRun:
    return AutomationRun.objects.select_for_update().select_related("site").get(pk=run.pk)


def run_pause(*, run: AutomationRun, user=None) -> AutomationRun:  # noqa: ANN001
    """Pause after the item in hand (a queued run pauses at once)."""
    with transaction.atomic():
        locked = _locked(run)
        if locked.status == RunStatus.QUEUED:
            locked.status = RunStatus.PAUSED
            locked.requested = Request.NONE
        elif locked.status == RunStatus.RUNNING:
            locked.requested = Request.PAUSE
        elif locked.status == RunStatus.PAUSED:
            return locked
        else:
            raise NotNow(f"Run #{locked.pk} has ended ({locked.get_status_display().lower()}).")
        locked.save(update_fields=["status", "requested"])
    run_log(locked, f"pause asked by {_who(getattr(user, 'pk', None))}")
    _copy(run, locked)
    return run


def run_resume(*, run: AutomationRun, user=None) -> AutomationRun:  # noqa: ANN001
    """Go on from the saved stage and item (a pause not yet taken is simply withdrawn)."""
    with transaction.atomic():
        locked = _locked(run)
        if locked.status == RunStatus.RUNNING:
            if locked.requested == Request.PAUSE:
                locked.requested = Request.NONE
                locked.save(update_fields=["requested"])
            _copy(run, locked)
            return run
        if locked.status != RunStatus.PAUSED:
            raise NotNow(
                f"Run #{locked.pk} is {locked.get_status_display().lower()}; only a paused run "
                "can be resumed."
            )
        from apps.billing.plans import account_plan_state

        state = account_plan_state(_account())
        if not state.can_write:
            raise CannotStart(state.message)
        locked.status = RunStatus.RUNNING
        locked.requested = Request.NONE
        locked.job = None
        locked.save(update_fields=["status", "requested", "job"])
    run_log(locked, f"resumed by {_who(getattr(user, 'pk', None))} at stage {locked.stage}")
    _run_job(locked, user)
    run.refresh_from_db()
    return run


def run_cancel(*, run: AutomationRun, user=None) -> AutomationRun:  # noqa: ANN001
    """Cancel after the item in hand (a queued or paused run is cancelled at once). What the
    run made so far is kept."""
    who = _who(getattr(user, "pk", None))
    with transaction.atomic():
        locked = _locked(run)
        if locked.status == RunStatus.RUNNING:
            locked.requested = Request.CANCEL
            locked.save(update_fields=["requested"])
        elif locked.status in (RunStatus.QUEUED, RunStatus.PAUSED):
            locked.status = RunStatus.CANCELLED
            locked.requested = Request.NONE
            locked.reason = f"Cancelled by {who}."
            locked.finished = timezone.now()
            locked.save(update_fields=["status", "requested", "reason", "finished"])
        else:
            raise NotNow(f"Run #{locked.pk} has ended ({locked.get_status_display().lower()}).")
    run_log(locked, f"cancel asked by {who}")
    _copy(run, locked)
    return run


def _copy(run: AutomationRun, locked: AutomationRun) -> None:
    for name in ("status", "requested", "reason", "finished", "job_id"):
        setattr(run, name, getattr(locked, name))


def _account():
    from apps.accounts.models import Account

    return Account.objects.get(schema_name=connection.schema_name)


# --- a dead worker -------------------------------------------------------------------------


def run_of_dead_job(*, job: Job, message: str, **_signal) -> int:
    """The sweeper found the job of a run dead (its worker was killed, or ran out of memory):
    release what that job still held and go on in a new job from the saved stage and item;
    after MAX_RESTARTS, fail the run with the reason. How many runs were concerned."""
    from apps.automation.services.ending import finish, release_holds

    runs = list(AutomationRun.objects.filter(job=job, status__in=ACTIVE_STATUSES))
    for run in runs:
        release_holds(run)
        if run.status == RunStatus.PAUSED:
            AutomationRun.objects.filter(pk=run.pk).update(job=None)
            continue
        if run.status == RunStatus.QUEUED and job.started is None:
            finish(run, RunStatus.FAILED, message)
            continue
        if run.restarts >= MAX_RESTARTS:
            finish(
                run,
                RunStatus.FAILED,
                f"The worker running this automation stopped {run.restarts + 1} times. What it "
                "finished is kept; start it again, and tell support if it happens again.",
            )
            continue
        AutomationRun.objects.filter(pk=run.pk).update(job=None, restarts=run.restarts + 1)
        run.refresh_from_db()
        run_log(run, f"the worker running job #{job.pk} stopped; going on in a new job")
        _run_job(run)
    return len(runs)
