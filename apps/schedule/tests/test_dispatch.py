"""The dispatcher: due sites of every workspace, each run queued and run in its own schema,
found with one query; switched-off, deleted and deactivated sites left alone.

Jobs run synchronously in tests (JOBS_SYNC), inside the schema `igny8.jobs` enters for them,
so what a job did is visible as soon as `dispatch` returns. The job here is a stand-in
(`sample_jobs.start_scheduled`) that marks the site it was given in the schema it ran in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.schedule.dispatch import dispatch
from apps.schedule.models import SiteSchedule
from apps.schedule.services import schedule_update
from apps.schedule.tests import sample_jobs
from apps.workspace.models import Job, JobStatus, Site
from apps.workspace.services.workspace import site_update
from tests.factories import make_site

pytestmark = pytest.mark.django_db

TARGET = "apps.schedule.tests.sample_jobs.start_scheduled"
SHARED_ID = 990_100  # a site id both workspaces have


def daily(site=None, hour: int = 9) -> SimpleNamespace:  # noqa: ANN001
    return SimpleNamespace(
        site=site, enabled=True, frequency="daily", hour=hour, weekday=0, day_of_month=1
    )


def make_due(ws, site_id: int, when: datetime) -> SiteSchedule:  # noqa: ANN001
    row = schedule_update(account=ws.account, site_id=site_id, config=daily())
    SiteSchedule.objects.filter(pk=row.pk).update(next_run_at=when)
    return row


def same_id_site(ws) -> Site:  # noqa: ANN001
    with schema_context(ws.schema):
        return Site.objects.create(
            pk=SHARED_ID, name=f"Twin {ws.schema}", url="https://twin.example", industry_id=1
        )


def scheduled_jobs(ws) -> list[Job]:  # noqa: ANN001
    with schema_context(ws.schema):
        return list(Job.objects.filter(kind="test_start_scheduled").order_by("pk"))


def marked(ws, site_id: int) -> bool:  # noqa: ANN001
    with schema_context(ws.schema):
        return Site.objects.get(pk=site_id).extra_instructions == sample_jobs.MARK


def test_two_workspaces_each_run_in_its_own_schema(alpha, beta):
    """Both workspaces have a site with the same id, both due: each run happens once, in its
    own schema, on its own site."""
    for ws in (alpha, beta):
        same_id_site(ws)
        make_due(ws, SHARED_ID, timezone.now() - timedelta(minutes=1))

    report = dispatch(target=TARGET)

    assert (report.claimed, report.queued) == (2, 2)
    for ws in (alpha, beta):
        (job,) = scheduled_jobs(ws)
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result["schema"] == ws.schema  # PostgreSQL's own current_schema()
        assert job.result == {**job.result, "site_id": SHARED_ID, "marked": 1}
        assert marked(ws, SHARED_ID)


def test_a_due_site_runs_in_its_workspace_and_never_in_the_other(alpha, beta):
    """Only alpha is due. Beta has a site with the same id: nothing happens to it, and no job
    appears in beta's schema."""
    for ws in (alpha, beta):
        same_id_site(ws)
    make_due(alpha, SHARED_ID, timezone.now() - timedelta(seconds=5))
    make_due(beta, SHARED_ID, timezone.now() + timedelta(hours=3))

    report = dispatch(target=TARGET)

    assert report.queued == 1
    assert report.jobs == [(alpha.schema, SHARED_ID, scheduled_jobs(alpha)[0].pk)]
    assert marked(alpha, SHARED_ID)
    assert not marked(beta, SHARED_ID)
    assert scheduled_jobs(beta) == []


def test_a_run_moves_the_row_to_its_next_slot_and_runs_once(alpha, monkeypatch):
    site = make_site(alpha.account)
    tick = datetime(2025, 6, 10, 9, 0, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: tick - timedelta(hours=2))
    schedule_update(account=alpha.account, site_id=site.pk, config=daily(hour=9))

    assert dispatch(now=tick, target=TARGET).queued == 1
    row = SiteSchedule.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_run_at == datetime(2025, 6, 11, 9, 0, tzinfo=UTC)
    assert row.last_dispatched_at == tick
    # The next tick, and one that comes late for the same slot: nothing is due any more.
    assert dispatch(now=tick + timedelta(minutes=1), target=TARGET).claimed == 0
    assert dispatch(now=tick + timedelta(hours=5), target=TARGET).claimed == 0
    assert len(scheduled_jobs(alpha)) == 1


def test_not_due_yet_is_left(alpha):
    site = make_site(alpha.account)
    make_due(alpha, site.pk, timezone.now() + timedelta(seconds=30))
    assert dispatch(target=TARGET).claimed == 0
    assert scheduled_jobs(alpha) == []


def test_automation_switched_off_is_not_dispatched(alpha):
    site = make_site(alpha.account)
    make_due(alpha, site.pk, timezone.now() - timedelta(minutes=1))
    schedule_update(
        account=alpha.account,
        site_id=site.pk,
        config=SimpleNamespace(**{**vars(daily()), "enabled": False}),
    )
    assert dispatch(target=TARGET).claimed == 0
    assert scheduled_jobs(alpha) == []


