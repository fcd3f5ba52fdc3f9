"""Scheduled publishing into a real WordPress (the harness's): a site connected through each
adapter, a schedule whose slot has just opened, an article a person approves: one tick of the
dispatcher places it in the slot and publishes it; the post is there once, and a later tick
(the article published again by a person) updates it rather than making a second."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher import signing
from apps.publisher.dispatch import dispatch
from apps.publisher.models import Publication
from apps.publisher.services.schedule import publish_queue, schedule_save
from apps.publisher.tests.helpers import (
    approved_article,
    core_connection,
    plugin_connection,
    publisher_site,
    quick_client,  # noqa: F401  (autouse fixture)
)
from apps.writer.models import Content, EditorialStatus, PublishingStatus
from apps.writer.services.content import Actor, content_approve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def real_timeouts(settings):
    settings.WP_TIMEOUT_SECONDS = 30
    settings.WP_CALL_DEADLINE_SECONDS = 90


@pytest.mark.parametrize("adapter", ["plugin", "core"])
def test_a_slot_publishes_an_approved_article_into_wordpress(
    alpha, private_egress, wordpress, api_recorder, adapter
):
    site = publisher_site(alpha, f"Scheduled {adapter}")
    if adapter == "plugin":
        _, key = plugin_connection(alpha, site, wordpress.url)
        wordpress.connect(signing.connection_string(api_recorder.url, key))
    else:
        core_connection(
            alpha,
            site,
            wordpress.url,
            user=wordpress.admin_user,
            password=wordpress.app_password(),
        )
    slot = (timezone.now() - timedelta(minutes=1)).strftime("%H:%M")
    with schema_context(alpha.schema):
        schedule_save(
            site=site,
            data={"enabled": True, "weekdays": list(range(7)), "slots": [slot], "daily_cap": 1},
            user=alpha.owner,
        )
    article = approved_article(alpha, site, f"Scheduled compost {secrets.token_hex(3)}", inline=1)
    with schema_context(alpha.schema):
        # Back to review, then approved by a person: that is what wakes the schedule.
        Content.objects.filter(pk=article.pk).update(status=EditorialStatus.REVIEW)
        article.refresh_from_db()
        content_approve(
            content=article, actor=Actor(user=alpha.owner, can_edit=True, can_approve=True)
        )

    assert dispatch().queued == 1

    with schema_context(alpha.schema):
        publication = Publication.objects.get(content=article)
        status = Content.objects.get(pk=article.pk).publishing_status
    assert status == PublishingStatus.PUBLISHED, publication.last_error
    assert publication.slotted and publication.publish_at <= timezone.now()
    post = wordpress.post(publication.remote_id)
    assert post["title"] == article.title and post["status"] == "publish"

    # Published again by a person: the same post is updated.
    with schema_context(alpha.schema):
        publish_queue(contents=[Content.objects.get(pk=article.pk)], user=alpha.owner)
        again = Publication.objects.get(content=article)
    assert again.remote_id == publication.remote_id
    # One post with this (unique) title, whatever its status.
    same_title = wordpress.php(
        "return count(get_posts(['title' => '" + article.title + "', 'post_type' => 'post',"
        " 'post_status' => array_keys(get_post_stati()), 'numberposts' => -1]));"
    )
    assert same_title == 1
