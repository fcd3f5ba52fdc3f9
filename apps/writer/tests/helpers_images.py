"""Shared pieces of the image tests: a site and an article with headings, files kept in a
temporary MEDIA_ROOT, readers of stored pictures and of the panel."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from PIL import Image as Pillow

from apps.billing import credits
from apps.workspace.models import Site
from apps.writer.models import Content, Image
from apps.writer.services.versions import content_create
from tests.factories import make_site
from tests.fixtures import Workspace
from tests.members import viewer_fixture  # noqa: F401  (re-exported)

# Test modules import the fixtures by these names: `from … import site_fixture, …`.

IMAGES = "/writer/images/"
HX = {"HTTP_HX_REQUEST": "true"}

ARTICLE_HTML = """
<h1>Compost at home</h1>
<p>Composting turns kitchen scraps into soil.</p>
<h2>Choosing a compost bin</h2><p>Pick a size that fits your garden.</p>
<h3>Plastic or wood</h3><p>Both work.</p>
<h2>What to put in the bin</h2><p>Greens and browns, in balance.</p>
<h2>Turning and watering</h2><p>Turn it weekly and keep it damp.</p>
"""
H2S = ["Choosing a compost bin", "What to put in the bin", "Turning and watering"]


@pytest.fixture(autouse=True, name="media")
def media_fixture(settings, tmp_path):
    """Every stored file lands in a temporary folder, never in .data/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AI_TIMEOUT_SECONDS = 5
    settings.AI_MAX_RETRIES = 0
    return settings.MEDIA_ROOT


@pytest.fixture(name="site")
def site_fixture(alpha, viewer) -> Site:
    """Alpha's site under test (2 in-article images), granted to alpha's editor and viewer."""
    site = make_site(alpha.account, "Image Site", sectors=1, grant=[alpha.editor, viewer])
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).update(images_per_article=2)
        site.refresh_from_db()
    return site


def make_content(
    ws: Workspace, site: Site, title: str = "How to compost at home", **fields
) -> Content:
    with schema_context(ws.schema):
        return content_create(
            site=site,
            sector=site.sectors.order_by("pk").first(),
            fields={
                "title": title,
                "html": fields.pop("html", ARTICLE_HTML),
                "primary_keyword": fields.pop("primary_keyword", "compost at home"),
                **fields,
            },
        )


def images_of(ws: Workspace, content: Content) -> list[Image]:
    with schema_context(ws.schema):
        return list(Image.objects.filter(content=content).order_by("position"))


def stored(image: Image) -> Pillow.Image:
    """The stored picture, opened by Pillow (the file must exist)."""
    assert image.file.name and default_storage.exists(image.file.name), image.file.name
    assert default_storage.path(image.file.name).startswith(str(settings.MEDIA_ROOT))
    with default_storage.open(image.file.name, "rb") as handle:
        picture = Pillow.open(io.BytesIO(handle.read()))
        picture.load()
    return picture


def picture_bytes(fmt: str = "PNG", size: tuple[int, int] = (640, 480), color="#2a9d8f") -> bytes:
    out = io.BytesIO()
    Pillow.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def balance(account) -> int:
    return credits.balance_for(account).total


def per_image() -> int:
    return credits.estimate("image_generation", 1)


def prompts_cost() -> int:
    return credits.estimate("image_prompts", 1)


def panel_url(content: Content) -> str:
    return f"/writer/content/{content.pk}/images/"


def actions(markup: str) -> set[str]:
    """The panel's action buttons (data-action) in a response body."""
    return set(re.findall(r'data-action="([\w-]+)"', markup))
