"""Publishing into a real WordPress (the harness's, from Debian's packages) through both
adapters: connect, test both directions, publish with pictures, terms and SEO fields,
re-publish (an update, no duplicate), a scheduled (future) post, pretty permalinks off, and a
timeout after WordPress made the post (a proxy on loopback) — never a second post."""

from __future__ import annotations

import secrets
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher import signing
from apps.publisher.models import Connection, ConnectionStatus, Publication
from apps.publisher.services import PublishError, connection_test, publish_now, unpublish
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


@pytest.fixture(autouse=True)
def real_timeouts(settings):
    # A real WordPress takes a while for three pictures on a shared machine.
    settings.WP_TIMEOUT_SECONDS = 30
    settings.WP_CALL_DEADLINE_SECONDS = 90


def _title(words: str = "How to compost at home") -> str:
    return f"{words} {secrets.token_hex(3)}"  # unique: the WordPress outlives each test


def _plugin(alpha, site, wordpress, api_recorder, url: str | None = None):
    connection, key = plugin_connection(alpha, site, url or wordpress.url)
    wordpress.connect(signing.connection_string(api_recorder.url, key))
    return connection


def test_plugin_connect_test_publish_republish(alpha, private_egress, wordpress, api_recorder):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, _title(), inline=2)
    connection = _plugin(alpha, site, wordpress, api_recorder)
    with schema_context(alpha.schema):
        result = connection_test(connection=connection)
        stored = Connection.objects.get(pk=connection.pk)
    # Both directions: we reached the plugin; the plugin reached "our API" (the recorder).
    assert result.ok and result.inbound_ok is True, result.words
    assert api_recorder.to("connection/test")
    assert stored.status == ConnectionStatus.CONNECTED
    assert stored.plugin_version and stored.wp_version.startswith("6.")
    assert {"post", "page"} <= {t["name"] for t in stored.post_types}
    assert "category" in {t["name"] for t in stored.taxonomies}

    with schema_context(alpha.schema):
        publication = publish_now(content=content)
        sector = site.sectors.get().name
    post = wordpress.post(publication.remote_id)
    assert post["title"] == content.title and post["status"] == "publish"
    assert post["meta"]["_igny8_content_id"] == str(content.pk)
    assert sector in post["categories"]
    assert post["thumbnail_id"] and wordpress.php(
        f"return (bool) get_post({post['thumbnail_id']});"
    )
    assert "/writer/images/" not in post["content"]
    assert post["content"].count("/wp-content/uploads/") == 2
    assert post["meta"]["_igny8_meta_title"] == f"{content.title} | Garden"
    assert post["meta"]["_igny8_meta_focus_keyword"] == "compost at home"
    assert publication.remote_url == post["permalink"]
    with schema_context(alpha.schema):
        images = list(content.images.all())
    alts = {
        wordpress.php(f"return get_post_meta({a}, '_wp_attachment_image_alt', true);")
        for i in images
        for a in wordpress.attachments_with_sha(_sha(i))
    }
    assert alts == {i.alt for i in images}

    # Re-publish after an edit: the same post, the same pictures.
    with schema_context(alpha.schema):
        Content.objects.filter(pk=content.pk).update(title=content.title + " (updated)")
        again = publish_now(content=content)
    assert again.remote_id == publication.remote_id
    assert wordpress.posts_for_content(content.pk) == [publication.remote_id]
    assert wordpress.post(publication.remote_id)["title"].endswith("(updated)")
    for image in images:
        assert len(wordpress.attachments_with_sha(_sha(image))) == 1

    with schema_context(alpha.schema):
        unpublish(content=content, user=alpha.owner)
        status = Content.objects.get(pk=content.pk).publishing_status
    assert wordpress.post(publication.remote_id)["status"] == "draft"
    assert status == PublishingStatus.NOT_PUBLISHED


def _sha(image) -> str:
    import hashlib

    with image.file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_plugin_future_post_keeps_its_date(alpha, private_egress, wordpress, api_recorder):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, _title(), inline=0, featured=False)
    _plugin(alpha, site, wordpress, api_recorder)
    when = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    with schema_context(alpha.schema):
        Publication.objects.create(content=content, site=site, publish_at=when)
        publication = publish_now(content=content, post_status="future")
    post = wordpress.post(publication.remote_id)
    assert post["status"] == "future"
    assert post["date_gmt"] == when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_plugin_timeout_after_create_never_duplicates(
    alpha, private_egress, wordpress, api_recorder, settings
):
    settings.WP_MAX_RETRIES = 0
    site = publisher_site(alpha)
    content = approved_article(alpha, site, _title(), inline=1)
    with FaultProxy(wordpress.url) as proxy:
        _plugin(alpha, site, wordpress, api_recorder, url=proxy.url)
        proxy.fault("/igny8/v1/publish", kind="after", method="POST", delay=4)
        settings.WP_TIMEOUT_SECONDS = 2.5
        with schema_context(alpha.schema), pytest.raises(PublishError) as caught:
            publish_now(content=content)
        assert caught.value.code == "timeout"
        assert len(wordpress.posts_for_content(content.pk)) == 1  # it was made
        settings.WP_TIMEOUT_SECONDS = 30
        with schema_context(alpha.schema):
            publication = publish_now(content=content)
            status = Content.objects.get(pk=content.pk).publishing_status
    assert wordpress.posts_for_content(content.pk) == [publication.remote_id]
    assert status == PublishingStatus.PUBLISHED


