"""What happens around one publish: taking an article into "publishing", the call to
WordPress (the CLIENT's `publish_now`), and what follows: published (and a notification), or
failed with the reason, retried with a growing wait up to `PUBLISH_RETRIES` times, then a
notification.

Claims are conditional updates: two jobs (a redelivery, a second dispatcher) cannot both take
the same article, and a job that finds its article no longer "publishing" does nothing. An
article whose job died mid-way stays "publishing"; after `STALE_PUBLISHING` the dispatcher
hands it to a new job, which updates the post the first one may have made (the publishing
service finds it by our content id) rather than making a second.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.publisher.models import Publication
from apps.publisher.services.index import STALE_PUBLISHING, index_refresh
from apps.workspace.models import Site
from apps.writer.models import Content, EditorialStatus, PublishingStatus
from igny8.errors import UserFacingError

log = logging.getLogger("publishing")

RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600
GENERIC_WORDS = (
    "Something went wrong on our side while publishing. We will try again; if it keeps "
    "happening, tell support."
)


class PublishFailed(UserFacingError):
    """The publish job's own failure: its Job row says why, in the reason's words."""

    code = "publish_failed"


def retries_allowed() -> int:
    return int(getattr(settings, "PUBLISH_RETRIES", 5))


def backoff(failures: int) -> timedelta:
    """The wait after the `failures`-th failure in a row: 1, 2, 4, 8, 16 minutes… (≤ 1 h)."""
    base = int(getattr(settings, "PUBLISH_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    return timedelta(seconds=min(base * 2 ** max(failures - 1, 0), RETRY_MAX_SECONDS))


# --- claims -----------------------------------------------------------------------------------


def claim(*, content: Content, manual: bool = False, now: datetime | None = None) -> bool:
    """Take one article into "publishing". A person's publish now takes it from any state but
    "publishing" (a published article is sent again: its post is updated) and starts a new
    series of retries. Returns False when another job has it."""
    now = now or timezone.now()
    allowed = [
        PublishingStatus.NOT_PUBLISHED,
        PublishingStatus.SCHEDULED,
        PublishingStatus.FAILED,
        PublishingStatus.PUBLISHED,
    ]
    with transaction.atomic():
        taken = Content.objects.filter(pk=content.pk, publishing_status__in=allowed).update(
            publishing_status=PublishingStatus.PUBLISHING
        )
        if not taken:
            return False
        publication, created = Publication.objects.select_for_update().get_or_create(
            content=content, defaults={"site_id": content.site_id, "publish_at": now}
        )
        if manual:
            if publication.publish_at is None or publication.publish_at > now:
                publication.publish_at = now
                publication.slotted = False
            publication.attempts = 0
            publication.last_error = ""
        publication.next_attempt_at = None
        publication.updated = now
        publication.save()
    content.publishing_status = PublishingStatus.PUBLISHING
    return True


def _due(now: datetime) -> Q:
    """Publications with work due at `now`: scheduled and its time came, a retry whose wait is
    over, or one left "publishing" by a job that died."""
    due = Q(content__publishing_status=PublishingStatus.SCHEDULED, publish_at__lte=now)
    due |= Q(content__publishing_status=PublishingStatus.FAILED, next_attempt_at__lte=now)
    due |= Q(
        content__publishing_status=PublishingStatus.PUBLISHING,
        updated__lte=now - STALE_PUBLISHING,
    )
    return due


def claim_due(*, site: Site, now: datetime) -> list[int]:
    """Take every due article of the site into "publishing" (scheduled and its time came, a
    retry whose wait is over, one whose job died): ONE update. Returns their content ids."""
    due = _due(now)
    with transaction.atomic():
        ids = list(
            Publication.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(due, site=site, content__deleted_at__isnull=True)
            .order_by("publish_at", "pk")
            .values_list("content_id", flat=True)
        )
        if not ids:
            return []
        Content.objects.filter(pk__in=ids).update(publishing_status=PublishingStatus.PUBLISHING)
        Publication.objects.filter(content_id__in=ids).update(next_attempt_at=None, updated=now)
    return ids


# --- one publish -------------------------------------------------------------------------------


def _words(exc: BaseException) -> str:
    words = getattr(exc, "words", None)
    if words:
        return str(words)
    if isinstance(exc, UserFacingError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return GENERIC_WORDS


def _retryable(exc: BaseException) -> bool:
    flag = getattr(exc, "retryable", None)
    if flag is not None:
        return bool(flag)
    # Refusals in words (not connected, not approved) will not mend by waiting; anything
    # else (a timeout, a bug fixed by a deploy) might.
    return not isinstance(exc, (UserFacingError, ValidationError))


def _workspace_zone() -> ZoneInfo:
    from apps.schedule.services import account_of, zone_of

    return ZoneInfo(zone_of(account_of(None)))


def _link(content: Content) -> str:
    return reverse("writer:content", args=[content.pk])


def publish_one(*, content_id: int, user: Any = None, post_status: str | None = None) -> dict:
    """Publish one article that was claimed ("publishing"). Returns what happened; raises
    PublishFailed (after recording it) when it did not publish."""
    from apps.publisher.services.schedule_reads import connected, plan_refusal

    content = Content.objects.select_related("site").filter(pk=content_id).first()
    if content is None:
        return {"message": "The article no longer exists; nothing published."}
    if content.publishing_status != PublishingStatus.PUBLISHING:
        # Delivered twice, or taken back meanwhile: the first delivery did the work.
        return {"message": f"Nothing to do: the article is {content.publishing_status}."}
    publication = Publication.objects.get(content=content)
    if content.deleted_at is not None or content.status != EditorialStatus.APPROVED:
        _set_back(content, publication, "The article was not approved any more when its time came.")
        return {"message": "Not published: the article is no longer approved."}
    refusal = plan_refusal() or (
        ""
        if connected(content.site)
        else f"{content.site.name} is not connected to WordPress any more. Connect it on "
        "the integration page, then publish the article again."
    )
    if refusal:
        return record_failure(content=content, exc=PublishFailed(refusal), user=user)
    from apps.publisher.services import publishing

    before = publication.attempts
    try:
        # post_status None: the publishing service picks (the schedule's, or the article's).
        publishing.publish_now(content=content, user=user, post_status=post_status)
    except Exception as exc:  # noqa: BLE001  (every failure is recorded, in words)
        if getattr(exc, "code", "") == "busy":
            # Another try of this article is running (a stale one taken over too early):
            # that try decides the outcome; this one must not overwrite it.
            return {"message": _words(exc)}
        log.warning("publishing content %s failed: %r", content.pk, exc)
        return record_failure(content=content, exc=exc, user=user, attempts_before=before)
    return record_success(content=content, user=user, attempts_before=before)


def _set_back(content: Content, publication: Publication, words: str) -> None:
    # Off the calendar; placed by the schedule, it waits for a slot again once re-approved.
    Publication.objects.filter(pk=publication.pk).update(
        publish_at=None, last_error=words, updated=timezone.now()
    )
    Content.objects.filter(pk=content.pk).update(publishing_status=PublishingStatus.NOT_PUBLISHED)
    index_refresh(site=content.site)


def _counted(publication: Publication, before: int | None) -> int:
    """This try counted once in `attempts`, whether or not the publishing service did."""
    publication.refresh_from_db()
    if before is not None and publication.attempts <= before:
        publication.attempts = before + 1
    return publication.attempts


def record_success(
    *, content: Content, user: Any = None, attempts_before: int | None = None
) -> dict:
    from apps.workspace.notifications import notify

    now = timezone.now()
    publication = Publication.objects.get(content=content)
    attempts = _counted(publication, attempts_before)
    publication.next_attempt_at = None
    publication.last_error = ""
    publication.updated = now
    publication.save(update_fields=["attempts", "next_attempt_at", "last_error", "updated"])
    Content.objects.filter(pk=content.pk).update(publishing_status=PublishingStatus.PUBLISHED)
    content.publishing_status = PublishingStatus.PUBLISHED
    index_refresh(site=content.site)
    where = f" It is live at {publication.remote_url}." if publication.remote_url else ""
    notify(
        kind="publish_done",
        title=f"Published “{content.title}” to {content.site.name}",
        body=f"WordPress has the article.{where}",
        link=_link(content),
        users=[user],
        key=f"publish_done:{publication.pk}:{attempts}",
    )
    return {
        "message": f"Published “{content.title}”."[:300],
        "remote_id": publication.remote_id,
        "remote_url": publication.remote_url,
    }


def record_failure(
    *,
    content: Content,
    exc: BaseException,
    user: Any = None,
    attempts_before: int | None = None,
) -> dict:
    """Failed, with the reason kept: a retry after `backoff` while retries remain (and the
    failure may mend by waiting), else a notification. Raises PublishFailed."""
    from apps.publisher.services.index import index_bump
    from apps.workspace.notifications import notify

    now = timezone.now()
    words = _words(exc)
    publication = Publication.objects.get(content=content)
    before = publication.attempts if attempts_before is None else attempts_before
    attempts = _counted(publication, before)
    retry = _retryable(exc) and attempts <= retries_allowed()
    publication.next_attempt_at = now + backoff(attempts) if retry else None
    publication.last_error = words
    publication.updated = now
    publication.save(update_fields=["attempts", "next_attempt_at", "last_error", "updated"])
    Content.objects.filter(pk=content.pk).update(publishing_status=PublishingStatus.FAILED)
    content.publishing_status = PublishingStatus.FAILED
    if retry:
        index_bump(site=content.site, when=publication.next_attempt_at)
        local = publication.next_attempt_at.astimezone(_workspace_zone())
        raise PublishFailed(
            f"{words} We try again at {local:%H:%M %Z} (try {attempts + 1} of "
            f"{retries_allowed() + 1})."
        )
    index_refresh(site=content.site)
    tries = f"after {attempts} tries" if attempts > 1 else "on the first try"
    notify(
        kind="publish_failed",
        title=f"“{content.title}” was not published to {content.site.name}",
        body=f"It failed {tries}: {words} Fix what is named, then publish it again.",
        link=_link(content),
        users=[user],
        key=f"publish_failed:{publication.pk}:{attempts}",
    )
    raise PublishFailed(words)


def fail_refused(*, site: Site, words: str, now: datetime) -> int:
    """The workspace may not publish (plan lapsed, paused): the site's due articles fail with
    that reason, without retries, and its managers hear of it once a day."""
    from apps.workspace.notifications import notify

    due = _due(now)
    with transaction.atomic():
        ids = list(
            Publication.objects.select_for_update(of=("self",))
            .filter(due, site=site)
            .values_list("content_id", flat=True)
        )
        if ids:
            Publication.objects.filter(content_id__in=ids).update(
                next_attempt_at=None, last_error=words, updated=now
            )
            Content.objects.filter(pk__in=ids).update(publishing_status=PublishingStatus.FAILED)
    if ids:
        n = len(ids)
        notify(
            kind="publish_failed",
            title=f"{n} scheduled article{'s were' if n != 1 else ' was'} not published to "
            f"{site.name}",
            body=f"{words} Then publish {'them' if n != 1 else 'it'} again.",
            link="/billing/",
            key=f"publish_refused:{site.pk}:{now:%Y-%m-%d}",
        )
    return len(ids)
