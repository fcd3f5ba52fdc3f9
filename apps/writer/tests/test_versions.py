"""Versions of an article: the list (who, when, how, what changed, score), a diff between any
two (escaped, words marked), and restore (a new version with the old text)."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.writer.diff import diff_lines, lines_of, version_diff
from apps.writer.models import ContentVersion
from apps.writer.tests.helpers_content import (
    BODY,
    CONTENTS,
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

EDITED_BODY = BODY.replace("then use a plunger", "then use a drain snake") + (
    "<h2>When to call a plumber</h2><p>If water backs up in two sinks.</p>"
)


def url(content, rest: str = "") -> str:
    return f"{CONTENTS}{content.pk}/versions/{rest}"


def three_versions(alpha, site, client_for):
    """v1 written, v2 the body edited by the editor, v3 the title autosaved by the owner."""
    content = make_content(alpha, site)
    editor = client_on(client_for, alpha.editor, alpha, site)
    editor.post(f"{CONTENTS}{content.pk}/", form_data(content, base_version=1, html=EDITED_BODY))
    owner = client_on(client_for, alpha.owner, alpha, site)
    owner.post(
        f"{CONTENTS}{content.pk}/autosave/",
        form_data(fresh(alpha, content), base_version=2, title="Clean a drain <fast>"),
    )
    return content


def test_versions_list_who_when_how_what(alpha, site, client_for):
    content = three_versions(alpha, site, client_for)
    response = client_on(client_for, alpha.editor, alpha, site).get(url(content))
    assert response.status_code == 200
    found = rows(response, "version")
    assert list(found) == ["3", "2", "1"], "newest first"
    assert "Autosaved" in found["3"] and "Owner" in found["3"] and "Title" in found["3"]
    assert "Current" in found["3"]
    assert "Edited" in found["2"] and "Editor" in found["2"] and "Body (HTML)" in found["2"]
    assert "Written by AI" in found["1"] and "The system" in found["1"]
    v = versions(alpha, content)
    assert all(str(x.score) in found[str(x.number)] for x in v)
    # Picking two to compare: the newest and the one before are preselected.
    markup = body(response)
    assert re.search(r'name="a" value="2"[^>]*checked', markup)
    assert re.search(r'name="b" value="3"[^>]*checked', markup)
    assert markup.count("data-restore=") == 2, "every version but the current one"


def test_diff_between_any_two_versions(alpha, site, viewer, client_for):
    content = three_versions(alpha, site, client_for)
    client = client_on(client_for, viewer, alpha, site)  # reading is enough
    response = client.get(url(content, "diff/"), {"a": 3, "b": 1})
    assert response.status_code == 200
    assert "Version 1 → version 3" in page_text(response), "always older to newer"
    markup = body(response)
    fields = re.findall(r'data-field="(\w+)"', markup)
    assert fields == ["title", "html"]
    # The title change: escaped, with the changed words marked.
    assert "&lt;fast&gt;" in markup and "<fast>" not in markup
    assert "<del>How to clean</del>" in markup or "<del>How</del>" in markup
    assert "<ins>" in markup
    # The body: the changed line shows the words, the new section is an added line.
    assert "<del>plunger</del>" in markup and "<ins>drain snake</ins>" in markup
    assert re.search(r'data-op="added".*?When to call a plumber', markup, re.S)
    assert "line removed" in page_text(response) or "lines removed" in page_text(response)
    default = client.get(url(content, "diff/"))
    assert "Version 2 → version 3" in page_text(default)


@pytest.mark.parametrize(
    "query, message",
    [
        ({"a": 1, "b": 1}, "Pick two different versions to compare."),
        ({"a": 1, "b": 9}, "This article has no version 9."),
        ({"a": "x", "b": 2}, "Pick two versions to compare."),
    ],
)
def test_bad_diff_requests_are_explained(alpha, site, client_for, query, message):
    content = three_versions(alpha, site, client_for)
    response = client_on(client_for, alpha.editor, alpha, site).get(url(content, "diff/"), query)
    assert response.status_code == 400
    assert message in page_text(response)


def test_restore_makes_a_new_version_with_the_old_text(alpha, site, client_for):
    content = three_versions(alpha, site, client_for)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(url(content, "1/restore/"))
    assert response.status_code == 303 and response["Location"] == url(content)
    saved = fresh(alpha, content)
    assert (saved.title, saved.html) == ("How to clean a drain", BODY)
    v = versions(alpha, content)
    assert [x.number for x in v] == [1, 2, 3, 4]
    assert (v[-1].source, v[-1].note, v[-1].author_id) == (
        "restored",
        "Restored version 1",
        alpha.editor.pk,
    )
    assert set(v[-1].changed) == {"title", "html"}
    assert "saved as version 4" in messages_text(client.get(url(content)))
    # The versions in between are still there, and restoring v4's twin changes nothing.
    again = client.post(url(content, "1/restore/"))
    assert again.status_code == 303
    assert len(versions(alpha, content)) == 4
    assert "already reads exactly like version 1" in messages_text(client.get(url(content)))


def test_restore_is_refused_to_viewer_and_unknown_versions_404(alpha, site, viewer, client_for):
    content = three_versions(alpha, site, client_for)
    as_viewer = client_on(client_for, viewer, alpha, site)
    page = as_viewer.get(url(content))
    assert page.status_code == 200 and "data-restore" not in body(page)
    assert as_viewer.post(url(content, "1/restore/")).status_code == 403
    owner = client_on(client_for, alpha.owner, alpha, site)
    assert owner.post(url(content, "99/restore/")).status_code == 404
    assert len(versions(alpha, content)) == 3


def test_versions_of_an_unseen_site_are_404_and_outsiders_403(
    alpha, site, stranger_editor, outsider, client_for
):
    content = make_content(alpha, site)
    stranger = client_on(client_for, stranger_editor, alpha)
    assert stranger.get(url(content)).status_code == 404
    assert stranger.get(url(content, "diff/"), {"a": 1, "b": 1}).status_code == 404
    assert stranger.post(url(content, "1/restore/")).status_code == 404
    assert client_for(outsider, alpha.host).get(url(content)).status_code == 403


def test_restore_of_an_approved_article_by_an_editor_sends_it_back(alpha, site, client_for):
    content = three_versions(alpha, site, client_for)
    with schema_context(alpha.schema):
        type(content).objects.filter(pk=content.pk).update(status="approved")
    client = client_on(client_for, alpha.editor, alpha, site)
    client.post(url(content, "2/restore/"))
    assert fresh(alpha, content).status == "draft"
    assert "sent it back to draft" in messages_text(client.get(url(content)))


# --- the diff function -------------------------------------------------------------------------


def test_html_is_compared_block_by_block():
    assert lines_of("html", "<h2>A</h2><p>One</p><ul><li>x</li><li>y</li></ul>") == [
        "<h2>A</h2>",
        "<p>One</p>",
        "<ul>",
        "<li>x</li>",
        "<li>y</li>",
        "</ul>",
    ]
    assert lines_of("secondary_keywords", ["a", "b"]) == ["a", "b"]


def test_long_unchanged_runs_are_folded_and_text_is_escaped():
    old = [f"<p>line {i}</p>" for i in range(20)]
    new = list(old)
    new[10] = "<p>line ten & <b>bold</b></p>"
    lines = diff_lines(old, new)
    ops = [line.op for line in lines]
    assert ops == ["skip", "same", "same", "removed", "added", "same", "same", "skip"]
    assert "8 unchanged lines" in lines[0].html
    added = lines[4].html
    assert "&lt;b&gt;" in added and "&amp;" in added and "<b>" not in added
    assert "<ins>" in added and (lines[4].old, lines[4].new) == (None, 11)


def test_version_diff_lists_only_changed_fields(alpha, site):
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        one = ContentVersion.objects.get(content_id=content.pk, number=1)
        same = version_diff(one, one)
        content.meta_title = "New meta title"
        content.html = content.html.replace("</p>", "</p>\n\n", 1)
        changed = version_diff(one, content)
    assert same == []
    assert [d.field for d in changed] == ["html", "meta_title"]
    assert changed[0].lines[0].html == "Only spacing or line breaks changed."
    assert (changed[1].removed, changed[1].added) == (1, 1)
