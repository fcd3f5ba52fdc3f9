"""Pause, resume and cancel take effect after the item in hand; resume goes on from the saved
stage and item; a job hands over to the next after its time budget; a worker that dies
mid-item (here: in this process) is followed by a job that finishes the run without doing
anything twice."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.automation.models import AutomationRun, RunStatus, StageStatus
from apps.automation.services import RunActive, run_cancel, run_pause, run_resume, run_start
from apps.automation.services.runs import NotNow, run_of_dead_job
from apps.automation.stages import stage
from apps.automation.tests.helpers import (
    contents,
    fresh_run,
    images_of,
    pipeline_site,
    results,
    start,
)
from apps.planner.models import Cluster, Idea
from apps.workspace.models import Job
from apps.writer.models import Content, Task, TaskStatus

pytestmark = pytest.mark.django_db


def during(monkeypatch, number: int, at: int, action) -> list:
    """Call `action(run)` while stage `number` handles its `at`-th item (as a person clicking
    while the worker writes)."""
    cls = type(stage(number))
    real = cls.handle
    seen: list = []

    def handle(self, ctx, unit, *, resumed):
        seen.append(unit.ids)
        if len(seen) == at:
            action(AutomationRun.objects.get(pk=ctx.run.pk))
        return real(self, ctx, unit, resumed=resumed)

    monkeypatch.setattr(cls, "handle", handle)
    return seen


def test_pause_takes_effect_after_the_item_and_resume_goes_on_from_there(
    alpha, monkeypatch, log_dir
):
    site = pipeline_site(alpha, 10, approval_mode="auto", max_items=4)
    during(monkeypatch, 4, 2, lambda run: run_pause(run=run, user=alpha.editor))

    run = start(alpha, site)

    assert run.status == RunStatus.PAUSED
    assert (run.stage, run.item) == (4, 2)  # the second article was finished, then it paused
    assert len(contents(alpha, site)) == 2
    before = results(alpha, run)
    assert before[4].status == StageStatus.RUNNING and before[4].processed == 2
    assert 5 not in before
    with (
        schema_context(alpha.schema),
        pytest.raises(RunActive, match=f"Run #{run.pk} .* is paused at stage 4"),
    ):
        run_start(site=site, user=alpha.owner)

    monkeypatch.undo()
    with schema_context(alpha.schema):
        run_resume(run=run, user=alpha.editor)
    run = fresh_run(alpha, run)

    assert run.status == RunStatus.COMPLETED, run.reason
    after = results(alpha, run)
    assert after[4].processed == 4 and after[4].status == StageStatus.DONE
    # Stages 1–3 were not taken again.
    for n in (1, 2, 3):
        assert (after[n].processed, after[n].finished) == (before[n].processed, before[n].finished)
    assert len(contents(alpha, site)) == 4 and len(images_of(alpha, site)) == 4
    log = (log_dir / run.log_name).read_text()
    assert "paused at stage 4, item 2" in log and "working from stage 4, item 2" in log


def test_a_pause_not_yet_taken_is_withdrawn_by_resume(alpha, monkeypatch):
    site = pipeline_site(alpha, 10, max_items=3)

    def pause_then_resume(run):
        run_pause(run=run, user=alpha.owner)
        run_resume(run=run, user=alpha.owner)

    during(monkeypatch, 4, 1, pause_then_resume)
    run = start(alpha, site)

    assert run.status == RunStatus.COMPLETED
    assert with_jobs(alpha, run) == 1  # no second job was needed


def with_jobs(ws, run) -> int:
    with schema_context(ws.schema):
        return Job.objects.filter(
            kind="automation", label__startswith=f"Automation run #{run.pk} "
        ).count()


def test_cancel_takes_effect_after_the_item_and_keeps_what_was_made(alpha, monkeypatch):
    site = pipeline_site(alpha, 10, max_items=4)
    during(monkeypatch, 4, 2, lambda run: run_cancel(run=run, user=alpha.owner))

    run = start(alpha, site)

    assert run.status == RunStatus.CANCELLED
    assert run.reason.startswith("Cancelled")
    assert run.finished is not None
    assert len(contents(alpha, site)) == 2
    stages = results(alpha, run)
    assert stages[4].status == StageStatus.STOPPED and 5 not in stages
    with schema_context(alpha.schema):
        assert Task.objects.filter(site=site, status=TaskStatus.QUEUED).count() == 2
        with pytest.raises(NotNow):
            run_resume(run=run, user=alpha.owner)

    # The site is free again: the next run writes the two tasks left (and two more ideas).
    monkeypatch.undo()
    again = start(alpha, site)
    assert again.status == RunStatus.COMPLETED
    assert results(alpha, again)[4].processed == 4
    assert len(contents(alpha, site)) == 6


def test_a_paused_or_queued_run_is_cancelled_at_once(alpha, settings):
    site = pipeline_site(alpha, 10, max_items=2)
    settings.JOBS_SYNC = False  # queued, not run: the test's transaction never commits
    with schema_context(alpha.schema):
        run = run_start(site=site, user=alpha.owner)
        assert run.status == RunStatus.QUEUED
        run_pause(run=run, user=alpha.owner)
        assert fresh_run(alpha, run).status == RunStatus.PAUSED
        run_cancel(run=run, user=alpha.editor)
    run = fresh_run(alpha, run)
    assert run.status == RunStatus.CANCELLED
    assert run.reason == f"Cancelled by {alpha.editor.get_full_name() or alpha.editor.email}."
    assert not contents(alpha, site)


def test_a_job_hands_over_to_the_next_when_its_budget_is_spent(alpha, settings):
    from apps.automation.services.runner import run_continue

    settings.AUTOMATION_JOB_BUDGET = 0  # every job does one item, then a new job goes on
    settings.JOBS_SYNC = False  # queued, not run: each job is run by hand below
    site = pipeline_site(alpha, 5, approval_mode="auto", max_items=2)
    with schema_context(alpha.schema):
        run = run_start(site=site, user=alpha.owner)
        done = []
        while run.status != RunStatus.COMPLETED and len(done) < 30:
            job = run.job
            run_continue(run_id=run.pk, job=job)
            done.append(job.pk)
            run.refresh_from_db()
            assert run.job_id not in done or run.status == RunStatus.COMPLETED

    assert run.status == RunStatus.COMPLETED, run.reason
    # One item per job: clustering, the cluster's ideas, queueing, 2 articles, 2 prompts,
    # 2 articles' images and 2 approvals (and the last job finds nothing left).
    assert len(done) >= 10
    assert len(contents(alpha, site)) == 2 and len(images_of(alpha, site)) == 2
    with schema_context(alpha.schema):
        assert Idea.objects.filter(site=site).count() == 3
        assert Cluster.objects.filter(site=site).count() == 1


class WorkerDied(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (no `except Exception`)."""


