"""Publish now from the writer's pages: one article from the editor, many ticked on the
content list. The writer's templates only post to the publisher's address; the publisher
queues a job per article and answers back on the page the person came from."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django_tenants.utils import schema_context

from apps.publisher.models import Publication, PublishSchedule
from apps.publisher.tests.pages import article, connect, garden_site, people, text, words
from apps.workspace.models import Job
from apps.writer.models import Content, PublishingStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_only(settings):
    settings.JOBS_SYNC = False  # the jobs wait for a worker: the page's own answer is tested


def test_publishing_ticked_articles_from_the_content_list(alpha, client_for, queued_only):
    site = garden_site(alpha)
    connect(alpha, site)
    one = article(alpha, site, "Pruning roses")
    two = article(alpha, site, "Mulching beds")
    draft = article(alpha, site, "Sowing peas", status="draft")
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    listing = text(client.get("/writer/content/"))
    boxes = re.findall(r'name="content" value="(\d+)" form="publish-many"', listing)
    assert sorted(boxes) == sorted([str(one.pk), str(two.pk)])  # approved rows only
    assert "Publish ticked now" in listing

    done = client.post(
        "/publisher/publish/",
        {"content": [str(one.pk), str(two.pk)], "next": "/writer/content/"},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == "/writer/content/"
    assert "Publishing 2 articles." in words(done)
    with schema_context(alpha.schema):
        states = dict(Content.objects.values_list("title", "publishing_status"))
        assert Job.objects.filter(label__startswith="Publish").count() == 2
    assert states["Pruning roses"] == states["Mulching beds"] == PublishingStatus.PUBLISHING
    assert states["Sowing peas"] == PublishingStatus.NOT_PUBLISHED

    refused = client.post("/publisher/publish/", {"content": [str(draft.pk)]}, follow=True)
    assert "Only an approved article can be published" in words(refused)


def test_publish_now_from_the_editor_comes_back_to_it(alpha, client_for, queued_only):
    site = garden_site(alpha)
    connect(alpha, site)
    rose = article(alpha, site, "Pruning roses")
    client = client_for(alpha.owner, alpha.host)
    editor = text(client.get(f"/writer/content/{rose.pk}/"))
    assert 'action="/publisher/publish/"' in editor and 'data-action="publish-now"' in editor

    done = client.post(
        "/publisher/publish/",
        {"content": str(rose.pk), "next": f"/writer/content/{rose.pk}/"},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == f"/writer/content/{rose.pk}/"
    assert "Publishing 1 article." in words(done)
    assert 'data-publishing="publishing"' in text(done)
    assert 'data-action="publish-now"' not in text(done)  # not twice while it is on its way


def test_a_published_article_links_to_its_live_post(alpha, client_for):
    site = garden_site(alpha)
    connect(alpha, site)
    rose = article(
        alpha,
        site,
        "Pruning roses",
        publishing=PublishingStatus.PUBLISHED,
        remote_url="https://garden.example.com/pruning-roses/",
    )
    page = client_for(alpha.owner, alpha.host).get(f"/writer/content/{rose.pk}/")
    assert 'href="https://garden.example.com/pruning-roses/"' in text(page)
    assert "Publish again" in words(page)


def test_the_editor_says_when_a_scheduled_article_publishes_in_the_sites_clock(
    alpha, outsider, client_for
):
    site = garden_site(alpha)
    connect(alpha, site)
    with schema_context(alpha.schema):
        PublishSchedule.objects.create(site=site, time_zone="Asia/Tokyo", weekdays=[0], slots=[])
    when = datetime(2031, 3, 4, 23, 30, tzinfo=UTC)  # 08:30 on the 5th in Tokyo
    rose = article(
        alpha,
        site,
        "Pruning roses",
        publishing=PublishingStatus.SCHEDULED,
        planned_for=date(2031, 3, 1),
        publish_at=when,
    )
    page = client_for(alpha.owner, alpha.host).get(f"/writer/content/{rose.pk}/")
    said = words(page)
    assert "Publishes at Wed 5 Mar 2031, 08:30 (Asia/Tokyo)" in said
    assert "Planned for 1 Mar 2031" in said  # the plan's day stays its own line
    assert 'href="/publisher/calendar/?month=2031-03"' in text(page)
    # A viewer reads it too; once published the line goes.
    viewer = people(alpha, site, outsider).viewer
    assert "Publishes at" in words(
        client_for(viewer, alpha.host).get(f"/writer/content/{rose.pk}/")
    )
    with schema_context(alpha.schema):
        Content.objects.filter(pk=rose.pk).update(publishing_status=PublishingStatus.PUBLISHED)
    assert "Publishes at" not in words(
        client_for(alpha.owner, alpha.host).get(f"/writer/content/{rose.pk}/")
    )


def test_the_editor_says_why_publishing_failed_and_when_it_tries_again(alpha, client_for):
    site = garden_site(alpha)
    connect(alpha, site)
    rose = article(
        alpha,
        site,
        "Pruning roses",
        publishing=PublishingStatus.FAILED,
        publish_at=datetime(2031, 3, 4, 9, 0, tzinfo=UTC),
        last_error="WordPress answered 500: the database is down.",
    )
    with schema_context(alpha.schema):
        Publication.objects.filter(content=rose).update(
            next_attempt_at=datetime(2031, 3, 4, 9, 4, tzinfo=UTC)
        )
    said = words(client_for(alpha.owner, alpha.host).get(f"/writer/content/{rose.pk}/"))
    assert "Publishing failed: WordPress answered 500: the database is down." in said
    assert "Next try at Tue 4 Mar 2031" in said
    assert "Publishes at" not in said


def test_going_back_only_to_this_host(alpha, client_for, queued_only):
    site = garden_site(alpha)
    connect(alpha, site)
    rose = article(alpha, site, "Pruning roses")
    client = client_for(alpha.owner, alpha.host)
    away = client.post(
        "/publisher/publish/", {"content": str(rose.pk), "next": "https://evil.example/"}
    )
    assert away["Location"] == "/publisher/calendar/"


def test_viewers_see_no_publish_controls(alpha, outsider, client_for):
    site = garden_site(alpha)
    connect(alpha, site)
    rose = article(alpha, site, "Pruning roses")
    viewer = people(alpha, site, outsider).viewer
    client = client_for(viewer, alpha.host)
    assert 'id="publish-many"' not in text(client.get("/writer/content/"))
    assert 'data-action="publish-now"' not in text(client.get(f"/writer/content/{rose.pk}/"))
    refused = client.post("/publisher/publish/", {"content": str(rose.pk)})
    assert refused.status_code == 403
