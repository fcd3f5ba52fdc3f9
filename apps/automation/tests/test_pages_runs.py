"""Running from the automation page: the cost of a run before it starts, Run now (refused with
the active run named, or with why it cannot be paid), pause / resume / cancel through the
views, and the live part that polls every 2 s only while a run is active."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.automation.models import AutomationRun, Request, RunStatus
from apps.automation.services import run_preview
from apps.automation.tests.helpers import add_keywords, configure, keyword_texts, pipeline_site
from apps.automation.tests.pages import site_with_run, text, words
from apps.planner.tests.helpers_clusters import set_credits
from igny8.ai.costs import FREE

pytestmark = pytest.mark.django_db

POLL = 'hx-trigger="every 2s"'


def panel(html: str) -> str:
    """The live part of the automation page (its opening tag and what it holds)."""
    start = html.index('<div id="automation-panel"')
    return html[start:]


def stage_card(html: str, number: int) -> str:
    match = re.search(rf'<li class="auto-stage[^"]*" data-stage="{number}".*?</li>', html, re.S)
    assert match, f"no card for stage {number}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


def fresh(alpha, run) -> AutomationRun:
    with schema_context(alpha.schema):
        return AutomationRun.objects.get(pk=run.pk)


# --- what a run would do and cost ------------------------------------------------------------


def test_the_seven_stages_show_what_waits_and_the_offline_cost(alpha, client_for):
    pipeline_site(alpha, 10, name="Garden Blog", stages_enabled=[1, 2, 3, 4, 5, 6])
    page = client_for(alpha.owner, alpha.host).get("/automation/")
    html = text(page)

    assert stage_card(html, 1).startswith("1 Stage 1: Keywords → clusters 10 keywords waiting")
    assert "free" in stage_card(html, 1) and FREE not in stage_card(html, 1)
    for n in (2, 3, 4, 5, 6):
        assert "0 " in stage_card(html, n) and "Nothing to do" in stage_card(html, n)
    assert "Switched off" in stage_card(html, 7)
    assert len(re.findall(r'class="auto-stage[^"]*" data-stage="\d"', html)) == 7
    seen = words(page)
    assert f"A run now would spend {FREE}" in seen
    assert "Balance" in seen and "Run now" in seen
    assert 'disabled aria-describedby="run-now-why"' not in html


def test_the_cost_of_paid_stages_and_run_now_disabled_when_the_first_cannot_be_paid(
    alpha, client_for, paid_ai
):
    site = pipeline_site(alpha, 20, name="Garden Blog", stages_enabled=[1])
    client = client_for(alpha.owner, alpha.host)
    assert client.post(f"/automation/sites/{site.pk}/run/").status_code == 303  # clusters
    configure(alpha, site, stages_enabled=[2, 3, 4, 5, 6, 7], max_items=2)
    with schema_context(alpha.schema):
        preview = run_preview(site=site)
    ideas = preview.stages[1]
    assert ideas.planned == 2 and ideas.price.credits > 0

    html = text(client.get("/automation/"))
    card = stage_card(html, 2)
    assert f"2 clusters in one run · {ideas.price.credits:,} credits" in card
    assert 'disabled aria-describedby="run-now-why"' not in html

    set_credits(alpha.account, ideas.price.credits - 1)
    page = client.get("/automation/")
    html = text(page)
    assert 'type="submit" disabled aria-describedby="run-now-why">Run now</button>' in html
    reason = (
        f"The first stage (Clusters → ideas) costs {ideas.price.credits:,} credits for 2 "
        f"clusters and the workspace has {ideas.price.credits - 1:,} credits."
    )
    assert reason in words(page)

    # Posting anyway (an old page, a script) is refused with the same reason; nothing starts.
    response = client.post(f"/automation/sites/{site.pk}/run/")
    assert response.status_code == 402
    assert reason in words(response)
    with schema_context(alpha.schema):
        assert AutomationRun.objects.filter(site=site).count() == 1


# --- run now, refused while a run is active --------------------------------------------------


def test_run_now_is_refused_with_the_active_run_named(alpha, client_for, settings):
    settings.JOBS_SYNC = False
    site, run = site_with_run(alpha)
    add_keywords(alpha, site, keyword_texts(5))
    client = client_for(alpha.editor, alpha.host)
    with schema_context(alpha.schema):
        from apps.workspace.models import SiteAccess

        SiteAccess.objects.create(site=site, user_id=alpha.editor.pk)

    page = client.get("/automation/")
    # The button says why it cannot be pressed.
    assert 'type="submit" disabled aria-describedby="run-now-why">Run now</button>' in text(page)
    named = f"Run #{run.pk} on Garden Blog (started by "
    assert named in words(page) and "is at stage 4 (Tasks → articles)" in words(page)

    response = client.post(f"/automation/sites/{site.pk}/run/")
    assert response.status_code == 409
    refusal = re.search(r"data-refusal>(.*?)</div>", text(response), re.S).group(1)
    assert named in refusal and "is at stage 4 (Tasks → articles)" in refusal
    assert "A site runs one automation at a time" in refusal

    htmx = client.post(f"/automation/sites/{site.pk}/run/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200  # the refusal is swapped into the live part
    assert text(htmx).lstrip().startswith('<div id="automation-panel"')
    assert named in words(htmx)
    with schema_context(alpha.schema):
        assert AutomationRun.objects.filter(site=site).count() == 1


def test_run_now_starts_a_run_and_the_page_follows_it(alpha, client_for, settings):
    settings.JOBS_SYNC = False  # the run waits for a worker: the page shows it queued
    site = pipeline_site(alpha, 10, name="Garden Blog")
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/automation/sites/{site.pk}/run/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    with schema_context(alpha.schema):
        run = AutomationRun.objects.get(site=site)
    assert run.status == RunStatus.QUEUED and run.started_by_id == alpha.owner.pk
    live = text(response)
    assert live.lstrip().startswith('<div id="automation-panel"')
    assert POLL in live.split(">", 1)[0]  # the live part polls while the run is active
    assert f"Run #{run.pk}" in words(response) and "Waiting for a worker to start" in live
    assert f'href="/automation/runs/{run.pk}/"' in live


# --- the live part polls only while a run is active -----------------------------------------


def test_polling_only_while_a_run_is_active(alpha, client_for):
    site, run = site_with_run(alpha)
    client = client_for(alpha.owner, alpha.host)
    opening = panel(text(client.get("/automation/"))).split(">", 1)[0]
    assert POLL in opening and f'hx-get="/automation/sites/{site.pk}/panel/"' in opening

    poll = client.get(f"/automation/sites/{site.pk}/panel/", HTTP_HX_REQUEST="true")
    assert POLL in text(poll).split(">", 1)[0]
    assert "Stage 4 of 7 · Tasks → articles: 3 of 10 tasks" in words(poll)
    assert 'aria-valuenow="47"' in text(poll)  # three stages and 3 of 10 of the fourth
    assert 'aria-current="step"' in stage_card_html(text(poll), 4)

    with schema_context(alpha.schema):
        AutomationRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED)
    ended = client.get(f"/automation/sites/{site.pk}/panel/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in text(ended).split(">", 1)[0]  # it stops polling
    assert 'data-run-active="no"' in text(ended)
    assert f"Run #{run.pk} · Completed" in words(ended)  # now the last run

    assert "hx-trigger" not in panel(text(client.get("/automation/"))).split(">", 1)[0]


def stage_card_html(html: str, number: int) -> str:
    return re.search(rf'<li class="auto-stage[^"]*" data-stage="{number}"[^>]*>', html).group(0)


# --- pause, resume, cancel ------------------------------------------------------------------


def test_pause_resume_and_cancel_through_the_page(alpha, client_for, settings):
    settings.JOBS_SYNC = False
    site, run = site_with_run(alpha)
    client = client_for(alpha.owner, alpha.host)

    paused = client.post(f"/automation/runs/{run.pk}/pause/", HTTP_HX_REQUEST="true")
    assert paused.status_code == 200
    assert fresh(alpha, run).requested == Request.PAUSE
    assert "Pausing after the current item…" in words(paused)
    assert ">Resume</button>" in text(paused) and ">Pause</button>" not in text(paused)
    assert POLL in text(paused).split(">", 1)[0]

    # The worker takes the pause after its item.
    with schema_context(alpha.schema):
        AutomationRun.objects.filter(pk=run.pk).update(status=RunStatus.PAUSED, requested="")
    page = client.get("/automation/")
    assert "Stage 4 of 7 · Tasks → articles: 3 of 10 tasks · Paused" in words(page)

    resumed = client.post(f"/automation/runs/{run.pk}/resume/", HTTP_HX_REQUEST="true")
    assert resumed.status_code == 200
    assert fresh(alpha, run).status == RunStatus.RUNNING
    assert ">Pause</button>" in text(resumed)

    cancelling = client.post(f"/automation/runs/{run.pk}/cancel/", HTTP_HX_REQUEST="true")
    assert cancelling.status_code == 200
    assert fresh(alpha, run).requested == Request.CANCEL
    assert "Cancelling after the current item…" in words(cancelling)
    assert ">Cancel run</button>" not in text(cancelling)

    # A paused run is cancelled at once; the page stops polling and offers Run now again.
    with schema_context(alpha.schema):
        AutomationRun.objects.filter(pk=run.pk).update(status=RunStatus.PAUSED, requested="")
    done = client.post(f"/automation/runs/{run.pk}/cancel/", follow=True)
    assert fresh(alpha, run).status == RunStatus.CANCELLED
    assert f"Run #{run.pk} is cancelled; what it finished is kept." in words(done)
    assert "hx-trigger" not in panel(text(done)).split(">", 1)[0]


def test_steering_an_ended_run_says_why_not(alpha, client_for):
    site, run = site_with_run(alpha, status=RunStatus.COMPLETED)
    client = client_for(alpha.owner, alpha.host)
    for action in ("pause", "cancel"):
        response = client.post(f"/automation/runs/{run.pk}/{action}/")
        assert response.status_code == 409
        assert f"Run #{run.pk} has ended (completed)." in words(response)
    response = client.post(f"/automation/runs/{run.pk}/resume/")
    assert response.status_code == 409
    assert "only a paused run can be resumed" in words(response)


def test_steering_from_the_run_page_answers_with_the_run_page(alpha, client_for, settings):
    settings.JOBS_SYNC = False
    site, run = site_with_run(alpha)
    client = client_for(alpha.owner, alpha.host)
    response = client.post(
        f"/automation/runs/{run.pk}/pause/", {"view": "run"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert text(response).lstrip().startswith('<div id="run-live"')
    assert "Pausing after the current item…" in words(response)

    plain = client.post(f"/automation/runs/{run.pk}/resume/", {"view": "run"})
    assert plain.status_code == 303 and plain["Location"] == f"/automation/runs/{run.pk}/"
    assert fresh(alpha, run).requested == ""
