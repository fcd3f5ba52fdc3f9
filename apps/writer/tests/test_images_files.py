"""Replacing a picture by upload (checked by opening it; clear refusals that lose nothing),
editing alt text, and serving files only to members who may see the site."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.planner.tests.helpers_clusters import client_on, page_text
from apps.workspace.models import Job
from apps.writer.models import Image, ImageStatus
from apps.writer.services import images as services
from apps.writer.services import images_files
from apps.writer.tests.helpers_images import (
    HX,
    images_of,
    make_content,
    media_fixture,  # noqa: F401  (autouse: files in a temporary MEDIA_ROOT)
    picture_bytes,
    site_fixture,  # noqa: F401  (fixture "site")
    stored,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from tests.factories import make_member, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(alpha, site):
    """An article whose three images are generated (offline)."""
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        services.image_prompts_run(content=content)
        ids = list(content.images.values_list("pk", flat=True))
        services.images_generate(image_ids=ids, job=Job.objects.create(kind="t"))
    return content


def upload(client, image, data: bytes, name: str = "photo.png", content_type="image/png"):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(f"/writer/images/{image.pk}/upload/", {"file": file}, **HX)


# --- upload ----------------------------------------------------------------------------------


def test_an_upload_replaces_the_picture_and_the_old_file_goes(
    alpha, site, made, client_for, django_capture_on_commit_callbacks
):
    client = client_on(client_for, alpha.editor, alpha, site)
    image = images_of(alpha, made)[1]
    old = image.file.name
    data = picture_bytes("JPEG", (800, 600))
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, image, data, "holiday.jpg", "image/jpeg")
    assert response.status_code == 200
    assert "Picture replaced with your upload." in page_text(response)
    image = images_of(alpha, made)[1]
    assert (image.uploaded, image.status, image.format, image.size) == (
        True,
        "generated",
        "jpeg",
        "800x600",
    )
    assert image.file.name.startswith(f"{alpha.schema}/images/{made.pk}/upload-1-")
    assert "holiday" not in image.file.name, "the stored name never comes from the upload"
    with default_storage.open(image.file.name, "rb") as handle:
        assert handle.read() == data, "stored as sent"
    assert stored(image).format == "JPEG"
    assert not default_storage.exists(old)
    assert "Uploaded" in page_text(response)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"this is not a picture at all", "fake.png", "That file is not an image we can read."),
        (picture_bytes("PNG")[:60], "cut.png", "That file is not an image we can read."),
        (picture_bytes("GIF"), "anim.gif", "That is a GIF image we do not publish."),
        (picture_bytes("BMP"), "old.bmp", "That is a BMP image we do not publish."),
        (b"\0" * (10 * 1024 * 1024 + 1), "huge.png", "That file is 10.0 MB; an image can be"),
        (b"", "empty.png", "That file is empty."),
    ],
)
def test_a_bad_upload_is_refused_clearly_and_nothing_is_lost(
    alpha, site, made, client_for, data, name, message
):
    client = client_on(client_for, alpha.editor, alpha, site)
    image = images_of(alpha, made)[0]
    response = upload(client, image, data, name)
    assert response.status_code == 400
    assert message in page_text(response)
    assert 'data-error="file"' in response.content.decode()
    after = images_of(alpha, made)[0]
    assert (after.file.name, after.uploaded, after.status) == (image.file.name, False, "generated")
    assert stored(after).size == (1200, 630)
    assert sorted(default_storage.listdir(f"{alpha.schema}/images/{made.pk}")[1]) == sorted(
        i.file.name.rsplit("/", 1)[1] for i in images_of(alpha, made)
    ), "no stray file"


def test_no_file_chosen(alpha, site, made, client_for):
    client = client_on(client_for, alpha.editor, alpha, site)
    image = images_of(alpha, made)[0]
    response = client.post(f"/writer/images/{image.pk}/upload/", {}, **HX)
    assert response.status_code == 400
    assert "Choose an image file to upload." in page_text(response)


def test_an_image_being_generated_cannot_be_replaced(alpha, site, made, client_for):
    image = images_of(alpha, made)[2]
    with schema_context(alpha.schema):
        Image.objects.filter(pk=image.pk).update(
            status=ImageStatus.GENERATING, job=Job.objects.create(kind="images", status="running")
        )
    client = client_on(client_for, alpha.editor, alpha, site)
    response = upload(client, image, picture_bytes())
    assert response.status_code == 400
    assert "being generated right now" in page_text(response)
    assert images_of(alpha, made)[2].file.name == image.file.name


def test_without_htmx_an_upload_lands_on_the_panel_page(alpha, site, made, client_for):
    client = client_on(client_for, alpha.editor, alpha, site)
    image = images_of(alpha, made)[0]
    file = SimpleUploadedFile("a.webp", picture_bytes("WEBP"), content_type="image/webp")
    response = client.post(f"/writer/images/{image.pk}/upload/", {"file": file})
    assert response.status_code == 303
    assert response["Location"] == f"/writer/content/{made.pk}/images/"
    page = client.get(response["Location"])
    assert "Picture replaced with your upload." in page_text(page)
    assert f"Images of “{made.title}”" in page_text(page)
    response = client.post(f"/writer/images/{image.pk}/alt/", {"alt": "A garden bin", "in": "page"})
    assert response["Location"] == f"/writer/images/#images-panel-{made.pk}"


# --- alt text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alt", "message"),
    [
        ("", "Write an alt text"),
        ("   \n ", "Write an alt text"),
        ("x" * 301, "Keep the alt text under 300 characters"),
    ],
)
def test_a_bad_alt_text_is_refused_and_what_was_typed_stays(
    alpha, site, made, client_for, alt, message
):
    client = client_on(client_for, alpha.editor, alpha, site)
    image = images_of(alpha, made)[0]
    response = client.post(f"/writer/images/{image.pk}/alt/", {"alt": alt}, **HX)
    assert response.status_code == 400
    assert message in page_text(response)
    if alt.strip():
        assert alt in response.content.decode(), "the typed text comes back to fix"
    assert images_of(alpha, made)[0].alt == image.alt


def test_alt_text_is_saved_tidied_and_the_score_refreshed(
    alpha, site, made, client_for, monkeypatch
):
    rescored = []
    real = images_files.content_rescore
    monkeypatch.setattr(
        images_files,
        "content_rescore",
        lambda content: rescored.append(content.pk) or real(content=content),
    )
    client = client_on(client_for, alpha.editor, alpha, site)
    # The featured image: it is not in the body, so only the score changes (an in-article
    # image's figure changes with it: test_images_body).
    image = images_of(alpha, made)[0]
    response = client.post(
        f"/writer/images/{image.pk}/alt/", {"alt": "  A wooden   compost bin\n in a garden "}, **HX
    )
    assert response.status_code == 200
    assert images_of(alpha, made)[0].alt == "A wooden compost bin in a garden"
    assert "Alt text saved." in page_text(response)
    assert 'alt="A wooden compost bin in a garden"' in response.content.decode()
    assert rescored == [made.pk]
    upload(client, image, picture_bytes())
    assert rescored == [made.pk, made.pk], "an upload refreshes the score too"


# --- serving ---------------------------------------------------------------------------------


def file_url(image) -> str:
    return f"/writer/images/{image.pk}/file/"


def test_the_owner_gets_the_picture_with_safe_headers(alpha, site, made, client_for):
    image = images_of(alpha, made)[0]
    response = client_on(client_for, alpha.owner, alpha).get(file_url(image))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    body = b"".join(response.streaming_content)
    with default_storage.open(image.file.name, "rb") as handle:
        assert body == handle.read()


def test_an_uploaded_jpeg_is_served_as_jpeg(alpha, site, made, client_for):
    image = images_of(alpha, made)[0]
    client = client_on(client_for, alpha.editor, alpha, site)
    upload(client, image, picture_bytes("JPEG"), "x.jpg", "image/jpeg")
    assert client.get(file_url(image))["Content-Type"] == "image/jpeg"


def test_who_may_read_a_picture(alpha, beta, site, made, viewer, outsider, client_for):
    image = images_of(alpha, made)[0]
    assert client_on(client_for, alpha.editor, alpha).get(file_url(image)).status_code == 200
    assert client_on(client_for, viewer, alpha).get(file_url(image)).status_code == 200
    stranger = make_member(alpha.account, "editor")  # an editor without a grant to this site
    assert client_on(client_for, stranger, alpha).get(file_url(image)).status_code == 404
    assert client_on(client_for, outsider, alpha).get(file_url(image)).status_code == 403
    assert client_for(None, alpha.host).get(file_url(image)).status_code == 302  # sign in first
    # Beta's own picture, asked for by its id from alpha's host: not there.
    beta_site = make_site(beta.account, "Beta Site", sectors=1)
    beta_content = make_content(beta, beta_site)
    unused = max(i.pk for i in images_of(alpha, made)) + 1000
    with schema_context(beta.schema):
        services.image_prompts_run(content=beta_content)
        beta_content.images.filter(position=0).update(id=unused)
        services.images_generate(image_ids=[unused], job=Job.objects.create(kind="t"))
        theirs = Image.objects.get(pk=unused)
    assert theirs.file.name.startswith(f"{beta.schema}/images/")
    assert client_on(client_for, alpha.owner, alpha).get(file_url(theirs)).status_code == 404
    assert client_on(client_for, beta.owner, beta).get(file_url(theirs)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/writer/images/..%2F..%2Fsettings.py/file/",
        "/writer/images/1%2F..%2F2/file/",
        "/writer/images/%2E%2E/file/",
        "/writer/images/-1/file/",
        "/writer/images/99999999/file/",
        "/writer/images/1/file/..%2F..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_paths_that_look_like_traversal_are_not_found(alpha, site, made, client_for, path):
    assert client_on(client_for, alpha.owner, alpha).get(path).status_code == 404


def test_an_image_without_a_picture_is_not_found(alpha, site, client_for):
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        services.image_prompts_run(content=content)
    image = images_of(alpha, content)[0]
    assert client_on(client_for, alpha.owner, alpha).get(file_url(image)).status_code == 404


def test_media_files_are_not_served_directly(alpha, site, made, client_for):
    image = images_of(alpha, made)[0]
    for host_client in (client_on(client_for, alpha.owner, alpha), client_for(alpha.owner)):
        assert host_client.get(f"/media/{image.file.name}").status_code == 404
