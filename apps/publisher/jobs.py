"""The publisher's jobs: thin entry points into its services.

- `dispatch_due` (django-q2 schedule, every minute, in `public`; `igny8_setup` creates it):
  the dispatcher, queueing `publish_site_due` in each workspace with a due site.
- `publish_site_due` (in the workspace): place approved articles in free slots, take the due
  ones, queue a `publish_content` for each, set the site's next time in the index.
- `publish_content` (in the workspace): one article to WordPress, then published, or failed
  with its reason and a retry or a notification.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from apps.workspace.models import Job, Site
from igny8 import jobs

EVERY_MINUTES = 1
SCHEDULE_NAME = "publisher: publish due articles"
# A slot that opened just before the job ran still takes articles (the tick and the queue add
# a few seconds to a minute); with a longer wait they go to the next slot.
SLOT_GRACE = timedelta(minutes=5)
PUBLISH_TIME_LIMIT = 300  # the CLIENT's deadline for one publish is well inside it


def dispatch_due() -> dict:
    """Queue `publish_site_due(site_id)` for every site with publishing due."""
    from apps.publisher.dispatch import dispatch

    return dispatch().as_result()


@jobs.job(kind="publish_due", time_limit=120)
def publish_site_due(record: Job, site_id: int) -> dict:
    from apps.publisher.services.index import index_refresh, index_remove
    from apps.publisher.services.outcome import claim_due, fail_refused
    from apps.publisher.services.schedule import plan_refusal, slots_assign

    now = timezone.now()
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        index_remove(site_id=site_id)
        return {"message": "The site no longer exists; nothing to publish."}
    if not site.is_active:
        index_refresh(site=site)
        return {"message": f"{site.name} is switched off; nothing published."}
    refusal = plan_refusal()
    if refusal:
        failed = fail_refused(site=site, words=refusal, now=now)
        index_refresh(site=site)
        return {"message": f"Not published ({failed} due): {refusal}"[:300]}
    placed = slots_assign(site=site, now=now, since=now - SLOT_GRACE)
    due = claim_due(site=site, now=now)
    if due:
        jobs.enqueue_each(
            publish_content,
            [(connection.schema_name, (content_id, None, None)) for content_id in due],
            label=f"Publish a scheduled article of {site.name}"[:200],
        )
    index_refresh(site=site)
    return {
        "message": f"{len(due)} article(s) to publish, {len(placed)} placed in slots.",
        "due": due,
        "placed": len(placed),
    }


@jobs.job(kind="publish", time_limit=PUBLISH_TIME_LIMIT)
def publish_content(
    record: Job, content_id: int, user_id: int | None = None, post_status: str | None = None
) -> dict:
    from apps.accounts.models import User
    from apps.publisher.services.outcome import publish_one

    user = User.objects.filter(pk=user_id).first() if user_id else None
    return publish_one(content_id=content_id, user=user, post_status=post_status)
