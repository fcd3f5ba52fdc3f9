"""The sweeper: a job whose worker died is marked failed, with words, its reserved credits come
back exactly once, its task stops saying "being written"; live jobs are left alone; the schedule
that runs it is created once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.billing.models import CreditLedger, LedgerKind, Reservation, ReservationStatus
from apps.workspace.models import Job, JobStatus
from apps.writer.models import TaskStatus
from apps.writer.tests.helpers_writer_tasks import make_task, site_fixture, viewer_fixture  # noqa: F401
from igny8 import job_sweeper

pytestmark = pytest.mark.django_db


def dead_write_job(ws, site, *, started_ago: timedelta):
    """A write job that started `started_ago` and never finished, holding a reservation, with
    its task still "being written": what a worker killed mid-run leaves behind."""
    task = make_task(ws, site)
    with schema_context(ws.schema):
        job = Job.objects.create(
            kind="write",
            label="Write it",
            status=JobStatus.RUNNING,
            started=timezone.now() - started_ago,
            message="Waiting for the AI provider…",
            progress=42,
        )
        task.status, task.job = TaskStatus.IN_PROGRESS, job
        task.save(update_fields=["status", "job"])
    held = credits.reserve(
        account=ws.account,
        operation="content_generation",
        units=600,
        key=f"{ws.schema}:job:{job.pk}",
    )
    return job, task, held


def total(ws) -> int:
    return credits.balance_for(ws.account).total


def test_a_job_past_its_time_limit_is_failed_and_its_credits_come_back_once(alpha, site):
    before = total(alpha)
    job, task, held = dead_write_job(alpha, site, started_ago=timedelta(minutes=25))
    assert total(alpha) == before - held.credits

    report = job_sweeper.sweep()

    assert report["jobs"] >= 1 and report["reservations"] >= 1
    with schema_context(alpha.schema):
        job.refresh_from_db()
        task.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished is not None
    assert job.error.startswith("This job stopped before it finished: the worker running it")
    assert "Start it again." in job.error
    assert job.result["reason"] == "the job was interrupted"
    assert Reservation.objects.get(pk=held.pk).status == ReservationStatus.RELEASED
    assert total(alpha) == before
    assert task.status == TaskStatus.FAILED and task.error == job.error
    # Sweeping again, or a late release by the job itself, changes nothing.
    job_sweeper.sweep()
    credits.release(reservation=held)
    assert total(alpha) == before
    assert CreditLedger.objects.filter(reference=held.key, kind=LedgerKind.REFUND).count() == 1
    assert credits.reconcile(alpha.account).ok


def test_a_job_within_its_time_limit_is_left_running(alpha, site):
    # A write job may run 15 minutes; 10 minutes in, it is alive.
    job, task, held = dead_write_job(alpha, site, started_ago=timedelta(minutes=10))
    job_sweeper.sweep()
    with schema_context(alpha.schema):
        job.refresh_from_db()
        task.refresh_from_db()
    assert job.status == JobStatus.RUNNING and task.status == TaskStatus.IN_PROGRESS
    assert Reservation.objects.get(pk=held.pk).status == ReservationStatus.RESERVED


def test_the_other_jobs_reservations_and_workspaces_are_not_touched(alpha, beta, site):
    job, _, held = dead_write_job(alpha, site, started_ago=timedelta(hours=1))
    # A neighbour whose key only starts with the same digits: job 1 vs job 12.
    neighbour = credits.reserve(
        account=alpha.account,
        operation="content_generation",
        units=300,
        key=f"{alpha.schema}:job:{job.pk}0",
    )
    image = credits.reserve(
        account=alpha.account,
        operation="image_generation",
        units=1,
        key=f"{alpha.schema}:job:{job.pk}:image:7",
    )
    job_sweeper.sweep()
    assert Reservation.objects.get(pk=image.pk).status == ReservationStatus.RELEASED
    assert Reservation.objects.get(pk=neighbour.pk).status == ReservationStatus.RESERVED
    credits.release(reservation=neighbour)


def test_a_queued_job_nobody_picked_up_for_a_day_is_cancelled(alpha):
    with schema_context(alpha.schema):
        old = Job.objects.create(kind="ideas", created=timezone.now() - timedelta(hours=25))
        new = Job.objects.create(kind="ideas", created=timezone.now() - timedelta(hours=2))
    job_sweeper.sweep()
    with schema_context(alpha.schema):
        old.refresh_from_db()
        new.refresh_from_db()
    assert old.status == JobStatus.FAILED and "waited a day" in old.error
    assert new.status == JobStatus.QUEUED


def test_a_reservation_no_run_can_still_hold_is_released(alpha):
    before = total(alpha)
    stale = credits.reserve(
        account=alpha.account, operation="image_generation", units=1, key="stale-request-run"
    )
    Reservation.objects.filter(pk=stale.pk).update(created=timezone.now() - timedelta(hours=2))
    fresh = credits.reserve(
        account=alpha.account, operation="image_generation", units=1, key="fresh-request-run"
    )
    job_sweeper.sweep()
    assert Reservation.objects.get(pk=stale.pk).status == ReservationStatus.RELEASED
    assert Reservation.objects.get(pk=fresh.pk).status == ReservationStatus.RESERVED
    credits.release(reservation=fresh)
    assert total(alpha) == before


def test_the_schedule_is_created_once(workspaces, db):
    from django_q.models import Schedule

    from apps.workspace.management.commands.igny8_setup import Command

    Command()._schedules()
    Command()._schedules()
    (schedule,) = Schedule.objects.filter(func="igny8.job_sweeper.sweep")
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes == job_sweeper.SWEEP_EVERY_MINUTES and schedule.repeats == -1
