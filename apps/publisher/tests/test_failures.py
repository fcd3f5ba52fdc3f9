"""Failure injection between us and WordPress (a proxy on loopback): server errors, a timeout
after the post was made, an error after the post was made, slow answers, dropped connections.
Whatever happens: never a second post, the right final status, the reason recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher.models import AttemptOutcome, Publication, PublishAttempt, SyncEvent
from apps.publisher.services import PublishError, publication_for, publish_now
from apps.publisher.tests.fake_wordpress import FakeWordPress
from apps.publisher.tests.fault_proxy import FaultProxy
from apps.publisher.tests.helpers import (
    approved_article,
    core_connection,
    plugin_connection,
    publisher_site,
    quick_client,  # noqa: F401  (autouse fixture)
)
from apps.writer.models import Content, PublishingStatus

pytestmark = pytest.mark.django_db


def _connect(alpha, site, wp: FakeWordPress, proxy: FaultProxy, adapter: str) -> None:
    if adapter == "plugin":
        _, wp.key = plugin_connection(alpha, site, proxy.url)
    else:
        core_connection(alpha, site, proxy.url)


def _state(alpha, content):
    with schema_context(alpha.schema):
        publication = Publication.objects.get(content=content)
        tries = list(publication.tries.order_by("number"))
        status = Content.objects.get(pk=content.pk).publishing_status
        return publication, tries, status


PUBLISH = {"plugin": "/igny8/v1/publish", "core": "/wp/v2/posts"}


@pytest.mark.parametrize("adapter", ["plugin", "core"])
def test_timeout_after_the_post_was_made_never_duplicates(alpha, private_egress, adapter, settings):
    settings.WP_MAX_RETRIES = 0  # the service's next try, not the client's, must find the post
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=1)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _connect(alpha, site, wp, proxy, adapter)
        proxy.fault(PUBLISH[adapter], kind="after", method="POST", delay=5)
        with schema_context(alpha.schema), pytest.raises(PublishError) as caught:
            publish_now(content=content)
        assert caught.value.retryable and caught.value.outcome_unknown
        assert len(wp.posts) == 1  # WordPress made it; we never heard back
        publication, tries, status = _state(alpha, content)
        assert status == PublishingStatus.FAILED
        assert "did not answer within" in publication.last_error
        assert "the next try updates that post" in publication.last_error
        assert tries[0].outcome == AttemptOutcome.FAILED and tries[0].error

        with schema_context(alpha.schema):
            publish_now(content=content)  # the retry
        assert len(wp.posts) == 1
        publication, tries, status = _state(alpha, content)
        assert status == PublishingStatus.PUBLISHED
        assert publication.remote_id == next(iter(wp.posts))
        assert publication.last_error == ""
        assert [t.outcome for t in tries] == [AttemptOutcome.FAILED, AttemptOutcome.OK]
        assert len(wp.media) == 2  # the pictures were not uploaded twice either


def test_plugin_publish_retried_by_the_client_after_a_late_answer(alpha, private_egress):
    """Publish is an upsert: the client repeats it itself, within the deadline."""
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=1)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _connect(alpha, site, wp, proxy, "plugin")
        proxy.fault("/igny8/v1/publish", kind="after", delay=5)
        with schema_context(alpha.schema):
            publish_now(content=content)
        assert [m for m, r in proxy.forwarded if r == "/igny8/v1/publish"] == ["POST", "POST"]
        assert len(wp.posts) == 1
        _, tries, status = _state(alpha, content)
        assert status == PublishingStatus.PUBLISHED
        assert [t.outcome for t in tries] == [AttemptOutcome.OK]


@pytest.mark.parametrize("adapter", ["plugin", "core"])
def test_passing_server_errors_are_retried_to_success(alpha, private_egress, adapter):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=1)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _connect(alpha, site, wp, proxy, adapter)
        # Two 500s on the first call of the publish (plugin: publish; core: the media lookup).
        first = "/igny8/v1/publish" if adapter == "plugin" else "/wp/v2/media"
        proxy.fault(first, kind="error", method=None if adapter == "plugin" else "GET", times=2)
        with schema_context(alpha.schema):
            publish_now(content=content)
        assert len(proxy.faults_fired) == 2
        assert len(wp.posts) == 1
        _, _, status = _state(alpha, content)
        assert status == PublishingStatus.PUBLISHED


def test_core_error_after_the_post_was_made_finds_it_next_time(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _connect(alpha, site, wp, proxy, "core")
        proxy.fault("/wp/v2/posts", kind="error_after", method="POST", status=500)
        with schema_context(alpha.schema), pytest.raises(PublishError) as caught:
            publish_now(content=content)
        assert "server error (500)" in caught.value.words
        assert caught.value.outcome_unknown
        with schema_context(alpha.schema):
            publish_now(content=content)
        assert len(wp.posts) == 1
        _, tries, status = _state(alpha, content)
        assert status == PublishingStatus.PUBLISHED
        assert [t.outcome for t in tries] == [AttemptOutcome.FAILED, AttemptOutcome.OK]


@pytest.mark.parametrize("adapter", ["plugin", "core"])
def test_a_server_that_keeps_failing_ends_failed_with_the_reason(alpha, private_egress, adapter):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=1)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _connect(alpha, site, wp, proxy, adapter)
        proxy.fault("/", kind="error", times=100)
        with schema_context(alpha.schema), pytest.raises(PublishError) as caught:
            publish_now(content=content)
        assert caught.value.retryable  # the job may try again later
        assert len(wp.posts) == 0
        publication, tries, status = _state(alpha, content)
        assert status == PublishingStatus.FAILED
        assert "answered with a server error (500)" in publication.last_error
        assert tries[0].outcome == AttemptOutcome.FAILED
        with schema_context(alpha.schema):
            event = SyncEvent.objects.get(site=site, kind="publish")
        assert not event.ok and "server error (500)" in event.error


@pytest.mark.parametrize("adapter", ["plugin", "core"])
def test_slow_answers_still_publish_once(alpha, private_egress, adapter):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=2)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _connect(alpha, site, wp, proxy, adapter)
        proxy.fault("/", kind="slow", delay=0.4, times=100)  # every call late, within timeout
        with schema_context(alpha.schema):
            publication = publish_now(content=content)
        assert len(wp.posts) == 1
        with schema_context(alpha.schema):
            attempt = PublishAttempt.objects.get(publication=publication)
        assert attempt.wp_ms >= 400 and attempt.duration_ms >= attempt.wp_ms


def test_dropped_connection_on_core_create_is_not_repeated_blindly(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _connect(alpha, site, wp, proxy, "core")
        proxy.fault("/wp/v2/posts", kind="drop", method="POST")
        with schema_context(alpha.schema), pytest.raises(PublishError) as caught:
            publish_now(content=content)
        assert caught.value.outcome_unknown
        assert len([1 for m, r in proxy.forwarded if (m, r) == ("POST", "/wp/v2/posts")]) == 1
        with schema_context(alpha.schema):
            publish_now(content=content)
        assert len(wp.posts) == 1


def test_a_second_try_while_one_is_running_is_refused(alpha, private_egress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp:
        _, wp.key = plugin_connection(alpha, site, wp.url)
        with schema_context(alpha.schema):
            publication = publication_for(content)
            PublishAttempt.objects.create(publication=publication, number=1, adapter="plugin")
            with pytest.raises(PublishError) as caught:
                publish_now(content=content)
            assert caught.value.code == "busy"
            assert "being published right now" in caught.value.words
            # A try that died long ago does not block.
            PublishAttempt.objects.filter(publication=publication).update(
                started=timezone.now() - timedelta(hours=1)
            )
            publish_now(content=content)
            outcomes = list(publication.tries.order_by("number").values_list("outcome", flat=True))
        assert outcomes == [AttemptOutcome.FAILED, AttemptOutcome.OK]
        assert len(wp.posts) == 1


def test_plugin_busy_with_an_earlier_call_is_waited_for(alpha, private_egress):
    """A retry that overtook its timed-out first try meets the plugin's lock (409): wait."""
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp, FaultProxy(wp.url) as proxy:
        _connect(alpha, site, wp, proxy, "plugin")
        proxy.fault("/igny8/v1/publish", kind="error", status=409)
        with schema_context(alpha.schema):
            publish_now(content=content)
        assert proxy.faults_fired == [("error", "POST", "/igny8/v1/publish")]
        assert len(wp.posts) == 1


def test_a_broken_connection_shows_on_the_connection_until_a_publish_works(alpha, private_egress):
    from apps.publisher import signing
    from apps.publisher.models import Connection, ConnectionStatus

    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    with FakeWordPress() as wp:
        connection, key = plugin_connection(alpha, site, wp.url)
        wp.key = signing.new_key().key  # the plugin holds another key
        with schema_context(alpha.schema), pytest.raises(PublishError):
            publish_now(content=content)
        with schema_context(alpha.schema):
            stored = Connection.objects.get(pk=connection.pk)
            assert stored.status == ConnectionStatus.ERROR
            assert "Paste the current connection string" in stored.last_error
            wp.key = key  # pasted again
            publish_now(content=content)
            stored = Connection.objects.get(pk=connection.pk)
        assert stored.status == ConnectionStatus.CONNECTED and stored.last_error == ""
