"""The dispatcher against committed rows: two dispatchers at once (two threads, each on its
own PostgreSQL connection) queue each due site once; a real worker (`manage.py qcluster`)
runs each queued run inside its own workspace's schema.

The rows must be committed for other connections (the second thread, the worker) to see
them, so these tests are not wrapped in a transaction: they make their own sites, index rows
and jobs, and remove them at the end (a transactional test would flush the public tables and
lose the session's workspaces).
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ
from django_tenants.utils import schema_context

from apps.schedule import dispatch as dispatcher
from apps.schedule.models import SiteSchedule
from apps.schedule.services import schedule_update
from apps.schedule.tests import sample_jobs
from apps.workspace.models import Job, JobStatus, Site
from tests import workers
from tests.committed import committed_database, queue_forget, two_dispatchers_at_once
from tests.fixtures import Workspace

TARGET = "apps.schedule.tests.sample_jobs.start_scheduled"
KIND = "test_start_scheduled"
WAIT_SECONDS = 40


@dataclass
class Committed:
    alpha: Workspace
    beta: Workspace
    sites: dict[str, list[int]] = field(default_factory=lambda: {"alpha": [], "beta": []})

    def workspace(self, name: str) -> Workspace:
        return self.alpha if name == "alpha" else self.beta

    def due_site(self, name: str, *, site_id: int | None = None) -> int:
        """A committed site with a committed index row that is due now."""
        ws = self.workspace(name)
        with schema_context(ws.schema):
            site = Site.objects.create(
                **({"pk": site_id} if site_id else {}),
                name=f"Due {name} {len(self.sites[name])} {time.monotonic_ns()}",
                url="https://due.example",
                industry_id=1,
            )
        self.sites[name].append(site.pk)
        config = SimpleNamespace(
            enabled=True, frequency="daily", hour=3, weekday=0, day_of_month=1, site=site
        )
        row = schedule_update(account=ws.account, site_id=site.pk, config=config)
        SiteSchedule.objects.filter(pk=row.pk).update(
            next_run_at=timezone.now() - timedelta(minutes=1)
        )
        return site.pk

    def jobs(self, name: str) -> list[Job]:
        with schema_context(self.workspace(name).schema):
            return list(Job.objects.filter(kind=KIND).order_by("pk"))


@pytest.fixture
def committed(request, django_db_setup, django_db_blocker, django_db_keepdb):
    """Database access without a wrapping transaction; the test's rows are removed after."""
    with committed_database(django_db_blocker, django_db_keepdb):
        workspaces = request.getfixturevalue("workspaces")
        connection.set_schema_to_public()
        state = Committed(alpha=workspaces["alpha"], beta=workspaces["beta"])
        yield state
        connection.set_schema_to_public()
        names = []
        for name in ("alpha", "beta"):
            ws = state.workspace(name)
            SiteSchedule.objects.filter(account=ws.account, site_id__in=state.sites[name]).delete()
            with schema_context(ws.schema):
                jobs = Job.objects.filter(kind=KIND)
                names += [f"{KIND}:{ws.schema}:{pk}" for pk in jobs.values_list("pk", flat=True)]
                jobs.delete()
                Site.objects.filter(pk__in=state.sites[name]).delete()
        queue_forget(names)


def test_two_dispatchers_at_once_queue_each_due_site_once(committed, monkeypatch):
    """Both dispatchers claim while the other's transaction is open (a barrier holds each
    one after its first claim until the other has claimed too)."""
    monkeypatch.setattr(settings, "JOBS_SYNC", False)  # queue, do not run
    due = {(name, committed.due_site(name)) for name in ("alpha", "beta") for _ in range(12)}
    reports = two_dispatchers_at_once(dispatcher, monkeypatch, target=TARGET, limit=7)

    queued = [
        ("alpha" if schema == committed.alpha.schema else "beta", site_id)
        for report in reports
        for schema, site_id, _ in report.jobs
    ]
    assert Counter(queued) == Counter(due)  # every due site, each exactly once
    assert sum(r.claimed for r in reports) == len(due)
    assert all(r.claimed for r in reports), "one dispatcher did all: no overlap was tested"
    assert len(committed.jobs("alpha")) == len(committed.jobs("beta")) == 12
    # Handed to the queue after commit, each entry carrying its Job row's task id.
    queue = {q.name(): q.task_id() for q in OrmQ.objects.all()}
    for name in ("alpha", "beta"):
        for job in committed.jobs(name):
            assert queue[f"{KIND}:{committed.workspace(name).schema}:{job.pk}"] == job.task_id
    # Nothing is due any more.
    assert not SiteSchedule.objects.filter(next_run_at__lte=timezone.now()).exists()


# --- a real worker -------------------------------------------------------------------------


@pytest.fixture
def worker(committed, tmp_path):
    with workers.qcluster(tmp_path) as process:
        yield process


def _finished(committed: Committed, name: str, process: subprocess.Popen) -> Job:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        jobs = committed.jobs(name)
        if jobs and all(job.is_finished for job in jobs):
            (job,) = jobs
            return job
        assert process.poll() is None, "the worker stopped; its output is below"
        time.sleep(0.2)
    raise AssertionError(f"{name}'s scheduled job did not finish in {WAIT_SECONDS}s")


def test_a_real_worker_runs_each_workspaces_run_in_its_own_schema(committed, worker, monkeypatch):
    """Alpha and beta each have a due site with the same id; the worker runs each run in its
    own schema, on its own site."""
    monkeypatch.setattr(settings, "JOBS_SYNC", False)
    site_id = 990_200
    for name in ("alpha", "beta"):
        committed.due_site(name, site_id=site_id)

    report = dispatcher.dispatch(target=TARGET)
    assert report.queued == 2

    for name in ("alpha", "beta"):
        ws = committed.workspace(name)
        job = _finished(committed, name, worker)
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result["schema"] == ws.schema
        assert job.result["site_id"] == site_id and job.result["marked"] == 1
        with schema_context(ws.schema):
            assert Site.objects.get(pk=site_id).extra_instructions == sample_jobs.MARK
