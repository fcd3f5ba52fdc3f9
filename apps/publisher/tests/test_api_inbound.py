"""What each endpoint does: the plugin reaching us, the site's structure, a post's status
following into the article's publishing status, content pull and the publish acknowledgement;
each scoped to the key's site, each leaving a sync event."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher.models import Publication
from apps.publisher.tests.api_helpers import (  # noqa: F401 - fixtures
    data_of,
    error_of,
    foreign_fixture,
    neighbour_fixture,
    wired_fixture,
)
from apps.publisher.tests.helpers import approved_article
from apps.writer.models import Content, Image, ImageStatus

pytestmark = pytest.mark.django_db


def _state(wired, content) -> tuple[str, Publication | None]:
    with schema_context(wired.ws.schema):
        status = Content.objects.get(pk=content.pk).publishing_status
        publication = Publication.objects.filter(content_id=content.pk).first()
    return status, publication


def _published(wired, content, post_id: int = 41, url: str = "https://wp.example.com/drain/"):
    """As our publishing service leaves an article it delivered."""
    with schema_context(wired.ws.schema):
        Publication.objects.create(
            content=content,
            site=wired.site,
            remote_id=post_id,
            remote_url=url,
            remote_status="publish",
            published_at=timezone.now(),
        )
        Content.objects.filter(pk=content.pk).update(publishing_status="published")


# --- connection test -----------------------------------------------------------------------


def test_the_plugin_reaching_us_is_recorded_with_what_it_runs(wired):
    assert wired.refresh().inbound_ok_at is None
    data = data_of(
        wired.post(
            "/connection/test",
            {"plugin_version": "1.0.0", "wp_version": "6.4.2", "seo_plugin": "yoast"},
        )
    )
    connection = wired.refresh()
    assert connection.inbound_ok_at is not None
    assert (connection.plugin_version, connection.wp_version, connection.seo_plugin) == (
        "1.0.0",
        "6.4.2",
        "yoast",
    )
    assert data["connection"]["inbound_ok_at"] == connection.inbound_ok_at.isoformat()
    event = wired.events()[-1]
    assert (event.direction, event.kind, event.ok) == ("in", "test", True)
    assert "1.0.0" in event.summary


def test_a_get_proves_the_way_in_too_and_changes_no_versions(wired):
    wired.post("/connection/test", {"wp_version": "6.5"})
    data_of(wired.get("/connection/test"))
    assert wired.refresh().wp_version == "6.5"


def test_bad_versions_are_refused_field_by_field(wired):
    response = wired.post("/connection/test", {"wp_version": 6.4, "plugin_version": "x" * 21})
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert fields == {"plugin_version": ["At most 20 characters."], "wp_version": ["Must be text."]}
    assert wired.refresh().inbound_ok_at is None
    event = wired.events()[-1]
    assert (event.kind, event.ok) == ("test", False)
    assert "wp_version" in event.error


# --- site structure ------------------------------------------------------------------------

STRUCTURE = {
    "post_types": [{"name": "post", "label": "Posts"}, {"name": "page", "label": "Pages"}],
    "taxonomies": [{"name": "category", "label": "Categories"}],
    "categories": [{"id": 1, "name": "Uncategorized", "slug": "uncategorized", "parent": 0}],
    "tags": [{"id": 7, "name": "drains", "slug": "drains"}],
    "wp_version": "6.4.2",
}


def test_the_site_structure_is_kept_for_the_integration_page(wired):
    data = data_of(wired.post("/site/structure", STRUCTURE))
    assert data["post_types"] == 2 and data["tags"] == 1
    connection = wired.refresh()
    assert connection.post_types == STRUCTURE["post_types"]
    assert connection.categories == STRUCTURE["categories"]
    assert connection.tags == [{"id": 7, "name": "drains", "slug": "drains", "parent": 0}]
    assert connection.structure_at is not None and connection.wp_version == "6.4.2"
    assert wired.events()[-1].kind == "structure"


def test_text_postgresql_cannot_keep_is_replaced_not_refused(wired):
    body = '{"tags": [{"id": 3, "name": "a\\u0000b\\ud800"}], "wp_version": "6.\\u0000"}'
    data_of(wired.post("/site/structure", body))
    connection = wired.refresh()
    assert connection.tags[0]["name"] == "a\ufffdb\ufffd"
    assert connection.wp_version == "6.\ufffd"


def test_a_partial_push_leaves_the_other_lists_alone(wired):
    wired.post("/site/structure", STRUCTURE)
    data_of(wired.post("/site/structure", {"tags": []}))
    connection = wired.refresh()
    assert connection.tags == [] and len(connection.categories) == 1


def test_a_bad_structure_names_the_bad_entries(wired):
    response = wired.post(
        "/site/structure",
        {"categories": [{"id": 0, "name": ""}, {"name": "No id"}], "post_types": "post"},
    )
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert fields["categories.0.id"] == ["Must be at least 1."]
    assert fields["categories.0.name"] == ["Must not be empty."]
    assert fields["categories.1.id"] == ["This field is required."]
    assert fields["post_types"] == ["Must be a list."]
    assert wired.refresh().structure_at is None


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "", '{"tags": [{"id": "\\u0000"}]}'])
def test_a_body_that_is_no_json_object_is_refused(wired, body):
    response = wired.post("/site/structure", body)
    assert response.status_code == 400
    assert error_of(response)["fields"]


# --- post status -----------------------------------------------------------------------------


def test_a_post_put_back_to_draft_makes_the_article_not_published_and_keeps_the_post(wired):
    article = wired.content()
    _published(wired, article)
    data = data_of(wired.post("/posts/status", {"post_id": 41, "status": "draft"}))
    assert data == {
        "content_id": article.pk,
        "post_id": 41,
        "post_status": "draft",
        "post_url": "https://wp.example.com/drain/",
        "publishing_status": "not_published",
        "changed": True,
    }
    status, publication = _state(wired, article)
    assert status == "not_published"
    assert (publication.remote_id, publication.remote_status) == (41, "draft")
    event = wired.events()[-1]
    assert (event.direction, event.kind, event.object_id) == ("in", "status", str(article.pk))


def test_published_again_in_wordpress_the_article_follows_with_its_new_address(wired):
    article = wired.content()
    _published(wired, article)
    wired.post("/posts/status", {"post_id": 41, "status": "draft"})
    data = data_of(
        wired.post(
            "/posts/status",
            {
                "content_id": article.pk,
                "status": "publish",
                "permalink": "https://wp.example.com/new/",
            },
        )
    )
    assert data["publishing_status"] == "published"
    status, publication = _state(wired, article)
    assert status == "published"
    assert publication.remote_url == "https://wp.example.com/new/"


def test_trash_makes_the_article_not_published_and_keeps_its_last_address(wired):
    article = wired.content()
    _published(wired, article)
    wired.post(
        "/posts/status",
        {"post_id": 41, "status": "trash", "permalink": "https://wp.example.com/?p=41__trashed"},
    )
    status, publication = _state(wired, article)
    assert status == "not_published"
    assert publication.remote_status == "trash"
    assert publication.remote_url == "https://wp.example.com/drain/"


def test_a_new_address_alone_is_logged_as_a_permalink_change(wired):
    article = wired.content()
    _published(wired, article)
    data = data_of(
        wired.post(
            "/posts/status",
            {"post_id": 41, "status": "publish", "permalink": "https://wp.example.com/renamed/"},
        )
    )
    assert data["changed"] is True and data["publishing_status"] == "published"
    assert wired.events()[-1].kind == "permalink"
    again = data_of(
        wired.post(
            "/posts/status",
            {"post_id": 41, "status": "publish", "permalink": "https://wp.example.com/renamed/"},
        )
    )
    assert again["changed"] is False


def test_the_first_report_of_a_post_links_it_to_the_article(wired):
    """A publish whose answer we never got (a timeout) is found again by WordPress's report."""
    article = wired.content()
    with schema_context(wired.ws.schema):
        Content.objects.filter(pk=article.pk).update(publishing_status="failed")
    data = data_of(
        wired.post(
            "/posts/status",
            {
                "content_id": article.pk,
                "post_id": 77,
                "status": "publish",
                "permalink": "https://wp.example.com/x/",
            },
        )
    )
    assert data["publishing_status"] == "published" and data["post_id"] == 77
    status, publication = _state(wired, article)
    assert publication.remote_id == 77 and publication.published_at is not None


