"""The publish payload built from an article: what goes, in which order, and what does not."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django_tenants.utils import schema_context

from apps.publisher import payload
from apps.publisher.tests.helpers import (
    approved_article,
    publisher_site,
    quick_client,  # noqa: F401  (autouse fixture)
)
from apps.writer import figures
from apps.writer.models import Content, Image, ImageKind

pytestmark = pytest.mark.django_db


def test_payload_carries_the_body_pictures_and_seo(alpha):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=2)
    with schema_context(alpha.schema):
        # A third in-article picture the body does not show is not sent.
        extra = Image.objects.filter(content=content, kind=ImageKind.IN_ARTICLE).first()
        Content.objects.filter(pk=content.pk).update(html=figures.remove(content.html, extra.pk))
        content.refresh_from_db()
        body = payload.build(content)
        shown = figures.placed_ids(content.html)
    assert body["content_id"] == content.pk
    assert body["html"] == content.html  # as the editor saved it
    assert body["status"] == "publish" and body["date_gmt"] is None
    assert body["post_type"] == "post"
    roles = [(i["role"], i["ref"]) for i in body["images"]]
    assert roles[0][0] == "featured"
    assert [ref for role, ref in roles[1:]] == shown and extra.pk not in shown
    for image in body["images"]:
        data = base64.b64decode(image["data_b64"])
        assert hashlib.sha256(data).hexdigest() == image["sha256"]
        assert image["mime"] == "image/webp" and image["filename"].endswith(".webp")
        assert image["sha256"][:12] in image["filename"]
        assert image["alt"]
    assert body["seo"] == {
        "title": "How to compost at home | Garden",
        "description": "Everything about composting at home, step by step.",
        "focus_keyword": "compost at home",
    }
    assert body["excerpt"] == "Everything about composting at home, step by step."
    assert "image(s)" in payload.summary(body) and "data_b64" not in payload.summary(body)


def test_future_needs_a_minute_ahead():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert payload.status_and_date("publish", now + timedelta(hours=2), now=now) == (
        "future",
        "2026-12-07T14:00:00",
    )
    assert payload.status_and_date("publish", now + timedelta(seconds=30), now=now) == (
        "publish",
        None,
    )
    assert payload.status_and_date("future", now - timedelta(hours=1), now=now) == ("publish", None)
    assert payload.status_and_date("draft", now + timedelta(hours=2), now=now) == ("draft", None)


def test_swap_sources_points_figures_at_the_media_library():
    html = (
        '<figure><img src="/writer/images/5/file/?v=abc" alt="A" loading="lazy" '
        'data-igny8-image="5"><figcaption>A</figcaption></figure>'
        '<p><img src="/keep.png" alt="B"></p>'
        '<img class="wide" src="/writer/images/6/file/" data-igny8-image="6">'
    )
    out = payload.swap_sources(
        html, {5: ("https://wp.example/u/a.webp", 41), 6: ("https://wp.example/u/b.webp", 42)}
    )
    assert 'src="https://wp.example/u/a.webp"' in out and 'class="wp-image-41"' in out
    assert 'class="wide wp-image-42"' in out and "/writer/images/" not in out
    assert 'src="/keep.png"' in out


def test_post_type_falls_back_when_the_site_lacks_it(alpha):
    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=0, featured=False)
    content.content_type = "product"
    assert payload.post_type_for(content, [{"name": "post"}, {"name": "page"}]) == "post"
    assert payload.post_type_for(content, [{"name": "post"}, {"name": "product"}]) == "product"
    content.content_type = "page"
    with schema_context(alpha.schema):
        built = payload.build(content)
    assert built["post_type"] == "page" and built["categories"] == []


def test_a_figure_without_its_picture_is_left_out(alpha):
    from django.core.files.storage import default_storage

    site = publisher_site(alpha)
    content = approved_article(alpha, site, inline=2)
    with schema_context(alpha.schema):
        lost, kept = Image.objects.filter(content=content, kind=ImageKind.IN_ARTICLE).order_by(
            "position"
        )
        default_storage.delete(lost.file.name)  # gone from storage
        body = payload.build(content)
    assert [i["ref"] for i in body["images"] if i["role"] == "inline"] == [kept.pk]
    assert figures.placed_ids(body["html"]) == [kept.pk]
    assert f'data-igny8-image="{lost.pk}"' not in body["html"]
