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
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from apps.schedule.models import SiteSchedule
from apps.schedule.services import next_of, zone_of
from igny8.dispatching import DispatchReport, dispatch_all, queue_sites, runnable

log = logging.getLogger(__name__)

# ENGINE's job: starts the run (trigger "scheduled") and asks for the next time.
START_SCHEDULED = "apps.automation.jobs.start_scheduled"
# Rows claimed per transaction; a tick with more due keeps claiming in batches.
BATCH = 200
JOB_LABEL = "Scheduled automation run"


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
        queue_sites(
            runnable(rows, report), target, report, label=JOB_LABEL, log=log, what="scheduled run"
        )
    return report


def dispatch(
    *, now: datetime | None = None, target: str = START_SCHEDULED, limit: int = BATCH
) -> DispatchReport:
    """Everything due at `now` (default: this moment), in batches of `limit`."""
    return dispatch_all(
        dispatch_batch,
        now=now or timezone.now(),
        target=target,
        limit=limit,
        log=log,
        summary="dispatched %s scheduled runs (%s passed over, %s failed)",
    )