def test_while_our_attempt_runs_the_report_is_kept_but_the_attempt_decides(wired):
    article = wired.content()
    with schema_context(wired.ws.schema):
        Content.objects.filter(pk=article.pk).update(publishing_status="publishing")
    data = data_of(
        wired.post("/posts/status", {"content_id": article.pk, "post_id": 5, "status": "draft"})
    )
    assert data["publishing_status"] == "publishing"
    assert _state(wired, article)[1].remote_status == "draft"


def test_a_scheduled_article_keeps_its_slot_unless_the_post_went_out(wired):
    article = wired.content()
    _published(wired, article)
    with schema_context(wired.ws.schema):
        Content.objects.filter(pk=article.pk).update(publishing_status="scheduled")
    assert (
        data_of(wired.post("/posts/status", {"post_id": 41, "status": "pending"}))[
            "publishing_status"
        ]
        == "scheduled"
    )
    assert (
        data_of(wired.post("/posts/status", {"post_id": 41, "status": "future"}))[
            "publishing_status"
        ]
        == "published"
    )


def test_a_slot_taken_over_by_wordpress_leaves_the_dispatchers_index(wired):
    """Published in WordPress before its slot: the public index forgets the slot, so the
    dispatcher does not wake for it."""
    from apps.publisher.services.index import index_bump
    from apps.schedule.models import PublishIndex

    article = wired.content()
    _published(wired, article)
    slot = timezone.now() + dt.timedelta(hours=2)
    with schema_context(wired.ws.schema):
        Publication.objects.filter(content=article).update(publish_at=slot, remote_status="draft")
        Content.objects.filter(pk=article.pk).update(publishing_status="scheduled")
        index_bump(site=wired.site, when=slot, account=wired.ws.account)
    row = PublishIndex.objects.get(account=wired.ws.account, site_id=wired.site.pk)
    assert row.next_due_at == slot
    data_of(wired.post("/posts/status", {"post_id": 41, "status": "publish"}))
    row.refresh_from_db()
    assert row.next_due_at is None


