"""Credits and plans: each stage takes what the preview showed; running out stops the run with
the reason (and tells the owners and the starter); a run whose first stage cannot be paid, or
whose workspace's plan has lapsed, does not start; offline runs are free; a provider error on
one item fails that item, not the run (until the provider fails several times in a row)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.automation.models import AutomationRun, RunStatus, StageStatus
from apps.automation.services import CannotStart, run_preview, run_start
from apps.automation.stages import OUT_OF_CREDITS
from apps.automation.tests.helpers import configure, contents, pipeline_site, results, start
from apps.billing import credits
from apps.billing.models import Plan, SubscriptionStatus
from apps.billing.plans import subscription_for
from apps.planner.models import Cluster, Idea
from apps.planner.tests.helpers_clusters import set_credits
from apps.workspace.models import Notification
from apps.writer.models import Task, TaskStatus
from igny8.ai import engine
from igny8.ai.errors import ProviderUnavailable

pytestmark = pytest.mark.django_db


def balance(ws) -> int:
    return credits.balance_for(ws.account).total


def preview_of(ws, site) -> dict:
    with schema_context(ws.schema):
        return {s.number: s for s in run_preview(site=site).stages}


def clusters_ready(ws, keywords: int = 10, **config):
    """A site whose keywords were clustered by a first (free) run: stage 2 is pending."""
    site = pipeline_site(ws, keywords, stages_enabled=[1], **config)
    start(ws, site)
    configure(ws, site, stages_enabled=[2, 3, 4, 5, 6, 7])
    return site


def tasks_ready(ws, count: int, **config):
    """A site with `count` queued tasks (made by a free run), only stage 4 switched on."""
    site = pipeline_site(ws, 15, stages_enabled=[1, 2, 3], max_items=count, **config)
    start(ws, site)
    configure(ws, site, stages_enabled=[4])
    with schema_context(ws.schema):
        assert Task.objects.filter(site=site, status=TaskStatus.QUEUED).count() == count
    return site


def test_each_stage_takes_what_the_preview_showed(alpha, paid_ai):
    site = clusters_ready(alpha, max_items=2)
    configure(alpha, site, stages_enabled=[2])
    shown = preview_of(alpha, site)[2]
    assert shown.planned == 2 and shown.price.credits > 0
    before = balance(alpha)
    run = start(alpha, site)
    assert results(alpha, run)[2].credits == shown.price.credits
    assert before - balance(alpha) == shown.price.credits

    configure(alpha, site, stages_enabled=[3])
    start(alpha, site)  # queueing ideas is free
    assert balance(alpha) == before - shown.price.credits

    configure(alpha, site, stages_enabled=[4])
    shown = preview_of(alpha, site)[4]
    assert shown.planned == 2 and shown.price.credits > 0
    before = balance(alpha)
    run = start(alpha, site)
    assert results(alpha, run)[4].credits == shown.price.credits
    assert before - balance(alpha) == shown.price.credits

    configure(alpha, site, stages_enabled=[5])
    shown = preview_of(alpha, site)[5]
    before = balance(alpha)
    run = start(alpha, site)
    assert shown.price.credits > 0
    assert results(alpha, run)[5].credits == shown.price.credits == before - balance(alpha)
    assert credits.reconcile(alpha.account).ok


def test_running_out_of_credits_stops_the_run_with_the_reason(alpha, paid_ai):
    # Ideas are waiting: the run starts with a free stage (queueing them), then writes.
    site = pipeline_site(alpha, 15, stages_enabled=[1, 2], max_items=3)
    start(alpha, site)
    configure(alpha, site, stages_enabled=[3, 4])
    from apps.writer.services.tasks import MIN_WORDS

    with schema_context(alpha.schema):
        first, second = (
            credits.estimate("content_generation", max(idea.estimated_words, MIN_WORDS))
            for idea in Idea.objects.filter(site=site).order_by("pk")[:2]
        )
    one = first
    set_credits(alpha.account, first + second // 2)  # one article and half of the next

    run = start(alpha, site, user=alpha.editor)

    assert run.status == RunStatus.STOPPED
    assert "ran out of credits" in run.reason and "Buy a credit pack" in run.reason
    writing = results(alpha, run)[4]
    assert writing.status == StageStatus.STOPPED
    assert (writing.processed, writing.failed, writing.credits) == (1, 0, one)
    assert len(contents(alpha, site)) == 1
    with schema_context(alpha.schema):
        assert Task.objects.filter(site=site, status=TaskStatus.QUEUED).count() == 2
        told = Notification.objects.filter(kind="run_failed")
        assert {n.recipient_id for n in told} == {alpha.owner.pk, alpha.editor.pk}
        note = told.first()
    assert note.title == f"Automation stopped on {site.name}"
    assert "ran out of credits" in note.body and note.link.endswith(f"/{run.pk}/")
    assert balance(alpha) == second // 2
    assert credits.reconcile(alpha.account).ok


def test_out_of_credits_inside_the_writer_puts_the_task_back(alpha, paid_ai, monkeypatch):
    from apps.automation.stages import writing

    site = tasks_ready(alpha, 2)
    set_credits(alpha.account, 1)
    monkeypatch.setattr(writing, "short_of", lambda price: "")  # someone spent it meanwhile
    with schema_context(alpha.schema):
        run = AutomationRun.objects.create(site=site, snapshot={"stages_enabled": [4]})
        from apps.automation.services.runner import run_continue

        run_continue(run_id=run.pk, job=None)
        run.refresh_from_db()
        assert run.status == RunStatus.STOPPED and "credits" in run.reason
        assert {t.status for t in Task.objects.filter(site=site)} == {TaskStatus.QUEUED}
    assert results(alpha, run)[4].processed == 0
    assert OUT_OF_CREDITS == "the workspace ran out of credits"


def test_a_first_stage_that_cannot_be_paid_refuses_to_start(alpha, paid_ai):
    site = clusters_ready(alpha)
    set_credits(alpha.account, 0)
    with schema_context(alpha.schema):
        preview = run_preview(site=site)
        assert not preview.can_start and preview.first.number == 2
        with pytest.raises(CannotStart, match=r"The first stage \(Clusters → ideas\) costs"):
            run_start(site=site, user=alpha.owner)
        assert AutomationRun.objects.filter(site=site).count() == 1  # the clustering run only
        assert Idea.objects.filter(site=site).count() == 0


def test_offline_runs_are_free_whatever_the_balance(alpha):
    site = pipeline_site(alpha, 5, max_items=1)
    set_credits(alpha.account, 0)
    run = start(alpha, site)
    assert run.status == RunStatus.COMPLETED
    assert len(contents(alpha, site)) == 1


def test_a_lapsed_plan_refuses_to_start(alpha):
    site = pipeline_site(alpha, 5)
    subscription = subscription_for(alpha.account)
    subscription.plan = Plan.objects.get(slug="starter")
    subscription.status = SubscriptionStatus.CANCELED
    subscription.current_period_end = timezone.now() - timedelta(days=1)
    subscription.save()
    with schema_context(alpha.schema):
        preview = run_preview(site=site)
        assert not preview.can_start and "lapsed" in preview.reason
        with pytest.raises(CannotStart, match="Your subscription has lapsed"):
            run_start(site=site, user=alpha.owner)
        assert not AutomationRun.objects.filter(site=site).exists()
        assert not Cluster.objects.filter(site=site).exists()


class FlakyProvider:
    """The stand-in provider, failing for the articles whose titles are in `fail_for`."""

    def __init__(self, real, fail_for):
        self.real, self.fail_for = real, fail_for
        self.name, self.label = real.name, real.label

    def __getattr__(self, name):
        return getattr(self.real, name)

    def complete_text(self, request):
        if request.input.get("title") in self.fail_for or "*" in self.fail_for:
            raise ProviderUnavailable("The AI provider could not be reached. Try again later.")
        return self.real.complete_text(request)


def test_a_provider_error_fails_the_item_not_the_run(alpha, paid_ai, monkeypatch):
    site = tasks_ready(alpha, 3, approval_mode="auto")
    configure(alpha, site, stages_enabled=[4, 5, 6, 7])
    with schema_context(alpha.schema):
        second = Task.objects.filter(site=site).order_by("pk")[1]
    stand_in = engine.provider_for
    monkeypatch.setattr(
        engine, "provider_for", lambda c: FlakyProvider(stand_in(c), {second.title})
    )
    before = balance(alpha)

    run = start(alpha, site)

    assert run.status == RunStatus.COMPLETED, run.reason
    writing = results(alpha, run)[4]
    assert (writing.processed, writing.failed) == (2, 1)
    assert writing.skip_reasons == {"failed: the AI provider could not be reached": 1}
    with schema_context(alpha.schema):
        second.refresh_from_db()
    assert second.status == TaskStatus.FAILED and "could not be reached" in second.error
    assert results(alpha, run)[7].processed == 2  # the others went on to the end
    assert before - balance(alpha) == sum(r.credits for r in results(alpha, run).values())


def test_a_provider_down_stops_the_run_after_a_few_failures_in_a_row(alpha, paid_ai, monkeypatch):
    site = tasks_ready(alpha, 5)
    stand_in = engine.provider_for
    monkeypatch.setattr(engine, "provider_for", lambda c: FlakyProvider(stand_in(c), {"*"}))
    before = balance(alpha)

    run = start(alpha, site)

    assert run.status == RunStatus.STOPPED
    assert "failed 3 times in a row" in run.reason
    writing = results(alpha, run)[4]
    assert writing.failed == 3 and writing.processed == 0
    with schema_context(alpha.schema):
        assert Task.objects.filter(site=site, status=TaskStatus.QUEUED).count() == 2
    assert balance(alpha) == before  # failures are refunded


def test_a_plan_that_lapses_mid_run_stops_it_with_the_reason(alpha, paid_ai, monkeypatch):
    from apps.automation.tests.test_control import during

    site = tasks_ready(alpha, 3)

    def lapse(run):
        subscription = subscription_for(alpha.account)
        subscription.status = SubscriptionStatus.CANCELED
        subscription.current_period_end = timezone.now() - timedelta(minutes=1)
        subscription.save()

    during(monkeypatch, 4, 2, lapse)  # as the second article starts
    run = start(alpha, site)

    assert run.status == RunStatus.STOPPED
    assert run.reason.startswith("Your subscription has lapsed")
    assert results(alpha, run)[4].processed == 1
    with schema_context(alpha.schema):
        assert Task.objects.filter(site=site, status=TaskStatus.QUEUED).count() == 2


def test_a_switched_off_site_does_not_start(alpha):
    from apps.workspace.models import Site

    site = pipeline_site(alpha, 5)
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).update(is_active=False)
        site.refresh_from_db()
        with pytest.raises(CannotStart, match="is switched off"):
            run_start(site=site, user=alpha.owner)
