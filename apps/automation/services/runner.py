"""Working on a run: stage after stage, batch after batch, item after item, saving where it is
after every item so that any job can go on from there.

One job at a time works on a run. A PostgreSQL advisory lock per run (held by the job's
database session) makes sure of it: a second job for the same run (the queue delivering
again, a resume racing a pause) waits for the lock a little, then leaves the run to its
holder. A worker killed with SIGKILL loses its session, and with it the lock.

A job hands over to a new job after a while (`AUTOMATION_JOB_BUDGET` seconds) so that no job
comes near its time limit, however long the run.
"""

from __future__ import annotations

import contextlib
import logging
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.automation.models import (
    STAGE_NAMES,
    STAGE_NUMBERS,
    STAGE_UNITS,
    AutomationRun,
    Request,
    RunStatus,
    StageResult,
    StageStatus,
)
from apps.automation.runlog import run_log
from apps.automation.services.ending import ENDED, finish
from apps.automation.services.preview import CAPPED
from apps.automation.stages import REVIEW_BATCH, Context, Outcome, Unit, stage
from apps.workspace.models import Job
from igny8 import jobs

log = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 30
# How long one job works before handing over to the next (well inside its time limit).
DEFAULT_BUDGET_SECONDS = 600
PAUSE_POLL_SECONDS = 1.0


# --- the lock ------------------------------------------------------------------------------


def _lock_keys(run_id: int) -> tuple[int, int]:
    # Two int4 keys: the workspace (a run id repeats across schemas) and the run.
    space = zlib.crc32(f"automation:{connection.schema_name}".encode()) - 2**31
    return space, int(run_id)


@contextlib.contextmanager
def run_lock(run_id: int, *, wait: float = LOCK_WAIT_SECONDS) -> Iterator[bool]:
    """Hold the run's advisory lock for the block; yields False if another session kept it
    for `wait` seconds."""
    keys = _lock_keys(run_id)
    until = time.monotonic() + wait
    held = False
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", keys)
            held = bool(cursor.fetchone()[0])
            if held or time.monotonic() >= until:
                break
            time.sleep(0.2)
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", keys)


# --- working on a run ----------------------------------------------------------------------


@dataclass
class Leave:
    """Why the job stops working on the run."""

    handover: bool = False  # hand over to a new job (time budget spent)
    message: str = ""


def _budget() -> float:
    return float(getattr(settings, "AUTOMATION_JOB_BUDGET", DEFAULT_BUDGET_SECONDS))


def run_continue(*, run_id: int, job: Job | None) -> dict:
    """Work on the run from its saved stage and item until it ends, is paused or cancelled,
    or this job's budget is spent (then a new job goes on). Safe to call twice."""
    run = AutomationRun.objects.select_related("site").filter(pk=run_id).first()
    if run is None:
        return {"message": "This automation run no longer exists."}
    with run_lock(run.pk) as held:
        if not held:
            return {"message": f"Run #{run.pk} is being worked on by another job."}
        try:
            leave = _drive(run, job)
        except Exception as exc:
            log.exception("automation run %s failed", run.pk)
            finish(
                run,
                RunStatus.FAILED,
                "Something went wrong on our side and the run stopped. What it finished is "
                f"kept; start it again, and tell support the run number (#{run.pk}) if it "
                "happens again.",
            )
            run_log(run, f"error: {type(exc).__name__}: {exc}", level=logging.ERROR)
            raise
    if leave.handover:
        from apps.automation.services.runs import _run_job

        AutomationRun.objects.filter(pk=run.pk).update(job=None)
        run_log(run, "handing over to a new job")
        _run_job(run, None)
    return {"message": leave.message or f"Run #{run.pk}: {run.get_status_display()}"}


def _control(run: AutomationRun) -> Leave | None:
    """Honour a pause or cancel asked since the last item; None to go on."""
    run.refresh_from_db(fields=["status", "requested", "reason"])
    if run.status in ENDED or run.status == RunStatus.PAUSED:
        return Leave(message=f"Run #{run.pk} is {run.get_status_display().lower()}.")
    if run.requested == Request.CANCEL:
        finish(run, RunStatus.CANCELLED, "Cancelled while running; what it finished is kept.")
        return Leave(message="Cancelled.")
    if run.requested == Request.PAUSE:
        AutomationRun.objects.filter(pk=run.pk, requested=Request.PAUSE).update(
            status=RunStatus.PAUSED, requested=""
        )
        run_log(run, f"paused at stage {run.stage}, item {run.item}")
        return Leave(message="Paused.")
    return None