def test_an_ack_during_our_own_attempt_records_the_post_and_leaves_the_status_to_it(wired):
    article = wired.content()
    with schema_context(wired.ws.schema):
        Content.objects.filter(pk=article.pk).update(publishing_status="publishing")
    data = data_of(wired.post(f"/contents/{article.pk}/ack", {"post_id": 12}))
    assert (data["publishing_status"], data["post_id"]) == ("publishing", 12)


def test_a_status_we_already_had_moves_nothing(wired):
    """The plugin echoes our own publish as draft (the schedule asked for drafts)."""
    article = wired.content()
    _published(wired, article)
    with schema_context(wired.ws.schema):
        Publication.objects.filter(content=article).update(remote_status="draft")
    data = data_of(wired.post("/posts/status", {"post_id": 41, "status": "draft"}))
    assert data["publishing_status"] == "published" and data["changed"] is False


def test_the_plugins_own_report_is_understood(wired):
    """As IGNY8 Bridge sends it: `remote_id`, our id as post meta text, trash without an
    address, and fields we do not need."""
    article = wired.content()
    _published(wired, article)
    body = {
        "remote_id": 41,
        "content_id": str(article.pk),
        "status": "trash",
        "permalink": "",
        "post_type": "post",
        "modified_gmt": "2026-12-07T10:00:00+00:00",
    }
    data = data_of(wired.post("/posts/status", body))
    assert (data["post_id"], data["publishing_status"]) == (41, "not_published")
    assert _state(wired, article)[1].remote_url == "https://wp.example.com/drain/"


def test_a_post_deleted_for_good_is_forgotten_so_a_republish_makes_a_new_one(wired):
    article = wired.content()
    _published(wired, article)
    body = {"remote_id": 41, "content_id": str(article.pk), "status": "trash", "deleted": True}
    data = data_of(wired.post("/posts/status", body))
    assert (data["post_id"], data["post_status"], data["post_url"]) == (None, "deleted", "")
    status, publication = _state(wired, article)
    assert status == "not_published" and publication.remote_id is None
    ack = wired.post(f"/contents/{article.pk}/ack", {"remote_id": 58, "status": "publish"})
    assert data_of(ack)["post_id"] == 58


