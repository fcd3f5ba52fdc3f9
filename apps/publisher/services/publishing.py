"""Publishing one article to its site's WordPress, now (the jobs call this; so do pages for a
single article when a person waits).

    publish_now(content=…, user=…, post_status=None) -> Publication     (PublishError on failure)
    unpublish(content=…, user=…) -> Publication

Idempotent end to end:
- One `Publication` per article keeps the remote post id once known; every try is a
  `PublishAttempt` (number, adapter, outcome, error, time in WordPress vs. total).
- A try claims the article first (a short transaction on the publication's row): while
  another try is running (and not stale), a second one is refused, so two workers never send
  the same article at once.
- The plugin's publish is an upsert by our content id: a retry after a timeout updates the
  post the first try made. Core has no such key: before creating, the adapter looks for a post
  with our slug and title (see client/core.py). Either way: never a second post.
- `Content.publishing_status` moves publishing → published / failed, the reason kept on the
  publication (`last_error`) and the attempt; the retry policy (when, how many times, who is
  told) is the caller's (apps/publisher/jobs.py), which reads `PublishError.retryable`.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.publisher import payload as payloads
from apps.publisher.client import PublishError, adapter_for
from apps.publisher.client import errors as client_errors
from apps.publisher.models import (
    AttemptOutcome,
    Connection,
    ConnectionStatus,
    Direction,
    Publication,
    PublishAttempt,
    PublishSchedule,
)
from apps.publisher.services.synclog import log_event
from apps.writer.models import Content, EditorialStatus, PublishingStatus
from igny8 import deadlines

log = logging.getLogger("publishing")

# A try still "running" after this long died with its worker (a publish ends within
# WP_PUBLISH_DEADLINE_SECONDS, 4 min, and its job within 5): the next try may go.
STALE_AFTER = timedelta(minutes=10)
# Failures that say the connection itself is broken (not this article): the integration page
# shows them on the connection until a test or a publish succeeds again.
CONNECTION_FAULTS = {
    "key_refused",
    "clock_skew",
    "auth_refused",
    "bad_credentials",
    "app_passwords_off",
    "plugin_missing",
    "plugin_too_old",
    "not_wordpress",
    "blocked",
    "tls",
    "redirect",
    "refused_address",
    "secret_url",
    "secret_unreadable",
}
OUR_FAULT = (
    "Publishing stopped because of an error on our side (it has been logged). Try again in a "
    "few minutes; if it keeps failing, contact support."
)


def publication_for(content: Content) -> Publication:
    publication, _ = Publication.objects.get_or_create(
        content=content, defaults={"site_id": content.site_id}
    )
    return publication


def _set_status(content: Content, status: str) -> None:
    """Move the article's publishing status, in the database and on the object in hand."""
    Content.objects.filter(pk=content.pk).update(publishing_status=status)
    content.publishing_status = status


def _log(content: Content, *, kind: str, ok: bool, summary: str, error: str = "") -> None:
    """One line of the site's sync log about something we sent for this article."""
    log_event(
        site=content.site,
        direction=Direction.OUT,
        kind=kind,
        object_type="content",
        object_id=content.pk,
        ok=ok,
        summary=summary,
        error=error,
    )


def _post_status(publication: Publication, asked: str | None, site_id: int) -> str:
    if asked:
        return asked
    schedule = PublishSchedule.objects.filter(site_id=site_id).first()
    if publication.slotted and schedule is not None:
        return schedule.post_status
    return publication.post_status or "publish"


def _refuse(content: Content, error: PublishError) -> PublishError:
    """Record a refusal that happens before any call (no connection, not approved)."""
    now = timezone.now()
    _set_status(content, PublishingStatus.FAILED)
    Publication.objects.filter(pk=publication_for(content).pk).update(
        last_error=error.words, updated=now
    )
    _log(
        content,
        kind="publish",
        ok=False,
        summary=f"“{content.title[:80]}” not sent",
        error=error.words,
    )
    return error


@transaction.atomic
def _claim(content: Content, connection: Connection, post_status: str | None):
    """Lock the publication, refuse a second concurrent try, open an attempt."""
    publication_for(content)
    publication = Publication.objects.select_for_update().get(content=content)
    now = timezone.now()
    running = publication.tries.filter(outcome=AttemptOutcome.RUNNING)
    if running.filter(started__gt=now - STALE_AFTER).exists():
        raise PublishError(
            "This article is being published right now. Wait a minute and look again.",
            code="busy",
            retryable=True,
        )
    running.update(
        outcome=AttemptOutcome.FAILED,
        error="Interrupted: the worker stopped before WordPress answered.",
        finished=now,
    )
    number = (publication.tries.aggregate(n=Max("number"))["n"] or 0) + 1
    attempt = PublishAttempt.objects.create(
        publication=publication, number=number, adapter=connection.adapter, started=now
    )
    publication.post_status = _post_status(publication, post_status, content.site_id)
    publication.attempts = (publication.attempts or 0) + 1
    publication.updated = now
    publication.save(update_fields=["post_status", "attempts", "updated"])
    _set_status(content, PublishingStatus.PUBLISHING)
    return publication, attempt


