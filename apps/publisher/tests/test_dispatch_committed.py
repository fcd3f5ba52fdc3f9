"""The publishing dispatcher against committed rows: two dispatchers at once (two threads, each
on its own PostgreSQL connection, as two hosts would be) hand each due site out once.

The rows must be committed for the other connection to see them, so this test is not wrapped
in a transaction: it makes its own index rows and jobs, and removes them at the end.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test.utils import setup_databases, teardown_databases
from django.utils import timezone
from django_q.models import OrmQ
from django_tenants.utils import schema_context

from apps.publisher import dispatch as dispatcher
from apps.schedule.models import PublishIndex
from apps.workspace.models import Job

TARGET = "apps.publisher.tests.sample_jobs.noop"
KIND = "test_publish_noop"
FIRST_SITE = 880_000


@pytest.fixture
def committed(request, django_db_setup, django_db_blocker, django_db_keepdb):
    """Database access without a wrapping transaction; the test's rows are removed after."""
    with django_db_blocker.unblock():
        created = None
        if not connection.settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX):
            created = setup_databases(
                verbosity=0, interactive=False, aliases={"default"}, keepdb=django_db_keepdb
            )
        workspaces = request.getfixturevalue("workspaces")
        connection.set_schema_to_public()
        yield workspaces
        connection.set_schema_to_public()
        names = []
        for ws in workspaces.values():
            PublishIndex.objects.filter(account=ws.account, site_id__gte=FIRST_SITE).delete()
            with schema_context(ws.schema):
                jobs = Job.objects.filter(kind=KIND)
                names += [f"{KIND}:{ws.schema}:{pk}" for pk in jobs.values_list("pk", flat=True)]
                jobs.delete()
        OrmQ.objects.filter(pk__in=[q.pk for q in OrmQ.objects.all() if q.name() in names]).delete()
        connection.set_schema_to_public()
        if created is not None and not django_db_keepdb:
            teardown_databases(created, verbosity=0)


def test_two_dispatchers_at_once_hand_each_due_site_out_once(committed, monkeypatch):
    """Each dispatcher, after its first claim, waits until the other has claimed too: both
    hold locks at the same moment, and SKIP LOCKED keeps them apart."""
    monkeypatch.setattr(settings, "JOBS_SYNC", False)  # queue, do not run
    due = []
    for name in ("alpha", "beta"):
        ws = committed[name]
        for n in range(12):
            PublishIndex.objects.create(
                account=ws.account,
                site_id=FIRST_SITE + n,
                next_due_at=timezone.now() - timedelta(minutes=1),
            )
            due.append((ws.schema, FIRST_SITE + n))
    barrier = threading.Barrier(2, timeout=5)
    real_claim = dispatcher._claim
    first = threading.local()

    def claim_then_wait(now, limit):  # noqa: ANN001, ANN202
        rows = real_claim(now, limit)
        if not getattr(first, "done", False):
            first.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return rows

    monkeypatch.setattr(dispatcher, "_claim", claim_then_wait)
    reports, errors = [], []

    def run() -> None:
        try:
            reports.append(dispatcher.dispatch(target=TARGET, limit=7))
        except BaseException as exc:  # shown in the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    queued = [(schema, site_id) for report in reports for schema, site_id, _ in report.jobs]
    assert Counter(queued) == Counter(due)  # every due site, each exactly once
    assert all(r.claimed for r in reports), "one dispatcher did all: no overlap was tested"
    # Leased: not due again until the site's job sets its next time (or the lease runs out).
    rows = PublishIndex.objects.filter(site_id__gte=FIRST_SITE)
    assert not rows.filter(next_due_at__lte=timezone.now()).exists()
    assert all(r.next_due_at > timezone.now() + dispatcher.LEASE / 2 for r in rows)
