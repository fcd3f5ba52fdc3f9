"""A real django-q2 worker (`manage.py qcluster`) runs a queued job inside the workspace it
was queued in. The job is committed for real, so this test manages its own rows: a
transactional test would flush public tables and lose the session workspaces."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django_q.models import OrmQ, Task
from django_tenants.utils import schema_context

from apps.workspace.models import Job, JobStatus
from igny8 import jobs
from igny8.logging import request_id_var
from igny8.tests import sample_jobs

WAIT_SECONDS = 30


def _database_url() -> str:
    db = connection.settings_dict
    url = f"postgresql://{quote(db['USER'])}@/{quote(db['NAME'])}?host={quote(db['HOST'])}"
    return url + (f"&port={db['PORT']}" if db.get("PORT") else "")


@pytest.fixture
def committed(workspaces, django_db_blocker):
    """Database access without a wrapping transaction; the test's rows are removed after."""
    labels: list[str] = []
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        yield labels
        with schema_context(workspaces["alpha"].schema):
            names = [
                f"{job.kind}:{connection.schema_name}:{job.pk}"
                for job in Job.objects.filter(label__in=labels)
            ]
            Job.objects.filter(label__in=labels).delete()
        Task.objects.filter(name__in=names).delete()
        OrmQ.objects.filter(pk__in=[q.pk for q in OrmQ.objects.all() if q.name() in names]).delete()
        connection.set_schema_to_public()


@pytest.fixture
def worker(tmp_path):
    output = (tmp_path / "qcluster.log").open("w+b")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(DATABASE_URL=_database_url(), IGNY8_JOBS_SYNC="0", IGNY8_WORKERS="1")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    output.seek(0)
    print(output.read().decode(errors="replace"))  # shown by pytest when the test fails
    output.close()


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


def test_worker_runs_the_job_in_its_workspace(workspaces, committed, worker, monkeypatch, log_file):
    alpha = workspaces["alpha"]
    monkeypatch.setattr(settings, "JOBS_SYNC", False)
    marker = f"worker-{uuid.uuid4().hex[:10]}"
    committed.append(marker)
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