def test_a_held_row_is_not_dispatched(alpha):
    site = make_site(alpha.account)
    row = make_due(alpha, site.pk, timezone.now() - timedelta(minutes=1))
    SiteSchedule.objects.filter(pk=row.pk).update(enabled=False)
    assert dispatch(target=TARGET).claimed == 0


def test_a_deleted_site_is_not_dispatched(alpha):
    site = make_site(alpha.account)
    make_due(alpha, site.pk, timezone.now() - timedelta(minutes=1))
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).delete()
    assert dispatch(target=TARGET).claimed == 0
    assert scheduled_jobs(alpha) == []


def test_a_deactivated_site_is_not_dispatched(alpha):
    site = make_site(alpha.account)
    make_due(alpha, site.pk, timezone.now() - timedelta(minutes=1))
    with schema_context(alpha.schema):
        site = Site.objects.get(pk=site.pk)
        site_update(
            site=site,
            name=site.name,
            url=site.url,
            industry=site.industry,
            language=site.language,
            is_active=False,
        )
    assert dispatch(target=TARGET).claimed == 0
    assert scheduled_jobs(alpha) == []


def test_a_switched_off_workspace_is_passed_over_not_run(alpha):
    site = make_site(alpha.account)
    make_due(alpha, site.pk, timezone.now() - timedelta(minutes=1))
    alpha.account.__class__.objects.filter(pk=alpha.account.pk).update(is_active=False)
    report = dispatch(target=TARGET)
    assert (report.claimed, report.passed_over, report.queued) == (1, 1, 0)
    assert scheduled_jobs(alpha) == []
    # Moved on: when the workspace is back it waits for its next slot.
    assert SiteSchedule.objects.get(account=alpha.account).next_run_at > timezone.now()


def test_one_workspace_failing_does_not_stop_the_others(alpha, beta):
    """Alpha's schema cannot take a job (its job table is gone; rolled back after the test):
    beta's run still starts, alpha's failure is counted, and both rows move on."""
    a, b = make_site(alpha.account), make_site(beta.account)
    make_due(alpha, a.pk, timezone.now() - timedelta(minutes=1))
    make_due(beta, b.pk, timezone.now() - timedelta(minutes=1))
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{alpha.schema}"."workspace_job" RENAME TO job_gone')

    report = dispatch(target=TARGET)

    assert (report.claimed, report.queued, report.failed) == (2, 1, 1)
    assert report.jobs[0][:2] == (beta.schema, b.pk)
    assert marked(beta, b.pk)
    assert not SiteSchedule.objects.filter(next_run_at__lte=timezone.now()).exists()


def test_batches_drain_everything_due(alpha):
    sites = [make_site(alpha.account) for _ in range(5)]
    for site in sites:
        make_due(alpha, site.pk, timezone.now() - timedelta(minutes=1))
    report = dispatch(target=TARGET, limit=2)
    assert (report.claimed, report.queued) == (5, 5)
    assert sorted(job.result["site_id"] for job in scheduled_jobs(alpha)) == sorted(
        s.pk for s in sites
    )


def _claim_queries(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if "schedule_siteschedule" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_a_tick_costs_the_same_queries_however_many_rows_and_due_sites(alpha, beta, settings):
    """The index is read with ONE query (no visit to any schema to find what is due), and a
    tick costs the same number of queries with 10 or 200 rows that are not due, and with 2 or
    12 due sites in two workspaces."""
    settings.JOBS_SYNC = False  # queue only: what the dispatcher itself costs
    counts, filler = [], 0
    for others, due_each in ((10, 1), (200, 1), (200, 6)):
        while filler < others:
            make_due(alpha, 500_000 + filler, timezone.now() + timedelta(hours=1 + filler))
            filler += 1
        for ws in (alpha, beta):
            for _ in range(due_each):
                make_due(ws, make_site(ws.account).pk, timezone.now() - timedelta(minutes=1))

        with CaptureQueriesContext(connection) as captured:
            report = dispatch(target=TARGET)

        assert report.queued == 2 * due_each
        (claim,) = _claim_queries(captured)
        assert "FOR UPDATE" in claim and "SKIP LOCKED" in claim
        counts.append(len(captured.captured_queries))
    # The claim, the statement that moves the rows on, the one that inserts the Job rows in
    # every schema (and the queue entries after commit): nothing per row or per workspace.
    assert counts[0] == counts[1] == counts[2], counts


def test_the_every_minute_schedule_is_created_once(workspaces, db):
    from django_q.models import Schedule

    from apps.schedule.jobs import dispatch_due
    from apps.workspace.management.commands.igny8_setup import Command

    Command()._schedules()
    Command()._schedules()
    (schedule,) = Schedule.objects.filter(func="apps.schedule.jobs.dispatch_due")
    assert schedule.schedule_type == Schedule.MINUTES
    assert (schedule.minutes, schedule.repeats) == (1, -1)
    assert callable(dispatch_due)
