"""A real worker (`qcluster`) killed with SIGKILL while it writes an article, and a new worker
started: the run finishes without a second cluster, idea, task, article or image, and without
charging any credit twice.

What happens after a kill, in production order: the sweeper finds the job dead (its time
limit passed) and releases what it held; automation then queues a new job that goes on from
the saved stage and item; later the queue hands the dead worker's task out again, and that
delivery finds its job over and does nothing. The test moves the clock for the sweeper and
the queue's lock instead of waiting half an hour.

Rows are committed (the worker must see them) in a throw-away workspace, removed at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ
from django_tenants.utils import schema_context

from apps.accounts.models import Account, Role, User
from apps.automation.jobs import RUN_TIME_LIMIT
from apps.automation.models import AutomationRun, RunStatus
from apps.automation.services import run_start
from apps.automation.tests.helpers import pipeline_site, results
from apps.billing import credits
from apps.billing.models import (
    CreditBalance,
    CreditLedger,
    Plan,
    Reservation,
    ReservationStatus,
    Subscription,
)
from apps.planner.models import Cluster, Idea
from apps.workspace.models import Job, JobStatus
from apps.writer.models import Content, EditorialStatus, Image, Task, TaskStatus
from igny8 import job_sweeper
from tests import workers as worker_processes
from tests.committed import committed_database, queue_forget
from tests.factories import make_member
from tests.fixtures import Workspace

WAIT_SECONDS = 60


@pytest.fixture
def throwaway(request, django_db_setup, django_db_blocker, django_db_keepdb):
    """A committed workspace of its own (its credits move for real), dropped after."""
    from apps.accounts.provisioning import workspace_create
    from apps.billing.plans import plan_assign

    with committed_database(django_db_blocker, django_db_keepdb):
        request.getfixturevalue("workspaces")  # the platform: plans, library, template
        connection.set_schema_to_public()
        tag = uuid.uuid4().hex[:8]
        account = workspace_create(name=f"Kill {tag}", slug=f"kill-{tag}", owner=None)
        plan_assign(account=account, plan=Plan.objects.get(slug="scale"))
        owner = make_member(account, Role.OWNER)
        ws = Workspace(account=account, owner=owner, editor=owner, host="")
        try:
            yield ws
        finally:
            connection.set_schema_to_public()
            with schema_context(ws.schema):
                names = [f"{j.kind}:{ws.schema}:{j.pk}" for j in Job.objects.all()]
            queue_forget(names)
            Reservation.objects.filter(account=account).delete()
            CreditLedger.objects.filter(account=account).delete()
            CreditBalance.objects.filter(account=account).delete()
            Subscription.objects.filter(account=account).delete()
            Account.objects.get(pk=account.pk).delete(force_drop=True)
            User.objects.filter(pk=owner.pk).delete()


class Workers:
    """Start paid workers (`paid_worker.py`); every one still running is stopped at the end."""

    def __init__(self, tmp_path) -> None:
        self.tmp_path = tmp_path
        self.started: list[tuple[subprocess.Popen, object]] = []

    def start(self, *, write_seconds: float) -> subprocess.Popen:
        process, output = worker_processes.start(
            ["-m", "apps.automation.tests.paid_worker"],
            self.tmp_path / f"worker{len(self.started)}.log",
            IGNY8_LOG_DIR=str(settings.LOG_DIR),
            WRITE_SECONDS=str(write_seconds),
        )
        self.started.append((process, output))
        return process

    def stop_all(self) -> None:
        for process, output in self.started:
            worker_processes.stop(process, output)


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()


def wait_for(what: str, check, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if process is not None:
            assert process.poll() is None, "the worker stopped; its output is below"
        time.sleep(0.05)
    raise AssertionError(f"still waiting for {what} after {WAIT_SECONDS}s")


@pytest.mark.parametrize("first_back", ["the sweeper", "the queue"])
def test_a_worker_killed_mid_run_and_restarted_finishes_without_doing_anything_twice(
    throwaway, workers, monkeypatch, first_back
):
    ws = throwaway
    monkeypatch.setattr(settings, "JOBS_SYNC", False)
    site = pipeline_site(ws, 10, approval_mode="auto", max_items=4)
    before = credits.balance_for(ws.account).total

    first = workers.start(write_seconds=0.5)
    with schema_context(ws.schema):
        run = run_start(site=site, user=ws.owner)

    def second_article_in_hand():
        # Its credits held while the provider writes it: the middle of an item.
        with schema_context(ws.schema):
            written = Content.objects.filter(site=site).count()
        held = Reservation.objects.filter(
            account=ws.account, status=ReservationStatus.RESERVED, key__contains=":write:"
        )
        return written >= 1 and held.exists()

    wait_for("the second article to be in hand", second_article_in_hand, first)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)

    with schema_context(ws.schema):
        run.refresh_from_db()
        dead = Job.objects.get(pk=run.job_id)
        assert run.status == RunStatus.RUNNING and dead.status == JobStatus.RUNNING
        assert Task.objects.filter(site=site, status=TaskStatus.IN_PROGRESS).count() == 1

    workers.start(write_seconds=0)
    later = timezone.now() + timedelta(seconds=RUN_TIME_LIMIT) + job_sweeper.MARGIN
    if first_back == "the sweeper":
        # The sweeper finds the job dead: a new job goes on. When the queue then hands the dead
        # worker's task out again, its job is over and it does nothing.
        assert job_sweeper.sweep_workspace(ws.schema, later + timedelta(minutes=1))[0] == 1
    # The queue hands the dead worker's task out again (its lock expired): in "the queue"
    # case that delivery itself goes on with the run, under the same job and credit keys.
    OrmQ.objects.filter(lock__gt=timezone.now()).update(lock=timezone.now() - timedelta(seconds=1))

    def run_ended():
        with schema_context(ws.schema):
            fresh = AutomationRun.objects.get(pk=run.pk)
            return fresh if fresh.status not in ("queued", "running") else None

    run = wait_for("the run to end", run_ended)
    assert run.status == RunStatus.COMPLETED, run.reason
    assert run.restarts == (1 if first_back == "the sweeper" else 0)
    assert (run.job_id == dead.pk) == (first_back == "the queue")

    with schema_context(ws.schema):
        assert Cluster.objects.filter(site=site).count() == 2
        assert Idea.objects.filter(site=site).count() == 6
        tasks = list(Task.objects.filter(site=site))
        articles = list(Content.objects.filter(site=site))
        images = list(Image.objects.filter(site=site))
        settled = list(
            Reservation.objects.filter(
                account=ws.account, status=ReservationStatus.SETTLED, charged__gt=0
            ).values_list("key", flat=True)
        )
        held = Reservation.objects.filter(account=ws.account, status=ReservationStatus.RESERVED)
        assert not held.exists()
    assert len(tasks) == 4 and {t.status for t in tasks} == {TaskStatus.COMPLETED}
    assert len(articles) == 4 and {c.task_id for c in articles} == {t.pk for t in tasks}
    assert {c.status for c in articles} == {EditorialStatus.APPROVED}
    assert sorted((i.content_id, i.position) for i in images) == sorted((c.pk, 0) for c in articles)
    # Each article and each cluster's ideas paid once; the ledger and the run agree.
    for task in tasks:
        assert sum(k.endswith(f":write:{task.pk}") for k in settled) == 1, task.pk
    assert sum(":ideas:" in k for k in settled) == 2
    spent = before - credits.balance_for(ws.account).total
    assert spent > 0
    assert spent == sum(r.credits for r in results(ws, run).values())
    assert spent == sum(
        Reservation.objects.filter(account=ws.account).values_list("charged", flat=True)
    )
    assert credits.reconcile(ws.account).ok
