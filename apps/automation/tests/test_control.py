"""Pause, resume and cancel take effect after the item in hand; resume goes on from the saved
stage and item; a job hands over to the next after its time budget; a worker that dies
mid-item (here: in this process) is followed by a job that finishes the run without doing
anything twice."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.automation.models import AutomationRun, RunStatus, StageStatus
from apps.automation.services import RunActive, run_cancel, run_pause, run_resume, run_start
from apps.automation.services.runs import NotNow
from apps.automation.stages import stage
from apps.automation.tests.helpers import (
    configure,
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


FUNCTIONS = {2: "generate_ideas", 4: "write_content", 5: "image_prompts", 6: "generate_image"}


def die_in_the_provider(monkeypatch, account, function: str, at: int) -> None:
    """The `at`-th run of `function` reserves its credits, then the worker dies while the
    provider is being asked."""
    from apps.billing import credits
    from igny8.ai import costs, engine, functions

    real = engine.run
    seen = []

    def run(name, **kw):
        if name == function:
            seen.append(kw["key"])
            if len(seen) == at:
                fn = functions.get(name)
                units = fn.estimate_units(kw["input"])
                credits.reserve(
                    account=account,
                    operation=fn.operation,
                    units=units,
                    key=kw["key"],
                    credits=costs.price(fn, units).credits,
                )
                raise WorkerDied
        return real(name, **kw)

    monkeypatch.setattr(engine, "run", run)


def die_after_the_item(monkeypatch, number: int, at: int) -> None:
    """The worker dies right after the `at`-th item of stage `number` was saved, before the
    run could record it."""
    cls = type(stage(number))
    real = cls.handle
    seen = []

    def handle(self, ctx, unit, *, resumed):
        outcome = real(self, ctx, unit, resumed=resumed)
        seen.append(unit.ids)
        if len(seen) == at:
            raise WorkerDied
        return outcome

    monkeypatch.setattr(cls, "handle", handle)


@pytest.mark.parametrize("number", [2, 4, 5, 6])
@pytest.mark.parametrize("when", ["mid-item", "after the item"])
def test_a_run_whose_worker_died_is_finished_by_the_next_job_without_doing_anything_twice(
    alpha, monkeypatch, paid_ai, number, when
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.billing import credits
    from apps.billing.models import Reservation, ReservationStatus
    from apps.writer.models import EditorialStatus, Image, ImageStatus
    from igny8 import job_sweeper

    site = pipeline_site(alpha, 10, approval_mode="auto", max_items=3)
    before = credits.balance_for(alpha.account).total
    with pytest.MonkeyPatch.context() as dying, pytest.raises(WorkerDied):
        if when == "mid-item":
            die_in_the_provider(dying, alpha.account, FUNCTIONS[number], at=2)
        else:
            die_after_the_item(dying, number, at=2)
        start(alpha, site)
    with schema_context(alpha.schema):
        run = AutomationRun.objects.get(site=site)
    assert run.status == RunStatus.RUNNING and run.stage == number

    # The sweeper finds the job dead, releases its holds; the run goes on in a new job.
    later = timezone.now() + timedelta(hours=1)
    with schema_context(alpha.schema):
        dead = run.job
        assert job_sweeper.sweep_workspace(alpha.schema, later)[0] == 1
    run = fresh_run(alpha, run)

    assert run.status == RunStatus.COMPLETED, run.reason
    assert run.restarts == 1 and run.job_id != dead.pk
    with schema_context(alpha.schema):
        assert Cluster.objects.filter(site=site).count() == 2
        assert Idea.objects.filter(site=site).count() == 6
        tasks = list(Task.objects.filter(site=site))
        articles = list(Content.objects.filter(site=site))
        images = list(Image.objects.filter(site=site))
    assert len(tasks) == 3 and {t.status for t in tasks} == {TaskStatus.COMPLETED}
    assert len(articles) == 3 and {c.status for c in articles} == {EditorialStatus.APPROVED}
    assert sorted((i.content_id, i.position) for i in images) == sorted((c.pk, 0) for c in articles)
    assert {i.status for i in images} == {ImageStatus.GENERATED}
    settled = list(
        Reservation.objects.filter(
            account=alpha.account, status=ReservationStatus.SETTLED, charged__gt=0
        ).values_list("key", flat=True)
    )
    assert not Reservation.objects.filter(
        account=alpha.account, status=ReservationStatus.RESERVED
    ).exists()
    # Each cluster's ideas, article, prompts and picture paid once.
    for what, pks in (
        ("write", [t.pk for t in tasks]),
        ("prompts", [c.pk for c in articles]),
        ("image", [i.pk for i in images]),
    ):
        for pk in pks:
            assert sum(k.endswith(f":{what}:{pk}") for k in settled) == 1, (what, pk)
    assert sum(":ideas:" in k for k in settled) == 2
    spent = before - credits.balance_for(alpha.account).total
    assert spent > 0
    assert spent == sum(r.credits for r in results(alpha, run).values())
    assert credits.reconcile(alpha.account).ok


class FakeClock:
    """`time` for the runner: sleeping moves the clock on at once (and can call back)."""

    def __init__(self, on_sleep=None):
        self.now = 1000.0
        self.slept: list[float] = []
        self.on_sleep = on_sleep

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep()


def test_the_delay_comes_between_items_and_a_pause_cuts_it_short(alpha, monkeypatch):
    from apps.automation.services import runner

    site = pipeline_site(alpha, 10, max_items=3, stages_enabled=[1, 2, 3])
    start(alpha, site)
    configure(alpha, site, stages_enabled=[4], delay_seconds=3)
    clock = FakeClock()
    monkeypatch.setattr(runner, "time", clock)

    run = start(alpha, site)

    assert run.status == RunStatus.COMPLETED
    assert clock.slept == [1.0] * 6  # 3 s between the 3 articles, polled each second
    assert results(alpha, run)[4].processed == 3

    # A pause asked during the delay takes effect without waiting for it to end.
    with schema_context(alpha.schema):
        Task.objects.filter(site=site).update(status=TaskStatus.QUEUED)
        Content.objects.filter(site=site).delete()

    def pause():
        with schema_context(alpha.schema):
            active = AutomationRun.objects.get(site=site, status="running")
            run_pause(run=active, user=alpha.owner)

    clock = FakeClock(on_sleep=pause)
    monkeypatch.setattr(runner, "time", clock)
    run = start(alpha, site)
    assert run.status == RunStatus.PAUSED
    assert clock.slept == [1.0] and results(alpha, run)[4].processed == 1


def test_batches_follow_one_another_at_the_configured_size(alpha, monkeypatch, log_dir):
    from apps.planner.services import clusters

    site = pipeline_site(alpha, 15, max_items=7, stages_enabled=[1, 2, 3])
    configure(alpha, site, batch_1=5, batch_3=3)
    sizes = []
    real = clusters.keywords_cluster

    def recording(**kwargs):
        sizes.append(len(kwargs["keyword_ids"]))
        return real(**kwargs)

    monkeypatch.setattr(clusters, "keywords_cluster", recording)
    run = start(alpha, site)

    assert sizes == [5, 5, 5]
    assert results(alpha, run)[3].processed == 7  # 3 + 3 + 1: the run's limit
    log = (log_dir / run.log_name).read_text()
    assert log.count("stage 1: a batch of 5 keywords") == 3
    assert log.count("stage 3: a batch of 3 ideas") == 2
    assert log.count("stage 3: a batch of 1 idea\n") == 1
