"""The plugin's routes refuse anything IGNY8 did not sign just now (apps/publisher/signing.py is
the other half of the protocol)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from apps.publisher import signing


@pytest.fixture
def key(wordpress, api_recorder) -> Iterator[str]:
    new = signing.new_key()
    wordpress.connect(signing.connection_string(api_recorder.url, new.key))
    yield new.key
    # The WordPress is the session's: leave it as found, not connected.
    wordpress.disconnect()


def test_a_signed_status_call_reports_versions_post_types_and_taxonomies(wordpress, key):
    answer = wordpress.signed("GET", "/igny8/v1/status", key)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["plugin_version"] == "1.0.0"
    assert data["wp_version"].startswith("6.")
    assert data["php_version"].startswith("8.")
    assert data["key_id"] == signing.key_id_of(key)
    assert {"name": "post", "label": "Post"} in data["post_types"]
    assert "category" in {t["name"] for t in data["taxonomies"]}


def test_the_same_signature_works_without_pretty_permalinks(wordpress, key):
    answer = wordpress.signed("GET", "/igny8/v1/status", key, pretty=False)
    assert answer.status_code == 200, answer.text


def test_an_unsigned_call_is_refused(wordpress, key):
    answer = wordpress.http.get(wordpress.rest_url("/igny8/v1/status"))
    assert answer.status_code == 401
    assert answer.json()["code"] == "igny8_unsigned"


def test_a_signature_made_with_another_secret_is_refused(wordpress, key):
    forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    answer = wordpress.signed("GET", "/igny8/v1/status", forged)
    assert answer.status_code == 401
    assert answer.json()["code"] == "igny8_bad_signature"


def test_a_rotated_key_is_refused_with_words_that_say_so(wordpress, key):
    answer = wordpress.signed("GET", "/igny8/v1/status", signing.new_key().key)
    assert answer.status_code == 401
    assert answer.json()["code"] == "igny8_unknown_key"
    assert "connection string" in answer.json()["message"]


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_signature_more_than_five_minutes_away_is_refused(wordpress, key, skew):
    answer = wordpress.signed("GET", "/igny8/v1/status", key, now=time.time() + skew)
    assert answer.status_code == 401
    assert answer.json()["code"] == "igny8_expired"


def test_a_signature_four_minutes_old_is_still_accepted(wordpress, key):
    answer = wordpress.signed("GET", "/igny8/v1/status", key, now=time.time() - 240)
    assert answer.status_code == 200, answer.text


def test_a_captured_request_cannot_be_replayed(wordpress, key):
    body = b'{"content_id": "replay-1", "title": "Once", "status": "draft"}'
    headers = signing.signed_headers(key, "POST", "/igny8/v1/publish", body)
    headers["Content-Type"] = "application/json"
    url = wordpress.rest_url("/igny8/v1/publish")
    first = wordpress.http.post(url, content=body, headers=headers)
    again = wordpress.http.post(url, content=body, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 401
    assert again.json()["code"] == "igny8_replayed"
    assert len(wordpress.posts_for_content("replay-1")) == 1


def test_a_body_changed_on_the_way_is_refused(wordpress, key):
    body = b'{"content_id": "tamper-1", "title": "Original", "status": "draft"}'
    headers = signing.signed_headers(key, "POST", "/igny8/v1/publish", body)
    headers["Content-Type"] = "application/json"
    tampered = body.replace(b"Original", b"Changed!")
    answer = wordpress.http.post(
        wordpress.rest_url("/igny8/v1/publish"), content=tampered, headers=headers
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "igny8_bad_signature"
    assert wordpress.posts_for_content("tamper-1") == []


def test_a_signature_for_another_route_is_refused(wordpress, key):
    headers = signing.signed_headers(key, "GET", "/igny8/v1/site-structure", b"")
    answer = wordpress.http.get(wordpress.rest_url("/igny8/v1/status"), headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "igny8_bad_signature"


def test_without_a_pasted_connection_string_every_route_says_so(wordpress, key):
    wordpress.disconnect()
    answer = wordpress.signed("GET", "/igny8/v1/status", key)
    assert answer.status_code == 401
    assert answer.json()["code"] == "igny8_not_connected"
    assert "Settings" in answer.json()["message"]


def test_php_and_python_sign_alike(wordpress):
    """The PHP Signature class computes what signing.signature computes, byte for byte."""
    key = signing.new_key().key
    body = '{"a": "é ü", "b": [1, 2]}'
    expected = signing.signature(
        key, "post", "/igny8/v1/publish", "1700000000", "ab" * 16, body.encode()
    )
    got = wordpress.php(
        f"return \\Igny8\\Bridge\\Signature::sign('{key}', 'post', '/igny8/v1/publish',"
        f" '1700000000', '{'ab' * 16}', {body!r});"
    )
    assert got == expected


def test_one_signed_call_is_checked_once_and_logged_once(wordpress, key):
    """WordPress asks a route's permission callback again per method for the Allow header; the
    same nonce seen twice must not read as a replay."""
    wordpress.php("delete_option('igny8_bridge_log'); return true;")
    answer = wordpress.signed("GET", "/igny8/v1/status", key)
    assert answer.status_code == 200
    assert answer.headers["Allow"].replace(" ", "") == "GET,POST"
    entries = wordpress.php("return \\Igny8\\Bridge\\Log::entries();")
    assert [(e["kind"], e["ok"]) for e in entries] == [("status", True)]


def test_a_body_larger_than_php_accepts_is_named_as_such_not_as_a_bad_signature(wordpress, key):
    """PHP drops a body over post_max_size; the refusal says so (413) with the limit, and the
    status route tells IGNY8 the limit beforehand."""
    limits = wordpress.signed("GET", "/igny8/v1/status", key).json()["limits"]
    assert limits["max_body_bytes"] == 64 * 1024 * 1024
    assert limits["max_upload_bytes"] > 0
    refusal = wordpress.php(
        "$_SERVER['CONTENT_LENGTH'] = (string) (65 * 1024 * 1024);"
        " $request = new WP_REST_Request('POST', '/igny8/v1/publish');"
        " $verdict = \\Igny8\\Bridge\\Rest::authorize($request);"
        " return [$verdict->get_error_code(), $verdict->get_error_data()['status'],"
        " $verdict->get_error_message()];"
    )
    assert refusal[:2] == ["igny8_too_large", 413]
    assert "post_max_size" in refusal[2] and "64 MB" in refusal[2]
