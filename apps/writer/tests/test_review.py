"""The review flow: draft → review → approved, reject (with a note) back to draft, by role, with
illegal moves refused in plain words; the review queue; the site setting that lets editors
approve."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from apps.workspace.models import Site
from apps.writer.services import content as services
from apps.writer.tests.helpers_content import (
    CONTENTS,
    REVIEW,
    admin_fixture,  # noqa: F401  (fixture "admin")
    body,
    client_on,
    form_data,
    fresh,
    make_content,
    messages_text,
    page_text,
    rows,
    site_fixture,  # noqa: F401  (fixture "site")
    stranger_editor_fixture,  # noqa: F401  (fixture "stranger_editor")
    versions,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)

pytestmark = pytest.mark.django_db


def act(content, action: str) -> str:
    return f"{CONTENTS}{content.pk}/{action}/"


def allow_editors(ws, site, allowed: bool = True) -> None:
    with schema_context(ws.schema):
        Site.objects.filter(pk=site.pk).update(editors_can_approve=allowed)


def test_editor_submits_a_draft(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(act(content, "submit"))
    assert response.status_code == 303 and response["Location"] == f"{CONTENTS}{content.pk}/"
    saved = fresh(alpha, content)
    assert saved.status == "review"
    assert saved.submitted_by_id == alpha.editor.pk and saved.submitted_at is not None
    page = client.get(f"{CONTENTS}{content.pk}/")
    assert "is waiting for review" in messages_text(page)
    assert "Submitted by Editor" in page_text(page)
    assert "Approve" not in page_text(page), "this editor may not approve"


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owner_and_admin_approve(who, alpha, site, admin, client_for):
    user = alpha.owner if who == "owner" else admin
    content = make_content(alpha, site, status="review")
    client = client_on(client_for, user, alpha, site)
    assert 'data-action="approve"' in body(client.get(f"{CONTENTS}{content.pk}/"))
    assert client.post(act(content, "approve")).status_code == 303
    saved = fresh(alpha, content)
    assert saved.status == "approved"
    assert saved.approved_by_id == user.pk and saved.approved_at is not None


def test_editor_approves_only_when_the_site_allows_it(alpha, site, client_for):
    content = make_content(alpha, site, status="review")
    client = client_on(client_for, alpha.editor, alpha, site)
    refused = client.post(act(content, "approve"))
    assert refused.status_code == 403
    assert "Only an owner or admin can approve" in page_text(refused)
    assert client.post(act(content, "reject"), {"note": "No"}).status_code == 403
    assert fresh(alpha, content).status == "review"
    allow_editors(alpha, site)
    assert client.post(act(content, "approve")).status_code == 303
    assert fresh(alpha, content).status == "approved"


def test_viewer_can_do_nothing(alpha, site, viewer, client_for):
    draft = make_content(alpha, site, "A draft")
    waiting = make_content(alpha, site, "Waiting", status="review")
    allow_editors(alpha, site)  # a setting for editors; viewers still only read
    client = client_on(client_for, viewer, alpha, site)
    assert client.post(act(draft, "submit")).status_code == 403
    assert client.post(act(waiting, "approve")).status_code == 403
    assert client.post(act(waiting, "reject"), {"note": "Nope"}).status_code == 403
    assert (fresh(alpha, draft).status, fresh(alpha, waiting).status) == ("draft", "review")
    queue = client.get(REVIEW)
    assert str(waiting.pk) in rows(queue)
    assert 'data-action="approve"' not in body(queue) and "Reject" not in page_text(queue)


def test_stranger_gets_404_and_outsider_403(alpha, site, stranger_editor, outsider, client_for):
    content = make_content(alpha, site, status="review")
    allow_editors(alpha, site)
    stranger = client_on(client_for, stranger_editor, alpha)
    assert stranger.post(act(content, "approve")).status_code == 404
    assert stranger.post(act(content, "submit")).status_code == 404
    assert rows(stranger.get(REVIEW)) == {}
    outside = client_for(outsider, alpha.host)
    assert outside.post(act(content, "approve")).status_code == 403
    assert outside.get(REVIEW).status_code == 403
    assert fresh(alpha, content).status == "review"


@pytest.mark.parametrize(
    "status, action, message",
    [
        ("draft", "approve", "Only an article in review can be approved. Submit it for review"),
        ("approved", "approve", "This article is already approved."),
        ("draft", "reject", "Only an article in review can be rejected; this one is draft."),
        ("approved", "reject", "this one is approved."),
        ("approved", "submit", "This article is already approved; there is nothing to submit."),
        ("review", "submit", "This article is already waiting for review."),
    ],
)
def test_illegal_moves_are_refused_in_plain_words(alpha, site, client_for, status, action, message):
    content = make_content(alpha, site, status=status)
    client = client_on(client_for, alpha.owner, alpha, site)
    data = {"note": "Please fix the intro."} if action == "reject" else {}
    response = client.post(act(content, action), data)
    if action == "reject":
        assert response.status_code == 400
        assert message in page_text(response)
        assert "Please fix the intro." in body(response), "the note typed is kept"
    else:
        assert response.status_code == 303
        assert message in messages_text(client.get(response["Location"]))
    assert fresh(alpha, content).status == status


def test_reject_needs_a_note_and_keeps_it(alpha, site, client_for):
    content = make_content(alpha, site, status="review")
    client = client_on(client_for, alpha.owner, alpha, site)
    empty = client.post(act(content, "reject"), {"note": "   ", "next": REVIEW})
    assert empty.status_code == 400
    assert "Write a note saying what to change" in page_text(empty)
    assert f'value="{REVIEW}"' in body(empty), "where to go after is kept"
    assert fresh(alpha, content).status == "review"
    done = client.post(
        act(content, "reject"), {"note": "The intro repeats the title.", "next": REVIEW}
    )
    assert done.status_code == 303 and done["Location"] == REVIEW
    saved = fresh(alpha, content)
    assert (saved.status, saved.review_note) == ("draft", "The intro repeats the title.")
    writer = client_on(client_for, alpha.editor, alpha, site).get(f"{CONTENTS}{content.pk}/")
    assert "Sent back with a note: The intro repeats the title." in page_text(writer)
    # Approving later clears the note.
    client.post(act(content, "submit"))
    client.post(act(content, "approve"))
    assert fresh(alpha, content).review_note == ""


def test_reject_page_and_offsite_next_is_ignored(alpha, site, client_for):
    content = make_content(alpha, site, status="review")
    client = client_on(client_for, alpha.owner, alpha, site)
    page = client.get(act(content, "reject"))
    assert page.status_code == 200 and "What should change?" in page_text(page)
    response = client.post(act(content, "reject"), {"note": "x", "next": "https://evil.test/"})
    assert response["Location"] == f"{CONTENTS}{content.pk}/"


def test_editing_approved_content_without_approval_sends_it_back(alpha, site, client_for):
    content = make_content(alpha, site, status="approved")
    editor = client_on(client_for, alpha.editor, alpha, site)
    page = editor.get(f"{CONTENTS}{content.pk}/")
    assert "Saving a change sends it back to draft" in page_text(page)
    autosave = editor.post(
        f"{CONTENTS}{content.pk}/autosave/",
        form_data(content, base_version=1, excerpt="A new summary"),
        HTTP_HX_REQUEST="true",
    )
    assert "sent back to draft" in page_text(autosave)
    assert 'id="ed-status" class="ed-status" hx-swap-oob="true"' in body(autosave)
    saved = fresh(alpha, content)
    assert (saved.status, saved.approved_by_id, saved.excerpt) == ("draft", None, "A new summary")


def test_an_approver_editing_approved_content_keeps_it_approved(alpha, site, client_for):
    content = make_content(alpha, site, status="approved")
    owner = client_on(client_for, alpha.owner, alpha, site)
    owner.post(f"{CONTENTS}{content.pk}/", form_data(content, base_version=1, excerpt="Tweak"))
    assert fresh(alpha, content).status == "approved"
    assert len(versions(alpha, content)) == 2


def test_review_queue_lists_waiting_articles_with_submitter_age_and_score(alpha, site, client_for):
    first = make_content(alpha, site, "First in")
    second = make_content(alpha, site, "Second in")
    make_content(alpha, site, "Still a draft")
    editor = client_on(client_for, alpha.editor, alpha, site)
    editor.post(act(first, "submit"))
    editor.post(act(second, "submit"))
    queue = client_on(client_for, alpha.owner, alpha, site).get(REVIEW)
    assert queue.status_code == 200
    found = rows(queue)
    assert list(found) == [str(first.pk), str(second.pk)], "the longest waiting first"
    assert "Editor" in found[str(first.pk)]
    assert "minute" in found[str(first.pk)]
    assert str(fresh(alpha, first).score) in found[str(first.pk)]
    assert 'data-action="approve"' in body(queue)
    # Approve from the queue: back to the queue, one fewer waiting.
    owner = client_on(client_for, alpha.owner, alpha, site)
    response = owner.post(act(first, "approve"), {"next": REVIEW})
    assert response["Location"] == REVIEW
    assert list(rows(owner.get(REVIEW))) == [str(second.pk)]


def test_empty_queue_says_what_fills_it(alpha, site, client_for):
    response = client_on(client_for, alpha.owner, alpha, site).get(REVIEW)
    assert "Nothing waiting for review" in page_text(response)


# --- the services, directly --------------------------------------------------------------------


def test_services_refuse_by_role_and_never_half_apply(alpha, site):
    content = make_content(alpha, site)
    viewer = services.Actor(user=None, can_edit=False, can_approve=False)
    writer = services.Actor(user=alpha.editor, can_edit=True, can_approve=False)
    with schema_context(alpha.schema):
        with pytest.raises(PermissionDenied):
            services.content_submit(content=content, actor=viewer)
        services.content_submit(content=content, actor=writer)
        with pytest.raises(PermissionDenied):
            services.content_approve(content=content, actor=writer)
        with pytest.raises(ValidationError):
            services.content_reject(
                content=content,
                actor=services.Actor(user=alpha.owner, can_edit=True, can_approve=True),
                note="x" * 2001,
            )
        assert type(content).objects.get(pk=content.pk).status == "review"
        services.content_trash(content=content, actor=writer)
        with pytest.raises(ValidationError, match="in the trash"):
            services.content_submit(content=content, actor=writer)


# --- the site setting --------------------------------------------------------------------------


def test_owner_turns_on_editor_approval_in_content_settings(alpha, site, client_for):
    client = client_for(alpha.owner, alpha.host)
    page = client.get(f"/sites/{site.pk}/content/")
    for name in ("editors_can_approve", "links_per_content", "duplicate_threshold"):
        assert f'name="{name}"' in body(page)
    data = {
        "brand_voice": "Plain",
        "audience": "",
        "default_word_count": "1200",
        "extra_instructions": "",
        "images_per_article": "2",
        "image_style": "Photo",
        "brand_color": "#4f46e5",
        "editors_can_approve": "on",
        "links_per_content": "3",
        "duplicate_threshold": "95",
    }
    assert client.post(f"/sites/{site.pk}/content/", data).status_code == 303
    saved = fresh(alpha, site)
    assert (saved.editors_can_approve, saved.links_per_content, saved.duplicate_threshold) == (
        True,
        3,
        95,
    )
    bad = client.post(
        f"/sites/{site.pk}/content/",
        {**data, "links_per_content": "21", "duplicate_threshold": "40"},
    )
    assert bad.status_code == 400
    assert "At most 20 link suggestions per article." in page_text(bad)
    assert "Use at least 50%" in page_text(bad)
    too_high = client.post(f"/sites/{site.pk}/content/", {**data, "duplicate_threshold": "101"})
    assert "Use at most 100% (100 turns the guard off)." in page_text(too_high)
    assert fresh(alpha, site).links_per_content == 3


# --- approving ticked articles from the queue --------------------------------------------------

APPROVE_TICKED = f"{REVIEW}approve/"


def test_owner_approves_the_ticked_articles_and_hears_about_the_rest(alpha, site, client_for):
    first = make_content(alpha, site, title="First in review", status="review")
    second = make_content(alpha, site, title="Second in review", status="review")
    draft = make_content(alpha, site, title="Still a draft")
    untouched = make_content(alpha, site, title="Not ticked", status="review")
    client = client_on(client_for, alpha.owner, alpha, site)
    queue = client.get(REVIEW)
    assert 'form="bulk-approve"' in body(queue) and "Approve ticked" in page_text(queue)
    response = client.post(APPROVE_TICKED, {"ids": [first.pk, second.pk, draft.pk]}, follow=True)
    text = messages_text(response)
    assert "Approved 2 articles." in text
    assert "Not approved: “Still a draft”: Only an article in review can be approved" in text
    assert [fresh(alpha, c).status for c in (first, second, draft, untouched)] == [
        "approved",
        "approved",
        "draft",
        "review",
    ]
    assert fresh(alpha, first).approved_by_id == alpha.owner.pk


def test_nothing_ticked_is_explained(alpha, site, client_for):
    make_content(alpha, site, status="review")
    client = client_on(client_for, alpha.owner, alpha, site)
    response = client.post(APPROVE_TICKED, {}, follow=True)
    assert "Tick the articles to approve first." in messages_text(response)


def test_editors_and_viewers_cannot_approve_ticked(alpha, site, viewer, client_for):
    content = make_content(alpha, site, status="review")
    for user in (alpha.editor, viewer):
        client = client_on(client_for, user, alpha, site)
        assert 'form="bulk-approve"' not in body(client.get(REVIEW))
        assert client.post(APPROVE_TICKED, {"ids": [content.pk]}).status_code == 403
    assert fresh(alpha, content).status == "review"
    allow_editors(alpha, site)
    editor = client_on(client_for, alpha.editor, alpha, site)
    editor.post(APPROVE_TICKED, {"ids": [content.pk]})
    assert fresh(alpha, content).status == "approved"


def test_outsiders_and_other_sites_are_left_alone(alpha, beta, site, outsider, client_for):
    from tests.factories import make_site

    content = make_content(alpha, site, status="review")
    assert (
        client_for(outsider, alpha.host).post(APPROVE_TICKED, {"ids": [content.pk]}).status_code
        == 403
    )
    other = make_site(alpha.account, "Other Review Site", sectors=1)
    elsewhere = make_content(alpha, other, title="Elsewhere", status="review")
    client_on(client_for, alpha.owner, alpha, site).post(APPROVE_TICKED, {"ids": [elsewhere.pk]})
    assert fresh(alpha, elsewhere).status == "review"
    assert fresh(alpha, content).status == "review"
