"""The editor (explicit save, HTMX autosave, live preview, score panel), the content list and
the trash; every view seen by an owner, an editor with and without the site, a viewer and an
outsider."""

from __future__ import annotations

import html
import re

import pytest
from django_tenants.utils import schema_context

from apps.writer import html as article
from apps.writer.models import Content, ContentVersion
from apps.writer.tests.helpers_content import (
    BODY,
    CONTENTS,
    TRASH,
    admin_fixture,  # noqa: F401  (fixture "admin")
    body,
    client_on,
    form_data,
    fresh,
    htmx,
    make_content,
    messages_text,
    page_text,
    rows,
    site_fixture,  # noqa: F401  (fixture "site")
    stranger_editor_fixture,  # noqa: F401  (fixture "stranger_editor")
    versions,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def editor(content) -> str:
    return f"{CONTENTS}{content.pk}/"


# --- the editor page ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_writers_get_the_editor_with_score_and_panels(who, alpha, site, client_for):
    content = make_content(alpha, site)
    user = alpha.owner if who == "owner" else alpha.editor
    response = client_on(client_for, user, alpha, site).get(editor(content))
    assert response.status_code == 200
    markup = body(response)
    assert '<textarea name="html"' in markup
    assert 'name="base_version" id="ed-base-version" value="1"' in markup
    assert f'hx-post="{editor(content)}autosave/"' in markup
    assert f'hx-post="{editor(content)}preview/"' in markup
    assert "Saved · v1" in page_text(response)
    # The score panel: total and each check with its weight.
    assert re.search(r'data-score="\d+"', markup)
    assert 'data-check="keyword_title"' in markup and "points" in page_text(response)
    # Optimize and the lazy panels of the other areas, each with a plain link fallback.
    assert f'href="{editor(content)}optimize/"' in markup
    assert f'hx-get="{editor(content)}images/"' in markup
    assert f'hx-get="{editor(content)}links/"' in markup
    assert 'hx-trigger="load"' in markup
    assert "Submit for review" in page_text(response)


def test_viewer_reads_without_a_way_to_change(alpha, site, viewer, client_for):
    content = make_content(alpha, site)
    response = client_on(client_for, viewer, alpha, site).get(editor(content))
    assert response.status_code == 200
    markup = body(response)
    assert "<textarea" not in markup and "autosave" not in markup
    assert "Why drains clog" in page_text(response), "the article is shown as it reads"
    for word in ("Submit for review", "Approve", "Reject", "Move to trash", "Optimize"):
        assert word not in page_text(response)


def test_viewer_posts_are_refused_and_nothing_changes(alpha, site, viewer, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, viewer, alpha, site)
    data = form_data(content, title="Changed by a viewer")
    assert client.post(editor(content), data).status_code == 403
    autosave = client.post(f"{editor(content)}autosave/", data, **htmx())
    assert autosave.status_code == 403
    assert "Not saved:" in page_text(autosave)
    assert client.post(f"{editor(content)}preview/", data).status_code == 403
    assert client.post(f"{editor(content)}delete/").status_code == 403
    assert fresh(alpha, content).title == "How to clean a drain"
    assert len(versions(alpha, content)) == 1


def test_editor_without_the_site_gets_404(alpha, site, stranger_editor, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, stranger_editor, alpha)
    assert client.get(editor(content)).status_code == 404
    assert client.post(f"{editor(content)}autosave/", form_data(content)).status_code == 404
    assert client.post(editor(content), form_data(content, title="x")).status_code == 404
    assert fresh(alpha, content).title == "How to clean a drain"


def test_outsider_is_refused_on_the_host_and_ids_do_not_cross(
    alpha, beta, site, outsider, client_for
):
    content = make_content(alpha, site)
    response = client_for(outsider, alpha.host).get(editor(content))
    assert response.status_code == 403
    assert "How to clean a drain" not in body(response)
    # Beta's owner at home, asking for alpha's article number: no such article there.
    with schema_context(beta.schema):
        assert not Content.objects.filter(pk=content.pk).exists()
    assert client_for(outsider, beta.host).get(editor(content)).status_code == 404


# --- saving ------------------------------------------------------------------------------------


def test_autosave_keeps_a_version_and_refreshes_score_and_base(alpha, site, client_for):
    content = make_content(alpha, site, primary_keyword="boiling water")
    client = client_on(client_for, alpha.editor, alpha, site)
    before = fresh(alpha, content).score
    data = form_data(content, base_version=1, title="Boiling water for a clogged drain")
    response = client.post(f"{editor(content)}autosave/", data, **htmx(target="ed-saved"))
    assert response.status_code == 200
    assert response["X-Autosave"] == "ok"
    assert "<html" not in body(response)
    assert "Saved · v2" in page_text(response)
    assert 'id="ed-base-version" value="2" hx-swap-oob="true"' in body(response)
    assert 'id="ed-score"' in body(response) and 'hx-swap-oob="true"' in body(response)
    saved = fresh(alpha, content)
    assert saved.title == "Boiling water for a clogged drain" and saved.human_edited
    assert saved.score > before, "the keyword is in the title now"
    v2 = versions(alpha, content)[-1]
    assert (v2.number, v2.source, v2.author_id, v2.changed) == (
        2,
        "autosaved",
        alpha.editor.pk,
        ["title"],
    )
    assert f'data-score="{saved.score}"' in body(response)


def test_a_save_that_changes_nothing_keeps_no_version(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(f"{editor(content)}autosave/", form_data(content, base_version=1))
    assert response.status_code == 200
    assert "Up to date · v1 · nothing new to save" in page_text(response)
    plain = client.post(editor(content), form_data(content, base_version=1))
    assert plain.status_code == 303
    assert len(versions(alpha, content)) == 1
    assert "Nothing changed since the last save." in messages_text(client.get(editor(content)))


def test_the_body_is_shown_one_block_per_line_and_that_is_no_change(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    page = body(client.get(editor(content)))
    shown = html.unescape(re.search(r'<textarea name="html"[^>]*>(.*?)</textarea>', page, re.S)[1])
    assert shown.splitlines()[:2] == [
        "<h2>Why drains clog</h2>",
        "<p>Hair, grease and soap build up in the pipe over time.</p>",
    ]
    response = client.post(
        f"{editor(content)}autosave/", form_data(content, base_version=1, html=shown)
    )
    assert "nothing new to save" in page_text(response)
    assert len(versions(alpha, content)) == 1


def test_explicit_save_works_without_javascript(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.owner, alpha, site)
    response = client.post(
        editor(content),
        form_data(
            content,
            base_version=1,
            meta_description="Unclog a drain in ten minutes.",
            secondary_keywords="drain cleaner, plunger\nPlunger\nsnake",
            slug="",
        ),
    )
    assert response.status_code == 303 and response["Location"] == editor(content)
    saved = fresh(alpha, content)
    assert saved.meta_description == "Unclog a drain in ten minutes."
    assert saved.secondary_keywords == ["drain cleaner", "plunger", "snake"]
    assert saved.slug == "how-to-clean-a-drain", "an empty slug is made from the title"
    last = versions(alpha, content)[-1]
    assert last.source == "edited" and set(last.changed) == {
        "meta_description",
        "secondary_keywords",
    }
    page = client.get(editor(content))
    assert "Saved as version 2." in messages_text(page)


def test_saved_html_is_sanitised(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    dirty = (
        '<h2 onclick="steal()">Tools</h2><script>alert(1)</script>'
        '<p style="color:red">A <a href="javascript:alert(2)">link</a>.</p>'
    )
    client.post(f"{editor(content)}autosave/", form_data(content, base_version=1, html=dirty))
    saved = fresh(alpha, content).html
    assert "<script" not in saved and "alert(1)" not in saved
    assert "onclick" not in saved and "style=" not in saved and "javascript:" not in saved
    assert "<h2>Tools</h2>" in saved
    assert versions(alpha, content)[-1].html == saved
    preview = client.post(f"{editor(content)}preview/", {"html": dirty}, **htmx())
    assert preview.status_code == 200
    assert "<script" not in body(preview) and "onclick" not in body(preview)
    assert "<h2>Tools</h2>" in body(preview) and "(not saved yet)" in page_text(preview)


def test_an_article_cannot_dress_up_as_the_apps_own_messages(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    fake = (
        '<div class="notice notice-bad" id="messages">Your account is suspended</div>'
        '<div style="position:fixed;inset:0" class="modal">Sign in again</div><p>Body.</p>'
    )

    preview = client.post(f"{editor(content)}preview/", {"html": fake}, **htmx())
    client.post(f"{editor(content)}autosave/", form_data(content, base_version=1, html=fake))
    page = client.get(editor(content))

    saved = fresh(alpha, content).html
    assert saved == (
        '<div id="igny8-messages">Your account is suspended</div>'
        "<div>Sign in again</div><p>Body.</p>"
    )
    for markup in (body(preview), saved):
        assert "notice" not in markup and "modal" not in markup and "position" not in markup
        assert 'id="messages"' not in markup
    assert '<div id="igny8-messages">Your account is suspended</div>' in body(preview)
    # The page's own flash messages area is still the only one.
    assert body(page).count('id="messages"') == 1


def test_in_page_links_still_reach_their_headings(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    toc = (
        '<p><a href="#faq">Questions</a> <a href="https://example.com/guide#faq">Guide</a></p>'
        '<h2 id="faq">Questions</h2><p>Answers.</p>'
    )

    client.post(f"{editor(content)}autosave/", form_data(content, base_version=1, html=toc))

    saved = fresh(alpha, content).html
    assert '<a href="#igny8-faq" rel="noopener noreferrer">Questions</a>' in saved
    assert '<h2 id="igny8-faq">Questions</h2>' in saved
    assert 'href="https://example.com/guide#faq"' in saved
    assert article.sanitize(saved) == saved  # saved again (every save cleans): no double prefix


def test_bad_input_is_explained_and_what_was_typed_is_kept(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    typed = "<p>My long new paragraph that must not be lost.</p>"
    data = form_data(content, base_version=1, title="   ", html=typed)
    autosave = client.post(f"{editor(content)}autosave/", data, **htmx())
    assert autosave.status_code == 400
    assert autosave["X-Autosave"] == "error"
    assert "Not saved: An article needs a title." in page_text(autosave)
    assert "textarea" not in body(autosave), "the typed text is never replaced"
    plain = client.post(editor(content), data)
    assert plain.status_code == 400
    assert "An article needs a title." in page_text(plain)
    assert "My long new paragraph that must not be lost." in body(plain)
    too_many = form_data(content, secondary_keywords="\n".join(f"k{i}" for i in range(25)))
    response = client.post(editor(content), too_many)
    assert response.status_code == 400
    assert "keep at most 20" in page_text(response)
    assert len(versions(alpha, content)) == 1


def test_a_change_made_elsewhere_is_not_overwritten(alpha, site, admin, client_for):
    content = make_content(alpha, site)
    # Someone else saves version 2 while the editor still shows version 1.
    client_on(client_for, admin, alpha, site).post(
        editor(content), form_data(content, base_version=1, title="The admin's title")
    )
    client = client_on(client_for, alpha.editor, alpha, site)
    data = form_data(content, base_version=1, html="<p>Typed in a stale editor.</p>")
    autosave = client.post(f"{editor(content)}autosave/", data, **htmx())
    assert autosave.status_code == 409
    assert "changed while you were editing it (version 2: edited)" in page_text(autosave)
    plain = client.post(editor(content), data)
    assert plain.status_code == 409 and "Typed in a stale editor." in body(plain)
    assert fresh(alpha, content).title == "The admin's title"
    assert len(versions(alpha, content)) == 2
    # The editor's own autosaves in between are not a conflict.
    client.post(
        f"{editor(content)}autosave/",
        form_data(fresh(alpha, content), base_version=2, excerpt="One"),
    )
    response = client.post(
        editor(content), form_data(fresh(alpha, content), base_version=2, excerpt="Two")
    )
    assert response.status_code == 303
    assert fresh(alpha, content).excerpt == "Two"


def test_meta_lengths_are_counted_and_warned(alpha, site, client_for):
    content = make_content(alpha, site, meta_title="x" * 70, meta_description="short")
    response = client_on(client_for, alpha.editor, alpha, site).get(editor(content))
    text = page_text(response)
    assert "70 / 60 characters — longer than search results show" in text
    assert "5 / 160 characters" in text


def test_trashed_content_is_not_editable(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    assert client.post(f"{editor(content)}delete/").status_code == 303
    assert client.get(editor(content)).status_code == 404
    assert client.post(f"{editor(content)}autosave/", form_data(content)).status_code == 404


# --- the content list --------------------------------------------------------------------------


def test_list_filters_and_badges(alpha, site, client_for):
    a = make_content(alpha, site, "Drain basics")
    b = make_content(
        alpha, site, "Rose pruning", status="review", primary_keyword="roses", sector_index=1
    )
    c = make_content(alpha, site, "Approved piece", status="approved")
    with schema_context(alpha.schema):
        Content.objects.filter(pk=c.pk).update(publishing_status="published")
    other = make_site(alpha.account, "Other Site", sectors=1)
    make_content(alpha, other, "Not on this site")
    client = client_on(client_for, alpha.editor, alpha, site)

    everything = client.get(CONTENTS)
    assert everything.status_code == 200
    assert set(rows(everything)) == {str(a.pk), str(b.pk), str(c.pk)}
    assert "In review" in rows(everything)[str(b.pk)]
    assert "Approved" in rows(everything)[str(c.pk)]
    assert "Published" in rows(everything)[str(c.pk)]
    assert "Draft" in rows(everything)[str(a.pk)]

    assert set(rows(client.get(CONTENTS, {"status": "review"}))) == {str(b.pk)}
    assert set(rows(client.get(CONTENTS, {"publishing": "published"}))) == {str(c.pk)}
    with schema_context(alpha.schema):
        second = list(site.sectors.order_by("pk"))[1]
    assert set(rows(client.get(CONTENTS, {"sector": second.pk}))) == {str(b.pk)}
    assert set(rows(client.get(CONTENTS, {"q": "roses"}))) == {str(b.pk)}
    partial = client.get(CONTENTS, {"q": "basics"}, **htmx(target="content-rows"))
    assert "<html" not in body(partial) and set(rows(partial)) == {str(a.pk)}
    assert partial["HX-Push-Url"] == f"{CONTENTS}?q=basics"
    bad = client.get(CONTENTS, {"status": "lost"})
    assert "Not applied: “lost” is not a status." in page_text(bad)
    assert len(rows(bad)) == 3


def test_list_for_viewer_stranger_and_outsider(
    alpha, site, viewer, stranger_editor, outsider, client_for
):
    content = make_content(alpha, site)
    assert str(content.pk) in rows(client_on(client_for, viewer, alpha, site).get(CONTENTS))
    empty = client_on(client_for, stranger_editor, alpha).get(CONTENTS)
    assert empty.status_code == 200 and rows(empty) == {}
    assert "No site has been shared with you yet." in page_text(empty)
    assert client_for(outsider, alpha.host).get(CONTENTS).status_code == 403


def test_empty_list_says_how_to_fill_it(alpha, site, client_for):
    response = client_on(client_for, alpha.owner, alpha, site).get(CONTENTS)
    assert "No articles yet" in page_text(response)
    assert 'href="/writer/tasks/"' in body(response)


# --- the trash ---------------------------------------------------------------------------------


def test_trash_restore_and_delete_forever(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    moved = client.post(f"{editor(content)}delete/")
    assert moved.status_code == 303 and moved["Location"] == CONTENTS
    listing = client.get(CONTENTS)
    assert rows(listing) == {}
    assert "Moved “How to clean a drain” to the trash." in messages_text(listing)
    assert str(content.pk) in rows(client.get(TRASH))

    restored = client.post(TRASH, {"action": "restore", "id": content.pk})
    assert restored.status_code == 303
    assert fresh(alpha, content).deleted_at is None
    assert str(content.pk) in rows(client.get(CONTENTS))

    client.post(f"{editor(content)}delete/")
    ask = client.post(TRASH, {"action": "delete", "id": content.pk})
    assert ask.status_code == 200
    assert "Delete “How to clean a drain” and all its versions forever?" in page_text(ask)
    assert fresh(alpha, content).deleted_at is not None, "nothing happens before the yes"
    done = client.post(TRASH, {"action": "delete", "id": content.pk, "confirm": "yes"})
    assert done.status_code == 303
    with schema_context(alpha.schema):
        assert not Content.objects.filter(pk=content.pk).exists()
        assert not ContentVersion.objects.filter(content_id=content.pk).exists()
    assert "Deleted “How to clean a drain” and its versions forever." in messages_text(
        client.get(TRASH)
    )


def test_only_trashed_articles_are_deleted_forever(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.owner, alpha, site)
    response = client.post(TRASH, {"action": "delete", "id": content.pk, "confirm": "yes"})
    assert response.status_code == 404, "a live article is not in the trash"
    assert fresh(alpha, content).deleted_at is None


def test_trash_for_viewer_stranger_and_outsider(
    alpha, site, viewer, stranger_editor, outsider, client_for
):
    content = make_content(alpha, site)
    client_on(client_for, alpha.editor, alpha, site).post(f"{editor(content)}delete/")
    as_viewer = client_on(client_for, viewer, alpha, site)
    page = as_viewer.get(TRASH)
    assert str(content.pk) in rows(page)
    assert "Restore" not in page_text(page) and "Delete forever" not in page_text(page)
    assert as_viewer.post(TRASH, {"action": "restore", "id": content.pk}).status_code == 403
    stranger = client_on(client_for, stranger_editor, alpha)
    assert stranger.post(TRASH, {"action": "restore", "id": content.pk}).status_code == 404
    assert client_for(outsider, alpha.host).get(TRASH).status_code == 403
    assert fresh(alpha, content).deleted_at is not None
    bad = client_on(client_for, alpha.owner, alpha, site).post(TRASH, {"action": "burn", "id": 1})
    assert bad.status_code == 400
    assert "Choose restore or delete forever." in page_text(bad)


def test_trash_and_restore_keep_status_text_and_versions(alpha, site, client_for):
    content = make_content(alpha, site, status="review")
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(editor(content), form_data(content, base_version=1, excerpt="Kept"))
    client.post(f"{editor(content)}delete/")
    assert rows(client.get("/writer/review/")) == {}, "trashed articles leave the queue"
    client.post(TRASH, {"action": "restore", "id": content.pk})
    back = fresh(alpha, content)
    assert (back.status, back.excerpt, back.html) == ("review", "Kept", BODY)
    assert [v.number for v in versions(alpha, content)] == [1, 2]
