"""Content pull: the approved articles of the key's site, a page at a time or one whole, for
clients that fetch articles themselves. Each read leaves a sync event ("pull")."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from apps.publisher.payload import image_entry
from apps.publisher.services.inbound import NotFound, approved, event_log, iso
from apps.workspace.models import Site
from apps.writer.models import Content, Image, ImageKind, ImageStatus


def _summary(content: Content) -> dict[str, Any]:
    publication = getattr(content, "publication", None)
    return {
        "id": content.pk,
        "title": content.title,
        "slug": content.slug,
        "excerpt": content.excerpt,
        "word_count": content.word_count,
        "publishing_status": content.publishing_status,
        "planned_for": content.planned_for.isoformat() if content.planned_for else None,
        "publish_at": iso(publication.publish_at) if publication else None,
        "post_id": publication.remote_id if publication else None,
        "post_status": publication.remote_status if publication else "",
        "post_url": publication.remote_url if publication else "",
        "approved_at": iso(content.approved_at),
        "updated": content.updated.isoformat(),
    }


def contents_page(
    *,
    site: Site,
    page: int = 1,
    per_page: int = 20,
    publishing_status: str = "",
    updated_since: datetime | None = None,
    request_id: str = "",
) -> dict[str, Any]:
    """One page of the site's approved articles, most recently changed first."""
    contents = approved(site).select_related("publication").order_by("-updated", "-id")
    if publishing_status:
        contents = contents.filter(publishing_status=publishing_status)
    if updated_since is not None:
        contents = contents.filter(updated__gte=updated_since)
    total = contents.count()
    start = (page - 1) * per_page
    items = [_summary(content) for content in contents[start : start + per_page]] if total else []
    event_log(
        site=site,
        kind="pull",
        object_type="content",
        summary=f"Listed {len(items)} of {total} approved articles (page {page}).",
        request_id=request_id,
    )
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, math.ceil(total / per_page)),
    }


def content_read(*, site: Site, content_id: int, request_id: str = "") -> dict[str, Any]:
    """One approved article of the site, with what publishing it needs."""
    content = (
        approved(site)
        .select_related("publication")
        .prefetch_related("images")
        .filter(pk=content_id)
        .first()
    )
    if content is None:
        raise NotFound(f"No approved article {content_id} in this site.")
    event_log(
        site=site,
        kind="pull",
        object_type="content",
        object_id=content.pk,
        summary=f"Read “{content.title[:200]}”.",
        request_id=request_id,
    )
    return {
        **_summary(content),
        "html": content.html,
        "meta_title": content.meta_title,
        "meta_description": content.meta_description,
        "focus_keyword": content.primary_keyword,
        "secondary_keywords": [str(word) for word in content.secondary_keywords or []],
        "content_type": content.content_type,
        "images": [_image(image) for image in content.images.all()],
    }


def _image(image: Image) -> dict[str, Any]:
    """A picture with its bytes when it has them, in the shape our publish payload uses: a
    pull client cannot fetch the editor's picture addresses (they need a signed-in member).
    The body marks each in-article picture with `data-igny8-image="<id>"`."""
    role = "featured" if image.kind == ImageKind.FEATURED else "inline"
    entry: dict[str, Any] = {
        "id": image.pk,
        "role": role,
        "position": image.position,
        "alt": image.alt,
        "caption": image.caption,
        "ready": False,
    }
    if image.status == ImageStatus.GENERATED and image.file:
        sent = image_entry(image, role)
        if sent is not None:
            entry.update(
                ready=True,
                **{key: sent[key] for key in ("sha256", "filename", "mime", "data_b64")},
            )
    return entry
