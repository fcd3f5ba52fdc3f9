"""Who sees and does what on the images page, the editor's panel and the image actions:
owner, editor (with and without the site), viewer (reads, no buttons, posts refused) and an
outsider; the page grouped by article with a status filter and pages; the bulk confirm step."""

from __future__ import annotations

import json
import re

import pytest
from django_tenants.utils import schema_context

from apps.planner.tests.helpers_clusters import body, client_on, page_text
from apps.workspace.models import Job
from apps.writer.models import Content, Image
from apps.writer.services import images as services
from apps.writer.tests.helpers_images import (
    HX,
    IMAGES,
    actions,
    balance,
    images_of,
    make_content,
    media_fixture,  # noqa: F401  (autouse: files in a temporary MEDIA_ROOT)
    panel_url,
    per_image,
    picture_bytes,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from tests.factories import make_member, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(alpha, site):
    """An article with prompts written: three images waiting, one of them failed."""
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        services.image_prompts_run(content=content)
        content.images.filter(position=2).update(status="failed", error="The provider said no.")
    return content


def image_posts(image) -> list[tuple[str, dict]]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return [
        (f"/writer/images/{image.pk}/alt/", {"alt": "New words"}),
        (f"/writer/images/{image.pk}/retry/", {}),
        (f"/writer/images/{image.pk}/again/", {}),
        (
            f"/writer/images/{image.pk}/upload/",
            {"file": SimpleUploadedFile("a.png", picture_bytes(), content_type="image/png")},
        ),
    ]


def test_an_editor_sees_the_panel_with_every_action_and_the_costs(
    alpha, site, content, client_for, paid_ai
):
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.get(panel_url(content), **HX)
    assert response.status_code == 200
    markup = body(response)
    assert "<html" not in markup and f'id="images-panel-{content.pk}"' in markup
    assert actions(markup) == {"prompts", "generate", "retry", "retry-one"}
    text = page_text(response)
    assert f"Generate 3 images · {3 * per_image()} credits" in text
    assert f"Retry 1 failed · {per_image()} credits" in text
    assert "The provider said no." in text and "Edit alt text" in text
    assert "Replace with an upload" in text
    # Without HTMX the same address is a full page (the editor's plain-link fallback).
    page = client.get(panel_url(content))
    assert "<html" in body(page) and f"Images of “{content.title}”" in page_text(page)
    assert 'aria-current="page">Images<' in body(page)


def test_a_viewer_sees_the_pictures_but_no_actions_and_cannot_post(
    alpha, site, content, viewer, client_for
):
    client = client_on(client_for, viewer, alpha, site)
    response = client.get(panel_url(content), **HX)
    assert response.status_code == 200
    markup = body(response)
    assert actions(markup) == set()
    assert "Edit alt text" not in markup and "<form" not in markup
    assert "Clean editorial illustration" in page_text(response), "alt texts are readable"
    page = client.get(IMAGES)
    assert page.status_code == 200 and content.title in page_text(page)
    assert actions(body(page)) == set() and 'name="ids"' not in body(page)
    before = balance(alpha.account)
    for action in ("prompts", "generate", "retry"):
        refused = client.post(panel_url(content), {"action": action}, **HX)
        assert refused.status_code == 403
    image = images_of(alpha, content)[0]
    for url, data in image_posts(image):
        assert client.post(url, data).status_code == 403, url
    assert client.get("/writer/images/generate/", {"ids": [content.pk]}).status_code == 403
    assert images_of(alpha, content)[0].alt == image.alt
    assert balance(alpha.account) == before


def test_an_editor_without_the_site_finds_nothing(alpha, site, content, client_for):
    stranger = make_member(alpha.account, "editor")
    client = client_on(client_for, stranger, alpha)
    assert client.get(panel_url(content), **HX).status_code == 404
    assert client.post(panel_url(content), {"action": "generate"}).status_code == 404
    image = images_of(alpha, content)[0]
    for url, data in image_posts(image):
        assert client.post(url, data).status_code == 404, url
    page = client.get(IMAGES)
    assert page.status_code == 200
    assert content.title not in page_text(page) and "No site has been shared" in page_text(page)


def test_an_outsider_is_refused_everywhere(alpha, site, content, outsider, client_for):
    client = client_on(client_for, outsider, alpha)
    image = images_of(alpha, content)[0]
    assert client.get(IMAGES).status_code == 403
    assert client.get(panel_url(content), **HX).status_code == 403
    assert client.post(panel_url(content), {"action": "generate"}).status_code == 403
    for url, data in image_posts(image):
        assert client.post(url, data).status_code == 403, url
    assert client.get("/writer/images/generate/", {"ids": [content.pk]}).status_code == 403


def _skip_ids(schema: str, table: str, beyond: int) -> None:
    """Make the next id of `table` in `schema` one no row of the other workspace has."""
    from django.db import connection

    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, beyond])