def _sleep(run: AutomationRun, seconds: float) -> Leave | None:
    """The delay between items, cut short by a pause or cancel."""
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        time.sleep(min(PAUSE_POLL_SECONDS, left))
        leave = _control(run)
        if leave is not None:
            return leave
    return None


def _stage_result(run: AutomationRun, number: int, ctx: Context) -> StageResult:
    result, _ = StageResult.objects.get_or_create(run=run, stage=number)
    if result.status == StageStatus.PENDING:
        from apps.automation.services.preview import planned_for

        pending = stage(number).count(ctx.site, ctx.config)
        result.status = StageStatus.RUNNING
        result.started = timezone.now()
        result.total = planned_for(number, pending, ctx.config)
        result.save(update_fields=["status", "started", "total"])
        run_log(
            run,
            f"stage {number} ({STAGE_NAMES[number]}) started: {result.total:,} "
            f"{STAGE_UNITS[number]}s to go",
        )
    return result


def _next_stage(run: AutomationRun, result: StageResult | None, number: int) -> None:
    with transaction.atomic():
        if result is not None:
            StageResult.objects.filter(pk=result.pk).update(
                status=StageStatus.DONE, finished=timezone.now(), current=[]
            )
        AutomationRun.objects.filter(pk=run.pk).update(stage=number + 1, item=0)
    run.stage, run.item = number + 1, 0
    if result is not None:
        result.refresh_from_db()
        skipped = ", ".join(f"{n} {why}" for why, n in result.skip_reasons.items())
        run_log(
            run,
            f"stage {number} done: {result.processed} done, {result.skipped} skipped, "
            f"{result.failed} failed, {result.credits:,} credits, "
            f"{result.duration_ms / 1000:.1f} s" + (f" ({skipped})" if skipped else ""),
        )


def _record(run: AutomationRun, result: StageResult, unit: Unit, outcome: Outcome, ms: int):
    """Save what the item did and move the cursor past it, in one transaction."""
    with transaction.atomic():
        locked = StageResult.objects.select_for_update().get(pk=result.pk)
        reasons = dict(locked.skip_reasons or {})
        for why, n in outcome.reasons.items():
            if n:
                reasons[why] = reasons.get(why, 0) + n
        locked.processed += outcome.processed
        locked.skipped += outcome.skipped
        locked.failed += outcome.failed
        if not outcome.stop:
            # A stopped item was not (wholly) done: the cursor stays, it is pending next run.
            locked.cursor = max(locked.cursor, unit.cursor)
        locked.current = []
        locked.credits += outcome.credits
        locked.duration_ms += ms
        locked.skip_reasons = reasons
        locked.save()
        AutomationRun.objects.filter(pk=run.pk).update(item=locked.handled)
    result.__dict__.update({k: getattr(locked, k) for k in ("processed", "skipped", "failed")})
    result.cursor, result.current, result.credits = locked.cursor, [], locked.credits
    result.duration_ms, result.skip_reasons = locked.duration_ms, locked.skip_reasons
    run.item = locked.handled


