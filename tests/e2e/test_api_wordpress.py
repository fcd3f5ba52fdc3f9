"""Our API against the real IGNY8 Bridge plugin (a real WordPress, tests/wordpress): the key
pasted into the plugin reaches us (connection test, site structure), our publish is
acknowledged, and a post changed in WordPress moves the article here: draft → not published,
published again → published with its new address, trash → not published. No browser, but a
live server (the plugin needs a real address), hence among the end-to-end tests."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts import provisioning
from apps.publisher.models import Connection, Publication, SyncEvent
from apps.publisher.services import connection_create, publish_now
from apps.publisher.signing import connection_string
from apps.publisher.tests.helpers import approved_article
from apps.workspace.models import Site
from apps.workspace.services.workspace import site_create, site_sectors_set
from apps.writer.models import Content
from tests.e2e.conftest import RUN_ID
from tests.factories import industry_with_sectors, make_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def plugin(wordpress):
    """The session's WordPress, its plugin left unconnected afterwards as it was found (the
    next test pastes its own string on a fresh settings page)."""
    yield wordpress
    wordpress.disconnect()


def _flush(wordpress) -> None:
    """Send what the plugin queued (WP-Cron would, a moment later)."""
    wordpress.php("\\Igny8\\Bridge\\Outbox::flush(); return true;")


def _state(schema: str, content: Content) -> tuple[str, Publication]:
    with schema_context(schema):
        return (
            Content.objects.get(pk=content.pk).publishing_status,
            Publication.objects.get(content=content),
        )


def test_the_plugin_reports_to_our_api_and_the_article_follows(
    hosts, new_slug, plugin, private_egress, settings, tmp_path
):
    wordpress = plugin
    settings.MEDIA_ROOT = tmp_path / "media"
    slug = new_slug("api")
    owner = make_user(f"api-{RUN_ID}@e2e.example")
    account = provisioning.workspace_create(name=f"API {RUN_ID}", slug=slug, owner=owner)
    schema = account.schema_name
    industry = industry_with_sectors()
    with schema_context(schema):
        site = site_create(
            account=account, name="Garden", url=wordpress.url, industry=industry, language="en"
        )
        site_sectors_set(
            account=account,
            site=site,
            industry_sector_ids=list(industry.sectors.values_list("pk", flat=True)[:1]),
        )
        site = Site.objects.get(pk=site.pk)
        connection, key = connection_create(site=site, user=owner, wp_url=wordpress.url)
    ws = type("Ws", (), {"schema": schema})
    article = approved_article(ws, site, f"Leaf mould {RUN_ID}", inline=0, featured=False)

    # The connection string, pasted into the plugin; its "Test connection" reaches us.
    wordpress.connect(connection_string(hosts.workspace(slug, "/api/v1/"), key))
    tested = wordpress.php("return \\Igny8\\Bridge\\Api::testConnection();")
    assert tested["ok"], tested
    with schema_context(schema):
        connection = Connection.objects.get(pk=connection.pk)
    assert connection.inbound_ok_at is not None
    assert connection.wp_version and connection.plugin_version

    # The structure, as the plugin sends it on activation.
    wordpress.php(
        "\\Igny8\\Bridge\\Outbox::enqueue('site/structure', "
        "\\Igny8\\Bridge\\Structure::collect(), 'structure'); return true;"
    )
    _flush(wordpress)
    with schema_context(schema):
        connection = Connection.objects.get(pk=connection.pk)
    assert "post" in [t["name"] for t in connection.post_types]
    assert "category" in [t["name"] for t in connection.taxonomies]
    assert connection.categories and connection.structure_at

    # We publish; the plugin acknowledges it to our API.
    with schema_context(schema):
        publication = publish_now(content=Content.objects.get(pk=article.pk))
    post_id = publication.remote_id
    _flush(wordpress)
    status, publication = _state(schema, article)
    assert (status, publication.remote_id, publication.remote_status) == (
        "published",
        post_id,
        "publish",
    )

    # Someone puts it back to draft in WordPress: ours follows.
    wordpress.php(f"wp_update_post(['ID' => {post_id}, 'post_status' => 'draft']); return true;")
    _flush(wordpress)
    status, publication = _state(schema, article)
    assert (status, publication.remote_status, publication.remote_id) == (
        "not_published",
        "draft",
        post_id,
    )

    # Published again under a new slug: published, with the new address.
    wordpress.php(
        f"wp_update_post(['ID' => {post_id}, 'post_status' => 'publish',"
        f" 'post_name' => 'leaf-mould-{RUN_ID}-again']); return true;"
    )
    _flush(wordpress)
    status, publication = _state(schema, article)
    assert status == "published"
    assert publication.remote_url == f"{wordpress.url}/leaf-mould-{RUN_ID}-again/"

    # Trashed: not published, the post remembered (a re-publish updates it).
    wordpress.php(f"wp_trash_post({post_id}); return true;")
    _flush(wordpress)
    status, publication = _state(schema, article)
    assert (status, publication.remote_status, publication.remote_id) == (
        "not_published",
        "trash",
        post_id,
    )
    with schema_context(schema):
        kinds = list(
            SyncEvent.objects.filter(site=site, direction="in", ok=True)
            .order_by("id")
            .values_list("kind", flat=True)
        )
    assert kinds[:3] == ["test", "structure", "ack"]
    assert kinds.count("status") >= 3


def test_the_api_reference_reads_well_under_the_policy_on_desk_and_phone(page, hosts, new_slug):
    from playwright.sync_api import expect

    from tests.e2e.test_csp import Problems
    from tests.e2e.test_phone import check_layout

    slug = new_slug("apidocs")
    provisioning.workspace_create(name=f"Docs {RUN_ID}", slug=slug, owner=None)
    problems = Problems(page)
    url = hosts.workspace(slug, "/api/docs")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    expect(page.get_by_role("heading", name="IGNY8 API reference")).to_be_visible()
    expect(page.locator("[data-endpoint]")).to_have_count(7)
    page.get_by_role("link", name="/api/v1/posts/status").click()
    expect(page.locator("#post_status")).to_be_in_viewport()
    page.get_by_role("link", name="OpenAPI document (JSON)").click()
    assert '"openapi": "3.1.0"' in page.content() or '"openapi":"3.1.0"' in page.content()
    page.set_viewport_size({"width": 390, "height": 844})
    check_layout(page, url)
    assert problems == []
