"""The harness itself: what the other WordPress tests rely on."""

from __future__ import annotations

import httpx


def test_wordpress_answers_with_the_plugin_active(wordpress):
    assert wordpress.plugin_active()
    index = httpx.get(f"{wordpress.url}/wp-json/", timeout=10).json()
    assert "igny8/v1" in index["namespaces"]


def test_pretty_permalinks_and_rest_route_fallback_both_reach_the_api(wordpress):
    pretty = httpx.get(wordpress.rest_url("/wp/v2/types/post"), timeout=10)
    plain = httpx.get(wordpress.rest_url("/wp/v2/types/post", pretty=False), timeout=10)
    assert pretty.status_code == plain.status_code == 200
    assert pretty.json()["slug"] == plain.json()["slug"] == "post"


def test_an_application_password_authenticates_over_plain_http(wordpress):
    me = httpx.get(
        wordpress.rest_url("/wp/v2/users/me"), headers=wordpress.basic_auth(), timeout=10
    )
    assert me.status_code == 200, me.text
    assert me.json()["slug"] == wordpress.admin_user


def test_php_runs_inside_wordpress(wordpress):
    assert wordpress.php("return get_bloginfo('name');") == "IGNY8 Test Site"
    assert wordpress.php("return get_option('permalink_structure');") == "/%postname%/"


def test_missing_packages_are_named_with_the_command_that_installs_them(monkeypatch, tmp_path):
    from tests.wordpress import harness

    monkeypatch.setattr(harness, "WORDPRESS_CORE", tmp_path / "no-wordpress")
    reason = harness.missing()
    assert str(tmp_path / "no-wordpress") in reason
    assert "apt-get install wordpress php-cli php-mysql php-gd mariadb-server" in reason


def test_a_test_may_connect_the_plugin(wordpress):
    wordpress.connect("http://127.0.0.1:9/api/v1/ igk_0123456789ab_" + "a" * 43)
    assert wordpress.option("igny8_bridge_connection")["key_id"] == "0123456789ab"


def test_the_next_test_finds_the_plugin_not_connected(wordpress):
    """Tests share one WordPress; each leaves it without a connection string (fixtures.py)."""
    assert wordpress.option("igny8_bridge_connection") is None