def _drive(run: AutomationRun, job: Job | None) -> Leave:
    from apps.accounts.models import User
    from apps.automation.services.config import config_from_snapshot

    run.refresh_from_db()
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return Leave(message=f"Run #{run.pk} is {run.get_status_display().lower()}.")
    updates = {"job": job} if job is not None else {}
    if run.status == RunStatus.QUEUED:
        updates.update(status=RunStatus.RUNNING, started=run.started or timezone.now())
    if updates:
        AutomationRun.objects.filter(pk=run.pk).update(**updates)
        run.refresh_from_db()
    run_log(run, f"job #{job.pk if job else '-'} working from stage {run.stage}, item {run.item}")
    ctx = Context(
        run=run,
        job=job,
        site=run.site,
        config=config_from_snapshot(run.site, run.snapshot),
        user=User.objects.filter(pk=run.started_by_id).first() if run.started_by_id else None,
    )
    deadline = time.monotonic() + _budget()
    in_a_row = 0
    first = True
    limit = max(1, int(settings.AI_JOB_MAX_PROVIDER_FAILURES))
    while True:
        leave = _control(run)
        if leave is not None:
            return leave
        number = run.stage
        if number > STAGE_NUMBERS[-1]:
            finish(run, RunStatus.COMPLETED)
            return Leave(message="Completed.")
        if not ctx.config.stage_on(number):
            StageResult.objects.update_or_create(
                run=run, stage=number, defaults={"status": StageStatus.SKIPPED}
            )
            run_log(run, f"stage {number} ({STAGE_NAMES[number]}) is switched off")
            _next_stage(run, None, number)
            continue
        result = _stage_result(run, number, ctx)
        worker = stage(number)
        if result.current:
            # The item a dead worker had in hand: take it again first.
            ids = [int(pk) for pk in result.current[1:]]
            units = [Unit(cursor=int(result.current[0]), ids=ids, size=worker.size_of(ids))]
            resumed = True
        else:
            room = ctx.config.max_items - result.handled if number in CAPPED else None
            if room is not None and room <= 0:
                if worker.batch(ctx, after=result.cursor, limit=1):
                    run_log(
                        run,
                        f"stage {number}: the run's limit of {ctx.config.max_items:,} items is "
                        "reached; the rest waits for the next run",
                    )
                _next_stage(run, result, number)
                continue
            size = ctx.config.batch_size(number) if number <= 6 else REVIEW_BATCH
            units = worker.batch(ctx, after=result.cursor, limit=min(size, room or size))
            resumed = False
            if not units:
                _next_stage(run, result, number)
                continue
            taken = sum(u.size for u in units)
            run_log(
                run,
                f"stage {number}: a batch of {taken:,} {STAGE_UNITS[number]}"
                f"{'' if taken == 1 else 's'}",
            )
        for index, unit in enumerate(units):
            if index:
                leave = _control(run)
                if leave is not None:
                    return leave
            if not first and time.monotonic() > deadline:  # at least one item per job
                return Leave(handover=True, message="Handed over to a new job.")
            if not first and ctx.config.delay_seconds:
                leave = _sleep(run, ctx.config.delay_seconds)
                if leave is not None:
                    return leave
            first = False
            StageResult.objects.filter(pk=result.pk).update(current=[unit.cursor, *unit.ids])
            started = time.monotonic()
            try:
                outcome = worker.handle(ctx, unit, resumed=resumed)
            except Exception as exc:
                # One item's trouble fails that item, never the run.
                log.exception("automation run %s, stage %s, item %s", run.pk, number, unit.ids)
                outcome = Outcome()
                outcome.fail("of an unexpected error on our side", unit.size)
                outcome.lines.append(f"item {unit.ids} failed: {type(exc).__name__}: {exc}")
            ms = int((time.monotonic() - started) * 1000)
            _record(run, result, unit, outcome, ms)
            for line in outcome.lines:
                run_log(run, f"stage {number}: {line}")
            if job is not None:
                jobs.progress(
                    job,
                    done=run.item,
                    total=max(result.total, run.item),
                    message=f"Stage {number}: {run.item:,} of {max(result.total, run.item):,}",
                )
            if outcome.stop:
                StageResult.objects.filter(pk=result.pk).update(status=StageStatus.STOPPED)
                finish(run, RunStatus.STOPPED, outcome.stop)
                return Leave(message="Stopped.")
            if outcome.provider_ok:
                in_a_row = 0
            elif outcome.provider_failure:
                in_a_row += 1
                if in_a_row >= limit:
                    finish(
                        run,
                        RunStatus.STOPPED,
                        f"The AI provider failed {in_a_row} times in a row, so the run stopped "
                        "rather than fail every item. Check the provider on the AI settings "
                        "page, then run again for the rest.",
                    )
                    return Leave(message="Stopped.")
            resumed = False
