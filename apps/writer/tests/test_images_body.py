"""In-article images live in the body: generated pictures are placed as figures under the
heading they were prompted for (one version per article), a new picture or an upload replaces
the same figure, alt text and caption follow, a person moves one or takes it out; the editor's
preview shows them with the featured image above, saving keeps them, and the score counts them.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.planner.tests.helpers_clusters import body, client_on, page_text
from apps.workspace.models import Job
from apps.writer import figures, scoring
from apps.writer.models import Content, ContentVersion, VersionSource
from apps.writer.services import images as services
from apps.writer.services import images_body
from apps.writer.tests.helpers_images import (
    HX,
    images_of,
    make_content,
    media_fixture,  # noqa: F401  (autouse: files in a temporary MEDIA_ROOT)
    panel_url,
    picture_bytes,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from tests.factories import make_member, make_site

pytestmark = pytest.mark.django_db


def article(ws, content) -> Content:
    with schema_context(ws.schema):
        return Content.objects.select_related("site").get(pk=content.pk)


def versions(ws, content) -> list[ContentVersion]:
    with schema_context(ws.schema):
        return list(ContentVersion.objects.filter(content=content).order_by("number"))


def generate(ws, content, ids=None, user=None) -> Job:
    with schema_context(ws.schema):
        ids = ids or list(content.images.values_list("pk", flat=True))
        job = Job.objects.create(kind="images", created_by_id=getattr(user, "pk", None))
        services.images_generate(image_ids=ids, job=job)
        return job


@pytest.fixture
def made(alpha, site):
    """An article with prompts written and its three pictures generated (offline)."""
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        services.image_prompts_run(content=content)
    generate(alpha, content, user=alpha.editor)
    return content


def test_generated_pictures_are_placed_under_their_headings(alpha, site, made):
    featured, first, second = images_of(alpha, made)
    html = article(alpha, made).html
    assert html.count("<figure>") == 2 and figures.placed_ids(html) == [first.pk, second.pk]
    for image in (first, second):
        assert figures.heading_of(html, image.pk) == image.heading
        tag = re.search(rf"<img[^>]*data-igny8-image=\"{image.pk}\"[^>]*>", html).group(0)
        assert f'src="/writer/images/{image.pk}/file/?v=' in tag
        assert f'alt="{image.alt}"' in tag and 'width="1024" height="768"' in tag
        assert f"<figcaption>{image.caption}</figcaption>" in html
    assert f'data-igny8-image="{featured.pk}"' not in html, "the featured image is not in the body"
    *_, last = versions(alpha, made)
    assert last.source == VersionSource.IMAGES and last.note == "Placed 2 images in the article"
    assert last.author_id == alpha.editor.pk and last.changed == ["html"]
    assert len(versions(alpha, made)) == 2, "one version for the whole job"


def images_check(ws, content) -> scoring.Check:
    with schema_context(ws.schema):
        data = scoring.score_input_for(article(ws, content))
    return next(c for c in scoring.score(data).checks if c.key == "images_alt")


def test_the_score_counts_the_pictures_in_the_body(alpha, site, made):
    check = images_check(alpha, made)
    assert check.passed and check.detail == "3 of 3 with alt text"
    # Out of the body, an in-article picture is not in the article: it no longer counts.
    _, first, second = images_of(alpha, made)
    with schema_context(alpha.schema):
        images_body.figure_remove(image=first)
        images_body.figure_remove(image=second)
    assert images_check(alpha, made).detail == "1 of 1 with alt text"
    with schema_context(alpha.schema):
        content = article(alpha, made)
        assert content.score == scoring.score(scoring.score_input_for(content)).total


def test_a_new_picture_replaces_its_figure_and_never_duplicates(alpha, site, made):
    _, first, _ = images_of(alpha, made)
    before = article(alpha, made).html
    old_src = re.search(rf'src="([^"]+)"[^>]*data-igny8-image="{first.pk}"', before).group(1)
    with schema_context(alpha.schema):
        job = services.image_again_enqueue(image=first, user=alpha.editor)
    html = article(alpha, made).html
    assert html.count(f'data-igny8-image="{first.pk}"') == 1 and html.count("<figure>") == 2
    new_src = re.search(rf'src="([^"]+)"[^>]*data-igny8-image="{first.pk}"', html).group(1)
    assert new_src != old_src, "the address changes with the picture (no stale cache)"
    assert job.pk
    # Generating with nothing new changes nothing: no extra version.
    count = len(versions(alpha, made))
    generate(alpha, made, ids=[first.pk])
    assert len(versions(alpha, made)) == count


def test_an_upload_replaces_the_figure_and_alt_and_caption_follow(alpha, site, made, client_for):
    client = client_on(client_for, alpha.editor, alpha, site)
    _, first, _ = images_of(alpha, made)
    file = SimpleUploadedFile("bin.png", picture_bytes("PNG", (800, 600)), content_type="image/png")
    response = client.post(f"/writer/images/{first.pk}/upload/", {"file": file}, **HX)
    assert response.status_code == 200
    changed = json.loads(response["HX-Trigger"])["writer:content-changed"]
    assert changed["content"] == made.pk and changed["version"] == versions(alpha, made)[-1].number
    html = article(alpha, made).html
    assert 'width="800" height="600"' in html and html.count("<figure>") == 2
    response = client.post(
        f"/writer/images/{first.pk}/alt/",
        {"alt": "A green bin by the shed", "caption": "Ours, after a year"},
        **HX,
    )
    assert response.status_code == 200 and "writer:content-changed" in response["HX-Trigger"]
    html = article(alpha, made).html
    assert 'alt="A green bin by the shed"' in html
    assert "<figcaption>Ours, after a year</figcaption>" in html
    assert versions(alpha, made)[-1].note == "Updated image 1 in the article"
    # An empty caption leaves the picture without one.
    client.post(f"/writer/images/{first.pk}/alt/", {"alt": "A bin", "caption": ""}, **HX)
    tag = re.search(
        rf"<figure><img[^>]*data-igny8-image=\"{first.pk}\"[^>]*></figure>",
        article(alpha, made).html,
    )
    assert tag is not None


def test_move_and_take_out_from_the_panel(alpha, site, made, client_for):
    client = client_on(client_for, alpha.editor, alpha, site)
    _, first, second = images_of(alpha, made)
    panel = client.get(panel_url(made), **HX)
    text = page_text(panel)
    assert f"In the article under “{first.heading}”" in text
    assert "Featured: shown above the article" in text
    assert 'data-action="place"' in body(panel) and 'data-action="unplace"' in body(panel)

    response = client.post(
        f"/writer/images/{first.pk}/place/", {"heading": "Plastic or wood"}, **HX
    )
    assert response.status_code == 200
    assert "writer:content-changed" in response["HX-Trigger"]
    assert "In the article under “Plastic or wood”" in page_text(response)
    assert figures.heading_of(article(alpha, made).html, first.pk) == "Plastic or wood"
    assert images_of(alpha, made)[1].heading == "Plastic or wood", "remembered for next time"
    assert versions(alpha, made)[-1].note == "Moved image 1 under “Plastic or wood”"

    missing = client.post(f"/writer/images/{first.pk}/place/", {"heading": "Gone"}, **HX)
    assert missing.status_code == 400 and "no heading “Gone”" in page_text(missing)

    response = client.post(f"/writer/images/{second.pk}/unplace/", **HX)
    assert response.status_code == 200 and "Took image 2 out of the article" in page_text(response)
    html = article(alpha, made).html
    assert f'data-igny8-image="{second.pk}"' not in html and html.count("<figure>") == 1
    assert "Not in the article" in page_text(response) and "Put it under" in page_text(response)
    assert images_of(alpha, made)[2].file, "the picture stays, to place again"
    # Putting it back.
    client.post(f"/writer/images/{second.pk}/place/", {"heading": second.heading}, **HX)
    assert figures.heading_of(article(alpha, made).html, second.pk) == second.heading
    # Editing the alt text of a picture that is out of the body does not put it back.
    client.post(f"/writer/images/{second.pk}/unplace/", **HX)
    client.post(f"/writer/images/{second.pk}/alt/", {"alt": "Something else"}, **HX)
    assert f'data-igny8-image="{second.pk}"' not in article(alpha, made).html


def test_only_editors_of_the_site_move_or_remove(alpha, site, made, viewer, outsider, client_for):
    _, first, _ = images_of(alpha, made)
    before = article(alpha, made).html
    posts = [
        (f"/writer/images/{first.pk}/place/", {"heading": "Plastic or wood"}),
        (f"/writer/images/{first.pk}/unplace/", {}),
    ]
    stranger = make_member(alpha.account, "editor")
    make_site(alpha.account, "Other site", sectors=1, grant=[stranger])
    for user, status in ((viewer, 403), (stranger, 404), (outsider, 403)):
        client = client_on(client_for, user, alpha, site if user is viewer else None)
        for url, data in posts:
            assert client.post(url, data, **HX).status_code == status, (user, url)
    assert article(alpha, made).html == before
    owner = client_on(client_for, alpha.owner, alpha, site)
    assert owner.post(*posts[1], **HX).status_code == 200


def test_the_editor_shows_the_figures_and_the_featured_image_and_saving_keeps_them(
    alpha, site, made, viewer, client_for
):
    client = client_on(client_for, alpha.editor, alpha, site)
    featured, first, _ = images_of(alpha, made)
    page = client.get(f"/writer/content/{made.pk}/")
    markup = body(page)
    preview = markup[markup.index('id="ed-preview"') :]
    assert preview.count("<figure>") == 2 and f'data-igny8-image="{first.pk}"' in preview
    head = markup[markup.index('id="preview-h"') : markup.index('id="ed-preview"')]
    assert f'data-featured="{featured.pk}"' in head
    assert f'src="/writer/images/{featured.pk}/file/?v=' in head and f'alt="{featured.alt}"' in head
    # An autosave of the editor's text keeps every figure as it is.
    content = article(alpha, made)
    latest = versions(alpha, made)[-1].number
    form = {
        "title": content.title,
        "html": content.html.replace("Pick a size", "Choose a size"),
        "meta_title": content.meta_title,
        "meta_description": content.meta_description,
        "slug": content.slug,
        "primary_keyword": content.primary_keyword,
        "secondary_keywords": "",
        "excerpt": "",
        "base_version": str(latest),
    }
    response = client.post(f"/writer/content/{made.pk}/autosave/", form, **HX)
    assert response.status_code == 200 and response["X-Autosave"] == "ok"
    saved = article(alpha, made).html
    assert "Choose a size" in saved
    assert figures.placed_ids(saved) == figures.placed_ids(content.html)
    assert saved.count("<figcaption>") == 2
    # A viewer reads the article with its pictures and the featured image too.
    page = client_on(client_for, viewer, alpha, site).get(f"/writer/content/{made.pk}/")
    assert body(page).count("<figure>") == 2 and f'data-featured="{featured.pk}"' in body(page)


def test_the_panel_waits_until_the_pictures_are_in_the_body(alpha, site, made, client_for):
    """The pictures are ready a moment before the job has put them into the body: the panel
    keeps following the job, then tells the editor that the article changed."""
    client = client_on(client_for, alpha.editor, alpha, site)
    since = versions(alpha, made)[-1].number
    with schema_context(alpha.schema):
        job = Job.objects.create(kind="images", status="running", message="Finishing…")
        made.images.update(job=job)
    poll = client.get(panel_url(made), {"part": "progress", "since": str(since)}, **HX)
    assert "HX-Trigger" not in poll and "every 1s" in body(poll)
    assert "Putting the pictures into the article" in page_text(poll)
    _, first, _ = images_of(alpha, made)
    with schema_context(alpha.schema):
        images_body.figure_remove(image=first)  # the body changes, as a placing job does
        Job.objects.filter(pk=job.pk).update(status="succeeded")
    done = client.get(panel_url(made), {"part": "progress", "since": str(since)}, **HX)
    events = json.loads(done["HX-Trigger"])
    assert events[f"images-refresh-{made.pk}"] is None
    assert events["writer:content-changed"] == {"content": made.pk, "version": since + 1}
