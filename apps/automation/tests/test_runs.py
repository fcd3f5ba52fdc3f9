"""Around a run: the scheduled start, the notifications at its end, its log file (with the run
and request ids), and the reads the pages use (progress, stages, history, one run for a
member, the pipeline's pending counts)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, Role
from apps.automation import selectors
from apps.automation.jobs import start_scheduled
from apps.automation.models import AutomationRun, RunStatus, RunTrigger
from apps.automation.runlog import run_log_path
from apps.automation.services import (
    RunActive,
    pipeline_counts,
    run_cancel,
    run_pause,
    run_start,
)
from apps.automation.tests.helpers import configure, fresh_run, pipeline_site, start
from apps.automation.tests.test_control import during
from apps.schedule.models import SiteSchedule
from apps.workspace.models import Notification
from igny8 import jobs
from igny8.logging import request_id_var
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def scheduled(ws, site) -> dict:
    with schema_context(ws.schema):
        job = jobs.enqueue(start_scheduled, site.pk, label="Scheduled automation run")
        return job.result


def test_a_scheduled_start_runs_the_site_and_books_the_next_time(alpha):
    site = pipeline_site(alpha, 5, max_items=1)
    configure(alpha, site, enabled=True, hour=timezone.now().hour)

    outcome = scheduled(alpha, site)

    with schema_context(alpha.schema):
        run = AutomationRun.objects.get(site=site)
    assert outcome["run"] == run.pk
    assert (run.trigger, run.started_by_id, run.status) == ("scheduled", None, "completed")
    row = SiteSchedule.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_run_at > timezone.now()


def test_a_scheduled_start_leaves_an_active_run_alone(alpha, settings):
    site = pipeline_site(alpha, 5)
    configure(alpha, site, enabled=True)
    settings.JOBS_SYNC = False
    with schema_context(alpha.schema):
        active = run_start(site=site, user=alpha.editor)
    settings.JOBS_SYNC = True

    outcome = scheduled(alpha, site)

    assert outcome["message"].startswith(f"Not started: Run #{active.pk} on {site.name}")
    with schema_context(alpha.schema):
        assert AutomationRun.objects.filter(site=site).count() == 1


def test_a_switched_off_site_is_not_started_by_the_schedule(alpha):
    site = pipeline_site(alpha, 5)
    outcome = scheduled(alpha, site)
    assert outcome["message"].startswith("Automation is off")
    with schema_context(alpha.schema):
        assert not AutomationRun.objects.filter(site=site).exists()


def test_the_end_of_a_run_is_told_to_managers_and_the_starter_once(alpha):
    admin = make_member(alpha.account, Role.ADMIN)
    site = pipeline_site(alpha, 5, max_items=1)

    run = start(alpha, site, user=alpha.editor)

    with schema_context(alpha.schema):
        told = list(Notification.objects.filter(kind="run_finished"))
    assert {n.recipient_id for n in told} == {alpha.owner.pk, admin.pk, alpha.editor.pk}
    note = told[0]
    assert note.title == f"Automation finished on {site.name}"
    assert note.body.startswith("1 articles written") or note.body.startswith("1 article")
    assert note.link.endswith(f"/{run.pk}/")
    with schema_context(alpha.schema):
        from apps.automation.services.ending import finish

        finish(fresh_run(alpha, run), RunStatus.FAILED, "again")  # an ended run stays ended
        assert Notification.objects.filter(kind__in=["run_finished", "run_failed"]).count() == 3


def test_a_cancelled_run_is_not_announced(alpha, monkeypatch):
    site = pipeline_site(alpha, 5, max_items=2)
    during(monkeypatch, 4, 1, lambda run: run_cancel(run=run, user=alpha.owner))
    run = start(alpha, site)
    assert run.status == RunStatus.CANCELLED
    with schema_context(alpha.schema):
        assert not Notification.objects.filter(kind__in=["run_finished", "run_failed"]).exists()


def test_a_run_writes_its_log_with_the_run_and_request_ids(alpha, log_dir):
    site = pipeline_site(alpha, 5, max_items=1)
    token = request_id_var.set("rid-automation-42")
    try:
        run = start(alpha, site)
    finally:
        request_id_var.reset(token)

    path = log_dir / "automation" / alpha.schema / f"{run.pk}.log"
    with schema_context(alpha.schema):
        assert run_log_path(run) == path
        text = selectors.run_log_text(run)
    assert run.request_id == "rid-automation-42"
    lines = path.read_text().splitlines()
    assert lines and text == "\n".join(lines)
    assert all(f"[run {run.pk} request rid-automation-42]" in line for line in lines)
    assert "stage 4: Written: “" in text and lines[-1].endswith("run completed")


def test_a_log_name_never_leads_outside_the_logs(alpha):
    run = AutomationRun(pk=1, log_name="../../etc/passwd")
    with pytest.raises(ValueError):
        run_log_path(run)


def test_a_second_run_now_is_refused_naming_the_active_run(alpha, monkeypatch):
    site = pipeline_site(alpha, 10, max_items=3)
    refused = []

    def try_again(run):
        try:
            run_start(site=site, user=alpha.owner)
        except RunActive as exc:
            refused.append(exc.message)

    during(monkeypatch, 4, 1, try_again)
    run = start(alpha, site, user=alpha.editor)

    assert run.status == RunStatus.COMPLETED
    who = alpha.editor.get_full_name() or alpha.editor.email
    assert refused == [
        f"Run #{run.pk} on {site.name} (started by {who} 0\xa0minutes ago) is at stage 4 "
        "(Tasks → articles). A site runs one automation at a time: wait for it to finish, or "
        "pause or cancel it first."
    ]


def test_progress_stages_and_history_for_the_pages(alpha, monkeypatch):
    site = pipeline_site(alpha, 10, max_items=4)
    during(monkeypatch, 4, 2, lambda run: run_pause(run=run, user=alpha.owner))
    run = start(alpha, site)
    with schema_context(alpha.schema):
        progress = selectors.run_progress(run)
        stages = selectors.stage_results(run)
        assert selectors.run_active(site) == run
        assert list(selectors.runs_for(site)) == [run]
        assert selectors.run_last(site) is None
        counts = {c.number: c.pending for c in pipeline_counts(site)}
    assert progress.text == "Stage 4 of 7 · Tasks → articles: 2 of 4 tasks · Paused"
    assert (progress.stage, progress.done, progress.total) == (4, 2, 4)
    assert progress.percent == int((3 + 0.5) / 7 * 100)
    assert [s.stage for s in stages] == [1, 2, 3, 4, 5, 6, 7]
    assert [s.status for s in stages] == ["done"] * 3 + ["running"] + ["pending"] * 3
    assert stages[4].pk is None  # not reached: a placeholder
    assert counts == {1: 0, 2: 0, 3: 2, 4: 2, 5: 2, 6: 0, 7: 0}


def test_one_run_for_a_member_or_404(alpha, beta):
    viewer = make_member(alpha.account, Role.VIEWER)
    site = pipeline_site(alpha, 5, max_items=1)
    run = start(alpha, site)

    def as_member(user, account):
        membership = Membership.objects.filter(user=user, account=account).first()
        return SimpleNamespace(user=user, membership=membership)

    with schema_context(alpha.schema):
        assert selectors.run_for_member(as_member(alpha.owner, alpha.account), run.pk) == run
        assert selectors.run_for_member(as_member(alpha.editor, alpha.account), run.pk) == run
        for stranger in (viewer, beta.owner):  # not granted the site; not a member
            with pytest.raises(Http404):
                selectors.run_for_member(as_member(stranger, alpha.account), run.pk)
        with pytest.raises(Http404):
            selectors.run_for_member(as_member(alpha.owner, alpha.account), "nope")
    assert RunTrigger.SCHEDULED.label == "Schedule"