@pytest.mark.parametrize("when", ["before the answer", "after the article was saved"])
def test_a_run_whose_worker_died_mid_item_is_finished_by_the_next_job(
    alpha, monkeypatch, paid_ai, when
):
    from apps.billing import credits
    from apps.billing.models import Reservation, ReservationStatus
    from apps.writer.services import writing

    site = pipeline_site(alpha, 10, approval_mode="auto", max_items=3, stages_enabled=[1, 2, 3, 4])
    ledger_before = credits.balance_for(alpha.account).total
    real_write = writing.task_write
    calls = []

    def dying_write(task, job=None, **kwargs):
        calls.append(task.pk)
        if len(calls) == 2 and when == "before the answer":
            from igny8.ai import engine

            real_run = engine.run

            def run_then_die(*args, **kw):
                monkeypatch.setattr(engine, "run", real_run)
                # The credits are held, the provider is being asked: the worker dies.
                credits.reserve(
                    account=alpha.account,
                    operation="content_generation",
                    units=task.target_words,
                    key=kw["key"],
                    credits=writing.task_estimate(task).credits,
                )
                raise WorkerDied

            monkeypatch.setattr(engine, "run", run_then_die)
        result = real_write(task, job, **kwargs)
        if len(calls) == 2 and when == "after the article was saved":
            raise WorkerDied
        return result

    monkeypatch.setattr(writing, "task_write", dying_write)
    with pytest.raises(WorkerDied):
        start(alpha, site)
    with schema_context(alpha.schema):
        run = AutomationRun.objects.get(site=site)
        dead = run.job
    assert run.status == RunStatus.RUNNING and run.stage == 4
    monkeypatch.setattr(writing, "task_write", real_write)

    # The sweeper finds the dead job; the run goes on in a new one.
    with schema_context(alpha.schema):
        run_of_dead_job(job=dead, message="The worker stopped.")
    run = fresh_run(alpha, run)

    assert run.status == RunStatus.COMPLETED, run.reason
    assert run.restarts == 1 and run.job_id != dead.pk
    with schema_context(alpha.schema):
        tasks = list(Task.objects.filter(site=site))
        assert len(tasks) == 3 and {t.status for t in tasks} == {TaskStatus.COMPLETED}
        assert Content.objects.filter(site=site).count() == 3
        held = Reservation.objects.filter(
            key__contains=f":automation:{run.pk}:write:", status=ReservationStatus.RESERVED
        )
        assert not held.exists()
    writing_cost = (
        sum(credits.estimate("content_generation", t.target_words) for t in tasks)
        + results(alpha, run)[2].credits
    )
    assert writing_cost > 0
    # Every article and every idea was paid for once, and the run's counts say the same.
    assert ledger_before - credits.balance_for(alpha.account).total == writing_cost
    assert sum(r.credits for r in results(alpha, run).values()) == writing_cost
    assert credits.reconcile(alpha.account).ok
