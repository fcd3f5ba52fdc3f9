"""In-article images in the article body: placed, moved, refreshed and removed as figures,
each change a version of the article (source "images") through the versions service.

    figures_place(content=…, images=[…], user=…) -> ContentVersion | None
    figure_move(image=…, heading=…, user=…) -> ContentVersion | None
    figure_remove(image=…, user=…) -> ContentVersion | None
    figure_refresh(image=…, user=…) -> ContentVersion | None

Decisions:
- The body is the one truth of what an article shows: an image is "in the article" when its
  figure is in the body, wherever a person put it. Publishing sends exactly this body (see
  apps/writer/figures.py for the reference it swaps).
- A picture is placed when it gets a file (generated, generated again, uploaded): under the
  heading it was prompted for, or replacing its figure where it stands. Editing alt text or the
  caption only refreshes a figure that is there; it never puts back one a person removed.
- The featured image is never in the body: the site shows it above the article.
- Each change reads the body under the content's row lock, so it never overwrites a save made
  a moment before; an editor open on the old text is told (its next save is refused as a
  conflict, the usual rule for changes made behind its back).
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from apps.writer import figures
from apps.writer.models import Content, ContentVersion, Image, ImageKind, VersionSource
from apps.writer.services.versions import content_save


def _dimensions(size: str) -> tuple[int, int]:
    try:
        width, height = (int(n) for n in (size or "").lower().split("x"))
    except ValueError:
        return 0, 0
    return width, height


def image_src(image: Image) -> str:
    """The app's address of the picture, changing exactly when the picture does (every new
    file has a new random name), so browsers never show a cached older picture."""
    stamp = hashlib.sha256(image.file.name.encode()).hexdigest()[:10] if image.file else "0"
    return f"{reverse('writer:image_file', args=[image.pk])}?v={stamp}"


def figure_for(image: Image) -> figures.Figure:
    width, height = _dimensions(image.size)
    return figures.Figure(
        image_id=image.pk,
        src=image_src(image),
        alt=image.alt,
        caption=image.caption,
        width=width,
        height=height,
    )


def _label(image: Image) -> str:
    return f"image {image.position}"


def _save(content: Content, html: str, user, note: str) -> ContentVersion | None:  # noqa: ANN001
    return content_save(
        content=content,
        changes={"html": html},
        author=user,
        source=VersionSource.IMAGES,
        note=note,
    )


def _placeable(image: Image) -> bool:
    return image.kind == ImageKind.IN_ARTICLE and bool(image.file)


@transaction.atomic
def figures_place(
    *,
    content: Content,
    images: list[Image],
    user=None,  # noqa: ANN001
) -> ContentVersion | None:
    """Show these in-article images in the body (those with a picture; others are skipped):
    a figure already there is replaced where it stands, a new one goes under the image's
    heading. None when the body already shows them exactly so."""
    locked = Content.objects.select_for_update().get(pk=content.pk)
    if locked.deleted_at is not None:
        return None
    html = locked.html
    placed = []
    for image in sorted(images, key=lambda i: i.position):
        if image.content_id != locked.pk or not _placeable(image):
            continue
        html = figures.place(
            html, figure_for(image), heading=image.heading, position=image.position
        )
        placed.append(image)
    if not placed:
        return None
    if len(placed) == 1:
        where = figures.heading_of(html, placed[0].pk)
        note = f"Placed {_label(placed[0])}" + (f" under “{where}”" if where else "")
    else:
        note = f"Placed {len(placed)} images in the article"
    version = _save(locked, html, user, note)
    _copy(content, locked)
    return version


def _copy(content: Content, locked: Content) -> None:
    for name in ("html", "word_count", "score", "updated"):
        setattr(content, name, getattr(locked, name))


@transaction.atomic
def figure_move(*, image: Image, heading: str, user=None) -> ContentVersion | None:  # noqa: ANN001
    """Put the image under another heading of the body (after the figures already there); it
    is remembered as the image's heading. Raises ValidationError for a featured image, an image
    without a picture or a heading the body no longer has."""
    if image.kind != ImageKind.IN_ARTICLE:
        raise ValidationError("The featured image is shown above the article, not inside it.")
    if not image.file:
        raise ValidationError("This image has no picture yet. Generate or upload it first.")
    locked = Content.objects.select_for_update().get(pk=image.content_id)
    html = figures.move(locked.html, figure_for(image), heading=heading)
    if html is None:
        raise ValidationError(
            f"The article has no heading “{heading[:80]}” any more. Choose one of its headings."
        )
    text = " ".join(heading.split())[: Image._meta.get_field("heading").max_length]
    if image.heading != text:
        image.heading = text
        Image.objects.filter(pk=image.pk).update(heading=text)
    version = _save(locked, html, user, f"Moved {_label(image)} under “{text}”")
    _copy(image.content, locked)
    return version


@transaction.atomic
def figure_remove(*, image: Image, user=None) -> ContentVersion | None:  # noqa: ANN001
    """Take the image out of the body (the picture stays, to place again). None when the body
    did not show it."""
    locked = Content.objects.select_for_update().get(pk=image.content_id)
    html = figures.remove(locked.html, image.pk)
    if html == locked.html.strip():
        return None
    version = _save(locked, html, user, f"Removed {_label(image)} from the article")
    _copy(image.content, locked)
    return version


@transaction.atomic
def figure_refresh(*, image: Image, user=None) -> ContentVersion | None:  # noqa: ANN001
    """Rewrite the image's figure (new alt text, caption or picture) where it stands; nothing
    when the body does not show it."""
    locked = Content.objects.select_for_update().get(pk=image.content_id)
    if not _placeable(image) or image.pk not in figures.placed_ids(locked.html):
        return None
    html = figures.place(locked.html, figure_for(image))
    version = _save(locked, html, user, f"Updated {_label(image)} in the article")
    _copy(image.content, locked)
    return version
