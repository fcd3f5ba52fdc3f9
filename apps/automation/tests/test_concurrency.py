"""One active run per site, decided by the database: two "run now" at the same moment on real
PostgreSQL (two threads, each on its own connection) start one run; the other is refused with
a message naming it. The rows are committed (the threads must see them) and removed after."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django_q.models import OrmQ
from django_tenants.utils import schema_context

from apps.automation import selectors
from apps.automation.models import AutomationRun, RunStatus
from apps.automation.services import RunActive, run_start
from apps.automation.tests.helpers import add_keywords, keyword_texts
from apps.billing.tests.test_contention import committed, run_together
from apps.workspace.models import Job, Site
from tests.factories import make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed_site(workspaces):
    alpha = workspaces["alpha"]

    def make() -> Site:
        site = make_site(alpha.account, None, sectors=1)
        add_keywords(alpha, site, keyword_texts(5))
        return site

    site = committed(make)
    yield alpha, site

    def remove() -> None:
        with schema_context(alpha.schema):
            runs = AutomationRun.objects.filter(site=site)
            jobs = list(runs.exclude(job=None).values_list("job_id", flat=True))
            names = [f"automation:{alpha.schema}:{pk}" for pk in jobs]
            runs.delete()
            Job.objects.filter(pk__in=jobs).delete()
            Site.objects.filter(pk=site.pk).delete()
        OrmQ.objects.filter(pk__in=[q.pk for q in OrmQ.objects.all() if q.name() in names]).delete()

    committed(remove)


def test_two_run_now_at_the_same_moment_start_one_run(committed_site, settings, monkeypatch):
    alpha, site = committed_site
    settings.JOBS_SYNC = False  # the run is queued for a worker: it stays active
    real = selectors.run_active
    calls = threading.local()

    def read_at_the_same_instant(target):
        # Both requests find no active run (the check and the preview), as when they read at
        # the same instant: only the database's index stands between them.
        calls.n = getattr(calls, "n", 0) + 1
        return None if calls.n <= 2 else real(target)

    monkeypatch.setattr(selectors, "run_active", read_at_the_same_instant)

    def run_now(user):
        def call():
            with schema_context(alpha.schema):
                return run_start(site=site, user=user)

        return call

    outcomes = run_together([run_now(alpha.owner), run_now(alpha.editor)])

    runs = [o for o in outcomes if isinstance(o, AutomationRun)]
    refused = [o for o in outcomes if isinstance(o, RunActive)]
    assert (len(runs), len(refused)) == (1, 1), outcomes
    (run,) = runs
    assert run.status == RunStatus.QUEUED
    assert refused[0].message.startswith(f"Run #{run.pk} on {site.name} (started by ")
    assert "wait for it to finish, or pause or cancel it first" in refused[0].message
    with schema_context(alpha.schema):
        assert AutomationRun.objects.filter(site=site).count() == 1


def test_the_database_refuses_a_second_active_run(committed_site):
    alpha, site = committed_site

    def two_active() -> None:
        with schema_context(alpha.schema):
            AutomationRun.objects.create(site=site, status=RunStatus.PAUSED)
            with transaction.atomic():
                AutomationRun.objects.create(site=site, status=RunStatus.QUEUED)

    with pytest.raises(IntegrityError, match="automation_one_active_run_per_site"):
        committed(two_active)

    def ended_runs_do_not_count() -> int:
        with schema_context(alpha.schema):
            AutomationRun.objects.filter(site=site).update(status=RunStatus.COMPLETED)
            AutomationRun.objects.create(site=site, status=RunStatus.CANCELLED)
            AutomationRun.objects.create(site=site, status=RunStatus.RUNNING)
            return AutomationRun.objects.filter(site=site).count()

    assert committed(ended_runs_do_not_count) == 3
    assert connection.schema_name == "public"
