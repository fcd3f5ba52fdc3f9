"""The dispatcher: every minute, start the automation runs that are due, in every workspace.

It reads only the public index (`SiteSchedule`), never a workspace schema, so its cost is the
same with ten workspaces or ten thousand. One tick:

1. one query finds and locks the due rows (`FOR UPDATE OF … SKIP LOCKED`): a second
   dispatcher (another host, or a tick that overlaps a slow one) skips the rows this one holds,
   and once this one commits they are no longer due, so it never claims them either;
2. one statement moves each claimed row to its next slot (computed in Python: DST-correct
   wall-clock times are not SQL arithmetic);
3. for each claimed row, a job is queued inside that row's workspace schema through
   `igny8.jobs.enqueue_each` (one statement inserts the Job rows of every workspace, each in
   its own schema, and after commit one more writes every queue entry).

All of it is one transaction: a dispatcher that dies half-way moves nothing and queues
nothing. Should one workspace refuse its Job row (a broken schema), the batch is queued again
one row at a time, each in a savepoint, so the others still run and the broken one is logged.

A workspace that is switched off (`Account.is_active` false) has its slots passed over
without a run: when it comes back it starts at its next slot rather than at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.schedule.models import SiteSchedule
from apps.schedule.services import next_of, zone_of
from igny8 import jobs

log = logging.getLogger(__name__)

# ENGINE's job: starts the run (trigger "scheduled") and asks for the next time.
START_SCHEDULED = "apps.automation.jobs.start_scheduled"
# Rows claimed per transaction; a tick with more due keeps claiming in batches.
BATCH = 200
JOB_LABEL = "Scheduled automation run"


@dataclass
class DispatchReport:
    claimed: int = 0
    queued: int = 0
    passed_over: int = 0  # due in a switched-off workspace: moved on, not run
    failed: int = 0
    jobs: list[tuple[str, int, int]] = field(default_factory=list)  # schema, site id, job id

    def as_result(self) -> dict:
        return {
            "claimed": self.claimed,
            "queued": self.queued,
            "passed_over": self.passed_over,
            "failed": self.failed,
        }


def _claim(now: datetime, limit: int) -> list[SiteSchedule]:
    """Lock up to `limit` due rows that no other dispatcher holds: ONE query."""
    return list(
        SiteSchedule.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("account")
        .only(
            "account_id",
            "site_id",
            "next_run_at",
            "frequency",
            "hour",
            "weekday",
            "day_of_month",
            "account__schema_name",
            "account__timezone",
            "account__is_active",
        )
        .filter(enabled=True, next_run_at__lte=now)
        .order_by("next_run_at", "pk")[:limit]
    )


def _move_on(rows: list[SiteSchedule], now: datetime) -> None:
    """Every claimed row to its next slot: ONE statement. (`bulk_update` would say the same
    with a CASE per row, at several milliseconds of Python for fifty rows.)"""
    table = connection.ops.quote_name(SiteSchedule._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS s SET next_run_at = v.next_run_at, last_dispatched_at = %s "
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, next_run_at) "
            "WHERE s.id = v.id",
            [now, [row.pk for row in rows], [row.next_run_at for row in rows]],
        )


def _queue(row: SiteSchedule, target: str, report: DispatchReport) -> None:
    schema = row.account.schema_name
    try:
        # A savepoint: one workspace that cannot take a job (its schema broken) must not
        # undo the others' runs or hold the whole index back every minute.
        with transaction.atomic(), schema_context(schema):
            record = jobs.enqueue(target, row.site_id, label=JOB_LABEL)
    except Exception:
        log.exception("could not queue the scheduled run of site %s in %s", row.site_id, schema)
        report.failed += 1
        return
    report.queued += 1
    report.jobs.append((schema, row.site_id, record.pk))


def dispatch_batch(
    *, now: datetime, target: str = START_SCHEDULED, limit: int = BATCH
) -> DispatchReport:
    """Claim up to `limit` due rows, move them on and queue their runs (one transaction)."""
    report = DispatchReport()
    with transaction.atomic():
        rows = _claim(now, limit)
        if not rows:
            return report
        report.claimed = len(rows)
        for row in rows:
            row.next_run_at = next_of(row, now, zone_of(row.account))
            row.last_dispatched_at = now
        _move_on(rows, now)
        runnable = [row for row in rows if row.account.is_active]
        report.passed_over = len(rows) - len(runnable)
        runnable.sort(key=lambda r: (r.account.schema_name, r.site_id))
        try:
            with transaction.atomic():
                _queue_all(runnable, target, report)
        except Exception:
            # Some workspace cannot take a job: queue one by one, so the others still run.
            log.exception("queueing %s scheduled runs at once failed; one by one", len(runnable))
            report.queued, report.jobs = 0, []
            for row in runnable:
                _queue(row, target, report)
    return report


def _queue_all(rows: list[SiteSchedule], target: str, report: DispatchReport) -> None:
    calls = [(row.account.schema_name, (row.site_id,)) for row in rows]
    records = jobs.enqueue_each(target, calls, label=JOB_LABEL)
    report.queued = len(records)
    report.jobs = [
        (schema, args[0], record.pk) for (schema, args), record in zip(calls, records, strict=True)
    ]


def dispatch(
    *, now: datetime | None = None, target: str = START_SCHEDULED, limit: int = BATCH
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
            "dispatched %s scheduled runs (%s passed over, %s failed)",
            total.queued,
            total.passed_over,
            total.failed,
        )
    return total
