"""The visual editor on the content page: shipped from our own static files (Quill, pinned, with
its licence), layered over the plain body field, which stays the form field; what it writes
(tables with header rows, figures, heading ids, nested lists) saves through the plain form and
the autosave alike, sanitised, and a stale editor is refused. The browser side is in
tests/e2e/test_editor.py."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from apps.writer.tests.helpers_content import (
    CONTENTS,
    body,
    client_on,
    form_data,
    fresh,
    htmx,
    make_content,
    page_text,
    site_fixture,  # noqa: F401  (fixture "site")
    versions,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)

pytestmark = pytest.mark.django_db

QUILL = "vendor/quill-2.0.3.min.js"
SCRIPTS = (QUILL, "js/writer-html.js", "js/writer-visual.js", "js/writer-editor.js")
# What the visual editor writes: edited blocks one per line, kept blocks as they were.
VISUAL_HTML = "\n".join(
    [
        '<h2 id="igny8-why">Why drains clog</h2>',
        "<p>Hair and <strong>grease</strong> build up; see "
        '<a href="https://example.com/pipes">the pipe guide</a>.</p>',
        "<ul><li>Hair<ul><li>Long hair</li></ul></li><li>Soap</li></ul>",
        "<blockquote><p>Never mix drain cleaners.</p></blockquote>",
        "<table><thead><tr><th>Method</th><th>Time</th></tr></thead>"
        "<tbody><tr><td>Plunger</td><td>5 min</td></tr></tbody></table>",
        '<figure><img src="/writer/images/3/file/" alt="A plunger over a sink">'
        "<figcaption>Seal the overflow first.</figcaption></figure>",
        # A kept block holds whatever was typed as HTML; the save cleans it like any other.
        '<figure><img src="https://images.example.com/a.png" alt="Snake" onerror="alert(1)">'
        "<figcaption>A drain snake<script>alert(2)</script></figcaption></figure>",
    ]
)


def editor(content) -> str:
    return f"{CONTENTS}{content.pk}/"


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_the_visual_editor_sits_over_the_plain_body_field(who, alpha, site, client_for):
    content = make_content(alpha, site)
    user = alpha.owner if who == "owner" else alpha.editor
    response = client_on(client_for, user, alpha, site).get(editor(content))
    markup = body(response)
    # Our own files, each script with the request's nonce; no CDN.
    for script in SCRIPTS:
        assert re.search(rf'<script src="/static/{script}" defer nonce="[^"]+"></script>', markup)
    assert '<link rel="stylesheet" href="/static/vendor/quill-2.0.3.snow.css">' in markup
    assert not re.search(r'(src|href)="https?://', markup.split("<body")[0])
    # Without JavaScript: the textarea, shown, with the body; the visual parts are hidden.
    textarea = re.search(r'<textarea name="html"[^>]*>', markup)[0]
    assert " hidden" not in textarea
    assert "Why drains clog" in markup.split(textarea)[1].split("</textarea>")[0]
    assert re.search(r'<div class="ed-modes"[^>]*data-editor-modes hidden>', markup)
    assert re.search(r"<div data-visual-frame hidden>", markup)
    for name in ("Bold", "Link", "Numbered list", "Bulleted list", "Quote", "Image", "Table"):
        assert f'aria-label="{name}"' in markup
    assert "HTML source" in page_text(response)


def test_a_viewer_gets_the_article_without_the_editor(alpha, site, viewer, client_for):
    content = make_content(alpha, site)
    markup = body(client_on(client_for, viewer, alpha, site).get(editor(content)))
    assert "quill" not in markup and "writer-visual" not in markup and "data-visual" not in markup


def test_the_vendored_editor_is_pinned_and_licensed():
    static = settings.BASE_DIR / "static"
    script = (static / QUILL).read_text()
    assert "Quill Editor v2.0.3" in script[:400]
    licence = (static / "vendor" / "quill.LICENSE").read_text()
    assert "Redistribution and use in source and binary forms" in licence  # BSD-3-Clause
    for bundled in ("parchment", "quill-delta", "eventemitter3", "lodash-es", "fast-diff"):
        assert bundled in licence
    # collectstatic's manifest storage follows sourceMappingURL comments: the maps are not here.
    for name in (QUILL, "vendor/quill-2.0.3.snow.css"):
        assert "sourceMappingURL" not in (static / name).read_text()


def test_what_the_visual_editor_writes_saves_through_the_plain_form(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(editor(content), form_data(content, base_version=1, html=VISUAL_HTML))
    assert response.status_code == 303
    saved = fresh(alpha, content)
    flat = saved.html.replace("\n", "")
    for piece in (
        '<h2 id="igny8-why">Why drains clog</h2>',
        '<a href="https://example.com/pipes" rel="noopener noreferrer">the pipe guide</a>',
        "<ul><li>Hair<ul><li>Long hair</li></ul></li><li>Soap</li></ul>",
        "<blockquote><p>Never mix drain cleaners.</p></blockquote>",
        "<thead><tr><th>Method</th><th>Time</th></tr></thead>",
        '<figure><img src="/writer/images/3/file/" alt="A plunger over a sink">'
        "<figcaption>Seal the overflow first.</figcaption></figure>",
        '<figure><img src="https://images.example.com/a.png" alt="Snake">'
        "<figcaption>A drain snake</figcaption></figure>",
    ):
        assert piece in flat, piece
    assert "onerror" not in saved.html and "<script" not in saved.html
    assert versions(alpha, content)[-1].source == "edited"
    assert saved.word_count == len(
        "Why drains clog Hair and grease build up see the pipe guide Hair Long hair Soap Never mix "
        "drain cleaners Method Time Plunger 5 min Seal the overflow first A drain snake".split()
    )


def test_the_visual_editors_autosave_keeps_a_version_or_is_refused_when_stale(
    alpha, site, client_for
):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    data = form_data(content, base_version=1, html=VISUAL_HTML)
    response = client.post(f"{editor(content)}autosave/", data, **htmx(target="ed-saved"))
    assert response["X-Autosave"] == "ok" and "Saved · v2" in page_text(response)
    assert "<figcaption>Seal the overflow first.</figcaption>" in fresh(alpha, content).html
    # An owner changes the article; the editor, still at version 2, is refused.
    client_on(client_for, alpha.owner, alpha, site).post(
        editor(content), form_data(fresh(alpha, content), base_version=2, title="Owner's title")
    )
    stale = form_data(fresh(alpha, content), base_version=2, html=VISUAL_HTML + "<p>Mine.</p>")
    refused = client.post(f"{editor(content)}autosave/", stale, **htmx(target="ed-saved"))
    assert refused.status_code == 409 and refused["X-Autosave"] == "error"
    assert "changed while you were editing it" in page_text(refused)
    assert "Your text is still here" in page_text(refused)
    assert "Mine." not in fresh(alpha, content).html and len(versions(alpha, content)) == 3
