"""Optimize: the free fixes and the AI's cost first; then a job that saves the free fixes as a
version and, when something needs writing, the AI's revision (offline provider) as another,
each with the score before and after, never lower; the AI step charges what it reserved and
failures refund. The page for every actor."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.billing.models import Reservation, ReservationStatus
from apps.planner.tests.helpers_clusters import set_credits
from apps.workspace.models import AIUsage, Job, JobStatus
from apps.writer import optimize_rules as rules
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
    title = values.pop("title", "Home Composting Basics")
    return make_content(alpha, site, title, **values)


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


def fixable_failing(ws, content) -> set[str]:
    with schema_context(ws.schema):
        c = Content.objects.select_related("site").get(pk=content.pk)
        score = scoring.score(scoring.score_input_for(c))
    return {x.label for x in score.fixes if x.key in rules.FIXABLE}


def test_optimize_fixes_first_then_the_ai_revises_each_a_version(alpha, site, paid_ai):
    content = poor(alpha, site)
    before = score_of(alpha, content)
    start = balance(alpha.account)
    with schema_context(alpha.schema):
        outcome = services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor
        )
    after = fresh(alpha, content)
    v1, v2, v3 = versions(alpha, content)
    # The free fixes: their own version, score before → after in its note.
    assert v2.source == VersionSource.FIXED and v2.author_id == alpha.editor.pk
    assert v2.note == f"Fixed by the optimizer's rules: score {before} → {v2.score}"
    assert v2.score > before
    assert v2.title == "Home Composting Basics", "the title had the keyword already"
    # Then the AI on top, never below the fixed article.
    assert v3.source == VersionSource.OPTIMIZED
    assert v3.note == f"Optimized by AI: score {v2.score} → {v3.score}"
    assert v3.score >= v2.score
    assert outcome.before == before and outcome.after == after.score == v3.score
    assert outcome.fixed_version == 2 and outcome.version == 3 and outcome.model == "ran"
    assert after.provider == "stand-in" and not after.human_edited
    assert after.meta_title and after.meta_description
    assert after.primary_keyword == content.primary_keyword and after.slug == content.slug
    assert any("meta title" in c for c in outcome.changes)
    # Every check the rules cover passes now, or the outcome says why not.
    assert fixable_failing(alpha, content) <= {label for label, _ in outcome.not_fixed}
    # Charged what was estimated for the AI step, settled once, with a usage record.
    assert outcome.credits == cost()
    assert balance(alpha.account) == start - cost()
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get(function="optimize_content")
    reservation = Reservation.objects.get(key=usage.reservation_key)
    assert reservation.status == ReservationStatus.SETTLED and reservation.charged == cost()


def test_a_run_delivered_twice_changes_nothing_the_second_time(alpha, site, paid_ai):
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
    assert (second.version, second.after) == (first.version, first.after)
    assert len(versions(alpha, content)) == 3
    assert balance(alpha.account) == start - cost()


def test_the_free_fixes_alone_cost_nothing(alpha, site):
    content = poor(alpha, site)
    before = score_of(alpha, content)
    start = balance(alpha.account)
    with schema_context(alpha.schema):
        outcome = services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor, use_model=False
        )
        assert not AIUsage.objects.filter(function="optimize_content").exists()
    assert balance(alpha.account) == start
    (_, fixed) = versions(alpha, content)
    assert fixed.source == VersionSource.FIXED
    assert outcome.after == fixed.score > before and outcome.credits == 0
    assert outcome.model == "skipped" and "free fixes only" in outcome.model_note
    labels = {label for label, _ in outcome.left}
    assert "Length near the target" in labels, "what needs writing is listed"
    assert fixable_failing(alpha, content) <= {label for label, _ in outcome.not_fixed}


def test_an_ai_revision_that_scores_lower_is_not_kept(alpha, site, monkeypatch):
    from igny8.ai.providers import offline

    def worse(data, context):
        # Every word and heading kept, but no sentence ends: hard to read.
        return {
            "html": re.sub(r"[.!?]", "", data["html"]),
            "meta_title": data["meta_title"],
            "meta_description": data["meta_description"],
            "changes": ["Rewrote everything."],
        }

    monkeypatch.setitem(offline.WRITERS, "optimize_content", worse)
    # A target the article is within half of, so the revision passes the engine's length check
    # and it is the score that decides.
    content = poor(alpha, site, target_words=300)
    with schema_context(alpha.schema):
        outcome = services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor
        )
    v1, v2 = versions(alpha, content)
    assert v2.source == VersionSource.FIXED
    assert outcome.model == "kept" and "lower than the fixed article" in outcome.model_note
    assert outcome.after == v2.score == fresh(alpha, content).score > v1.score
    assert "Rewrote everything." not in outcome.changes


def test_an_ai_revision_that_drops_most_of_the_article_is_not_kept(alpha, site, monkeypatch):
    from igny8.ai.providers import offline

    def shorter(data, context):
        return {
            "html": "<h2>Home composting</h2><p>Home composting is good for gardens.</p>",
            "meta_title": data["meta_title"],
            "meta_description": data["meta_description"],
            "changes": ["Tightened it."],
        }

    monkeypatch.setitem(offline.WRITERS, "optimize_content", shorter)
    content = poor(alpha, site)
    with schema_context(alpha.schema):
        outcome = services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor
        )
    assert [v.source for v in versions(alpha, content)] == ["written", VersionSource.FIXED]
    # Refused by the engine's checks (too short, sections dropped) or by the optimizer's own
    # guard: either way not kept, and nothing charged for the AI.
    assert outcome.model in ("kept", "failed") and outcome.credits == 0
    assert "dropped" in outcome.model_note or "could not be used" in outcome.model_note
    assert "Compost turns kitchen scraps" in fresh(alpha, content).html


def test_when_the_ai_fails_the_free_fixes_stay_and_the_ai_is_refunded(alpha, site, monkeypatch):
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
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["model"] == "failed"
    # The writer reads what was wrong and what to do, not a class path.
    note = job.result["model_note"]
    assert "could not be used" in note and "igny8." not in note
    assert reservation is not None and reservation.status == ReservationStatus.RELEASED
    assert balance(alpha.account) == start
    assert [v.source for v in versions(alpha, content)] == ["written", VersionSource.FIXED]


def test_a_failed_run_with_nothing_fixed_fails_and_refunds(alpha, site, monkeypatch):
    from igny8.ai.providers import offline

    monkeypatch.setitem(offline.WRITERS, "optimize_content", lambda data, context: {"html": "x"})
    content = poor(alpha, site)
    with schema_context(alpha.schema):
        services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor, use_model=False
        )
    start = balance(alpha.account)
    with schema_context(alpha.schema):
        job = services.content_optimize_enqueue(
            content=Content.objects.get(pk=content.pk), user=alpha.editor
        )
        job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "could not be used" in job.error
    assert balance(alpha.account) == start
    assert len(versions(alpha, content)) == 2


def test_the_ai_is_asked_about_the_fixed_article(alpha, site, paid_ai):
    content = poor(alpha, site)
    with schema_context(alpha.schema):
        c = Content.objects.select_related("site").get(pk=content.pk)
        plan = services.optimize_plan(c)
        data = services.optimize_input(c, fixed=plan.fixed)
    assert data["html"] == plan.fixed.html and data["meta_title"] == plan.fixed.meta_title
    assert data["fixes"] == [x.fix for x in plan.fixed.after.fixes if x.fix]
    assert not any("meta title" in f.lower() for f in data["fixes"]), "already fixed"
    assert data["primary_keyword"] == "home composting"
    assert data["secondary_keywords"] == ["compost bin"] and data["target_words"] == 600
    assert {c.key for c in plan.model_checks} >= {"length"}
    assert plan.estimate.credits == cost()


def test_without_text_there_is_nothing_to_optimize(alpha, site):
    content = poor(alpha, site, html="")
    with schema_context(alpha.schema), pytest.raises(ValidationError, match="no article text"):
        services.content_optimize_estimate(content=Content.objects.get(pk=content.pk))


VARIED = [
    # (title, html, keyword, language, meta title, meta description)
    ("Kompost im Garten", "<p>Kompost macht den Boden fruchtbar. Man braucht Geduld.</p>"
     "<h3>Behälter</h3><p>Ein Behälter mit Deckel reicht.</p>", "Kompostierung zu Hause", "de",
     "", ""),
    ("Generic code", "<h1>Generics</h1><p>Templates write code for you.</p><h4>Errors</h4>"
     "<p>Messages get long.</p>", "C++ & Rust: generics", "en", "Generics", "y" * 200),
    ("Squash troubles", "<p>Yellow leaves are a warning sign.</p><figure><img "
     'src="https://cdn.example.com/a.jpg"><figcaption>Wilted leaves</figcaption></figure>',
     "is my squash dying", "en", "", ""),
    ("堆肥の基本", "<h2>はじめに</h2><p>家庭でできる堆肥作りは簡単です。</p>", "家庭 堆肥", "ja",
     "", ""),
]  # fmt: skip


@pytest.mark.parametrize("case", VARIED, ids=["german", "punctuation", "question", "japanese"])
def test_varied_articles_end_with_every_fixable_check_passing_or_explained(alpha, site, case):
    from apps.workspace.models import Site

    title, html, keyword, language, meta_title, meta_description = case
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).update(language=language)
        site.refresh_from_db()
    content = make_content(
        alpha,
        site,
        title,
        html=html,
        primary_keyword=keyword,
        meta_title=meta_title,
        meta_description=meta_description,
        target_words=300,
    )
    before = score_of(alpha, content)
    with schema_context(alpha.schema):
        outcome = services.content_optimize(
            content=Content.objects.select_related("site", "sector").get(pk=content.pk),
            user=alpha.editor,
        )
    assert outcome.after >= before and outcome.after == score_of(alpha, content)
    assert fixable_failing(alpha, content) <= {label for label, _ in outcome.not_fixed}
    for v in versions(alpha, content)[1:]:
        assert v.score >= before, "no step lowers the score"


# --- the page --------------------------------------------------------------------------------


def test_the_free_fixes_and_the_ai_cost_are_shown_first(alpha, site, client_for, paid_ai):
    content = poor(alpha, site)
    for user in (alpha.owner, alpha.editor):
        client = client_on(client_for, user, alpha, site)
        page = client.get(url(content))
        assert page.status_code == 200
        text = page_text(page)
        assert "Fixed without AI free" in text
        assert "meta title" in text and "at the start of the title" not in text, "title had it"
        assert f"The AI step: {cost()} credits" in text and "the free fixes cost nothing" in text
        assert f"Optimize ({cost()} credits)" in text and "Apply only the free fixes" in text
        assert 'data-check="length"' in body(page) and "Add about" in text
        assert f'data-score="{score_of(alpha, content)}"' in body(page)
        assert "data-score-fixed" in body(page)
    assert len(versions(alpha, content)) == 1  # looking costs nothing


def test_optimize_runs_as_a_job_and_shows_before_after_and_what_changed(
    alpha, site, client_for, paid_ai
):
    content = poor(alpha, site)
    before = score_of(alpha, content)
    start = balance(alpha.account)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(url(content), {"mode": "all"})
    assert response.status_code == 303
    match = re.fullmatch(rf"{url(content)}\?job=(\d+)", response["Location"])
    assert match
    with schema_context(alpha.schema):
        job = Job.objects.get(pk=match.group(1))
    assert job.status == JobStatus.SUCCEEDED and job.kind == "optimize"
    after = fresh(alpha, content).score
    assert job.result["before"] == before and job.result["after"] == after
    assert job.result["version"] == 3 and job.result["fixed_version"] == 2
    assert job.created_by_id == alpha.editor.pk
    assert balance(alpha.account) == start - cost()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f'data-before="{before}" data-after="{after}"' in body(page)
    text = page_text(page)
    assert "Saved as version 3 (the free fixes are version 2)" in text
    assert "What changed" in text and "meta description" in text
    assert "Still losing points" in text or "Not fixed, and why" in text
    assert f'href="/writer/content/{content.pk}/"' in body(page)
    poll = client.get(response["Location"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="optimize-job")
    assert poll.status_code == 200 and "<html" not in body(poll)
    assert f"{before} → {after}" in page_text(poll)
    assert poll["HX-Refresh"] == "true", "the plan and score below are reloaded too"
    # HTMX posts get a client redirect.
    other = poor(alpha, site, title="Home composting, again")
    again = client.post(url(other), HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and "?job=" in again["HX-Redirect"]


def test_not_enough_credits_refuses_the_ai_but_not_the_free_fixes(alpha, site, client_for, paid_ai):
    content = poor(alpha, site)
    set_credits(alpha.account, cost() - 1)
    client = client_on(client_for, alpha.owner, alpha, site)
    response = client.post(url(content), {"mode": "all"})
    assert response.status_code == 402
    assert "Buy a credit pack" in page_text(response) and "only the free fixes" in page_text(
        response
    )
    assert balance(alpha.account) == cost() - 1
    assert len(versions(alpha, content)) == 1
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="optimize").exists()
    free = client.post(url(content), {"mode": "rules"})
    assert free.status_code == 303
    assert balance(alpha.account) == cost() - 1
    assert [v.source for v in versions(alpha, content)] == ["written", VersionSource.FIXED]


def test_without_a_keyword_the_free_fixes_run_and_the_keyword_is_named(alpha, site, client_for):
    content = poor(alpha, site, primary_keyword="")
    client = client_on(client_for, alpha.editor, alpha, site)
    page = client.get(url(content))
    assert page.status_code == 200
    text = page_text(page)
    assert "No primary keyword is set" in text and "Optimize for" not in text
    assert "The AI revision needs a primary keyword" in text
    assert re.search(r"Apply \d+ fix(es)? · free", text)
    response = client.post(url(content), {"mode": "rules"})
    assert response.status_code == 303
    done = client.get(response["Location"])
    assert "The AI revision needs a primary keyword" in page_text(done)
    assert "You asked for the free fixes only" not in page_text(done)
    assert "Not fixed, and why" in page_text(done) and "No primary keyword is set" in page_text(
        done
    )
    assert [v.source for v in versions(alpha, content)] == ["written", VersionSource.FIXED]


def test_when_nothing_can_change_the_page_says_so(alpha, site, client_for):
    content = poor(alpha, site, primary_keyword="")
    with schema_context(alpha.schema):
        services.content_optimize(
            content=Content.objects.get(pk=content.pk), user=alpha.editor, use_model=False
        )
    client = client_on(client_for, alpha.editor, alpha, site)
    page = client.get(url(content))
    assert "Nothing for the optimizer to change now." in page_text(page)
    assert "Apply" not in page_text(page) and "Optimize for" not in page_text(page)
    response = client.post(url(content))
    assert response.status_code == 400 and "nothing the optimizer can change" in page_text(response)
    assert len(versions(alpha, content)) == 2


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


@pytest.mark.parametrize(
    ("title", "keyword"),
    [
        ("The Complete Guide to Installing a Ceiling Fan", "how to install a ceiling fan"),
        ("Best Running Shoes for Flat Feet", "best running shoes"),
        ("Yellow squash leaves", "is my squash dying"),
    ],
)
def test_an_article_from_the_offline_writer_gains_and_loses_nothing(alpha, site, title, keyword):
    """Like the demo's article: written offline for a keyword the title does not hold."""
    from apps.writer.models import Task
    from apps.writer.services.writing import task_write

    with schema_context(alpha.schema):
        task = Task.objects.create(
            site=site,
            sector=site.sectors.order_by("pk").first(),
            title=title,
            primary_keyword=keyword,
            target_words=800,
            outline=[
                {"heading": "What it involves", "level": 2, "points": ["the basics"]},
                {"heading": "Step by step", "level": 2, "points": []},
                {"heading": "Mistakes to avoid", "level": 3, "points": []},
                {"heading": "Wrapping up", "level": 2, "points": []},
            ],
        )
        result = task_write(task)
        assert result.status == "completed", result
        content = Content.objects.select_related("site", "sector").get(task=task)
        before = scoring.score(scoring.score_input_for(content)).total
        outcome = services.content_optimize(content=content, user=alpha.editor)
    assert outcome.before == before and outcome.after > before
    assert fixable_failing(alpha, content) <= {label for label, _ in outcome.not_fixed}
    after = fresh(alpha, content)
    assert keyword.split()[-1] in after.title.lower() and after.html.count("<h2>") >= 2


