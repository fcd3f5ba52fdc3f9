"""Publishing an article through both adapters against a wire fake of WordPress: the post, its
pictures, terms and SEO fields, re-publishing (an update, never a second post), the statuses
and the sync log."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.publisher.models import AttemptOutcome, Publication, SyncEvent
from apps.publisher.services import PublishError, publish_now, unpublish
from apps.publisher.tests.fake_wordpress import FakeWordPress
from apps.publisher.tests.helpers import (
    approved_article,
    core_connection,
    plugin_connection,
    publisher_site,
    quick_client,  # noqa: F401  (autouse fixture)
)
from apps.writer.models import Content, EditorialStatus, PublishingStatus

pytestmark = pytest.mark.django_db


def _status(ws, content) -> str:
    with schema_context(ws.schema):
        return Content.objects.get(pk=content.pk).publishing_status


def test_plugin_publish_sends_post_pictures_terms_and_seo(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=2)
    with FakeWordPress() as wp:
        connection, key = plugin_connection(alpha, site, wp.url)
        wp.key = key
        with schema_context(alpha.schema):
            publication = publish_now(content=content)
        assert len(wp.posts) == 1
        post = next(iter(wp.posts.values()))
        assert post["content_id"] == content.pk
        assert post["title"] == "How to compost at home"
        assert post["status"] == "publish"
        # Featured + 2 in-article pictures in the media library, the body pointing at them.
        assert len(wp.media) == 3
        assert post["featured_media"] in wp.media
        for item in wp.media.values():
            if item["id"] != post["featured_media"]:
                assert item["source_url"] in post["content"]
        assert "/writer/images/" not in post["content"]
        with schema_context(alpha.schema):
            sector = site.sectors.get().name
        assert {wp.terms["categories"][t] for t in post["categories"]} == {sector}
        assert post["meta"]["_igny8_meta_title"] == "How to compost at home | Garden"
        assert post["meta"]["_igny8_meta_focus_keyword"] == "compost at home"
        # What we keep: the remote post, the status, one good attempt, a sync log line.
        assert publication.remote_id == post["id"]
        assert publication.remote_url.endswith(f"/{post['slug']}/")
        assert _status(alpha, content) == PublishingStatus.PUBLISHED
        with schema_context(alpha.schema):
            tries = list(Publication.objects.get(content=content).tries.all())
            assert [t.outcome for t in tries] == [AttemptOutcome.OK]
            assert tries[0].remote_id == post["id"]
            event = SyncEvent.objects.filter(site=site, kind="publish").get()
            assert event.ok and event.direction == "out"
            assert "Created post" in event.summary and "2 in-article" in event.summary


def test_plugin_republish_updates_the_same_post(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site)
    with FakeWordPress() as wp:
        _, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            first = publish_now(content=content)
            Content.objects.filter(pk=content.pk).update(title="Composting at home, updated")
            second = publish_now(content=content)
        assert len(wp.posts) == 1
        assert len(wp.media) == 3  # pictures reused, not uploaded again
        assert first.remote_id == second.remote_id
        assert next(iter(wp.posts.values()))["title"] == "Composting at home, updated"
        with schema_context(alpha.schema):
            assert Publication.objects.get(content=content).tries.count() == 2


def test_core_publish_uploads_media_terms_and_swaps_sources(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=2)
    with FakeWordPress(seo_meta=["rank_math_title", "rank_math_description"]) as wp:
        core_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            publication = publish_now(content=content)
            publish_now(content=content)  # again: an update
        assert len(wp.posts) == 1
        post = wp.posts[publication.remote_id]
        assert len(wp.media) == 3
        uploads = wp.calls("/wp/v2/media", "POST")
        created = [c for c in uploads if c.route == "/wp/v2/media"]
        assert len(created) == 3
        assert all("filename=" in c.headers.get("Content-Disposition", "") for c in created)
        assert post["featured_media"] in wp.media
        inline = [m for m in wp.media.values() if m["id"] != post["featured_media"]]
        for item in inline:
            assert item["source_url"] in post["content"]
            assert f"wp-image-{item['id']}" in post["content"]
            assert item["alt_text"].startswith("Picture")
        assert post["categories"] and post["status"] == "publish"
        # Only the SEO keys the site exposes are written.
        assert post["meta"] == {
            "rank_math_title": "How to compost at home | Garden",
            "rank_math_description": "Everything about composting at home, step by step.",
        }
        assert _status(alpha, content) == PublishingStatus.PUBLISHED


def test_core_publish_when_the_remote_post_was_deleted_makes_a_new_one(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp:
        core_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            first = publish_now(content=content)
            wp.posts.clear()  # deleted for good in wp-admin
            second = publish_now(content=content)
        assert len(wp.posts) == 1
        assert second.remote_id != first.remote_id


def test_unapproved_article_is_refused_in_plain_words(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0)
    with schema_context(alpha.schema):
        Content.objects.filter(pk=content.pk).update(status=EditorialStatus.DRAFT)
    with FakeWordPress() as wp:
        _, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema), pytest.raises(PublishError) as caught:
            publish_now(content=content)
        assert not wp.seen
    assert "Only approved articles are published" in caught.value.words


def test_site_without_connection_fails_with_what_to_do(alpha):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0)
    with schema_context(alpha.schema), pytest.raises(PublishError) as caught:
        publish_now(content=content)
    assert "Connect it on the site's integration page" in caught.value.words
    assert _status(alpha, content) == PublishingStatus.FAILED
    with schema_context(alpha.schema):
        assert Publication.objects.get(content=content).last_error == caught.value.words


def test_future_status_carries_the_date(alpha, private_egress):
    from datetime import UTC, timedelta

    from django.utils import timezone

    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    when = timezone.now() + timedelta(hours=3)
    with FakeWordPress() as wp:
        _, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            from apps.publisher.services import publication_for

            publication = publication_for(content)
            Publication.objects.filter(pk=publication.pk).update(publish_at=when)
            publish_now(content=content, post_status="future")
        post = next(iter(wp.posts.values()))
        assert post["status"] == "future"
        assert post["date_gmt"] == when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize("adapter", ["plugin", "core"])
def test_unpublish_takes_the_post_down(alpha, private_egress, adapter):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp:
        if adapter == "plugin":
            _, wp.key = plugin_connection(alpha, site, wp.url)
        else:
            core_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            publication = publish_now(content=content)
            after = unpublish(content=content, user=alpha.owner)
        assert wp.posts[publication.remote_id]["status"] == "draft"
        assert after.remote_status == "draft"
        assert _status(alpha, content) == PublishingStatus.NOT_PUBLISHED


def test_publishing_and_what_wordpress_sends_go_to_their_own_log_channels(
    alpha, private_egress, settings
):
    import logging

    lines: dict[str, list[str]] = {"publishing": [], "wordpress_api": []}

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines[record.name].append(record.getMessage())

    handlers = {name: Keep(level=logging.INFO) for name in lines}
    for name, handler in handlers.items():
        logging.getLogger(name).addHandler(handler)
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0)
    try:
        with FakeWordPress() as wp:
            _connection, key = plugin_connection(alpha, site, wp.url)
            wp.key = key
            with schema_context(alpha.schema):
                publish_now(content=content)
    finally:
        for name, handler in handlers.items():
            logging.getLogger(name).removeHandler(handler)
    assert any(
        f"site {site.pk} out publish content:{content.pk} ok" in line
        for line in lines["publishing"]
    )
    # Every call to WordPress, with its route and how long WordPress took.
    assert any("POST /igny8/v1/publish on" in line for line in lines["wordpress_api"])
    # Both are files of their own, next to the console (settings.LOGGING).
    for name in lines:
        assert f"{name}_file" in settings.LOGGING["loggers"][name]["handlers"]


def test_the_article_reads_publishing_while_wordpress_is_called_then_published(
    alpha, private_egress, monkeypatch
):
    import httpx

    from apps.publisher import client as publisher_client

    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    plugin_connection(alpha, site, "http://127.0.0.1:9")
    seen: list[str] = []

    def wordpress(request: httpx.Request) -> httpx.Response:
        # Read while our call is in flight: what anyone looking at the article sees now.
        seen.append(Content.objects.get(pk=content.pk).publishing_status)
        if len(seen) == 1:
            return httpx.Response(500, json={"code": "boom", "message": "Database down."})
        return httpx.Response(
            200, json={"post_id": 7, "status": "publish", "permalink": "http://127.0.0.1:9/x/"}
        )

    monkeypatch.setattr(publisher_client, "_transport", httpx.MockTransport(wordpress))
    monkeypatch.setattr("django.conf.settings.WP_MAX_RETRIES", 0)
    with schema_context(alpha.schema):
        Publication.objects.create(content=content, site=site)
        Content.objects.filter(pk=content.pk).update(publishing_status=PublishingStatus.SCHEDULED)
        with pytest.raises(PublishError):
            publish_now(content=content)
        failed = Content.objects.get(pk=content.pk).publishing_status
        reason = Publication.objects.get(content=content).last_error
        publish_now(content=content)
    assert seen == [PublishingStatus.PUBLISHING, PublishingStatus.PUBLISHING]
    assert failed == PublishingStatus.FAILED
    assert "500" in reason, reason  # the reason is kept
    assert _status(alpha, content) == PublishingStatus.PUBLISHED
