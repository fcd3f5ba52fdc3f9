"""What the two minute-by-minute dispatchers share (automation's `apps.schedule.dispatch` and
publishing's `apps.publisher.dispatch`): the report of a tick, queueing one job per claimed
site in its own workspace (all at once, or one by one when a workspace refuses), and claiming
batch after batch until nothing more is due.

Each dispatcher keeps its own claim and its own way of moving the claimed rows on: those are
what differ (and what their tests reach into)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.db import transaction

from igny8 import jobs


class SiteRow(Protocol):
    """A claimed row of a public index: the site and the workspace (account) it is in."""

    site_id: int
    account: object


@dataclass
class DispatchReport:
    claimed: int = 0
    queued: int = 0
    passed_over: int = 0  # due in a switched-off workspace: moved on, not run
    failed: int = 0
    jobs: list[tuple[str, int, int]] = field(default_factory=list)  # schema, site id, job id

    def add(self, other: DispatchReport) -> None:
        self.claimed += other.claimed
        self.queued += other.queued
        self.passed_over += other.passed_over
        self.failed += other.failed
        self.jobs.extend(other.jobs)

    def as_result(self) -> dict:
        return {
            "claimed": self.claimed,
            "queued": self.queued,
            "passed_over": self.passed_over,
            "failed": self.failed,
        }


def runnable(rows: Sequence[SiteRow], report: DispatchReport) -> list:
    """The rows of active workspaces, in schema then site order; the others are counted as
    passed over."""
    active = sorted(
        (row for row in rows if row.account.is_active),
        key=lambda r: (r.account.schema_name, r.site_id),
    )
    report.passed_over = len(rows) - len(active)
    return active


def queue_sites(
    rows: Sequence[SiteRow],
    target: str,
    report: DispatchReport,
    *,
    label: str,
    log: logging.Logger,
    what: str,
) -> None:
    """Queue `target(site_id)` in each row's workspace, all in one go; should one workspace
    refuse its Job row (a broken schema), again one row at a time, each in a savepoint, so
    the others still go and the broken one is logged. `what` names the work in the log."""
    calls = [(row.account.schema_name, (row.site_id,)) for row in rows]
    try:
        with transaction.atomic():
            records = jobs.enqueue_each(target, calls, label=label) if calls else []
    except Exception:
        log.exception("queueing %s %s jobs at once failed; one by one", len(calls), what)
        for schema, args in calls:
            _queue_one(schema, args[0], target, report, label=label, log=log, what=what)
        return
    report.queued = len(records)
    report.jobs = [
        (schema, args[0], record.pk) for (schema, args), record in zip(calls, records, strict=True)
    ]


def _queue_one(
    schema: str,
    site_id: int,
    target: str,
    report: DispatchReport,
    *,
    label: str,
    log: logging.Logger,
    what: str,
) -> None:
    try:
        with transaction.atomic():
            (record,) = jobs.enqueue_each(target, [(schema, (site_id,))], label=label)
    except Exception:
        log.exception("could not queue the %s of site %s in %s", what, site_id, schema)
        report.failed += 1
        return
    report.queued += 1
    report.jobs.append((schema, site_id, record.pk))


def dispatch_all(
    batch: Callable[..., DispatchReport],
    *,
    now: datetime,
    target: str,
    limit: int,
    log: logging.Logger,
    summary: str,
) -> DispatchReport:
    """Run `batch` (one claiming transaction) until a batch claims fewer than `limit`; when
    anything was claimed, log `summary` with the numbers queued, passed over and failed."""
    total = DispatchReport()
    while True:
        one = batch(now=now, target=target, limit=limit)
        total.add(one)
        if one.claimed < limit:
            break
    if total.claimed:
        log.info(summary, total.queued, total.passed_over, total.failed)
    return total
