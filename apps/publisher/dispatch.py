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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.schedule.models import PublishIndex
from igny8 import jobs

log = logging.getLogger("publishing")

SITE_DUE = "apps.publisher.jobs.publish_site_due"
BATCH = 500
LEASE = timedelta(minutes=10)
JOB_LABEL = "Scheduled publishing"


@dataclass
class DispatchReport:
    claimed: int = 0
    queued: int = 0
    passed_over: int = 0
    failed: int = 0
    jobs: list[tuple[str, int, int]] = field(default_factory=list)  # schema, site id, job id

    def as_result(self) -> dict:
        return {
            "claimed": self.claimed,
            "queued": self.queued,
            "passed_over": self.passed_over,
            "failed": self.failed,
        }


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


def _queue_one(row: PublishIndex, target: str, report: DispatchReport) -> None:
    schema = row.account.schema_name
    try:
        with transaction.atomic():
            (record,) = jobs.enqueue_each(target, [(schema, (row.site_id,))], label=JOB_LABEL)
    except Exception:
        log.exception("could not queue the publishing of site %s in %s", row.site_id, schema)
        report.failed += 1
        return
    report.queued += 1
    report.jobs.append((schema, row.site_id, record.pk))


def dispatch_batch(*, now: datetime, target: str = SITE_DUE, limit: int = BATCH) -> DispatchReport:
    """Claim up to `limit` due rows, lease them and queue their sites' jobs (one transaction)."""
    report = DispatchReport()
    with transaction.atomic():
        rows = _claim(now, limit)
        if not rows:
            return report
        report.claimed = len(rows)
        _lease(rows, now)
        runnable = sorted(
            (row for row in rows if row.account.is_active),
            key=lambda r: (r.account.schema_name, r.site_id),
        )
        report.passed_over = len(rows) - len(runnable)
        calls = [(row.account.schema_name, (row.site_id,)) for row in runnable]
        try:
            with transaction.atomic():
                records = jobs.enqueue_each(target, calls, label=JOB_LABEL) if calls else []
        except Exception:
            # Some workspace cannot take a job (a broken schema): one by one, so the others go.
            log.exception("queueing %s publishing jobs at once failed; one by one", len(calls))
            for row in runnable:
                _queue_one(row, target, report)
        else:
            report.queued = len(records)
            report.jobs = [
                (schema, args[0], record.pk)
                for (schema, args), record in zip(calls, records, strict=True)
            ]
    return report


def dispatch(
    *, now: datetime | None = None, target: str = SITE_DUE, limit: int = BATCH
) -> DispatchReport:
    """Everything due at `now` (default: this moment), in batches of `limit`."""
    now = now or timezone.now()
    total = DispatchReport()
    while True:
        batch = dispatch_batch(now=now, target=target, limit=limit)
        total.claimed += batch.claimed
        total.queued += batch.queued
        total.passed_over += batch.passed_over
        total.failed += batch.failed
        total.jobs.extend(batch.jobs)
        if batch.claimed < limit:
            break
    if total.claimed:
        log.info(
            "publishing dispatcher: %s sites queued (%s passed over, %s failed)",
            total.queued,
            total.passed_over,
            total.failed,
        )
    return total