def test_plugin_with_pretty_permalinks_off(alpha, private_egress, wordpress, api_recorder):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, _title(), inline=1)
    connection = _plugin(alpha, site, wordpress, api_recorder)
    structure = wordpress.option("permalink_structure")
    wordpress.php("update_option('permalink_structure', ''); flush_rewrite_rules(); return true;")
    try:
        with schema_context(alpha.schema):
            assert connection_test(connection=connection).ok
            publication = publish_now(content=content)
    finally:
        wordpress.php(
            f"update_option('permalink_structure', '{structure}'); flush_rewrite_rules();"
            " return true;"
        )
    assert wordpress.posts_for_content(content.pk) == [publication.remote_id]


def test_core_connect_test_publish_republish(alpha, private_egress, wordpress):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, _title(), inline=2)
    connection = core_connection(
        alpha, site, wordpress.url, wordpress.admin_user, wordpress.app_password()
    )
    with schema_context(alpha.schema):
        result = connection_test(connection=connection)
    assert result.ok, result.words
    assert result.inbound_ok is None  # core never calls back, and the page says so
    assert "not reported back" in result.words
    assert result.notes  # which SEO fields are (or are not) written
    before = wordpress.count_posts("attachment")
    with schema_context(alpha.schema):
        publication = publish_now(content=content)
        sector = site.sectors.get().name
    post = wordpress.post(publication.remote_id)
    assert post["title"] == content.title and post["status"] == "publish"
    assert sector in post["categories"]
    assert post["thumbnail_id"]
    assert wordpress.count_posts("attachment") == before + 3
    assert "/writer/images/" not in post["content"]
    assert post["content"].count("/wp-content/uploads/") == 2
    seo_fields = result.report.seo_fields
    if "_igny8_meta_title" in seo_fields:
        assert post["meta"]["_igny8_meta_title"] == f"{content.title} | Garden"

    with schema_context(alpha.schema):
        Content.objects.filter(pk=content.pk).update(html=content.html + "<p>One more line.</p>")
        again = publish_now(content=content)
    assert again.remote_id == publication.remote_id
    assert wordpress.count_posts("attachment") == before + 3  # pictures reused
    assert "One more line." in wordpress.post(publication.remote_id)["content"]
    slug = post["slug"]
    assert (
        wordpress.php(
            f"return count(get_posts(['name' => '{slug}', 'post_status' => 'any',"
            " 'numberposts' => -1]));"
        )
        == 1
    )


def test_core_timeout_after_create_finds_the_post(alpha, private_egress, wordpress, settings):
    settings.WP_MAX_RETRIES = 0
    site = publisher_site(alpha)
    content = approved_article(alpha, site, _title(), inline=0, featured=False)
    with FaultProxy(wordpress.url) as proxy:
        core_connection(alpha, site, proxy.url, wordpress.admin_user, wordpress.app_password())
        proxy.fault("/wp/v2/posts", kind="after", method="POST", delay=4)
        settings.WP_TIMEOUT_SECONDS = 2.5
        with schema_context(alpha.schema), pytest.raises(PublishError) as caught:
            publish_now(content=content)
        assert caught.value.outcome_unknown
        settings.WP_TIMEOUT_SECONDS = 30
        with schema_context(alpha.schema):
            publication = publish_now(content=content)
    slug = wordpress.post(publication.remote_id)["slug"]
    assert (
        wordpress.php(
            f"return count(get_posts(['name' => '{slug}', 'post_status' => 'any',"
            " 'numberposts' => -1]));"
        )
        == 1
    )


def test_core_wrong_password_in_plain_words(alpha, private_egress, wordpress):
    site = publisher_site(alpha)
    connection = core_connection(
        alpha, site, wordpress.url, wordpress.admin_user, "aaaa bbbb cccc dddd eeee ffff"
    )
    with schema_context(alpha.schema):
        result = connection_test(connection=connection)
    # WordPress answers "not logged in", as it does when a host strips the header: both said.
    assert not result.ok and result.error_code in ("bad_credentials", "auth_refused")
    assert "Application Password" in result.words


def test_switching_from_core_to_the_plugin_updates_the_post_core_made(
    alpha, private_egress, wordpress, api_recorder
):
    # A site first published without the plugin (core REST), then installs and connects it:
    # the next publish takes over the post WordPress already has instead of making a second.
    site = publisher_site(alpha)
    content = approved_article(alpha, site, _title(), inline=0, featured=False)
    core_connection(alpha, site, wordpress.url, wordpress.admin_user, wordpress.app_password())
    with schema_context(alpha.schema):
        first = publish_now(content=content)
    slug = wordpress.post(first.remote_id)["slug"]
    assert wordpress.posts_for_content(content.pk) == []  # core leaves no content id behind

    _plugin(alpha, site, wordpress, api_recorder)
    with schema_context(alpha.schema):
        Content.objects.filter(pk=content.pk).update(title=content.title + " (plugin)")
        again = publish_now(content=content)
    assert again.remote_id == first.remote_id
    assert wordpress.posts_for_content(content.pk) == [first.remote_id]
    assert wordpress.post(first.remote_id)["title"].endswith("(plugin)")
    count = (
        f"return count(get_posts(['name' => '{slug}', 'post_status' => 'any',"
        " 'numberposts' => -1]));"
    )
    assert wordpress.php(count) == 1