def test_another_workspaces_article_is_not_found(alpha, beta, site, content, client_for):
    with schema_context(alpha.schema):
        top_content = Content.objects.order_by("-pk").first().pk
        top_image = Image.objects.order_by("-pk").first().pk
    _skip_ids(beta.schema, "writer_content", top_content + 1000)
    _skip_ids(beta.schema, "writer_image", top_image + 1000)
    theirs = make_content(beta, make_site(beta.account, "Beta Images", sectors=1))
    with schema_context(beta.schema):
        services.image_prompts_run(content=theirs)
        their_image = theirs.images.first()
    assert theirs.pk > top_content and their_image.pk > top_image
    client = client_on(client_for, alpha.owner, alpha, site)
    assert client.get(panel_url(theirs), **HX).status_code == 404
    assert client.post(panel_url(theirs), {"action": "generate"}).status_code == 404
    for url, data in image_posts(their_image):
        assert client.post(url, data).status_code == 404, url
    assert client.get("/writer/content/abc/images/").status_code == 404
    mine = client_on(client_for, beta.owner, beta)
    assert mine.get(panel_url(theirs), **HX).status_code == 200


def test_the_owner_may_act_too_and_a_bad_action_is_a_message(alpha, site, content, client_for):
    client = client_on(client_for, alpha.owner, alpha, site)
    response = client.post(panel_url(content), {"action": "explode"}, **HX)
    assert response.status_code == 400
    assert "Choose what to do with the images." in page_text(response)
    response = client.post(panel_url(content), {"action": "retry"}, **HX)
    assert response.status_code == 200 and "Generating 1 image" in page_text(response)
    assert [i.status for i in images_of(alpha, content)] == ["pending", "pending", "generated"]


def test_generate_with_nothing_waiting_says_so(alpha, site, client_for):
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(panel_url(content), {"action": "generate"}, **HX)
    assert response.status_code == 400
    assert "There is no image waiting to be generated." in page_text(response)


# --- the page --------------------------------------------------------------------------------


def test_the_page_groups_images_by_article_with_a_status_filter(alpha, site, content, client_for):
    bare = make_content(alpha, site, title="Worm farms for beginners")
    client = client_on(client_for, alpha.editor, alpha, site)
    page = client.get(IMAGES)
    assert page.status_code == 200
    text = page_text(page)
    assert content.title in text and bare.title in text
    markup = body(page)
    assert markup.count('class="image-card"') == 3
    assert f'href="/writer/content/{content.pk}/"' in markup
    assert f'value="{content.pk}" form="images-bulk"' in markup
    assert "?in=page" in markup, "the page's panels keep their article titles after a swap"
    failed = client.get(IMAGES, {"status": "failed"})
    assert content.title in page_text(failed) and bare.title not in page_text(failed)
    none = client.get(IMAGES, {"status": "none"})
    assert bare.title in page_text(none) and content.title not in page_text(none)
    generated = client.get(IMAGES, {"status": "generated"})
    assert "No article matches this filter." in page_text(generated)
    odd = client.get(IMAGES, {"status": "sparkly"})
    assert "Not applied: unknown status “sparkly”" in page_text(odd)
    # A panel action from the page comes back with its title (page mode).
    swapped = client.post(panel_url(content), {"action": "retry", "in": "page"}, **HX)
    assert f'href="/writer/content/{content.pk}/"' in body(swapped)


def test_the_page_shows_ten_articles_at_a_time(alpha, site, client_for):
    for n in range(12):
        make_content(alpha, site, title=f"Article number {n:02d}")
    client = client_on(client_for, alpha.owner, alpha, site)
    first = client.get(IMAGES)
    assert body(first).count("images-panel card") == 10 and "Page 1 of 2" in page_text(first)
    second = client.get(IMAGES, {"page": 2})
    assert body(second).count("images-panel card") == 2


