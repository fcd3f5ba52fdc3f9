"""A real django-q2 worker (`manage.py qcluster`) runs a queued job inside the workspace it
was queued in. The job is committed for real, so this test manages its own rows: a
transactional test would flush public tables and lose the session workspaces."""

from __future__ import annotations

import subprocess
import time
import uuid
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from apps.workspace.models import Job, JobStatus
from igny8 import jobs
from igny8.logging import request_id_var
from igny8.tests import sample_jobs
from tests import workers
from tests.committed import committed_database, queue_forget
from tests.fixtures import Workspace

WAIT_SECONDS = 30


@dataclass
class Committed:
    alpha: Workspace
    labels: list[str] = field(default_factory=list)


@pytest.fixture
def committed(request, django_db_setup, django_db_blocker, django_db_keepdb):
    """Database access without a wrapping transaction; the test's rows are removed after.

    pytest-django sets up the test database only when some test of the run is marked for it;
    this one is not (the mark would wrap it in a transaction the worker cannot see into), so
    when it runs alone it sets the database up itself rather than touch the real one.
    """
    with committed_database(django_db_blocker, django_db_keepdb):
        # Asked for only now: the session fixture must not run before the database is set.
        state = Committed(alpha=request.getfixturevalue("workspaces")["alpha"])
        connection.set_schema_to_public()
        yield state
        with schema_context(state.alpha.schema):
            finished = Job.objects.filter(label__in=state.labels)
            names = [f"{job.kind}:{connection.schema_name}:{job.pk}" for job in finished]
            finished.delete()
        queue_forget(names)


@pytest.fixture
def worker(committed, tmp_path):
    with workers.qcluster(tmp_path) as process:
        yield process


def _wait_until_finished(schema: str, job_id: int, process: subprocess.Popen) -> Job:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with schema_context(schema):
            record = Job.objects.get(pk=job_id)
        if record.is_finished:
            return record
        assert process.poll() is None, "the worker stopped; its output is below"
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {record.status} after {WAIT_SECONDS}s")


def test_worker_runs_the_job_in_its_workspace(committed, worker, monkeypatch, log_file):
    alpha = committed.alpha
    monkeypatch.setattr(settings, "JOBS_SYNC", False)
    marker = f"worker-{uuid.uuid4().hex[:10]}"
    committed.labels.append(marker)
    log = log_file("igny8")

    token = request_id_var.set(f"rid-{marker}")
    try:
        with schema_context(alpha.schema):
            record = jobs.enqueue(sample_jobs.where_am_i, marker, label=marker)
            # Queued, not run: nothing happens in this process.
            assert Job.objects.get(pk=record.pk).status == JobStatus.QUEUED
    finally:
        request_id_var.reset(token)

    record = _wait_until_finished(alpha.schema, record.pk, worker)

    assert record.status == JobStatus.SUCCEEDED, record.error
    assert record.message == f"{marker} ran in {alpha.schema}"
    assert record.progress == 100
    assert record.task_id
    # The worker's log line carries the request id of the request that queued the job.
    (line,) = log.lines_with(f"job {marker} running")
    assert f"[rid-{marker} {alpha.schema}]" in line
