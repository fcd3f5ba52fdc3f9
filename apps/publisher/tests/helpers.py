"""Shared pieces of the publisher's tests: a site with an approved article and pictures,
connections to a fake (or real) WordPress, quick client settings."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context
from PIL import Image as Pillow

from apps.publisher.models import Connection
from apps.publisher.services import connection_create, core_connect
from apps.workspace.models import Site
from apps.writer.models import Content, EditorialStatus, Image, ImageKind, ImageStatus
from apps.writer.services.images_body import figures_place
from apps.writer.services.versions import content_create
from tests.factories import make_site
from tests.fixtures import Workspace

ARTICLE = """
<h1>Compost at home</h1>
<p>Composting turns kitchen scraps into soil.</p>
<h2>Choosing a compost bin</h2><p>Pick a size that fits your garden.</p>
<h2>What to put in the bin</h2><p>Greens and browns, in balance.</p>
<h2>Turning and watering</h2><p>Turn it weekly and keep it damp.</p>
"""


@pytest.fixture(autouse=True)
def quick_client(settings, tmp_path):
    """Short timeouts so failure tests take seconds; files in a temporary MEDIA_ROOT."""
    settings.WP_TIMEOUT_SECONDS = 3
    settings.WP_CALL_DEADLINE_SECONDS = 20
    settings.WP_MAX_RETRIES = 2
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def picture(color: str = "#2a9d8f", size: tuple[int, int] = (320, 200), fmt: str = "WEBP") -> bytes:
    out = io.BytesIO()
    Pillow.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def publisher_site(ws: Workspace, name: str = "Garden Site") -> Site:
    return make_site(ws.account, name, sectors=1, grant=[ws.editor])


def approved_article(
    ws: Workspace,
    site: Site,
    title: str = "How to compost at home",
    *,
    inline: int = 2,
    featured: bool = True,
) -> Content:
    """An approved article whose body shows `inline` pictures, plus a featured one."""
    # Colours from the title: each article's pictures are its own (a real WordPress outlives
    # a test, and identical bytes would be reused from an earlier one).
    seed = hashlib.sha256(title.encode()).hexdigest()
    colors = [f"#{seed[i * 6 : i * 6 + 6]}" for i in range(6)]
    with schema_context(ws.schema):
        content = content_create(
            site=site,
            sector=site.sectors.order_by("pk").first(),
            fields={
                "title": title,
                "html": ARTICLE,
                "meta_title": f"{title} | Garden",
                "meta_description": "Everything about composting at home, step by step.",
                "primary_keyword": "compost at home",
            },
        )
        images = []
        if featured:
            images.append(_image(content, ImageKind.FEATURED, 0, colors[5], "A compost heap"))
        headings = ["Choosing a compost bin", "What to put in the bin", "Turning and watering"]
        for n in range(1, inline + 1):
            images.append(
                _image(
                    content,
                    ImageKind.IN_ARTICLE,
                    n,
                    colors[n % len(colors)],
                    f"Picture {n}",
                    headings[(n - 1) % 3],
                )
            )
        figures_place(content=content, images=[i for i in images if i.kind == ImageKind.IN_ARTICLE])
        Content.objects.filter(pk=content.pk).update(status=EditorialStatus.APPROVED)
        content.refresh_from_db()
        return content


def _image(
    content: Content, kind: str, position: int, color: str, alt: str, heading: str = ""
) -> Image:
    image = Image(
        content=content,
        site=content.site,
        kind=kind,
        position=position,
        heading=heading,
        alt=alt,
        caption=f"Caption of {alt.lower()}",
        size="320x200",
        format="webp",
        status=ImageStatus.GENERATED,
    )
    image.file.save(f"{kind}-{position}.webp", ContentFile(picture(color)), save=False)
    image.save()
    return image


def plugin_connection(ws: Workspace, site: Site, url: str) -> tuple[Connection, str]:
    with schema_context(ws.schema):
        return connection_create(site=site, user=ws.owner, wp_url=url)


def core_connection(
    ws: Workspace,
    site: Site,
    url: str,
    user: str = "editor",
    password: str = "abcd efgh ijkl mnop qrst uvwx",
) -> Connection:
    with schema_context(ws.schema):
        return core_connect(
            site=site, user=ws.owner, wp_url=url, wp_user=user, app_password=password
        )