def test_a_copy_of_our_post_made_in_wordpress_does_not_move_the_article(wired):
    article = wired.content()
    _published(wired, article)
    response = wired.post(
        "/posts/status", {"content_id": article.pk, "post_id": 99, "status": "trash"}
    )
    assert response.status_code == 409
    assert "41" in error_of(response)["message"]
    assert _state(wired, article)[0] == "published"


def test_posts_and_articles_of_other_sites_are_not_found(wired, neighbour, foreign):
    mine = wired.content()
    _published(wired, mine)
    theirs = neighbour.content()
    _published(neighbour, theirs, post_id=500)
    response = wired.post("/posts/status", {"post_id": 500, "status": "trash"})
    assert response.status_code == 404
    response = wired.post("/posts/status", {"content_id": theirs.pk, "status": "trash"})
    assert response.status_code == 404
    assert _state(neighbour, theirs)[0] == "published"
    assert foreign.post("/posts/status", {"post_id": 41, "status": "trash"}).status_code == 404
    assert _state(wired, mine)[0] == "published"


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"post_id": 41}, {"status": ["This field is required."]}),
        ({"status": "publish"}, {"remote_id": ["Give remote_id, post_id or content_id."]}),
        (
            {"remote_id": 41, "post_id": 42, "status": "draft"},
            {"post_id": ["Send remote_id or post_id, not both."]},
        ),
        ({"content_id": "4x", "status": "draft"}, {"content_id": ["Has the wrong form."]}),
        (
            {"post_id": 41, "status": "deleted"},
            {"status": ["Must be one of: publish, draft, pending, future, private, trash."]},
        ),
        ({"post_id": "41", "status": "draft"}, {"post_id": ["Must be a whole number."]}),
        (
            {"post_id": 41, "status": "draft", "permalink": "javascript:alert(1)"},
            {"permalink": ["Must be an absolute address starting with http:// or https://."]},
        ),
    ],
)
def test_a_bad_status_report_is_refused_with_its_fields(wired, body, fields):
    response = wired.post("/posts/status", body)
    assert response.status_code == 400
    assert error_of(response)["fields"] == fields


# --- content pull ----------------------------------------------------------------------------


def test_the_list_holds_the_approved_articles_of_the_keys_site_only(wired, neighbour):
    first = wired.content("First")
    second = wired.content("Second")
    wired.content("Still a draft", approved=False)
    neighbour.content("Neighbour's")
    data = data_of(wired.get("/contents"))
    assert [item["id"] for item in data["items"]] == [second.pk, first.pk]
    assert (data["total"], data["pages"], data["page"], data["per_page"]) == (2, 1, 1, 20)
    assert data["items"][0]["publishing_status"] == "not_published"
    assert wired.events()[-1].kind == "pull"


def test_the_list_pages_and_filters(wired):
    articles = [wired.content(f"Article {n}") for n in range(5)]
    _published(wired, articles[0])
    data = data_of(wired.get("/contents", per_page=2, page=3))
    assert (data["total"], data["pages"], len(data["items"])) == (5, 3, 1)
    assert data["items"][0]["id"] == articles[0].pk and data["items"][0]["post_id"] == 41
    published = data_of(wired.get("/contents", publishing_status="published"))
    assert [item["id"] for item in published["items"]] == [articles[0].pk]
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert data_of(wired.get("/contents", updated_since=future))["total"] == 0
    assert data_of(wired.get("/contents", page=9))["items"] == []


@pytest.mark.parametrize(
    "params, field",
    [
        ({"per_page": 101}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"publishing_status": "gone"}, "publishing_status"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2026-01-31T09:00:00"}, "updated_since"),  # no offset
    ],
)
def test_bad_list_parameters_are_refused(wired, params, field):
    response = wired.get("/contents", **params)
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [field]


