"""The content editor's visual mode in a real browser: an article with headings (and their
ids), nested lists, links, a quote, tables, figures and images opens in the visual editor and
comes back whole when typed in and autosaved; the HTML source toggle shows the same textarea
and switches back; a stale editor is refused without losing the typing; tables, links and
images are made with the toolbar at phone width; and without JavaScript the plain field saves."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect

from apps.writer.diff import same_html
from apps.writer.models import Content, ContentVersion
from apps.writer.services.content import Actor, content_update
from apps.writer.services.versions import content_create
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.workspaces import workspace_with_site
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

PICTURE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    b'<rect width="40" height="20" fill="#4f46e5"/></svg>'
)
# Everything an article may hold, the way the writer, the optimizer and the image placement
# write it (one block per line; ids and in-page links as the sanitiser leaves them).
ARTICLE = "\n".join(
    [
        "<p>Ceiling fans move air, and <strong>the right size</strong> matters: see "
        '<a href="https://example.com/sizing">the sizing guide</a> or '
        '<a href="#igny8-faq">the questions</a>.</p>',
        '<h2 id="igny8-tools">Tools you need</h2>',
        "<p>Gather <em>everything</em> first.</p>",
        "<h3>Hand tools</h3>",
        "<ul><li>A sturdy ladder</li><li>Screwdrivers<ul><li>Flat</li><li>Phillips</li></ul>"
        "</li><li>Wire nuts</li></ul>",
        "<ol><li>Turn off the breaker</li><li>Remove the old fixture</li></ol>",
        "<blockquote><p>Safety first: test the wires before touching them.</p></blockquote>",
        "<table><thead><tr><th>Fan size</th><th>Room</th></tr></thead><tbody>"
        "<tr><td>42 in</td><td>Up to 100 sq ft</td></tr>"
        "<tr><td>52 in</td><td>Up to 225 sq ft</td></tr></tbody></table>",
        '<table><thead><tr><th scope="col">Part</th><th scope="col">Cost</th></tr></thead>'
        '<tbody><tr><td colspan="2">Varies by model</td></tr></tbody></table>',
        '<figure><img src="/writer/images/7/file/" data-igny8-image="7" '
        'alt="A white ceiling fan in a living room">'
        "<figcaption>The finished fan.</figcaption></figure>",
        '<p><img src="https://images.example.com/wiring.svg" alt="Wiring diagram"></p>',
        '<h2 id="igny8-faq">Questions</h2>',
        "<dl><dt>How long does it take?</dt><dd>About two hours.</dd></dl>",
        "<p>That is all &amp; you are done.</p>",
    ]
)


def workspace_with_article(slug: str, email: str, html: str = ARTICLE):
    account, owner, site = workspace_with_site(
        slug,
        email,
        label="Editor",
        owner_name="Vera Visual",
        site_name="Fan Notes",
        site_url="https://fans.example.com",
        sector_by=None,
    )
    with schema_context(account.schema_name):
        content = content_create(
            site=site,
            sector=site.sectors.get(),
            fields={
                "title": "How to install a ceiling fan",
                "html": html,
                "meta_title": "How to install a ceiling fan",
                "meta_description": "Install a ceiling fan safely in an afternoon.",
                "primary_keyword": "install a ceiling fan",
            },
            author=owner,
        )
    return account, owner, content


def sign_in(page: Page, hosts: Hosts, slug: str, email: str) -> None:
    page.goto(hosts.workspace(slug, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome|Dashboard"))).to_be_visible()


def serve_pictures(page: Page) -> None:
    """Images of the article: the customer's https host and the workspace's own image files."""
    for pattern in ("https://images.example.com/**", "**/writer/images/*/file/"):
        page.route(pattern, lambda route: route.fulfill(body=PICTURE, content_type="image/svg+xml"))


def open_editor(page: Page, hosts: Hosts, slug: str, content: Content) -> None:
    page.goto(hosts.workspace(slug, f"/writer/content/{content.pk}/"))
    expect(page.get_by_role("button", name="Visual")).to_have_attribute("aria-pressed", "true")


def stored(account, content: Content) -> tuple[Content, list[ContentVersion]]:
    with schema_context(account.schema_name):
        fresh = Content.objects.get(pk=content.pk)
        return fresh, list(fresh.versions.order_by("number"))


def leave(page: Page) -> None:
    """Let the page's last requests finish, then leave it: the workspace's schema is dropped
    right after the test, and a request still reading it would deadlock with that."""
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")


def eventually(page: Page, read, ok, seconds: float = 15):
    """`read()` once `ok` holds for it (an autosave lands a moment after the typing stops)."""
    for _ in range(int(seconds * 4)):
        value = read()
        if ok(value):
            return value
        page.wait_for_timeout(250)
    return value


def test_an_article_comes_back_whole_from_the_visual_editor(page: Page, hosts: Hosts, new_slug):
    slug = new_slug("visual")
    email = f"visual-{RUN_ID}@e2e.example"
    account, _, content = workspace_with_article(slug, email)
    original = content.html
    serve_pictures(page)
    sign_in(page, hosts, slug, email)
    open_editor(page, hosts, slug, content)

    body = page.get_by_role("textbox", name="Article body")
    source = page.locator("#id_html")
    expect(source).to_be_hidden()
    # Editable in place: headings, lists, the quote, the table with its header row, links.
    expect(body.get_by_role("heading", name="Tools you need")).to_be_visible()
    expect(body.locator("li", has_text="Phillips")).to_be_visible()
    expect(body.locator("blockquote")).to_contain_text("Safety first")
    expect(body.locator("table td", has_text="Up to 225 sq ft")).to_be_visible()
    expect(body.get_by_role("link", name="the sizing guide")).to_be_visible()
    # Kept exactly as written, shown with a label: the figure, the table with merged cells,
    # the definition list.
    kept = page.locator(".ed-raw")
    expect(kept).to_have_count(3)
    expect(kept.nth(0)).to_contain_text("Table · kept as written")
    expect(kept.nth(1)).to_contain_text("Image with caption · kept as written")
    expect(kept.nth(1).locator("figcaption")).to_have_text("The finished fan.")
    expect(kept.nth(2)).to_contain_text("Definition list")
    expect(page.get_by_text("Blocks marked “kept as written”")).to_be_visible()
    # Backspace at the start of the line after a kept block does not swallow it.
    body.locator("p", has_text="That is all").click()
    page.keyboard.press("Home")
    page.keyboard.press("Backspace")
    expect(kept).to_have_count(3)
    # Merely opening the article (or that key) writes nothing into the form.
    assert source.evaluate("(t) => t.value === t.defaultValue")

    # Typing in the visual editor autosaves a version with the HTML.
    body.locator("p").first.click()
    page.keyboard.press("End")
    page.keyboard.type(" Measure the room first.")
    expect(page.locator("[data-saved]")).to_contain_text("Saved · v2", timeout=15_000)
    expect(page.locator("#ed-preview")).to_contain_text("Measure the room first.")
    saved, versions = stored(account, content)
    assert [v.source for v in versions] == ["written", "autosaved"]
    assert "the right size</strong> matters" in saved.html
    assert "Measure the room first." in saved.html
    # Everything else is as it was: headings with their ids, nested lists, links, the quote,
    # both tables, the figure with its image and caption, the inline image, the list of terms.
    assert same_html(saved.html.replace(" Measure the room first.", ""), original), saved.html
    for piece in (
        '<h2 id="igny8-tools">Tools you need</h2>',
        "<h3>Hand tools</h3>",
        "<li>Screwdrivers<ul><li>Flat</li><li>Phillips</li></ul></li>",
        '<a href="#igny8-faq"',
        "<blockquote><p>Safety first",
        "<thead><tr><th>Fan size</th><th>Room</th></tr></thead>",
        '<td colspan="2">Varies by model</td>',
        '<figure><img src="/writer/images/7/file/"',
        "<figcaption>The finished fan.</figcaption></figure>",
        '<img src="https://images.example.com/wiring.svg" alt="Wiring diagram">',
        "<dl><dt>How long does it take?</dt>",
    ):
        assert piece in saved.html.replace("\n", ""), piece
    leave(page)


def test_source_toggle_conflicts_and_the_plain_form(
    page: Page, browser: Browser, hosts: Hosts, new_slug
):
    slug = new_slug("source")
    email = f"source-{RUN_ID}@e2e.example"
    account, owner, content = workspace_with_article(slug, email)
    serve_pictures(page)
    sign_in(page, hosts, slug, email)
    open_editor(page, hosts, slug, content)
    body = page.get_by_role("textbox", name="Article body")
    source = page.locator("#id_html")
    loaded = source.input_value()

    # To the source and back without a change: the same textarea, the same text.
    page.get_by_role("button", name="HTML source").click()
    expect(source).to_be_visible()
    expect(body).to_be_hidden()
    assert source.input_value() == loaded
    page.get_by_role("button", name="Visual").click()
    expect(body).to_be_visible()
    assert source.input_value() == loaded

    # HTML typed in the source shows in the visual editor; typing there keeps both.
    page.get_by_role("button", name="HTML source").click()
    source.fill(loaded + "\n<h2>Wiring it up</h2>\n<p>Match the colours.</p>")
    page.get_by_role("button", name="Visual").click()
    expect(body.get_by_role("heading", name="Wiring it up")).to_be_visible()
    body.locator("p", has_text="Match the colours.").click()
    page.keyboard.press("End")
    page.keyboard.type(" Black to black.")
    page.get_by_role("button", name="HTML source").click()
    expect(source).to_have_value(re.compile("<p>Match the colours. Black to black.</p>"))
    page.get_by_role("button", name="Visual").click()
    saved = eventually(page, lambda: stored(account, content)[0], lambda c: "to black." in c.html)
    expect(page.locator("[data-saved]")).to_contain_text("Saved")
    assert "<h2>Wiring it up</h2>" in saved.html
    assert "Black to black." in saved.html and "<figcaption>" in saved.html
    before = len(stored(account, content)[1])

    # Someone else changes the article: the next autosave is refused, nothing is lost.
    with schema_context(account.schema_name):
        other = Content.objects.get(pk=content.pk)
        content_update(
            content=other,
            actor=Actor(user=None, can_edit=True, can_approve=True),
            changes={"meta_title": "Changed elsewhere"},
        )
    body.locator("p", has_text="Black to black.").click()
    page.keyboard.press("End")
    page.keyboard.type(" Cap the wires.")
    refusal = page.locator("[data-save-error]")
    expect(refusal).to_contain_text("changed while you were editing", timeout=15_000)
    expect(refusal).to_contain_text("Your text is still here")
    expect(body).to_contain_text("Cap the wires.")
    assert "Cap the wires." in source.input_value()
    saved, versions = stored(account, content)
    assert "Cap the wires." not in saved.html and saved.meta_title == "Changed elsewhere"
    assert len(versions) == before + 1

    # Without JavaScript the page is the plain form, and it saves.
    plain = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        no_js = plain.new_page()
        serve_pictures(no_js)
        no_js.goto(hosts.workspace(slug, "/accounts/login/"))
        no_js.get_by_label("Email").fill(email)
        no_js.get_by_label("Password").fill(PASSWORD)
        no_js.get_by_role("button", name="Sign In").click()
        no_js.goto(hosts.workspace(slug, f"/writer/content/{content.pk}/"))
        field = no_js.get_by_label("Body (HTML)")
        expect(field).to_be_visible()
        expect(no_js.get_by_role("button", name="HTML source")).to_be_hidden()
        field.fill(field.input_value() + "\n<p>Written without scripts.</p>")
        no_js.get_by_role("button", name="Save", exact=True).click()
        expect(no_js.get_by_text(f"Saved as version {before + 2}.")).to_be_visible()
        leave(no_js)
    finally:
        plain.close()
    saved, _ = stored(account, content)
    assert "<p>Written without scripts.</p>" in saved.html and "<figcaption>" in saved.html
    leave(page)


def test_tables_links_and_images_from_the_toolbar_on_a_phone(page: Page, hosts: Hosts, new_slug):
    slug = new_slug("toolbar")
    email = f"toolbar-{RUN_ID}@e2e.example"
    account, _, content = workspace_with_article(
        slug, email, html="<h2>Choosing a fan</h2>\n<p>Fans differ in size and power.</p>"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    serve_pictures(page)
    sign_in(page, hosts, slug, email)
    open_editor(page, hosts, slug, content)
    body = page.get_by_role("textbox", name="Article body")

    # The toolbar wraps inside the phone's width; every button can be reached.
    toolbar = page.locator("[data-visual-toolbar]")
    box = toolbar.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert toolbar.evaluate("(t) => t.scrollWidth <= t.clientWidth + 1")
    for name in ("Bold", "Link", "Bulleted list", "Quote", "Image", "Table"):
        button = toolbar.get_by_role("button", name=name, exact=True)
        button_box = button.bounding_box()
        assert button_box and button_box["x"] + button_box["width"] <= 390, name

    # A link on chosen words.
    paragraph = body.locator("p", has_text="Fans differ")
    paragraph.click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    toolbar.get_by_role("button", name="Link", exact=True).click()
    link_box = page.locator(".ql-tooltip input[type=text]")
    link_box.fill("https://fans.example.com/sizes")
    link_box.press("Enter")
    expect(body.get_by_role("link", name="Fans differ in size and power.")).to_be_visible()

    # A table: a header row, cells typed, a row added.
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="Table", exact=True).click()
    expect(body.locator("table tr")).to_have_count(3)
    page.keyboard.type("Size")
    page.keyboard.press("Tab")
    page.keyboard.type("Room")
    page.get_by_role("button", name="Header row").click()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("42 in")
    page.get_by_role("button", name="Row below").click()
    expect(body.locator("table tr")).to_have_count(4)

    # An image by its https address, with a caption: a figure.
    body.get_by_role("heading", name="Choosing a fan").click()
    page.keyboard.press("End")
    toolbar.get_by_role("button", name="Image", exact=True).click()
    page.get_by_label("Image address").fill("http://plain.example.com/fan.png")
    page.get_by_role("button", name="Insert image").click()
    expect(page.get_by_role("alert").filter(has_text="https://")).to_be_visible()
    page.get_by_label("Image address").fill("https://images.example.com/fan.svg")
    page.get_by_label("Alt text").fill("A ceiling fan with wooden blades")
    page.get_by_label("Caption (optional)").fill("Wood suits a warm room.")
    page.get_by_role("button", name="Insert image").click()
    figure = page.locator(".ed-raw", has_text="Image with caption")
    expect(figure.locator("img")).to_have_attribute("alt", "A ceiling fan with wooden blades")
    # The picture loads over the network (a route of this test): wait for it rather than
    # reading it at once, which a loaded machine loses.
    figure.locator("img").evaluate(
        "(img) => img.complete ? null : new Promise((done) => {"
        " img.addEventListener('load', done); img.addEventListener('error', done); })"
    )
    assert figure.locator("img").evaluate("(img) => img.complete && img.naturalWidth") > 0

    saved = eventually(page, lambda: stored(account, content)[0], lambda c: "<figure>" in c.html)
    assert (
        '<figure><img src="https://images.example.com/fan.svg" alt="A ceiling fan with wooden '
        'blades"><figcaption>Wood suits a warm room.</figcaption></figure>' in saved.html
    )
    assert '<a href="https://fans.example.com/sizes"' in saved.html
    assert (
        "<table><thead><tr><th>Size</th><th>Room</th><th></th></tr></thead>"
        "<tbody><tr><td>42 in</td><td></td><td></td></tr>" in saved.html
    ), saved.html
    assert saved.html.count("<tr>") == 4
    leave(page)
