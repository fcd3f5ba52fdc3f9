"""`igny8/v1/publish` and `unpublish` against a real WordPress: create or update by our content
id, never a second post; images into the media library, reused; terms by name; SEO keys."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from apps.publisher import signing

SEO_KEYS = {
    "title": [
        "_yoast_wpseo_title",
        "rank_math_title",
        "_seopress_titles_title",
        "_aioseo_title",
        "_igny8_meta_title",
    ],
    "description": [
        "_yoast_wpseo_metadesc",
        "rank_math_description",
        "_seopress_titles_desc",
        "_aioseo_description",
        "_igny8_meta_description",
    ],
    "focus_keyword": [
        "_yoast_wpseo_focuskw",
        "rank_math_focus_keyword",
        "_seopress_analysis_target_kw",
        "_aioseo_keywords",
        "_igny8_meta_focus_keyword",
    ],
}


@pytest.fixture
def key(wordpress, api_recorder) -> Iterator[str]:
    new = signing.new_key()
    wordpress.connect(signing.connection_string(api_recorder.url, new.key))
    yield new.key
    # The WordPress is the session's: leave it as found, not connected.
    wordpress.disconnect()


def image(color: str, ref: int, role: str = "inline", alt: str = "") -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    return {
        "sha256": digest,
        "filename": f"picture-{digest[:12]}.png",
        "mime": "image/png",
        "alt": alt or f"A {color} square",
        "caption": f"Caption {ref}",
        "data_b64": base64.b64encode(data).decode(),
        "role": role,
        "ref": ref,
    }


def unique_color() -> str:
    return "#" + secrets.token_hex(3)


def article(content_id: str, **overrides) -> dict:
    payload = {
        "content_id": content_id,
        "title": "How to compost at home",
        "html": "<h2>Start</h2><p>Greens and browns.</p>",
        "excerpt": "A short guide.",
        "slug": f"compost-{content_id}",
        "status": "publish",
        "date_gmt": None,
        "post_type": "post",
        "categories": [],
        "tags": [],
        "images": [],
        "seo": {},
    }
    payload.update(overrides)
    return payload


def publish(wordpress, key, payload) -> httpx.Response:
    return wordpress.signed("POST", "/igny8/v1/publish", key, payload)


def cid() -> str:
    return str(secrets.randbelow(10**9))


def test_publish_creates_a_post_with_title_body_excerpt_slug_and_status(wordpress, key):
    content_id = cid()
    html = (
        '<h2>Start</h2><p onclick="x()">Greens <strong>and</strong> browns.</p>'
        "<script>bad()</script>"
    )
    answer = publish(wordpress, key, article(content_id, html=html))
    assert answer.status_code == 201, answer.text
    data = answer.json()
    assert data["created"] is True
    assert data["status"] == "publish"
    post = wordpress.post(data["post_id"])
    assert post["title"] == "How to compost at home"
    assert post["excerpt"] == "A short guide."
    assert post["slug"] == f"compost-{content_id}"
    assert post["status"] == "publish"
    assert post["meta"]["_igny8_content_id"] == content_id
    # Through wp_kses_post: markup kept, scripts and handlers gone.
    assert "<strong>and</strong>" in post["content"]
    assert "<script" not in post["content"] and "onclick" not in post["content"]
    assert "bad()" not in post["content"]
    assert data["permalink"] == post["permalink"]
    assert data["permalink"].endswith(f"/compost-{content_id}/")
    live = httpx.get(data["permalink"], timeout=30)
    assert live.status_code == 200 and "How to compost at home" in live.text


def test_publishing_again_updates_the_same_post_never_a_second(wordpress, key):
    content_id = cid()
    first = publish(wordpress, key, article(content_id)).json()
    again = publish(wordpress, key, article(content_id, title="How to compost, revised"))
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    assert again.json()["post_id"] == first["post_id"]
    assert wordpress.posts_for_content(content_id) == [first["post_id"]]
    assert wordpress.post(first["post_id"])["title"] == "How to compost, revised"


def test_simultaneous_publishes_of_one_article_make_one_post(wordpress, key):
    content_id = cid()
    answers: list[httpx.Response] = []

    def send() -> None:
        answers.append(publish(wordpress, key, article(content_id)))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 200, 201]
    assert len(wordpress.posts_for_content(content_id)) == 1


def test_a_trashed_post_published_again_comes_back_instead_of_a_new_one(wordpress, key):
    content_id = cid()
    post_id = publish(wordpress, key, article(content_id)).json()["post_id"]
    wordpress.php(f"wp_trash_post({post_id}); return true;")
    again = publish(wordpress, key, article(content_id)).json()
    assert again["post_id"] == post_id
    assert again["status"] == "publish"
    assert wordpress.posts_for_content(content_id) == [post_id]


def test_categories_and_tags_by_name_are_created_when_missing_and_reused(wordpress, key):
    word = secrets.token_hex(3)
    payload = article(
        cid(), categories=[f"Gardening {word}"], tags=[f"compost {word}", f"soil {word}"]
    )
    data = publish(wordpress, key, payload).json()
    post = wordpress.post(data["post_id"])
    assert post["categories"] == [f"Gardening {word}"]
    assert sorted(post["tags"]) == [f"compost {word}", f"soil {word}"]
    assert len(data["term_ids"]["category"]) == 1 and len(data["term_ids"]["post_tag"]) == 2
    second = publish(wordpress, key, {**payload, "content_id": cid()}).json()
    assert second["term_ids"] == data["term_ids"]


def test_a_category_mapped_in_the_settings_is_used_instead_of_a_new_one(wordpress, key):
    word = secrets.token_hex(3)
    existing = wordpress.php(f"return wp_insert_term('Our garden {word}', 'category')['term_id'];")
    wordpress.php(
        "\\Igny8\\Bridge\\Settings::save(['category_map' => "
        f"\\Igny8\\Bridge\\Settings::parseCategoryMap('Gardening {word} = Our garden {word}')[0]]);"
        " return true;"
    )
    try:
        data = publish(wordpress, key, article(cid(), categories=[f"gardening {word}"])).json()
        assert data["term_ids"]["category"] == [existing]
        assert wordpress.php(f"return term_exists('gardening {word}', 'category');") is None
    finally:
        wordpress.php("\\Igny8\\Bridge\\Settings::save(['category_map' => []]); return true;")


def test_seo_title_description_and_keyword_go_to_every_seo_plugins_keys(wordpress, key):
    seo = {
        "title": "Compost | Guide",
        "description": "Everything to start.",
        "focus_keyword": "compost",
    }
    data = publish(wordpress, key, article(cid(), seo=seo)).json()
    meta = wordpress.post(data["post_id"])["meta"]
    for field, keys in SEO_KEYS.items():
        for meta_key in keys:
            assert meta.get(meta_key) == seo[field], meta_key
    # Our own keys are readable through the core REST API (show_in_rest).
    rest = httpx.get(
        wordpress.rest_url(f"/wp/v2/posts/{data['post_id']}"),
        params={"context": "edit"},
        headers=wordpress.basic_auth(),
        timeout=30,
    ).json()
    assert rest["meta"]["_igny8_meta_title"] == "Compost | Guide"
    assert rest["meta"]["_igny8_meta_focus_keyword"] == "compost"


def test_all_in_one_seo_4s_own_table_is_kept_in_step(wordpress, key):
    # AIOSEO 4 reads its wp_aioseo_posts table before post meta; the columns we write are
    # those of its schema (the rest have defaults there).
    wordpress.php(
        'global $wpdb; $wpdb->query("CREATE TABLE {$wpdb->prefix}aioseo_posts (id bigint'
        " unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, post_id bigint unsigned NOT NULL,"
        " title text, description text, keyphrases longtext, created datetime NOT NULL,"
        ' updated datetime NOT NULL)"); return true;'
    )
    row = (
        'global $wpdb; return $wpdb->get_results($wpdb->prepare("SELECT title, description,'
        ' keyphrases FROM {$wpdb->prefix}aioseo_posts WHERE post_id = %d", POST), ARRAY_A);'
    )
    try:
        seo = {"title": "Compost | Guide", "description": "Start here.", "focus_keyword": "compost"}
        post_id = publish(wordpress, key, article(content_id := cid(), seo=seo)).json()["post_id"]
        [saved] = wordpress.php(row.replace("POST", str(post_id)))
        assert (saved["title"], saved["description"]) == ("Compost | Guide", "Start here.")
        assert json.loads(saved["keyphrases"])["focus"]["keyphrase"] == "compost"
        # A re-publish updates that row; it never adds a second one.
        seo = {**seo, "title": "Compost | Updated"}
        publish(wordpress, key, article(content_id, seo=seo))
        assert [r["title"] for r in wordpress.php(row.replace("POST", str(post_id)))] == [
            "Compost | Updated"
        ]
    finally:
        wordpress.php(
            'global $wpdb; $wpdb->query("DROP TABLE IF EXISTS {$wpdb->prefix}aioseo_posts");'
            " return true;"
        )


def test_featured_and_in_article_images_go_to_the_media_library_with_alt_text(wordpress, key):
    featured = image(unique_color(), 11, "featured", alt="The featured one")
    inline = image(unique_color(), 12, alt="A heap of leaves")
    html = (
        '<h2>Start</h2><figure><img src="/writer/images/12/file/?v=1" alt="A heap of leaves"'
        ' data-igny8-image="12" class="aligncenter"><figcaption>Leaves</figcaption></figure>'
        '<p>Untouched: <img src="https://example.com/x.png" alt=""></p>'
    )
    data = publish(wordpress, key, article(cid(), html=html, images=[featured, inline])).json()
    post = wordpress.post(data["post_id"])
    assert post["thumbnail_id"] == data["featured_media"] > 0
    thumb = wordpress.post(post["thumbnail_id"])
    assert thumb["type"] == "attachment"
    assert thumb["meta"]["_wp_attachment_image_alt"] == "The featured one"
    assert thumb["meta"]["_igny8_image_sha256"] == featured["sha256"]
    inline_media = data["media"]["12"]
    assert inline_media["reused"] is False
    assert f'src="{inline_media["url"]}"' in post["content"]
    assert f"wp-image-{inline_media['id']}" in post["content"]
    assert "aligncenter" in post["content"]
    assert 'src="https://example.com/x.png"' in post["content"]
    assert (
        wordpress.post(inline_media["id"])["meta"]["_wp_attachment_image_alt"] == "A heap of leaves"
    )
    assert httpx.get(inline_media["url"], timeout=30).status_code == 200


def test_republishing_reuses_the_images_and_can_send_them_without_their_bytes(wordpress, key):
    featured = image(unique_color(), 21, "featured")
    content_id = cid()
    first = publish(wordpress, key, article(content_id, images=[featured])).json()
    again = publish(wordpress, key, article(content_id, images=[featured])).json()
    assert again["featured_media"] == first["featured_media"]
    assert again["media"]["21"]["reused"] is True
    # Known by its sha256: the bytes need not travel again.
    light = {**featured, "data_b64": ""}
    third = publish(wordpress, key, article(content_id, images=[light]))
    assert third.status_code == 200, third.text
    assert third.json()["featured_media"] == first["featured_media"]
    assert wordpress.attachments_with_sha(featured["sha256"]) == [first["featured_media"]]


def test_an_attachment_whose_file_is_gone_is_uploaded_again(wordpress, key):
    featured = image(unique_color(), 31, "featured")
    content_id = cid()
    first = publish(wordpress, key, article(content_id, images=[featured])).json()
    wordpress.php(f"unlink(get_attached_file({first['featured_media']})); return true;")
    again = publish(wordpress, key, article(content_id, images=[featured])).json()
    assert again["featured_media"] != first["featured_media"]
    assert again["media"]["31"]["reused"] is False
    assert wordpress.post(again["post_id"])["thumbnail_id"] == again["featured_media"]
    assert wordpress.attachments_with_sha(featured["sha256"]) == [again["featured_media"]]


def test_an_unknown_image_without_bytes_is_asked_for(wordpress, key):
    missing = {**image(unique_color(), 41, "featured"), "data_b64": ""}
    answer = publish(wordpress, key, article(cid(), images=[missing]))
    assert answer.status_code == 409
    assert answer.json()["data"]["sha256"] == [missing["sha256"]]


def test_an_image_that_does_not_match_its_sha256_is_refused(wordpress, key):
    damaged = {**image(unique_color(), 51, "featured"), "sha256": "0" * 64}
    content_id = cid()
    answer = publish(wordpress, key, article(content_id, images=[damaged]))
    assert answer.status_code == 400
    assert answer.json()["code"] == "igny8_bad_image"
    assert wordpress.posts_for_content(content_id) == []


def test_a_future_post_is_scheduled_in_wordpress(wordpress, key):
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    payload = article(cid(), status="future", date_gmt=when.strftime("%Y-%m-%dT%H:%M:%S"))
    data = publish(wordpress, key, payload).json()
    post = wordpress.post(data["post_id"])
    assert post["status"] == data["status"] == "future"
    assert post["date_gmt"] == when.strftime("%Y-%m-%d %H:%M:%S")
    # Published now: the post leaves the schedule at today's date.
    now = publish(wordpress, key, {**payload, "status": "publish", "date_gmt": None}).json()
    assert now["status"] == "publish"
    assert wordpress.post(data["post_id"])["date_gmt"] < when.strftime("%Y-%m-%d %H:%M:%S")


def test_a_future_date_less_than_a_minute_ahead_publishes_now(wordpress, key):
    when = datetime.now(UTC) + timedelta(seconds=20)
    payload = article(cid(), status="future", date_gmt=when.strftime("%Y-%m-%dT%H:%M:%S"))
    assert publish(wordpress, key, payload).json()["status"] == "publish"


def test_a_page_can_be_published_and_an_unknown_post_type_is_refused(wordpress, key):
    page = publish(wordpress, key, article(cid(), post_type="page")).json()
    assert wordpress.post(page["post_id"])["type"] == "page"
    answer = publish(wordpress, key, article(cid(), post_type="no_such_type"))
    assert answer.status_code == 400
    assert "post_type" in answer.json()["data"]["fields"]


def test_bad_fields_are_named(wordpress, key):
    answer = publish(wordpress, key, {"content_id": "", "title": "", "status": "live", "tags": "x"})
    assert answer.status_code == 400
    assert set(answer.json()["data"]["fields"]) >= {"content_id", "title", "status", "tags"}


def test_the_default_post_status_applies_when_igny8_sends_none(wordpress, key):
    wordpress.php("\\Igny8\\Bridge\\Settings::save(['post_status' => 'draft']); return true;")
    try:
        data = publish(wordpress, key, article(cid(), status="")).json()
        assert data["status"] == "draft"
    finally:
        wordpress.php("\\Igny8\\Bridge\\Settings::save(['post_status' => 'publish']); return true;")


def test_the_default_author_writes_igny8s_posts(wordpress, key):
    author = wordpress.create_user("igny8-author", "author")
    wordpress.php(f"\\Igny8\\Bridge\\Settings::save(['author' => {author}]); return true;")
    try:
        data = publish(wordpress, key, article(cid())).json()
        assert wordpress.post(data["post_id"])["author"] == author
    finally:
        wordpress.php("\\Igny8\\Bridge\\Settings::save(['author' => 0]); return true;")


def test_unpublish_takes_the_post_back_to_draft_or_to_the_trash(wordpress, key):
    content_id = cid()
    post_id = publish(wordpress, key, article(content_id)).json()["post_id"]
    draft = wordpress.signed("POST", "/igny8/v1/unpublish", key, {"content_id": content_id})
    assert draft.status_code == 200, draft.text
    assert draft.json()["status"] == "draft"
    assert wordpress.post(post_id)["status"] == "draft"
    trash = wordpress.signed(
        "POST", "/igny8/v1/unpublish", key, {"post_id": post_id, "mode": "trash"}
    )
    assert trash.json()["status"] == "trash"
    assert wordpress.post(post_id)["status"] == "trash"


def test_unpublish_touches_only_posts_igny8_made(wordpress, key):
    theirs = wordpress.php(
        "return wp_insert_post(['post_title' => 'Mine', 'post_status' => 'publish']);"
    )
    answer = wordpress.signed("POST", "/igny8/v1/unpublish", key, {"post_id": theirs})
    assert answer.status_code == 404
    assert wordpress.post(theirs)["status"] == "publish"


def test_a_post_made_before_the_plugin_is_taken_over_by_its_id(wordpress, key):
    # Published through WordPress's own REST API first (no content id on it): IGNY8 sends the
    # post id it knows, and the plugin updates that post instead of making a second one.
    made = wordpress.php(
        "return wp_insert_post(['post_title' => 'Core made', 'post_status' => 'publish']);"
    )
    content_id = cid()
    answer = publish(wordpress, key, article(content_id, post_id=made, title="Taken over"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["post_id"] == made and answer.json()["created"] is False
    assert wordpress.posts_for_content(content_id) == [made]
    assert wordpress.post(made)["title"] == "Taken over"
    # From then on the content id finds it, whatever id is sent.
    again = publish(wordpress, key, article(content_id, post_id=None, title="Again"))
    assert again.json()["post_id"] == made


def test_a_post_of_another_article_or_type_is_never_taken_over(wordpress, key):
    other = cid()
    theirs = publish(wordpress, key, article(other)).json()["post_id"]
    page = wordpress.php(
        "return wp_insert_post(['post_title' => 'A page', 'post_type' => 'page',"
        " 'post_status' => 'publish']);"
    )
    for post_id in (theirs, page, 10**8):
        content_id = cid()
        answer = publish(wordpress, key, article(content_id, post_id=post_id))
        assert answer.status_code == 201, answer.text
        assert answer.json()["post_id"] not in (theirs, page)
    assert wordpress.posts_for_content(other) == [theirs]
    assert wordpress.post(page)["title"] == "A page"
    bad = publish(wordpress, key, article(cid(), post_id="12; DROP"))
    assert bad.status_code == 400 and "post_id" in bad.json()["data"]["fields"]


def test_site_structure_lists_post_types_taxonomies_categories_and_tags(wordpress, key):
    word = secrets.token_hex(3)
    wordpress.php(f"wp_insert_term('Structure {word}', 'category'); return true;")
    answer = wordpress.signed("GET", "/igny8/v1/site-structure", key)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert "post" in {t["name"] for t in data["post_types"]}
    assert f"Structure {word}" in {c["name"] for c in data["categories"]}
    assert isinstance(data["tags"], list)


def test_the_plugin_raised_no_php_warning_or_notice(wordpress, key):
    """PHP 8.2 deprecations and warnings from our code would end up in JSON bodies on hosts
    that display errors; none may come from the plugin (WordPress core's own are not ours)."""
    publish(wordpress, key, article(cid(), images=[image(unique_color(), 61, "featured")]))
    ours = [line for line in wordpress.error_log().splitlines() if "igny8-bridge" in line]
    assert ours == []


def test_the_title_is_text_and_the_excerpt_is_cleaned(wordpress, key):
    payload = article(
        cid(),
        title="Compost <b>now</b> & <script>x()</script>later",
        excerpt="A <em>short</em> guide<script>bad()</script>",
    )
    data = publish(wordpress, key, payload).json()
    post = wordpress.post(data["post_id"])
    assert post["title"] == "Compost now & later"
    assert post["excerpt"] == "A <em>short</em> guide"