def publish_now(*, content: Content, user=None, post_status: str | None = None) -> Publication:  # noqa: ANN001
    """Send the article to WordPress now: create its post, or update the one it has.
    Returns the publication (remote id, URL, status); raises PublishError in plain words after
    recording the failure (content → failed, the reason on the publication and the attempt)."""
    content = Content.objects.select_related("site", "sector", "task__cluster").get(pk=content.pk)
    if content.deleted_at is not None or content.status != EditorialStatus.APPROVED:
        raise _refuse(
            content,
            PublishError(
                "Only approved articles are published. Approve the article (or restore it "
                "from the trash) first.",
                code="not_approved",
            ),
        )
    connection = Connection.objects.filter(site_id=content.site_id).first()
    if connection is None:
        raise _refuse(content, client_errors.not_connected())
    publication, attempt = _claim(content, connection, post_status)
    started = time.monotonic()
    adapter = None
    try:
        adapter = adapter_for(connection)
        body = payloads.build(
            content,
            post_status=publication.post_status,
            publish_at=publication.publish_at if publication.post_status == "future" else None,
            post_types=connection.post_types,
        )
        # The whole publish (every picture, term and the post) ends by this deadline, or by
        # the job's if that is earlier; each call inside also has its own.
        with deadlines.within(float(getattr(settings, "WP_PUBLISH_DEADLINE_SECONDS", 240))):
            result = adapter.publish(body, remote_id=publication.remote_id)
    except PublishError as exc:
        _failed(content, publication, attempt, exc, started, adapter)
        if exc.code in CONNECTION_FAULTS:
            Connection.objects.filter(pk=connection.pk).exclude(
                status=ConnectionStatus.REVOKED
            ).update(status=ConnectionStatus.ERROR, last_error=exc.words, updated=timezone.now())
        raise
    except Exception as exc:
        log.exception("publishing content %s failed", content.pk)
        failure = PublishError(OUR_FAULT, code="internal", retryable=True)
        _failed(content, publication, attempt, failure, started, adapter)
        raise failure from exc
    finally:
        if adapter is not None:
            adapter.close()
    wp_ms = int(adapter.http.wp_seconds * 1000)
    total_ms = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    with transaction.atomic():
        PublishAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.OK,
            remote_id=result.remote_id,
            duration_ms=total_ms,
            wp_ms=min(wp_ms, total_ms),
            finished=now,
        )
        publication.remote_id = result.remote_id
        publication.remote_url = result.url or publication.remote_url
        publication.remote_status = result.status or body["status"]
        publication.last_error = ""
        publication.next_attempt_at = None
        if publication.remote_status in ("publish", "private") and not publication.published_at:
            publication.published_at = now
        publication.updated = now
        publication.save()
        _set_status(content, PublishingStatus.PUBLISHED)
        Connection.objects.filter(pk=connection.pk).exclude(status=ConnectionStatus.REVOKED).update(
            status=ConnectionStatus.CONNECTED, last_error="", outbound_ok_at=now
        )
        _log(
            content,
            kind="publish",
            ok=True,
            summary=(
                f"{'Created' if result.created else 'Updated'} post {result.remote_id}: "
                + payloads.summary(body)
                + "".join(f" {note}" for note in result.notes)
            ),
        )
    return publication


def _failed(
    content: Content,
    publication: Publication,
    attempt: PublishAttempt,
    error: PublishError,
    started: float,
    adapter,  # noqa: ANN001
) -> None:
    now = timezone.now()
    total_ms = int((time.monotonic() - started) * 1000)
    wp_ms = int(adapter.http.wp_seconds * 1000) if adapter is not None else 0
    words = error.words
    if error.outcome_unknown:
        words += " (WordPress may have received it; the next try updates that post.)"
    with transaction.atomic():
        PublishAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.FAILED,
            error=words,
            duration_ms=total_ms,
            wp_ms=min(wp_ms, total_ms),
            finished=now,
        )
        Publication.objects.filter(pk=publication.pk).update(last_error=words, updated=now)
        publication.last_error = words
        _set_status(content, PublishingStatus.FAILED)
        _log(
            content,
            kind="publish",
            ok=False,
            summary=f"“{content.title[:80]}”, attempt {attempt.number}",
            error=words,
        )


def unpublish(*, content: Content, user=None) -> Publication:  # noqa: ANN001
    """Take the article's post off the site (back to draft in WordPress; the post and its
    media stay there, a later publish updates it again). PublishError in plain words."""
    content = Content.objects.select_related("site").get(pk=content.pk)
    publication = publication_for(content)
    connection = Connection.objects.filter(site_id=content.site_id).first()
    adapter = None
    try:
        if publication.remote_id is None:
            raise PublishError(
                "This article is not on WordPress, so there is nothing to take down.",
                code="not_published",
            )
        adapter = adapter_for(connection)
        status = adapter.unpublish(
            content_id=content.pk,
            remote_id=publication.remote_id,
            post_type=payloads.post_type_for(content, connection.post_types),
        )
    except PublishError as exc:
        _log(
            content,
            kind="unpublish",
            ok=False,
            summary=f"“{content.title[:80]}”",
            error=exc.words,
        )
        raise
    finally:
        if adapter is not None:
            adapter.close()
    now = timezone.now()
    with transaction.atomic():
        Publication.objects.filter(pk=publication.pk).update(
            remote_status=status, published_at=None, publish_at=None, slotted=False, updated=now
        )
        _set_status(content, PublishingStatus.NOT_PUBLISHED)
        _log(
            content,
            kind="unpublish",
            ok=True,
            summary=f"Post {publication.remote_id} is now {status}",
        )
    publication.refresh_from_db()
    return publication
