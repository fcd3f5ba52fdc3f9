"""Scheduled publishing through the real publishing service, on the wire: the dispatcher sends
a due article to a WordPress answering like the plugin (the CLIENT's wire fake), through a
proxy that fails on demand. Whatever fails in between, one post in the end, the reason kept
while it was failing, and the sync log tells the story."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher.dispatch import dispatch
from apps.publisher.models import Publication, SyncEvent
from apps.publisher.services.schedule import schedule_save
from apps.publisher.tests.fake_wordpress import FakeWordPress
from apps.publisher.tests.fault_proxy import FaultProxy
from apps.publisher.tests.helpers import (
    approved_article,
    plugin_connection,
    publisher_site,
    quick_client,  # noqa: F401  (autouse fixture)
)
from apps.publisher.tests.schedule_helpers import clock_fixture  # noqa: F401
from apps.writer.models import Content, PublishingStatus

pytestmark = pytest.mark.django_db


def test_a_slotted_article_survives_server_errors_and_lands_once(
    alpha, private_egress, settings, clock
):
    settings.WP_MAX_RETRIES = 0  # each of our tries is one call: the retries are the schedule's
    site = publisher_site(alpha)
    article = approved_article(alpha, site, inline=1)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _, wp.key = plugin_connection(alpha, site, proxy.url)
        slot = (clock.now - timedelta(minutes=1)).strftime("%H:%M")
        with schema_context(alpha.schema):
            schedule_save(
                site=site,
                data={"enabled": True, "weekdays": list(range(7)), "slots": [slot]},
                user=alpha.owner,
            )
            # Saving placed it tomorrow (today's slot had passed); bring its time to now.
            publication = Publication.objects.get(content=article)
            assert publication.publish_at > clock.now
        clock.now = publication.publish_at + timedelta(seconds=20)
        proxy.fault("/igny8/v1/publish", kind="error", status=500, times=1)
        # The post is made and the answer lost (the connection drops): no timing involved.
        proxy.fault("/igny8/v1/publish", kind="drop", method="POST", times=1)

        dispatch()  # 500: failed, retry in a minute
        with schema_context(alpha.schema):
            publication.refresh_from_db()
            assert Content.objects.get(pk=article.pk).publishing_status == "failed"
            assert "500" in publication.last_error or "error" in publication.last_error.lower()
        clock.advance(minutes=1, seconds=5)
        dispatch()  # made, answer lost: failed again, retry in two minutes
        assert len(wp.posts) == 1
        clock.advance(minutes=2, seconds=5)
        dispatch()  # updates the post it made

        with schema_context(alpha.schema):
            publication.refresh_from_db()
            status = Content.objects.get(pk=article.pk).publishing_status
            events = list(SyncEvent.objects.filter(site=site, kind="publish").order_by("pk"))
        assert status == PublishingStatus.PUBLISHED
        assert len(wp.posts) == 1
        assert publication.remote_id == next(iter(wp.posts))
        assert publication.attempts == 3 and publication.last_error == ""
        assert [e.ok for e in events] == [False, False, True]


def test_a_person_scheduled_article_publishes_when_its_time_comes(alpha, private_egress, clock):
    from apps.publisher.services.schedule import content_schedule

    site = publisher_site(alpha)
    article = approved_article(alpha, site, inline=0)
    with FakeWordPress() as wp:
        _, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            content_schedule(content=article, when=clock.now + timedelta(hours=2))
        assert dispatch().claimed == 0
        clock.advance(hours=2, seconds=1)
        assert dispatch().queued == 1
        with schema_context(alpha.schema):
            assert Content.objects.get(pk=article.pk).publishing_status == "published"
        assert len(wp.posts) == 1
        (post,) = wp.posts.values()
        assert post["title"] == article.title
        assert timezone.now() == clock.now