# Credits: free with the offline writer, nothing for a revision that changes nothing -----------


def test_with_the_offline_writer_optimizing_is_free_and_says_so(alpha, site, client_for):
    content = poor(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    text = page_text(client.get(url(content)))
    assert "The AI step: free with the offline writer" in text
    assert "Optimize (free with the offline writer)" in text
    start = balance(alpha.account)
    response = client.post(url(content), {"shown": "0", "mode": "all"})
    assert response.status_code == 303
    assert balance(alpha.account) == start
    assert "free with the offline writer" in page_text(client.get(response["Location"]))
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get(function="optimize_content")
    assert (usage.provider, usage.credits, usage.status) == ("offline", 0, "succeeded")


def unchanged(data: dict, context: dict) -> dict:
    """An optimizer answer that gives the article back exactly as it was asked about."""
    return {**{k: data[k] for k in ("html", "meta_title", "meta_description")}, "changes": []}


def test_an_ai_revision_that_changes_nothing_is_not_charged(
    alpha, site, client_for, paid_ai, monkeypatch
):
    from igny8.ai.providers import offline

    monkeypatch.setitem(offline.WRITERS, "optimize_content", unchanged)
    # Within half of its target: the unchanged answer passes the engine's checks.
    content = poor(alpha, site, target_words=300)
    client = client_on(client_for, alpha.editor, alpha, site)
    assert f"Optimize ({cost()} credits)" in page_text(client.get(url(content)))
    start = balance(alpha.account)
    response = client.post(url(content), {"shown": str(cost()), "mode": "all"})
    assert response.status_code == 303
    assert balance(alpha.account) == start
    # The free fixes are a version; the AI's answer changed nothing and is not one.
    assert [v.source for v in versions(alpha, content)] == ["written", VersionSource.FIXED]
    done = page_text(client.get(response["Location"]))
    assert "nothing was charged" in done.lower()
    with schema_context(alpha.schema):
        usage = AIUsage.objects.get(function="optimize_content")
    assert (usage.credits, usage.status) == (0, "succeeded")
    assert Reservation.objects.get(key=usage.reservation_key).status == (ReservationStatus.RELEASED)
    assert credits.reconcile(alpha.account).ok


def test_a_changed_nothing_run_delivered_twice_runs_the_ai_once(alpha, site, paid_ai, monkeypatch):
    from igny8.ai.providers import offline

    calls = []
    monkeypatch.setitem(
        offline.WRITERS,
        "optimize_content",
        lambda data, context: calls.append(1) or unchanged(data, context),
    )
    content = poor(alpha, site, target_words=300)
    key = f"{alpha.schema}:test:optimize-same-twice"
    with schema_context(alpha.schema):
        for _ in range(2):
            outcome = services.content_optimize(
                content=Content.objects.get(pk=content.pk), user=alpha.editor, run_key=key
            )
            assert outcome.credits == 0
    assert len(calls) == 1