def test_the_page_without_a_site(alpha, client_for, viewer):
    # The viewer here has no site granted at all.
    response = client_on(client_for, make_member(alpha.account, "viewer"), alpha).get(IMAGES)
    assert response.status_code == 200 and "No site has been shared" in page_text(response)


def test_bulk_generate_shows_the_cost_then_queues_a_job_per_article(
    alpha, site, content, client_for, paid_ai
):
    other = make_content(alpha, site, title="Leaf mould in autumn")
    with schema_context(alpha.schema):
        services.image_prompts_run(content=other)
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha.account)
    confirm = client.get("/writer/images/generate/", {"ids": [content.pk, other.pk]})
    assert confirm.status_code == 200
    cost = 6 * per_image()
    assert f"Generate 6 images — {cost} credits." in page_text(confirm)
    assert balance(alpha.account) == before
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="images").exists()
    done = client.post("/writer/images/generate/", {"ids": [content.pk, other.pk]})
    assert done.status_code == 303 and done["Location"] == IMAGES
    assert before - balance(alpha.account) == cost
    with schema_context(alpha.schema):
        assert Job.objects.filter(kind="images").count() == 2
    for c in (content, other):
        assert [i.status for i in images_of(alpha, c)] == ["generated"] * 3
    page = client.get(done["Location"])
    assert "Generating 6 images for 2 articles" in page_text(page)


def test_bulk_generate_with_nothing_ticked_or_waiting(alpha, site, client_for):
    bare = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    nothing = client.get("/writer/images/generate/")
    assert nothing.status_code == 400
    assert "Tick the articles whose images you want to generate." in page_text(nothing)
    empty = client.post("/writer/images/generate/", {"ids": [bare.pk]})
    assert empty.status_code == 400 and "has an image waiting" in page_text(empty)


def test_the_editors_link_shows_one_article(alpha, site, content, client_for):
    other = make_content(alpha, site, title="Worm farms for beginners")
    client = client_on(client_for, alpha.editor, alpha, site)
    page = client.get(IMAGES, {"content": content.pk})
    assert content.title in page_text(page) and other.title not in page_text(page)
    assert "Show every article" in page_text(page)
    assert f'name="content" value="{content.pk}"' in body(page)
    odd = client.get(IMAGES, {"content": "../1"})
    assert "Not applied: an article that is not a number" in page_text(odd)
    assert other.title in page_text(odd)


def test_the_panel_follows_a_prompts_job_until_the_prompts_are_there(
    alpha, site, client_for, settings
):
    """With a real worker the job runs after the request: the panel must follow it (it used
    to show nothing new until a reload)."""
    from igny8 import jobs

    settings.JOBS_SYNC = False  # queued for a worker that is not running: nothing runs here
    content = make_content(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(panel_url(content), {"action": "prompts"}, **HX)
    assert response.status_code == 200
    markup = body(response)
    assert "Image prompts are queued" in page_text(response)
    assert 'hx-trigger="every 1s"' in markup and "part=progress" in markup
    assert re.search(r'data-action="prompts"', markup) and " disabled data-action" in markup
    with schema_context(alpha.schema):
        job = Job.objects.get(kind="image_prompts")
        assert Content.objects.get(pk=content.pk).image_prompts_job_id == job.pk
    # Reloading the page follows it too, and a second run is refused while it runs.
    assert "Image prompts are queued" in page_text(client.get(panel_url(content), **HX))
    again = client.post(panel_url(content), {"action": "prompts"}, **HX)
    assert again.status_code == 400 and "being written already" in page_text(again)
    poll = client.get(panel_url(content), {"part": "progress", "since": "1"}, **HX)
    assert "HX-Trigger" not in poll and "every 1s" in body(poll)

    jobs.run(alpha.schema, job.pk, "apps.writer.jobs.images.image_prompts", "", [content.pk], {})

    done = client.get(panel_url(content), {"part": "progress", "since": "1"}, **HX)
    assert json.loads(done["HX-Trigger"]) == {f"images-refresh-{content.pk}": None}
    assert "every 1s" not in body(done)
    panel = client.get(panel_url(content), **HX)
    assert "Write new prompts" in page_text(panel) and "Generate 3 images" in page_text(panel)
    assert len(images_of(alpha, content)) == 3
