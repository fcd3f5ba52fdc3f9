"""What we send to WordPress for one article: built from a Content, the same for both adapters.

    {
      "content_id": 42,                      # ours; the plugin keeps it in `_igny8_content_id`
      "title", "html", "excerpt", "slug",
      "status": "publish" | "draft" | "future", "date_gmt": "2026-12-08T09:00:00" | None,
      "post_type": "post" | "page" | …,
      "categories": ["Composting"], "tags": ["home composting"],
      "images": [{"sha256", "filename", "mime", "alt", "caption", "data_b64",
                  "role": "featured" | "inline", "ref": <our Image id>}],
      "seo": {"title", "description", "focus_keyword"},
    }

Decisions:
- `html` is the body exactly as the editor saved it. Each in-article picture stands there as
  `<img … data-igny8-image="<id>">` with our private address as `src`; the receiving side
  uploads the image whose `ref` is that id and swaps `src` for the media library's URL (the
  plugin does it in PHP; the core adapter does it before sending). Only images the body shows
  are sent, plus the featured image. A figure whose picture cannot be sent (no file, or the
  file is gone from storage) is left out of the body rather than shown broken on the site.
- The category is the article's sector (how the workspace groups its writing; the plugin can
  map it to an existing category), the tag its keyword cluster, when it came from one. Both
  are created on the WordPress side when missing.
- The excerpt falls back to the meta description (WordPress would otherwise cut the first
  words of the body, which rarely read as a summary).
- A post asked to go out as "publish" with a publication time more than a minute ahead goes
  as "future" with that time (WordPress refuses "future" for a time in the past).
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.text import slugify

from apps.writer import figures
from apps.writer.models import Content, Image, ImageKind

FUTURE_MARGIN = timedelta(seconds=60)
MIMES = {"webp": "image/webp", "png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg"}
_EXT = {"image/webp": "webp", "image/png": "png", "image/jpeg": "jpg"}
POST_TYPES = {"post": "post", "page": "page", "product": "product", "taxonomy": "page"}
_SRC = re.compile(r"""(\bsrc\s*=\s*)(["'])(.*?)\2""", re.I | re.S)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_REF = re.compile(r"""\bdata-igny8-image\s*=\s*["']?(\d+)""", re.I)
_CLASS = re.compile(r"""(\bclass\s*=\s*)(["'])(.*?)\2""", re.I | re.S)


def slug_for(content: Content) -> str:
    return (content.slug or slugify(content.title, allow_unicode=True))[:200]


def post_type_for(content: Content, available: list | None = None) -> str:
    """The WordPress post type: ours mapped; a type the site did not report falls back to
    "post" (a product page needs WooCommerce's `product`)."""
    wanted = POST_TYPES.get(content.content_type, "post")
    names = {str(t.get("name", t)) if isinstance(t, dict) else str(t) for t in available or []}
    if names and wanted not in names:
        return "post"
    return wanted


def status_and_date(post_status: str, publish_at: datetime | None, *, now: datetime | None = None):
    """(status, date_gmt) WordPress accepts: "future" needs a date at least a minute ahead."""
    now = now or timezone.now()
    status = (
        post_status
        if post_status in ("publish", "draft", "future", "pending", "private")
        else "publish"
    )
    if (
        status in ("publish", "future")
        and publish_at is not None
        and publish_at > now + FUTURE_MARGIN
    ):
        return "future", publish_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if status == "future":
        status = "publish"
    return status, None


def image_entry(image: Image, role: str) -> dict | None:
    """One picture as the payload carries it, or None when it has no readable file."""
    if not image.file:
        return None
    try:
        with image.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return None
    if not data:
        return None
    fmt = (image.format or image.file.name.rsplit(".", 1)[-1]).lower()
    mime = MIMES.get(fmt, "image/webp")
    digest = hashlib.sha256(data).hexdigest()
    stem = slugify(image.alt or image.content.title)[:60].strip("-") or "image"
    return {
        "sha256": digest,
        "filename": f"{stem}-{digest[:12]}.{_EXT[mime]}",
        "mime": mime,
        "alt": image.alt,
        "caption": image.caption,
        "data_b64": base64.b64encode(data).decode(),
        "role": role,
        "ref": image.pk,
    }


def images_for(content: Content) -> list[dict]:
    """The featured image, then the in-article images in the order the body shows them."""
    by_id = {i.pk: i for i in Image.objects.filter(content=content).select_related("content")}
    out = []
    featured = next(
        (
            i
            for i in sorted(by_id.values(), key=lambda i: i.position)
            if i.kind == ImageKind.FEATURED and i.file
        ),
        None,
    )
    if featured is not None:
        entry = image_entry(featured, "featured")
        if entry:
            out.append(entry)
    for ref in figures.placed_ids(content.html):
        image = by_id.get(ref)
        if image is None or image.kind != ImageKind.IN_ARTICLE:
            continue
        entry = image_entry(image, "inline")
        if entry:
            out.append(entry)
    return out


def terms_for(content: Content) -> tuple[list[str], list[str]]:
    categories = [content.sector.name] if content.sector_id and content.sector.name else []
    tags = []
    task = getattr(content, "task", None)
    if task is not None and task.cluster_id and task.cluster.name:
        tags.append(task.cluster.name)
    return categories, tags


def build(
    content: Content,
    *,
    post_status: str = "publish",
    publish_at: datetime | None = None,
    post_types: list | None = None,
    now: datetime | None = None,
) -> dict:
    """The publish payload of one article (see the module's docstring)."""
    status, date_gmt = status_and_date(post_status, publish_at, now=now)
    images = images_for(content)
    html = content.html
    sent = {i["ref"] for i in images}
    for ref in figures.placed_ids(html):
        if ref not in sent:
            # Its picture is gone (or never came): a figure pointing at our private address
            # would show as a broken image on the live site.
            html = figures.remove(html, ref)
    categories, tags = terms_for(content)
    post_type = post_type_for(content, post_types)
    if post_type == "page":
        categories, tags = [], []
    return {
        "content_id": content.pk,
        "title": content.title,
        "html": html,
        "excerpt": content.excerpt or content.meta_description,
        "slug": slug_for(content),
        "status": status,
        "date_gmt": date_gmt,
        "post_type": post_type,
        "categories": categories,
        "tags": tags,
        "images": images,
        "seo": {
            "title": content.meta_title or content.title,
            "description": content.meta_description,
            "focus_keyword": content.primary_keyword,
        },
    }


def summary(payload: dict) -> str:
    """A line for the sync log: what was sent, without the bytes."""
    images = payload.get("images") or []
    inline = sum(1 for i in images if i.get("role") == "inline")
    featured = len(images) - inline
    size = sum(len(i.get("data_b64", "")) * 3 // 4 for i in images)
    status = payload.get("status")
    how = {
        "publish": "published",
        "draft": "as a draft",
        "pending": "pending review",
        "private": "private",
    }.get(status, f"scheduled for {str(payload.get('date_gmt') or '').replace('T', ' ')} UTC")
    parts = [f"“{payload.get('title', '')[:80]}” {how}"]
    if images:
        parts.append(f"{featured} featured + {inline} in-article image(s), {size // 1024} KB")
    terms = (payload.get("categories") or []) + (payload.get("tags") or [])
    if terms:
        parts.append("terms: " + ", ".join(terms)[:120])
    return "; ".join(parts)


def swap_sources(html: str, urls: dict[int, tuple[str, int]]) -> str:
    """The body with each `<img data-igny8-image="<ref>">` pointing at the uploaded media
    (`urls[ref] = (url, attachment id)`) and WordPress's `wp-image-<id>` class added (which
    makes WordPress serve responsive sizes). Images without an upload are left as they are."""

    def fix(match: re.Match) -> str:
        tag = match.group(0)
        ref = _REF.search(tag)
        if not ref or int(ref.group(1)) not in urls:
            return tag
        url, media_id = urls[int(ref.group(1))]
        tag = _SRC.sub(lambda m: f"{m.group(1)}{m.group(2)}{url}{m.group(2)}", tag, count=1)
        if media_id:
            if _CLASS.search(tag):
                tag = _CLASS.sub(
                    lambda m: (
                        f"{m.group(1)}{m.group(2)}{m.group(3)} wp-image-{media_id}{m.group(2)}"
                    ),
                    tag,
                    count=1,
                )
            else:
                tag = tag[:4] + f' class="wp-image-{media_id}"' + tag[4:]
        return tag

    return _IMG.sub(fix, html or "")
