"""The whole pipeline with the offline provider: 60 keywords become approved articles with
their images in automatic mode; they stop at review in review mode, and below the score gate
in automatic mode (with the reason); the near-duplicate guard's skips are counted; stages can
be switched off; a second run goes on where the first one's limit stopped it."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.automation.models import RunStatus, StageStatus
from apps.automation.services import run_preview
from apps.automation.stages import DUPLICATE
from apps.automation.tests.helpers import (
    configure,
    contents,
    fresh_run,
    images_of,
    pipeline_site,
    results,
    start,
)
from apps.planner.models import Cluster, Idea, IdeaStatus, Keyword
from apps.workspace.models import Site
from apps.writer.models import Content, EditorialStatus, ImageStatus, Task, TaskStatus
from apps.writer.services.versions import content_create
from apps.writer.tests.helpers_writer_tasks import OUTLINE

pytestmark = pytest.mark.django_db


def test_sixty_keywords_become_approved_articles_with_images(alpha, log_dir):
    site = pipeline_site(alpha, 60, approval_mode="auto", max_items=12)
    # Twelve topics on one keyword pattern ("how much does drain cleaning cost", "… carpet
    # cleaning cost") can give two offline articles near-equal titles on alike keywords,
    # depending on which ideas the ids pick: the guard's skips are tested on their own
    # (test_near_duplicates_are_skipped_and_counted); here every item goes through.
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).update(duplicate_threshold=100)

    run = start(alpha, site)

    assert run.status == RunStatus.COMPLETED, run.reason
    assert run.started and run.finished and run.stage == 8
    stages = results(alpha, run)
    assert [stages[n].status for n in range(1, 8)] == [StageStatus.DONE] * 7
    with schema_context(alpha.schema):
        assert Keyword.objects.filter(site=site, cluster__isnull=False).count() == 60
        assert Cluster.objects.filter(site=site).count() == 12
        assert Idea.objects.filter(site=site).count() == 36
        assert Task.objects.filter(site=site).count() == 12  # at most 12 items per stage
        queued = Idea.objects.filter(site=site).exclude(status=IdeaStatus.NEW).count()
    assert queued == 12
    assert [stages[n].processed for n in range(1, 8)] == [60, 12, 12, 12, 12, 12, 12]
    assert all(stages[n].skipped == stages[n].failed == 0 for n in range(1, 8))
    articles = contents(alpha, site)
    assert len(articles) == 12
    assert {c.status for c in articles} == {EditorialStatus.APPROVED}
    assert all(c.score >= 70 for c in articles)
    pictures = images_of(alpha, site)
    assert len(pictures) == 12 and {i.content_id for i in pictures} == {c.pk for c in articles}
    assert all(i.status == ImageStatus.GENERATED and i.file for i in pictures)
    assert all(r.credits == 0 for r in stages.values())  # the offline writer is free
    assert all(r.started and r.finished for r in stages.values())
    lines = (log_dir / run.log_name).read_text().splitlines()
    assert len(lines) > 40
    assert all(f"[run {run.pk} request " in line for line in lines)
    assert lines[-1].endswith("run completed")


def test_review_mode_stops_at_review(alpha):
    site = pipeline_site(alpha, 10, approval_mode="review", max_items=3)

    run = start(alpha, site)

    assert run.status == RunStatus.COMPLETED, run.reason
    articles = contents(alpha, site)
    assert len(articles) == 3
    assert {c.status for c in articles} == {EditorialStatus.REVIEW}
    assert all(c.submitted_by_id == alpha.owner.pk for c in articles)
    assert results(alpha, run)[7].processed == 3
    # In review mode nothing is waiting for automation any more: a person approves.
    with schema_context(alpha.schema):
        assert next(s for s in run_preview(site=site).stages if s.number == 7).pending == 0


def test_below_the_score_gate_stays_in_review_with_the_reason(alpha, log_dir):
    site = pipeline_site(alpha, 10, approval_mode="auto", min_score=100, max_items=3)

    run = start(alpha, site)

    assert run.status == RunStatus.COMPLETED, run.reason
    articles = contents(alpha, site)
    assert {c.status for c in articles} == {EditorialStatus.REVIEW}
    review = results(alpha, run)[7]
    assert review.processed == 0 and review.skipped == 3
    assert review.skip_reasons == {"on-page score below the minimum of 100: left in review": 3}
    log = (log_dir / run.log_name).read_text()
    for article in articles:
        assert f"“{article.title}” left in review: its on-page score is {article.score}, " in log

    # Lowering the gate lets the next run approve them: they were waiting in review.
    configure(alpha, site, min_score=50, stages_enabled=[7])
    again = start(alpha, site)
    assert results(alpha, again)[7].processed == 3
    assert {c.status for c in contents(alpha, site)} == {EditorialStatus.APPROVED}


def test_near_duplicates_are_skipped_and_counted(alpha):
    site = pipeline_site(alpha, 0, stages_enabled=[4])
    with schema_context(alpha.schema):
        sector = site.sectors.get()
        content_create(
            site=site,
            sector=sector,
            task=None,
            fields={
                "title": "How to Prune Roses",
                "html": "<h2>Start</h2><p>Prune them in spring.</p>",
                "primary_keyword": "how to prune roses",
            },
            source="edited",
            author=None,
        )
        for title in ("How to prune roses", "Best lawn care company"):
            Task.objects.create(
                site=site,
                sector=sector,
                title=title,
                outline=OUTLINE,
                primary_keyword=title.lower(),
                target_words=400,
            )

    run = start(alpha, site)

    writing = results(alpha, run)[4]
    assert (writing.processed, writing.skipped, writing.failed) == (1, 1, 0)
    assert writing.skip_reasons == {DUPLICATE: 1}
    with schema_context(alpha.schema):
        held = Task.objects.get(site=site, title="How to prune roses")
        assert held.status == TaskStatus.FAILED and held.duplicate_of_id is not None
        assert Content.objects.filter(site=site).count() == 2


def test_stages_switched_off_are_skipped(alpha):
    site = pipeline_site(alpha, 10, stages_enabled=[1, 2])

    run = start(alpha, site)

    stages = results(alpha, run)
    assert [stages[n].status for n in range(1, 8)] == [StageStatus.DONE] * 2 + [
        StageStatus.SKIPPED
    ] * 5
    with schema_context(alpha.schema):
        assert Idea.objects.filter(site=site).count() == 6
        assert not Task.objects.filter(site=site).exists()


def test_a_second_run_goes_on_where_the_limit_stopped_the_first(alpha):
    site = pipeline_site(alpha, 10, approval_mode="auto", max_items=4)

    first = start(alpha, site)
    second = start(alpha, site)

    assert fresh_run(alpha, first).status == fresh_run(alpha, second).status == "completed"
    assert results(alpha, first)[4].processed == 4
    assert results(alpha, second)[4].processed == 2  # the other ideas of the two clusters
    with schema_context(alpha.schema):
        assert Task.objects.filter(site=site).count() == 6
        assert Content.objects.filter(site=site).count() == 6
        assert Cluster.objects.filter(site=site).count() == 2
    assert len(images_of(alpha, site)) == 6
