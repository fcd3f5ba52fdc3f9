"""The plugin reports back to IGNY8's API (here a recording stand-in): a post of ours changing
status or permalink in WordPress, the site structure, publish acknowledgements, the connection
test; failures wait in the outbox and are retried by WP-Cron."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from apps.publisher import signing


@pytest.fixture
def key(wordpress, api_recorder) -> Iterator[str]:
    wordpress.php(
        "global $wpdb; \\Igny8\\Bridge\\Store::ensure();"
        " $wpdb->query('DELETE FROM ' . \\Igny8\\Bridge\\Store::outboxTable()); return true;"
    )
    new = signing.new_key()
    wordpress.connect(signing.connection_string(api_recorder.url, new.key))
    yield new.key
    # The WordPress is the session's: leave it as found, not connected.
    wordpress.disconnect()


def publish(wordpress, key, content_id: int, **extra) -> dict:
    payload = {
        "content_id": content_id,
        "title": f"Article {content_id}",
        "html": "<p>Body.</p>",
        "slug": f"article-{content_id}",
        "status": "publish",
        **extra,
    }
    answer = wordpress.signed("POST", "/igny8/v1/publish", key, payload)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def cid() -> int:
    return 10**6 + secrets.randbelow(10**9)


def reports_for(recorder, post_id: int) -> list[dict]:
    return [c.json() for c in recorder.to("posts/status") if c.json().get("post_id") == post_id]


def wait_report(recorder, post_id: int, status: str, timeout: float = 20) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for report in reports_for(recorder, post_id):
            if report["status"] == status:
                return report
        time.sleep(0.1)
    raise AssertionError(f"no {status} report for {post_id}: {recorder.calls}")


def outbox(wordpress) -> list[dict]:
    return wordpress.php("return \\Igny8\\Bridge\\Outbox::waiting();")


def test_a_status_change_in_wordpress_is_reported_with_the_key(wordpress, key, api_recorder):
    content_id = cid()
    post_id = publish(wordpress, key, content_id)["post_id"]
    wordpress.php(f"wp_update_post(['ID' => {post_id}, 'post_status' => 'draft']); return true;")
    report = wait_report(api_recorder, post_id, "draft")
    assert report["content_id"] == content_id
    assert report["post_type"] == "post"
    assert report["permalink"].startswith(wordpress.url)
    call = next(c for c in api_recorder.to("posts/status") if c.json()["post_id"] == post_id)
    assert call.headers["Authorization"] == f"Bearer {key}"
    assert call.method == "POST"


def test_a_change_made_in_the_editor_is_reported_through_wp_cron(wordpress, key, api_recorder):
    """The editor's save (the block editor speaks REST) is not held up: the report goes out
    from a WP-Cron request spawned at the end of it."""
    post_id = publish(wordpress, key, cid())["post_id"]
    saved = httpx.post(
        wordpress.rest_url(f"/wp/v2/posts/{post_id}"),
        json={"status": "pending"},
        headers=wordpress.basic_auth(),
        timeout=30,
    )
    assert saved.status_code == 200, saved.text
    wait_report(api_recorder, post_id, "pending")
    trashed = httpx.delete(
        wordpress.rest_url(f"/wp/v2/posts/{post_id}"), headers=wordpress.basic_auth(), timeout=30
    )
    assert trashed.status_code == 200, trashed.text
    report = wait_report(api_recorder, post_id, "trash")
    assert "permalink" not in report and "deleted" not in report
    assert report["modified_gmt"].endswith("+00:00")


def test_a_new_slug_reports_the_new_permalink(wordpress, key, api_recorder):
    post_id = publish(wordpress, key, cid())["post_id"]
    wordpress.php(
        f"wp_update_post(['ID' => {post_id}, 'post_name' => 'renamed-{post_id}']); return true;"
    )
    report = wait_report(api_recorder, post_id, "publish")
    assert report["permalink"] == f"{wordpress.url}/renamed-{post_id}/"


def test_a_post_deleted_for_good_is_reported_as_trash(wordpress, key, api_recorder):
    content_id = cid()
    post_id = publish(wordpress, key, content_id)["post_id"]
    wordpress.php(f"wp_delete_post({post_id}, true); return true;")
    report = wait_report(api_recorder, post_id, "trash")
    assert report["content_id"] == content_id
    assert report["deleted"] is True  # IGNY8 forgets it: a re-publish makes a new post


def test_a_scheduled_post_published_by_wordpress_is_reported(wordpress, key, api_recorder):
    from datetime import UTC, datetime, timedelta

    when = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S")
    post_id = publish(wordpress, key, cid(), status="future", date_gmt=when)["post_id"]
    # WordPress's own cron publishes it when its time comes.
    wordpress.php(f"wp_publish_post({post_id}); return true;")
    wait_report(api_recorder, post_id, "publish")


def test_nothing_is_reported_for_posts_igny8_did_not_make_or_that_did_not_change(
    wordpress, key, api_recorder
):
    theirs = wordpress.php(
        "$id = wp_insert_post(['post_title' => 'Mine', 'post_status' => 'publish']);"
        " wp_update_post(['ID' => $id, 'post_status' => 'draft']); return $id;"
    )
    post_id = publish(wordpress, key, cid())["post_id"]
    wordpress.php(f"wp_update_post(['ID' => {post_id}, 'post_content' => 'Edited']); return true;")
    wordpress.php("\\Igny8\\Bridge\\Outbox::flush(); return true;")
    assert reports_for(api_recorder, theirs) == []
    # IGNY8's own publish is answered in its call, not reported back again.
    assert reports_for(api_recorder, post_id) == []


def test_a_publish_is_acknowledged_to_igny8(wordpress, key, api_recorder):
    content_id = cid()
    data = publish(wordpress, key, content_id)
    wordpress.php("\\Igny8\\Bridge\\Outbox::flush(); return true;")
    acks = api_recorder.wait_for(f"contents/{content_id}/ack")
    assert acks[-1].json() == {
        "post_id": data["post_id"],
        "url": data["permalink"],
        "status": "publish",
    }


def test_a_failed_report_waits_in_the_outbox_and_is_retried_by_wp_cron(
    wordpress, key, api_recorder
):
    post_id = publish(wordpress, key, cid())["post_id"]
    wordpress.php("\\Igny8\\Bridge\\Outbox::flush(); return true;")
    api_recorder.status = 500
    wordpress.php(f"wp_update_post(['ID' => {post_id}, 'post_status' => 'private']); return true;")
    waiting = [row for row in outbox(wordpress) if row["topic"] == f"post:{post_id}"]
    assert len(waiting) == 1
    assert int(waiting[0]["attempts"]) == 1
    assert "HTTP 500" in waiting[0]["last_error"]
    health = wordpress.php("return \\Igny8\\Bridge\\Log::health();")
    assert "HTTP 500" in health["last_error"]
    # A WP-Cron event is waiting for the retry.
    assert wordpress.php("return (bool) wp_next_scheduled('igny8_bridge_flush');")

    api_recorder.status = 200
    wordpress.php(
        "global $wpdb; $wpdb->query('UPDATE ' . \\Igny8\\Bridge\\Store::outboxTable()"
        " . ' SET next_at = 0'); return true;"
    )
    assert wordpress.run_cron(ahead=3600, hooks=["igny8_bridge_flush"]) == ["igny8_bridge_flush"]
    assert [r["status"] for r in reports_for(api_recorder, post_id)] == ["private", "private"]
    assert [row for row in outbox(wordpress) if row["topic"] == f"post:{post_id}"] == []


def test_a_report_igny8_cannot_take_is_given_up_with_the_reason(wordpress, key, api_recorder):
    post_id = publish(wordpress, key, cid())["post_id"]
    wordpress.php("\\Igny8\\Bridge\\Outbox::flush(); return true;")
    api_recorder.status = 404
    wordpress.php(f"wp_update_post(['ID' => {post_id}, 'post_status' => 'draft']); return true;")
    assert [row for row in outbox(wordpress) if row["topic"] == f"post:{post_id}"] == []
    last = wordpress.php("return \\Igny8\\Bridge\\Log::entries()[0];")
    assert last["ok"] is False and last["summary"].startswith("Given up")


def test_a_refused_key_is_kept_for_when_a_new_connection_string_is_pasted(
    wordpress, key, api_recorder
):
    post_id = publish(wordpress, key, cid())["post_id"]
    wordpress.php("\\Igny8\\Bridge\\Outbox::flush(); return true;")
    api_recorder.status = 401
    wordpress.php(f"wp_update_post(['ID' => {post_id}, 'post_status' => 'draft']); return true;")
    waiting = [row for row in outbox(wordpress) if row["topic"] == f"post:{post_id}"]
    assert len(waiting) == 1 and "revoked" in waiting[0]["last_error"]
    # IGNY8 sees it too when it checks the connection.
    health = wordpress.signed("GET", "/igny8/v1/status", key).json()["health"]
    assert health["reports_waiting"] == 1 and "revoked" in health["last_error"]


def test_the_status_route_can_prove_the_other_direction_too(wordpress, key, api_recorder):
    answer = wordpress.signed("POST", "/igny8/v1/status", key, {"callback": True})
    assert answer.status_code == 200, answer.text
    assert answer.json()["callback"] == {"ok": True, "status": 200, "error": ""}
    assert answer.json()["health"] == {"reports_waiting": 0, "last_error": ""}
    test_call = api_recorder.to("connection/test")[-1]
    assert test_call.headers["Authorization"] == f"Bearer {key}"
    assert test_call.json()["plugin_version"] == "1.0.0"


def test_the_callback_says_plainly_when_igny8_refuses_the_key(wordpress, key, api_recorder):
    api_recorder.status = 401
    answer = wordpress.signed("POST", "/igny8/v1/status", key, {"callback": True})
    callback = answer.json()["callback"]
    assert callback["ok"] is False and callback["status"] == 401
    assert "connection string" in callback["error"]


def test_new_categories_send_the_site_structure(wordpress, key, api_recorder):
    name = f"Fresh {secrets.token_hex(3)}"
    wordpress.php(f"wp_insert_term('{name}', 'category'); return true;")
    pushed = api_recorder.wait_for("site/structure")[-1].json()
    assert name in {c["name"] for c in pushed["categories"]}
    assert {"name": "post", "label": "Post"} in pushed["post_types"]
    assert pushed["plugin_version"] == "1.0.0"


def test_a_failing_report_waits_longer_each_time_and_is_given_up_after_ten_tries(
    wordpress, key, api_recorder
):
    post_id = publish(wordpress, key, cid())["post_id"]
    wordpress.php("\\Igny8\\Bridge\\Outbox::flush(); return true;")
    api_recorder.status = 503
    wordpress.php(f"wp_update_post(['ID' => {post_id}, 'post_status' => 'draft']); return true;")
    waits = []
    for _ in range(9):
        [row] = [r for r in outbox(wordpress) if r["topic"] == f"post:{post_id}"]
        waits.append(round((int(row["next_at"]) - wordpress.php("return time();")) / 60))
        wordpress.php(
            "global $wpdb; $wpdb->query('UPDATE ' . \\Igny8\\Bridge\\Store::outboxTable()"
            " . ' SET next_at = 0'); \\Igny8\\Bridge\\Outbox::flush(); return true;"
        )
    # Minutes before each retry: 1, 2, 4 … at most an hour.
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert [r for r in outbox(wordpress) if r["topic"] == f"post:{post_id}"] == []
    assert len(reports_for(api_recorder, post_id)) == 10
    last = wordpress.php("return \\Igny8\\Bridge\\Log::entries()[0];")
    assert last["ok"] is False and last["summary"].startswith("Given up")


def test_a_post_rescheduled_in_wp_admin_is_reported_as_future(wordpress, key, api_recorder):
    post_id = publish(wordpress, key, cid())["post_id"]
    wordpress.php("\\Igny8\\Bridge\\Outbox::flush(); return true;")
    wordpress.php(
        f"wp_update_post(['ID' => {post_id}, 'post_status' => 'future', 'edit_date' => true,"
        " 'post_date_gmt' => gmdate('Y-m-d H:i:s', time() + 7200),"
        " 'post_date' => get_date_from_gmt(gmdate('Y-m-d H:i:s', time() + 7200))]);"
        " return true;"
    )
    report = wait_report(api_recorder, post_id, "future")
    assert report["post_type"] == "post"
