"""wp-admin → Settings → IGNY8 Bridge, driven over HTTP as an administrator would; and what
deleting the plugin leaves behind."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest

from apps.publisher import signing

PAGE = "/wp-admin/options-general.php?page=igny8-bridge"
OPTIONS = [
    "igny8_bridge_connection",
    "igny8_bridge_settings",
    "igny8_bridge_log",
    "igny8_bridge_health",
    "igny8_bridge_db_version",
]


def signed_in(wordpress, login: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=wordpress.url, timeout=60, follow_redirects=True)
    client.cookies.set("wordpress_test_cookie", "WP Cookie check")
    answer = client.post(
        "/wp-login.php",
        data={"log": login, "pwd": password, "wp-submit": "Log In", "testcookie": "1"},
    )
    assert answer.status_code == 200 and "wp-admin" in str(answer.url), answer.text[:500]
    return client


@pytest.fixture(autouse=True)
def _left_disconnected(wordpress):
    """The WordPress is the session's: leave it as found, not connected."""
    yield
    wordpress.disconnect()


@pytest.fixture
def admin(wordpress):
    client = signed_in(wordpress, wordpress.admin_user, wordpress.admin_password)
    yield client
    client.close()


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields (action, nonce, referer) of the page's form for one action."""
    form = re.search(
        rf'<form[^>]*>(?:(?!</form>).)*value="igny8_bridge_{action}"(?:(?!</form>).)*</form>',
        html,
        re.S,
    )
    assert form, f"no {action} form"
    return dict(
        re.findall(r'<input type="hidden"[^>]*name="([^"]+)" value="([^"]*)"', form.group(0))
    )


def test_pasting_the_connection_string_connects_and_tests_it(wordpress, admin, api_recorder):
    wordpress.disconnect()
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert "Connection string" in page.text and "Last 10 exchanges" in page.text
    key = signing.new_key().key
    pasted = signing.connection_string(api_recorder.url, key)
    answer = admin.post(
        "/wp-admin/admin-post.php",
        data={**form_fields(page.text, "connect"), "connection_string": pasted},
    )
    assert answer.status_code == 200
    assert "Connected: IGNY8 answered" in answer.text
    assert f"igk_{signing.key_id_of(key)}_" in answer.text
    assert key not in answer.text  # the secret is never shown again
    assert api_recorder.to("connection/test")[-1].headers["Authorization"] == f"Bearer {key}"
    assert api_recorder.wait_for("site/structure")
    # Kept out of autoload: the key is not read on every page view.
    assert wordpress.autoload_of("igny8_bridge_connection") in ("no", "off")
    # The exchange shows in the log on the page.
    assert "IGNY8 answered the connection test." in admin.get(PAGE).text


def test_a_broken_connection_string_is_refused_in_plain_words(wordpress, admin):
    page = admin.get(PAGE)
    answer = admin.post(
        "/wp-admin/admin-post.php",
        data={**form_fields(page.text, "connect"), "connection_string": "igk_only_a_key"},
    )
    assert "Paste the whole connection string" in answer.text


def test_the_test_button_says_when_igny8_refuses_the_key(wordpress, admin, api_recorder):
    wordpress.connect(signing.connection_string(api_recorder.url, signing.new_key().key))
    api_recorder.status = 401
    page = admin.get(PAGE)
    answer = admin.post("/wp-admin/admin-post.php", data=form_fields(page.text, "test"))
    assert "IGNY8 refused the key" in answer.text
    assert "IGNY8 refused the key" in answer.text.split("Health", 1)[1]  # and under health


def test_publishing_defaults_are_saved_and_a_bad_mapping_line_is_named(wordpress, admin):
    wordpress.php("wp_insert_term('Garden', 'category'); return true;")
    page = admin.get(PAGE)
    answer = admin.post(
        "/wp-admin/admin-post.php",
        data={
            **form_fields(page.text, "settings"),
            "post_status": "draft",
            "author": "0",
            "category_map": "Composting = Garden\nNo such = Nowhere",
        },
    )
    assert "There is no WordPress category “Nowhere”." in answer.text
    saved = wordpress.php("return \\Igny8\\Bridge\\Settings::get();")
    garden = wordpress.php("return get_term_by('name', 'Garden', 'category')->term_id;")
    assert saved == {"post_status": "draft", "author": 0, "category_map": {"Composting": garden}}
    assert "Composting = Garden" in answer.text  # shown back in the textarea
    wordpress.php(
        "\\Igny8\\Bridge\\Settings::save(['post_status' => 'publish', 'category_map' => []]);"
        " return true;"
    )


