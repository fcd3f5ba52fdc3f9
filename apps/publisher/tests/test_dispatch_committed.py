"""The publishing dispatcher against committed rows: two dispatchers at once (two threads, each
on its own PostgreSQL connection, as two hosts would be) hand each due site out once; a real
worker (`manage.py qcluster`) runs the site's job and its publish job, which reaches WordPress
(the wire fake, on loopback).

The rows must be committed for the other connections to see them, so these tests are not
wrapped in a transaction: they make their own rows and jobs, and remove them at the end.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_tenants.utils import schema_context

from apps.publisher import dispatch as dispatcher
from apps.schedule.models import PublishIndex
from apps.workspace.models import Job, Notification, Site
from tests import workers
from tests.committed import committed_database, queue_forget, two_dispatchers_at_once

TARGET = "apps.publisher.tests.sample_jobs.noop"
KIND = "test_publish_noop"
FIRST_SITE = 880_000


@pytest.fixture
def committed(request, django_db_setup, django_db_blocker, django_db_keepdb):
    """Database access without a wrapping transaction; the test's rows are removed after."""
    with committed_database(django_db_blocker, django_db_keepdb):
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
        queue_forget(names)


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
    reports = two_dispatchers_at_once(dispatcher, monkeypatch, target=TARGET, limit=7)

    queued = [(schema, site_id) for report in reports for schema, site_id, _ in report.jobs]
    assert Counter(queued) == Counter(due)  # every due site, each exactly once
    assert all(r.claimed for r in reports), "one dispatcher did all: no overlap was tested"
    # Leased: not due again until the site's job sets its next time (or the lease runs out).
    rows = PublishIndex.objects.filter(site_id__gte=FIRST_SITE)
    assert not rows.filter(next_due_at__lte=timezone.now()).exists()
    assert all(r.next_due_at > timezone.now() + dispatcher.LEASE / 2 for r in rows)


def _worker_cache_table() -> None:
    """The worker is not under pytest, so its cache is the database's (tests use memory):
    its table must exist in the test database (the client remembers there how a WordPress
    takes its REST routes)."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    database = {**settings.CACHES["default"]}
    database["BACKEND"] = "django.core.cache.backends.db.DatabaseCache"
    with override_settings(CACHES={"default": database}):
        call_command("createcachetable", verbosity=0)


@pytest.fixture
def made_site(committed):
    """A committed site of alpha (removed after, with everything it has)."""
    from apps.publisher.tests.helpers import publisher_site

    alpha = committed["alpha"]
    site = publisher_site(alpha, f"Worker site {timezone.now():%H%M%S%f}")
    yield site
    with schema_context(alpha.schema):
        jobs = Job.objects.filter(kind__in=["publish_due", "publish"])
        names = [f"{j.kind}:{alpha.schema}:{j.pk}" for j in jobs]
        jobs.delete()
        Notification.objects.filter(kind="publish_done").delete()
        Site.objects.filter(pk=site.pk).delete()
    Task.objects.filter(name__in=names).delete()
    OrmQ.objects.filter(pk__in=[q.pk for q in OrmQ.objects.all() if q.name() in names]).delete()


def test_a_real_worker_publishes_a_due_article_in_its_workspace(
    committed, made_site, monkeypatch, tmp_path
):
    """Queued for real (after commit), run by a worker process: the site's job takes the due
    article and queues its publish job, which sends it to WordPress; published, once."""
    import time

    from apps.publisher.models import Publication
    from apps.publisher.services.schedule import content_schedule
    from apps.publisher.tests.fake_wordpress import FakeWordPress
    from apps.publisher.tests.helpers import approved_article, plugin_connection
    from apps.writer.models import Content, PublishingStatus

    monkeypatch.setattr(settings, "JOBS_SYNC", False)
    monkeypatch.setattr(settings, "IGNY8_EGRESS_ALLOW_PRIVATE", True)
    alpha, site = committed["alpha"], made_site
    article = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp:
        _, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            content_schedule(content=article, when=timezone.now() + timedelta(minutes=5))
            Publication.objects.filter(content=article).update(
                publish_at=timezone.now() - timedelta(seconds=5)
            )
        PublishIndex.objects.filter(account=alpha.account, site_id=site.pk).update(
            next_due_at=timezone.now() - timedelta(seconds=5)
        )
        _worker_cache_table()
        process, output = workers.start(
            ["manage.py", "qcluster"], tmp_path / "qcluster.log", IGNY8_EGRESS_ALLOW_PRIVATE="1"
        )
        try:
            assert dispatcher.dispatch().queued == 1
            deadline = time.monotonic() + 60
            status = None
            while time.monotonic() < deadline:
                with schema_context(alpha.schema):
                    status = Content.objects.get(pk=article.pk).publishing_status
                if status in (PublishingStatus.PUBLISHED, PublishingStatus.FAILED):
                    break
                assert process.poll() is None, "the worker stopped; its output is below"
                time.sleep(0.2)
        finally:
            workers.stop(process, output)
        with schema_context(alpha.schema):
            publication = Publication.objects.get(content=article)
            kinds = sorted(Job.objects.filter(status="succeeded").values_list("kind", flat=True))
    assert status == PublishingStatus.PUBLISHED, publication.last_error
    assert len(wp.posts) == 1 and publication.remote_id in wp.posts
    assert kinds == ["publish", "publish_due"]
    row = PublishIndex.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_due_at is None  # the site's job said: nothing more to do
