"""The WordPress page: a new connection's key is shown once, with the API base, as one string
(never again: not after a refresh, not in the session, not from the browser's cache); rotate
refuses the old key at once; revoke stops it; "Test connection" shows both directions and
what WordPress reported; the adapter without the plugin; the plugin download."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.publisher import signing
from apps.publisher.models import Connection, ConnectionStatus, SyncEvent
from apps.publisher.tests.fake_wordpress import FakeWordPress
from apps.publisher.tests.pages import connect, garden_site, text, words

pytestmark = pytest.mark.django_db

STRING = re.compile(r'value="(http://alpha\.[^" ]+/api/v1/ (igk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}))"')


def _owner(alpha, client_for):
    site = garden_site(alpha)
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    return site, client


def _key_of(response) -> str:
    found = STRING.findall(text(response))
    assert len(found) == 1, "the connection string is shown exactly once"
    return found[0][1]


def _api(alpha, key: str):
    """The plugin calling our API with `key` (what WordPress does after the paste)."""
    return Client(HTTP_HOST=alpha.host).get(
        "/api/v1/connection/test", headers={"Authorization": f"Bearer {key}"}
    )


def test_a_new_connection_shows_its_key_once_and_never_again(alpha, client_for):
    site, client = _owner(alpha, client_for)
    empty = client.get("/publisher/")
    assert "Make a connection key" in words(empty) and "Download the plugin" in words(empty)

    made = client.post(
        f"/publisher/sites/{site.pk}/connect/", {"wp_url": "garden.example.com/wp-admin/"}
    )

    assert made.status_code == 200
    key = _key_of(made)
    assert "Copy it now: it is shown this once." in words(made)
    assert "no-store" in made["Cache-Control"]
    with schema_context(alpha.schema):
        connection = Connection.objects.get(site=site)
    assert connection.key_hash == signing.key_digest(key) and key not in connection.key_secret
    assert connection.wp_url == "https://garden.example.com"
    assert _api(alpha, key).status_code == 200  # the key works…

    again = client.get("/publisher/")  # …and a refresh (or any later visit) never shows it
    assert key not in text(again) and "igk_" + connection.key_id + "_…" in words(again)
    assert "Copy it now" not in words(again)
    assert key not in str(dict(client.session))
    assert "Not tested yet" in words(again) and "Test connection" in words(again)


def test_with_htmx_the_key_arrives_in_the_panel_only(alpha, client_for):
    site, client = _owner(alpha, client_for)
    made = client.post(
        f"/publisher/sites/{site.pk}/connect/",
        {"wp_url": "https://garden.example.com"},
        HTTP_HX_REQUEST="true",
    )
    assert text(made).lstrip().startswith('<div id="wp-panel"')
    key = _key_of(made)
    assert key not in text(client.get("/publisher/"))


def test_rotating_refuses_the_old_key_at_once_and_shows_the_new_one_once(alpha, client_for):
    site, client = _owner(alpha, client_for)
    old = _key_of(client.post(f"/publisher/sites/{site.pk}/connect/", {"wp_url": site.url}))

    rotated = client.post(f"/publisher/sites/{site.pk}/rotate/")

    new = _key_of(rotated)
    assert new != old
    assert "The previous key is refused from now on" in words(rotated)
    assert _api(alpha, old).status_code == 401
    assert _api(alpha, new).status_code == 200
    assert new not in text(client.get("/publisher/"))


def test_revoking_stops_the_key_and_offers_to_connect_again(alpha, client_for):
    site, client = _owner(alpha, client_for)
    key = _key_of(client.post(f"/publisher/sites/{site.pk}/connect/", {"wp_url": site.url}))

    revoked = client.post(f"/publisher/sites/{site.pk}/revoke/", follow=True)

    assert "is revoked" in words(revoked)
    assert "was revoked" in words(revoked) and "Make a connection key" in words(revoked)
    assert _api(alpha, key).status_code == 401


def test_a_wrong_address_is_refused_in_words_and_nothing_is_made(alpha, client_for):
    site, client = _owner(alpha, client_for)
    refused = client.post(f"/publisher/sites/{site.pk}/connect/", {"wp_url": "http://10.0.0.7"})
    assert refused.status_code == 400
    assert "igk_" not in text(refused)
    with schema_context(alpha.schema):
        assert not Connection.objects.filter(site=site).exists()


def test_testing_shows_both_directions_and_what_wordpress_reported(
    alpha, client_for, private_egress
):
    site, client = _owner(alpha, client_for)
    with FakeWordPress() as wp:
        made = client.post(f"/publisher/sites/{site.pk}/connect/", {"wp_url": wp.url})
        wp.key = _key_of(made)  # pasted into the plugin

        one_way = client.post(f"/publisher/sites/{site.pk}/test/")
        seen = words(one_way)
        assert "We reached the plugin, but it has not reached us yet" in seen
        assert re.search(r'data-direction="out">\s*<span class="badge badge-ok">OK', text(one_way))
        assert "Plugin version 1.0.0" in seen and "WordPress version 6.4.2" in seen
        assert "Posts Pages" in seen and "Categories Tags" in seen

        assert _api(alpha, wp.key).status_code == 200  # the plugin's own test, from wp-admin
        both = client.post(f"/publisher/sites/{site.pk}/test/")
        assert "Connected both ways" in words(both)
        assert re.search(r'data-direction="in">\s*<span class="badge badge-ok">OK', text(both))
        assert "Connected" in words(client.get("/publisher/"))
    with schema_context(alpha.schema):
        tests = SyncEvent.objects.filter(site=site, kind="test", ok=True)
        assert sorted(tests.values_list("direction", flat=True)) == ["in", "out", "out"]


def test_a_failed_test_says_why_in_plain_words(alpha, client_for, private_egress):
    site, client = _owner(alpha, client_for)
    with FakeWordPress(key="") as wp:  # WordPress without the plugin
        client.post(f"/publisher/sites/{site.pk}/connect/", {"wp_url": wp.url})
        failed = client.post(f"/publisher/sites/{site.pk}/test/")
    assert "The test failed." in words(failed)
    assert "plugin" in words(failed).split("The test failed.", 1)[1].lower()
    with schema_context(alpha.schema):
        assert Connection.objects.get(site=site).status == ConnectionStatus.ERROR
    assert "Not reachable" in words(client.get("/publisher/"))


def test_connecting_without_the_plugin(alpha, client_for, private_egress):
    site, client = _owner(alpha, client_for)
    with FakeWordPress(key="", seo_meta=[]) as wp:
        short = client.post(
            f"/publisher/sites/{site.pk}/core/",
            {"wp_url": wp.url, "wp_user": "editor", "app_password": "hunter2"},
        )
        assert short.status_code == 400
        assert "not the login password" in words(short)
        assert 'value="hunter2"' not in text(short)  # a password is never echoed

        done = client.post(
            f"/publisher/sites/{site.pk}/core/",
            {"wp_url": wp.url, "wp_user": "editor", "app_password": wp.password},
            follow=True,
        )
        assert "through WordPress’s REST API" in words(done)
        tested = client.post(f"/publisher/sites/{site.pk}/test/")
    seen = words(tested)
    assert "WordPress accepted the Application Password" in seen
    assert "only where the site exposes its SEO plugin’s fields" in seen
    assert "This site does not expose SEO fields over its REST API" in seen  # what it found
    assert "Without the plugin WordPress does not call IGNY8" in seen
    assert "igk_" not in text(tested) and "Rotate key" not in seen


def test_an_editor_sees_the_connection_but_not_its_controls(alpha, client_for):
    site = garden_site(alpha)
    connect(alpha, site)
    with schema_context(alpha.schema):
        from apps.workspace.models import SiteAccess

        SiteAccess.objects.create(site=site, user_id=alpha.editor.pk)
    page = client_for(alpha.editor, alpha.host).get("/publisher/")
    assert "Connected" in words(page) and "https://garden.example.com" in words(page)
    assert "Make a connection key" not in words(page) and "Test connection</button>" not in text(
        page
    )


def test_the_plugin_downloads_as_the_zip_wordpress_installs(alpha, outsider, client_for):
    garden_site(alpha)
    client = client_for(alpha.owner, alpha.host)
    page = client.get("/publisher/")
    assert 'href="/publisher/plugin/igny8-bridge.zip"' in text(page)

    download = client.get("/publisher/plugin/igny8-bridge.zip")

    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert 'attachment; filename="igny8-bridge.zip"' in download["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = archive.namelist()
        assert "igny8-bridge/igny8-bridge.php" in names
        header = archive.read("igny8-bridge/igny8-bridge.php").decode()
    assert "Plugin Name:" in header and "GPL-2.0-or-later" in header
    assert (
        client_for(outsider, alpha.host).get("/publisher/plugin/igny8-bridge.zip").status_code
        == 403
    )


def test_without_the_plugin_the_test_names_the_seo_fields_the_site_exposes(
    alpha, client_for, private_egress
):
    site, client = _owner(alpha, client_for)
    with FakeWordPress(key="", seo_meta=["_yoast_wpseo_title", "_yoast_wpseo_metadesc"]) as wp:
        client.post(
            f"/publisher/sites/{site.pk}/core/",
            {"wp_url": wp.url, "wp_user": "editor", "app_password": wp.password},
        )
        tested = client.post(f"/publisher/sites/{site.pk}/test/")
    assert "SEO title, description and focus keyword are written to: _yoast_wpseo_title" in words(
        tested
    )