def test_an_editor_cannot_open_or_post_the_settings(wordpress):
    wordpress.create_user("igny8-editor", "editor")
    wordpress.php(
        "wp_set_password('editor-pass-123', username_exists('igny8-editor')); return true;"
    )
    editor = signed_in(wordpress, "igny8-editor", "editor-pass-123")
    try:
        assert editor.get(PAGE).status_code == 403
        refused = editor.post(
            "/wp-admin/admin-post.php",
            data={"action": "igny8_bridge_disconnect", "_wpnonce": "x"},
        )
        assert refused.status_code == 403
    finally:
        editor.close()


def test_deleting_the_plugin_removes_its_options_tables_and_events(wordpress, api_recorder):
    wordpress.connect(signing.connection_string(api_recorder.url, signing.new_key().key))
    wordpress.php(
        "\\Igny8\\Bridge\\Log::add('out', 'test', true, 'x');"
        " \\Igny8\\Bridge\\Settings::save(['author' => 0]); return true;"
    )
    try:
        wordpress.php(
            "deactivate_plugins('igny8-bridge/igny8-bridge.php');"
            " uninstall_plugin('igny8-bridge/igny8-bridge.php'); return true;"
        )
        for option in OPTIONS:
            assert wordpress.option(option) is None, option
        tables = wordpress.php(
            "global $wpdb; return $wpdb->get_col(\"SHOW TABLES LIKE '%igny8%'\");"
        )
        assert tables == []
        assert wordpress.php("return wp_next_scheduled('igny8_bridge_sweep');") is False
    finally:
        wordpress.php("activate_plugin('igny8-bridge/igny8-bridge.php'); return true;")
    assert wordpress.plugin_active()


def test_the_site_structure_goes_to_igny8_on_demand_and_on_activation(
    wordpress, admin, api_recorder
):
    wordpress.connect(signing.connection_string(api_recorder.url, signing.new_key().key))
    try:
        page = admin.get(PAGE)
        answer = admin.post("/wp-admin/admin-post.php", data=form_fields(page.text, "structure"))
        assert "The site structure was sent to IGNY8." in answer.text
        pushed = api_recorder.wait_for("site/structure")[-1].json()
        assert {"post", "page"} <= {t["name"] for t in pushed["post_types"]}
        assert "category" in {t["name"] for t in pushed["taxonomies"]}

        # Switched off and on again (an update, say): the site tells IGNY8 what it has at once.
        before = len(api_recorder.to("site/structure"))
        wordpress.php(
            "deactivate_plugins('igny8-bridge/igny8-bridge.php');"
            " activate_plugin('igny8-bridge/igny8-bridge.php'); return true;"
        )
        assert wordpress.plugin_active()
        api_recorder.wait_for("site/structure", count=before + 1)
    finally:
        wordpress.disconnect()


def test_the_page_lists_the_last_ten_exchanges_newest_first(wordpress, admin):
    word = secrets.token_hex(3)
    wordpress.php(
        "for ($i = 1; $i <= 12; $i++) { \\Igny8\\Bridge\\Log::add('out', 'test', $i % 2 === 0,"
        f" 'Exchange {word} ' . $i); }} return true;"
    )
    page = admin.get(PAGE).text
    table = page.split("Last 10 exchanges", 1)[1]
    shown = re.findall(rf"Exchange {word} (\d+)", table)
    assert shown == [str(n) for n in range(12, 2, -1)]  # 12 … 3: ten, the newest first
    rows = re.findall(r"<tr><td>.*?</tr>", table)
    assert "OK" in rows[0] and "Failed" in rows[1]
