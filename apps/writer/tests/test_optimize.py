"""Optimize: the cost and current fixes first, then a job through the AI engine (offline
provider) that saves a new version with the score before and after and charges the credits it
reserved; failures refund. The page for every actor."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.billing.models import Reservation, ReservationStatus
from apps.planner.tests.helpers_clusters import set_credits
from apps.workspace.models import AIUsage, Job, JobStatus
from apps.writer import scoring
from apps.writer.models import Content, VersionSource
from apps.writer.services import optimize as services
from apps.writer.tests.helpers_links import (
    body,
    client_on,
    fresh,
    make_content,
    page_text,
    site_fixture,  # noqa: F401  (fixture "site")
    stranger_editor_fixture,  # noqa: F401  (fixture "stranger_editor")
    versions,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)

pytestmark = pytest.mark.django_db

# A poor article: short, the keyword nowhere but the title, a long paragraph, no meta.
POOR_HTML = (
    "<h2>Getting started</h2><p>"
    + " ".join(["Compost turns kitchen scraps and garden waste into food for the soil."] * 14)
    + "</p><h4>Bins</h4><p>Any bin with a lid will do.</p>"
)


def poor(alpha, site, **fields) -> Content:
    values = {
        "html": POOR_HTML,
        "primary_keyword": "home composting",
        "secondary_keywords": ["compost bin"],
        "target_words": 600,
        **fields,
    }
    return make_content(alpha, site, fields.pop("title", "Home Composting Basics"), **values)


def cost() -> int:
    return credits.estimate("optimization", 1)


def balance(account) -> int:
    return credits.balance_for(account).total


def url(content) -> str:
    return f"/writer/content/{content.pk}/optimize/"


def score_of(ws, content) -> int:
    with schema_context(ws.schema):
        c = Content.objects.select_related("site").get(pk=content.pk)
        return scoring.score(scoring.score_input_for(c)).total


# --- the service -----------------------------------------------------------------------------


def test_optimize_saves_a_new_version_with_the_score_before_and_after(alpha, site):
    content = poor(alpha, site)
    before = score_of(alpha, content)
    start = balance(alpha.account)
    with schema_context(alpha.schema):
        outcome = services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor
        )
    after = fresh(alpha, content)
    assert outcome.before == before
    assert outcome.after == after.score == score_of(alpha, content)
    assert outcome.after > outcome.before
    assert outcome.version == 2
    v1, v2 = versions(alpha, content)
    assert v2.source == VersionSource.OPTIMIZED and v2.author_id == alpha.editor.pk
    assert v2.note == f"Optimized: score {before} → {after.score}"
    assert v2.score == after.score
    assert "html" in v2.changed
    assert after.html != content.html and after.meta_title and after.meta_description
    assert after.title == content.title and after.primary_keyword == content.primary_keyword
    assert after.provider == "offline" and after.model and not after.human_edited
    assert outcome.changes
    # Charged what was estimated, settled once, with a usage record.
    assert outcome.credits == cost()
    assert balance(alpha.account) == start - cost()
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get(function="optimize_content")
    reservation = Reservation.objects.get(key=usage.reservation_key)
    assert reservation.status == ReservationStatus.SETTLED and reservation.charged == cost()
    assert usage.credits == cost() and usage.status == "succeeded"


def test_a_run_delivered_twice_changes_nothing_the_second_time(alpha, site):
    content = poor(alpha, site)
    start = balance(alpha.account)
    key = f"{alpha.schema}:test:optimize-twice"
    with schema_context(alpha.schema):
        first = services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor, run_key=key
        )
        second = services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor, run_key=key
        )
    assert (second.version, second.before, second.after) == (
        first.version,
        first.before,
        first.after,
    )
    assert len(versions(alpha, content)) == 2
    assert balance(alpha.account) == start - cost()


def test_the_fixes_sent_are_the_current_scores(alpha, site):
    content = poor(alpha, site)
    with schema_context(alpha.schema):
        c = Content.objects.select_related("site").get(pk=content.pk)
        data = services.optimize_input(c)
        expected = [x.fix for x in scoring.score(scoring.score_input_for(c)).fixes]
    assert data["fixes"] == expected and data["fixes"]
    assert data["primary_keyword"] == "home composting"
    assert data["secondary_keywords"] == ["compost bin"]
    assert data["target_words"] == 600


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"html": ""}, "no article text"),
        ({"primary_keyword": ""}, "Choose a primary keyword"),
    ],
)
def test_an_article_that_cannot_be_optimized_says_why(alpha, site, fields, message):
    content = poor(alpha, site, **fields)
    with schema_context(alpha.schema), pytest.raises(ValidationError, match=message):
        services.content_optimize_estimate(content=Content.objects.get(pk=content.pk))


def test_a_failed_run_refunds_and_keeps_no_version(alpha, site, monkeypatch):
    from igny8.ai.providers import offline

    monkeypatch.setitem(offline.WRITERS, "optimize_content", lambda data, context: {"html": "x"})
    content = poor(alpha, site)
    start = balance(alpha.account)
    with schema_context(alpha.schema):
        job = services.content_optimize_enqueue(
            content=Content.objects.get(pk=content.pk), user=alpha.editor
        )
        job.refresh_from_db()
        reservation = Reservation.objects.filter(key__contains=f":job:{job.pk}:").first()
    assert job.status == JobStatus.FAILED
    # The writer reads what was wrong and what to do, not a class path.
    assert job.error.startswith("The article the AI wrote could not be used")
    assert "try again" in job.error.lower() and "igny8." not in job.error
    assert reservation is not None and reservation.status == ReservationStatus.RELEASED
    assert balance(alpha.account) == start
    assert len(versions(alpha, content)) == 1


# --- the page --------------------------------------------------------------------------------


def test_the_cost_and_fixes_are_shown_first(alpha, site, client_for):
    content = poor(alpha, site)
    for user in (alpha.owner, alpha.editor):
        client = client_on(client_for, user, alpha, site)
        page = client.get(url(content))
        assert page.status_code == 200
        text = page_text(page)
        assert f"Optimizing costs about {cost()} credit" in text
        assert f"Optimize for {cost()} credit" in text
        assert 'data-check="length"' in body(page) and "Add about" in text
        assert f'data-score="{score_of(alpha, content)}"' in body(page)
    assert len(versions(alpha, content)) == 1  # looking costs nothing


def test_optimize_runs_as_a_job_and_shows_before_and_after(alpha, site, client_for):
    content = poor(alpha, site)
    before = score_of(alpha, content)
    start = balance(alpha.account)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(url(content))
    assert response.status_code == 303
    match = re.fullmatch(rf"{url(content)}\?job=(\d+)", response["Location"])
    assert match
    with schema_context(alpha.schema):
        job = Job.objects.get(pk=match.group(1))
    assert job.status == JobStatus.SUCCEEDED and job.kind == "optimize"
    after = fresh(alpha, content).score
    assert job.result["before"] == before and job.result["after"] == after
    assert job.result["version"] == 2 and job.created_by_id == alpha.editor.pk
    assert balance(alpha.account) == start - cost()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f'data-before="{before}" data-after="{after}"' in body(page)
    assert "Saved as version 2" in page_text(page)
    assert f'href="/writer/content/{content.pk}/"' in body(page)
    poll = client.get(response["Location"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="optimize-job")
    assert poll.status_code == 200 and "<html" not in body(poll)
    assert f"{before} → {after}" in page_text(poll)
    # HTMX posts get a client redirect.
    again = client.post(url(content), HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and "?job=" in again["HX-Redirect"]


def test_not_enough_credits_is_402_and_nothing_runs(alpha, site, client_for):
    content = poor(alpha, site)
    set_credits(alpha.account, cost() - 1)
    client = client_on(client_for, alpha.owner, alpha, site)
    response = client.post(url(content))
    assert response.status_code == 402
    assert "Buy a credit pack" in page_text(response)
    assert balance(alpha.account) == cost() - 1
    assert len(versions(alpha, content)) == 1
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="optimize").exists()


def test_without_a_keyword_the_page_says_what_to_do(alpha, site, client_for):
    content = poor(alpha, site, primary_keyword="")
    client = client_on(client_for, alpha.editor, alpha, site)
    page = client.get(url(content))
    assert page.status_code == 200
    assert "Choose a primary keyword first" in page_text(page)
    assert "Optimize for" not in page_text(page)
    response = client.post(url(content))
    assert response.status_code == 400
    assert "Choose a primary keyword first" in page_text(response)
    assert len(versions(alpha, content)) == 1


def test_viewer_reads_but_cannot_optimize(alpha, site, viewer, client_for):
    content = poor(alpha, site)
    client = client_on(client_for, viewer, alpha, site)
    page = client.get(url(content))
    assert page.status_code == 200
    assert "Optimize for" not in page_text(page)
    assert f'action="{url(content)}"' not in body(page)
    assert "An editor, admin or owner can run the optimizer" in page_text(page)
    start = balance(alpha.account)
    assert client.post(url(content)).status_code == 403
    assert balance(alpha.account) == start and len(versions(alpha, content)) == 1


def test_editor_without_the_site_and_outsiders_are_refused(
    alpha, site, stranger_editor, outsider, client_for
):
    content = poor(alpha, site)
    stranger = client_on(client_for, stranger_editor, alpha)
    assert stranger.get(url(content)).status_code == 404
    assert stranger.post(url(content)).status_code == 404
    other = client_on(client_for, outsider, alpha)
    assert other.get(url(content)).status_code == 403
    assert other.post(url(content)).status_code == 403
    assert len(versions(alpha, content)) == 1


def test_a_job_of_another_kind_or_member_is_not_shown(alpha, site, viewer, client_for):
    content = poor(alpha, site)
    editor = client_on(client_for, alpha.editor, alpha, site)
    job_url = editor.post(url(content))["Location"]
    assert 'id="optimize-job"' in body(editor.get(job_url))
    # The viewer did not start it and does not manage the workspace: no job box.
    watcher = client_on(client_for, viewer, alpha, site)
    assert 'id="optimize-job"' not in body(watcher.get(job_url))
    assert 'id="optimize-job"' not in body(editor.get(f"{url(content)}?job=abc"))
