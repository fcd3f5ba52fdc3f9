"""The sweeper: jobs whose worker died are marked failed, and their credits are given back.

The queue kills a job that passes its time limit, and a worker can die on its own (restarted,
out of memory, its machine gone). Either way the Job row still says "running", the page that
follows it polls for ever, and the credits it reserved stay held. A scheduled task (every few
minutes, `igny8_setup` creates it) finds such jobs in every workspace and:

- marks each failed, with a sentence a person understands;
- releases every credit reservation the job still holds (keys `<schema>:job:<id>` and
  `<schema>:job:<id>:…`); a release is idempotent, so sweeping twice, or a job that settles
  late, changes nothing;
- sends `job_swept` so that apps put their own rows right (a task "being written" by it).

A running job is dead once it has run for longer than its kind's time limit plus a margin (the
queue would have killed it by then, so no live worker still has it). A queued job nobody picked
up for a day is dead too. Finally, any reservation older than the longest time limit plus the
margin belongs to a run that died, wherever it was started from, and is released.
"""

from __future__ import annotations

import logging
import pkgutil
import sys
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.apps import apps as django_apps
from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tenants.utils import get_public_schema_name, schema_context

from igny8 import jobs

log = logging.getLogger(__name__)

# Past the time limit by this much, a job's worker is gone for sure.
MARGIN = timedelta(minutes=5)
QUEUED_TOO_LONG = timedelta(hours=24)
SWEEP_EVERY_MINUTES = 5
MESSAGE = (
    "This job stopped before it finished: the worker running it was interrupted (restarted, "
    "or out of memory). What it finished is kept; nothing was charged for the rest. Start it "
    "again."
)
QUEUED_MESSAGE = (
    "This job waited a day without a worker picking it up, so it was cancelled; nothing was "
    "charged. Start it again (and ask staff to check that the job workers are running)."
)

# Sent for each job marked failed, inside its workspace schema: job=<Job>, message=<str>.
job_swept = Signal()


@dataclass
class SweepReport:
    workspaces: int = 0
    jobs: int = 0
    reservations: int = 0

    def as_result(self) -> dict:
        return {"workspaces": self.workspaces, "jobs": self.jobs, "reservations": self.reservations}


def _load_job_kinds() -> None:
    """Import every module that registers jobs, so that their time limits are known: each
    app's `jobs` module, or every module of its `jobs` package."""
    autodiscover_modules("jobs")
    for app in django_apps.get_app_configs():
        package = sys.modules.get(f"{app.name}.jobs")
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            import_module(f"{app.name}.jobs.{info.name}")
    import igny8.ai.engine  # noqa: F401  (the "ai" jobs)


def time_limit_of(kind: str) -> int:
    """A kind's time limit; the longest any job may have when the kind is unknown."""
    return jobs.time_limits().get(kind, settings.JOBS_MAX_TIMEOUT)


def release_job_credits(schema: str, job_id: int) -> int:
    """Release the reservations a job still holds; how many there were."""
    from apps.billing import credits
    from apps.billing.models import Reservation, ReservationStatus

    prefix = f"{schema}:job:{job_id}"
    held = Reservation.objects.filter(status=ReservationStatus.RESERVED).filter(
        key__startswith=prefix
    )
    released = 0
    for reservation in held.select_related("account"):
        if reservation.key == prefix or reservation.key.startswith(prefix + ":"):
            credits.release(reservation=reservation)
            released += 1
    return released


def sweep_workspace(schema: str, now=None) -> tuple[int, int]:  # noqa: ANN001
    """Mark this workspace's dead jobs failed and release their credits: (jobs, reservations)."""
    from apps.workspace.models import Job, JobStatus

    now = now or timezone.now()
    swept = released = 0
    with schema_context(schema):
        running = Job.objects.filter(status=JobStatus.RUNNING).only("kind", "started", "created")
        dead = [
            (job, MESSAGE)
            for job in running
            if (job.started or job.created) + timedelta(seconds=time_limit_of(job.kind)) + MARGIN
            < now
        ]
        queued = Job.objects.filter(status=JobStatus.QUEUED, created__lt=now - QUEUED_TOO_LONG)
        dead += [(job, QUEUED_MESSAGE) for job in queued]
        for job, message in dead:
            # Only if it is still as we found it: a late worker may have just finished it.
            changed = Job.objects.filter(pk=job.pk, status=job.status).update(
                status=JobStatus.FAILED,
                finished=now,
                error=message,
                message="Failed",
                result={
                    "error_detail": f"swept: {job.status} since "
                    f"{(job.started or job.created).isoformat()}, time limit "
                    f"{time_limit_of(job.kind)} s",
                    "reason": "the job was interrupted",
                    "provider_failure": False,
                },
            )
            if not changed:
                continue
            swept += 1
            released += release_job_credits(schema, job.pk)
            job.refresh_from_db()
            job_swept.send(sender=Job, job=job, message=message)
            log.warning("job %s (%s) in %s swept: %s", job.pk, job.kind, schema, message)
    return swept, released


def release_stale_reservations(now=None) -> int:  # noqa: ANN001
    """Release reservations no live run can still hold (older than the longest time limit)."""
    from apps.billing import credits
    from apps.billing.models import Reservation, ReservationStatus

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOBS_MAX_TIMEOUT) - MARGIN
    stale = Reservation.objects.filter(status=ReservationStatus.RESERVED, created__lt=cutoff)
    count = 0
    for reservation in stale.select_related("account"):
        if credits.release(reservation=reservation).status == ReservationStatus.RELEASED:
            count += 1
    return count


def sweep(now=None) -> dict:  # noqa: ANN001
    """Scheduled: sweep every workspace, then the stale reservations. Safe to run at any time
    and any number of times."""
    from apps.accounts.models import Account

    _load_job_kinds()
    report = SweepReport()
    schemas = (
        Account.objects.exclude(schema_name=get_public_schema_name())
        .exclude(schema_name=settings.IGNY8_TEMPLATE_SCHEMA)
        .values_list("schema_name", flat=True)
    )
    for schema in schemas:
        report.workspaces += 1
        try:
            swept, released = sweep_workspace(schema, now)
        except Exception:  # one broken workspace must not stop the others
            log.exception("sweeping jobs of %s failed", schema)
            continue
        report.jobs += swept
        report.reservations += released
    report.reservations += release_stale_reservations(now)
    return report.as_result()
