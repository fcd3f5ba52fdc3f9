"""The publishing dispatcher: every minute, hand each site with publishing work due to a job in
its own workspace.

It reads only the public index (`apps.schedule.models.PublishIndex`), never a workspace
schema, so its cost is the same with ten workspaces or ten thousand, and however many
articles wait in them. One tick, in one transaction, as automation's dispatcher
(`apps.schedule.dispatch`):

1. one query finds and locks the due rows (`FOR UPDATE OF … SKIP LOCKED`): a second
   dispatcher skips what this one holds, and once this one commits they are not due;
2. one statement leases them: `next_due_at` moves `LEASE` ahead, so the next tick leaves
   them alone while their job runs; the job sets the real next time when it is done
   (`index_refresh`), and should it die, the lease runs out and the site is handed out again;
3. one statement queues a job per site, each inside its own schema (`igny8.jobs.enqueue_each`;
   after commit one more writes the queue entries).

A switched-off workspace (`Account.is_active` false) is passed over: its rows are leased
without a job, and looked at again when the lease runs out.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.schedule.models import PublishIndex
from igny8.dispatching import DispatchReport, dispatch_all, queue_sites, runnable

log = logging.getLogger("publishing")

SITE_DUE = "apps.publisher.jobs.publish_site_due"
BATCH = 500
LEASE = timedelta(minutes=10)
JOB_LABEL = "Scheduled publishing"


def _claim(now: datetime, limit: int) -> list[PublishIndex]:
    """Lock up to `limit` due rows no other dispatcher holds: ONE query."""
    return list(
        PublishIndex.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("account")
        .only("account_id", "site_id", "next_due_at", "account__schema_name", "account__is_active")
        .filter(next_due_at__lte=now)
        .order_by("next_due_at", "pk")[:limit]
    )


def _lease(rows: list[PublishIndex], now: datetime) -> None:
    """Every claimed row leased until `now + LEASE`: ONE statement."""
    table = connection.ops.quote_name(PublishIndex._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_due_at = %s, last_dispatched_at = %s WHERE id = ANY(%s)",
            [now + LEASE, now, [row.pk for row in rows]],
        )


def dispatch_batch(*, now: datetime, target: str = SITE_DUE, limit: int = BATCH) -> DispatchReport:
    """Claim up to `limit` due rows, lease them and queue their sites' jobs (one transaction)."""
    report = DispatchReport()
    with transaction.atomic():
        rows = _claim(now, limit)
        if not rows:
            return report
        report.claimed = len(rows)
        _lease(rows, now)
        queue_sites(
            runnable(rows, report), target, report, label=JOB_LABEL, log=log, what="publishing"
        )
    return report


def dispatch(
    *, now: datetime | None = None, target: str = SITE_DUE, limit: int = BATCH
) -> DispatchReport:
    """Everything due at `now` (default: this moment), in batches of `limit`."""
    return dispatch_all(
        dispatch_batch,
        now=now or timezone.now(),
        target=target,
        limit=limit,
        log=log,
        summary="publishing dispatcher: %s sites queued (%s passed over, %s failed)",
    )