def test_an_article_reads_whole_with_its_seo_fields(wired):
    article = wired.content(meta_title="Clean drains", primary_keyword="clean a drain")
    data = data_of(wired.get(f"/contents/{article.pk}"))
    assert data["id"] == article.pk
    assert "<h2>Why drains clog</h2>" in data["html"]
    assert (data["meta_title"], data["focus_keyword"]) == ("Clean drains", "clean a drain")
    assert data["images"] == []


def test_an_article_reads_with_its_pictures_bytes_for_a_pull_client(wired):
    article = approved_article(wired.ws, wired.site, inline=1)
    with schema_context(wired.ws.schema):
        Content.objects.filter(pk=article.pk).update(approved_at=timezone.now())
        files = {i.pk: i.file.open("rb").read() for i in article.images.all()}
    data = data_of(wired.get(f"/contents/{article.pk}"))
    assert {i["role"] for i in data["images"]} == {"featured", "inline"}
    for image in data["images"]:
        sent = base64.b64decode(image["data_b64"])
        assert image["ready"] and sent == files[image["id"]]
        assert image["sha256"] == hashlib.sha256(sent).hexdigest()
        assert image["mime"].startswith("image/") and image["filename"]
    # The body marks where each in-article picture goes, by the same id.
    inline = next(i for i in data["images"] if i["role"] == "inline")
    assert f'data-igny8-image="{inline["id"]}"' in data["html"]
    # A picture not made yet is listed without bytes.
    with schema_context(wired.ws.schema):
        Image.objects.filter(pk=inline["id"]).update(status=ImageStatus.PENDING)
    again = data_of(wired.get(f"/contents/{article.pk}"))["images"]
    waiting = next(i for i in again if i["id"] == inline["id"])
    assert waiting["ready"] is False and "data_b64" not in waiting


def test_drafts_and_other_sites_articles_are_not_found(wired, neighbour, foreign):
    draft = wired.content(approved=False)
    theirs = neighbour.content()
    for content_id in (draft.pk, theirs.pk):
        response = wired.get(f"/contents/{content_id}")
        assert response.status_code == 404
        assert "html" not in response.content.decode()
    assert foreign.get(f"/contents/{wired.content().pk}").status_code == 404
    assert wired.get("/contents/abc").status_code == 400


# --- publish acknowledgement -----------------------------------------------------------------


def test_an_acknowledged_publish_marks_the_article_published_once(wired):
    article = wired.content()
    body = {"post_id": 12, "url": "https://wp.example.com/drain/", "status": "publish"}
    data = data_of(wired.post(f"/contents/{article.pk}/ack", body))
    assert data["publishing_status"] == "published" and data["changed"] is True
    status, publication = _state(wired, article)
    assert (status, publication.remote_id, publication.remote_url) == (
        "published",
        12,
        "https://wp.example.com/drain/",
    )
    assert data_of(wired.post(f"/contents/{article.pk}/ack", body))["changed"] is False
    assert [event.kind for event in wired.events()] == ["ack", "ack"]


def test_acknowledging_another_post_for_the_same_article_is_a_conflict(wired):
    article = wired.content()
    other = wired.content("Other")
    wired.post(f"/contents/{article.pk}/ack", {"post_id": 12})
    response = wired.post(f"/contents/{article.pk}/ack", {"post_id": 13})
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert wired.post(f"/contents/{other.pk}/ack", {"post_id": 12}).status_code == 409
    assert _state(wired, other)[0] == "not_published"
    assert wired.events()[-1].ok is False


def test_an_ack_for_an_article_not_approved_or_not_of_the_site_is_not_found(wired, neighbour):
    draft = wired.content(approved=False)
    theirs = neighbour.content()
    assert wired.post(f"/contents/{draft.pk}/ack", {"post_id": 1}).status_code == 404
    assert wired.post(f"/contents/{theirs.pk}/ack", {"post_id": 1}).status_code == 404
    assert _state(neighbour, theirs) == ("not_published", None)
    response = wired.post(f"/contents/{draft.pk}/ack", {"url": "ftp://x"})
    assert error_of(response)["fields"] == {
        "remote_id": ["Give remote_id or post_id."],
        "url": ["Must be an absolute address starting with http:// or https://."],
    }
