"""What WordPress (the plugin, or a pull-style client) tells us through the API, applied.

Every call is scoped to the site of the key that made it: a content id or post id of another
site is simply not found. Each call leaves a sync event (direction "in").

How a reported post status moves the article's publishing status:
- `publish`, `future`, `private`: the post is in WordPress and WordPress carries it on →
  published.
- `draft`, `pending`, `trash`: not (or no longer) public → not_published; the post id and its
  status are kept, so a re-publish updates that post instead of making another.
- A status we already had on record moves nothing (the plugin echoes our own publish calls).
- While one of our attempts is under way (`publishing`) the attempt's outcome decides; a
  `scheduled` article keeps its slot unless WordPress says the post is out already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.publisher.models import Connection, Direction, Publication, SyncEvent
from apps.publisher.services.synclog import log_event
from apps.workspace.models import Site
from apps.writer.models import Content, EditorialStatus, PublishingStatus
from igny8.errors import UserFacingError

LIVE = {"publish", "future", "private"}
VERSION_FIELDS = ("plugin_version", "wp_version", "php_version", "seo_plugin")


class NotFound(UserFacingError):
    status = 404
    code = "not_found"


class Conflict(UserFacingError):
    status = 409
    code = "conflict"


def event_log(
    *,
    site: Site,
    kind: str,
    ok: bool = True,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    error: str = "",
    request_id: str = "",
) -> SyncEvent:
    """One line of the site's sync log (and of the `wordpress_api` log channel) for something
    WordPress told us."""
    return log_event(
        site=site,
        direction=Direction.IN,
        kind=kind,
        object_type=object_type,
        object_id=object_id,
        ok=ok,
        summary=summary,
        error=error,
        request_id=request_id,
    )


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- connection and structure ---------------------------------------------------------------


def connection_reached(*, connection: Connection, report: dict, request_id: str = "") -> dict:
    """The plugin reached us with this key: remember when, and what it says it runs."""
    now = timezone.now()
    changed = ["inbound_ok_at", "updated"]
    connection.inbound_ok_at = now
    connection.updated = now
    for name in VERSION_FIELDS:
        if name in report:
            setattr(connection, name, report[name])
            changed.append(name)
    connection.save(update_fields=changed)
    said = ", ".join(f"{name} {report[name]}" for name in VERSION_FIELDS if report.get(name))
    event_log(
        site=connection.site,
        kind="test",
        object_type="site",
        object_id=connection.site_id,
        summary="The plugin reached IGNY8" + (f" ({said})" if said else "") + ".",
        request_id=request_id,
    )
    site = connection.site
    return {
        "site": {"id": site.pk, "name": site.name, "url": site.url},
        "connection": {
            "key_id": connection.key_id,
            "status": connection.status,
            "inbound_ok_at": iso(connection.inbound_ok_at),
            "outbound_ok_at": iso(connection.outbound_ok_at),
            "structure_at": iso(connection.structure_at),
        },
        "api_version": "1",
        "server_time": now.isoformat(),
    }


def _named(items: list[dict]) -> list[dict]:
    return [{"name": item["name"], "label": item.get("label", "")} for item in items]


def _terms(items: list[dict]) -> list[dict]:
    return [
        {
            "id": item["id"],
            "name": item["name"],
            "slug": item.get("slug", ""),
            "parent": item.get("parent", 0),
        }
        for item in items
    ]


def structure_save(*, connection: Connection, structure: dict, request_id: str = "") -> dict:
    """Keep what the site has (post types, taxonomies, categories, tags); a list left out of
    the push stays as it was."""
    now = timezone.now()
    changed = ["structure_at", "updated"]
    for name, shape in (
        ("post_types", _named),
        ("taxonomies", _named),
        ("categories", _terms),
        ("tags", _terms),
    ):
        if name in structure:
            setattr(connection, name, shape(structure[name]))
            changed.append(name)
    for name in VERSION_FIELDS:
        if name in structure:
            setattr(connection, name, structure[name])
            changed.append(name)
    connection.structure_at = now
    connection.updated = now
    connection.save(update_fields=changed)
    counts = {
        name: len(getattr(connection, name))
        for name in ("post_types", "taxonomies", "categories", "tags")
    }
    event_log(
        site=connection.site,
        kind="structure",
        object_type="site",
        object_id=connection.site_id,
        summary=", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items()),
        request_id=request_id,
    )
    return {**counts, "structure_at": now.isoformat()}


# --- post status and publish acknowledgement ------------------------------------------------


@dataclass
class Outcome:
    publication: Publication
    content: Content
    changed: bool

    def as_data(self) -> dict[str, Any]:
        return {
            "content_id": self.content.pk,
            "post_id": self.publication.remote_id,
            "post_status": self.publication.remote_status,
            "post_url": self.publication.remote_url,
            "publishing_status": self.content.publishing_status,
            "changed": self.changed,
        }


def _publication_for(content: Content) -> Publication:
    publication, _ = Publication.objects.select_for_update().get_or_create(
        content=content, defaults={"site_id": content.site_id}
    )
    return publication


def _claim_post(publication: Publication, post_id: int) -> None:
    """Link the post to this article, refusing a post another article of the site owns, or a
    second post for an article that has one (a copy made in WordPress carries our meta too)."""
    if publication.remote_id == post_id:
        return
    if publication.remote_id is not None:
        raise Conflict(
            f"This article is linked to WordPress post {publication.remote_id}, not "
            f"{post_id}. If post {post_id} is a copy, remove its _igny8_content_id meta."
        )
    owner = (
        Publication.objects.filter(site_id=publication.site_id, remote_id=post_id)
        .exclude(pk=publication.pk)
        .values_list("content_id", flat=True)
        .first()
    )
    if owner is not None:
        raise Conflict(f"WordPress post {post_id} is already linked to article {owner}.")
    publication.remote_id = post_id


def _next_status(current: str, reported: str, known: str) -> str:
    if current == PublishingStatus.PUBLISHING or reported == known:
        return current
    if reported in LIVE:
        return PublishingStatus.PUBLISHED
    if current == PublishingStatus.SCHEDULED:
        return current
    return PublishingStatus.NOT_PUBLISHED


def post_status_apply(
    *,
    site: Site,
    status: str,
    post_id: int | None = None,
    content_id: int | None = None,
    permalink: str = "",
    deleted: bool = False,
    request_id: str = "",
) -> Outcome:
    """A post of ours changed in WordPress: follow it (see the module's rules). A post
    `deleted` for good is forgotten, so that the next publish makes a new one."""
    with transaction.atomic():
        if content_id is not None:
            content = Content.objects.select_for_update().filter(site=site, pk=content_id).first()
            if content is None:
                raise NotFound(f"No article {content_id} in this site.")
            publication = _publication_for(content)
            if post_id is not None:
                _claim_post(publication, post_id)
        else:
            publication = (
                Publication.objects.select_for_update().filter(site=site, remote_id=post_id).first()
            )
            if publication is None:
                raise NotFound(f"WordPress post {post_id} is not one of this site's articles.")
            content = Content.objects.select_for_update().get(pk=publication.content_id)
        before = (
            publication.remote_id,
            publication.remote_status,
            publication.remote_url,
            content.publishing_status,
        )
        moved = _next_status(content.publishing_status, status, publication.remote_status)
        publication.remote_status = status
        if permalink and status != "trash":  # a trashed post's address is no page
            publication.remote_url = permalink
        if status == "publish" and moved == PublishingStatus.PUBLISHED:
            publication.published_at = publication.published_at or timezone.now()
        if deleted:
            publication.remote_id, publication.remote_url = None, ""
            publication.remote_status = "deleted"
            publication.published_at = None
        publication.updated = timezone.now()
        publication.save()
        if moved != content.publishing_status:
            Content.objects.filter(pk=content.pk).update(publishing_status=moved)
            content.publishing_status = moved
        after = (
            publication.remote_id,
            publication.remote_status,
            publication.remote_url,
            content.publishing_status,
        )
    _reindex(site, before[3], content.publishing_status)
    changed = before != after
    only_address = before[:2] == after[:2] and before[3] == after[3] and changed
    event_log(
        site=site,
        kind="permalink" if only_address else "status",
        object_type="content",
        object_id=content.pk,
        summary=_status_summary(publication, content, before, changed),
        request_id=request_id,
    )
    return Outcome(publication=publication, content=content, changed=changed)


def _reindex(site: Site, was: str, now: str) -> None:
    """A slot or a retry the dispatcher counted on may be gone: recompute the site's due time
    in the public index (SCHEDULE's), as every service that moves those does."""
    if was != now and was in (PublishingStatus.SCHEDULED, PublishingStatus.FAILED):
        from apps.publisher.services.index import index_refresh

        index_refresh(site=site)


def _status_summary(publication: Publication, content: Content, before: tuple, changed: bool):
    post = f"Post {publication.remote_id}" if publication.remote_id else f"Post {before[0] or ''}"
    text = f"{post} of “{content.title[:200]}” is {publication.remote_status} in WordPress"
    if before[3] != content.publishing_status:
        text += f"; the article is now {content.get_publishing_status_display().lower()}"
    if publication.remote_url and before[2] != publication.remote_url:
        text += f"; address {publication.remote_url}"
    return text + ("." if changed else " (already known).")


def approved(site: Site) -> QuerySet[Content]:
    """The site's approved articles (not in the trash): what the API may hand out."""
    return Content.objects.filter(site=site, status=EditorialStatus.APPROVED, deleted_at=None)


def content_ack(
    *,
    site: Site,
    content_id: int,
    post_id: int,
    url: str = "",
    status: str = "publish",
    request_id: str = "",
) -> Outcome:
    """The plugin (after our publish call) or a pull-style client published an approved
    article of the site as post `post_id`: the article counts as published (delivered),
    whatever status the post was given; while our own attempt runs, its outcome decides."""
    with transaction.atomic():
        content = approved(site).select_for_update().filter(pk=content_id).first()
        if content is None:
            raise NotFound(f"No approved article {content_id} in this site.")
        publication = _publication_for(content)
        before = (publication.remote_id, publication.remote_status, publication.remote_url)
        _claim_post(publication, post_id)
        publication.remote_status = status
        publication.remote_url = url or publication.remote_url
        publication.published_at = publication.published_at or timezone.now()
        publication.updated = timezone.now()
        publication.save()
        changed = before != (post_id, status, publication.remote_url)
        was = content.publishing_status
        if was not in (PublishingStatus.PUBLISHED, PublishingStatus.PUBLISHING):
            Content.objects.filter(pk=content.pk).update(
                publishing_status=PublishingStatus.PUBLISHED
            )
            content.publishing_status = PublishingStatus.PUBLISHED
            changed = True
    _reindex(site, was, content.publishing_status)
    event_log(
        site=site,
        kind="ack",
        object_type="content",
        object_id=content.pk,
        summary=f"“{content.title[:200]}” was published as post {post_id} ({status})"
        + (f" at {publication.remote_url}" if publication.remote_url else "")
        + ("." if changed else " (already known)."),
        request_id=request_id,
    )
    return Outcome(publication=publication, content=content, changed=changed)
