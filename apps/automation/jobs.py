"""Automation's jobs: thin entry points into the run services."""

from __future__ import annotations

import logging

from apps.automation.models import RunTrigger
from apps.workspace.models import Job, Site
from igny8 import jobs

log = logging.getLogger(__name__)

# Well under the queue's `retry`: a job hands over to a new one long before (runner budget).
RUN_TIME_LIMIT = 1700


@jobs.job(kind="automation", time_limit=RUN_TIME_LIMIT)
def run_automation(record: Job, run_id: int) -> dict:
    """Work on the run from its saved stage and item (idempotent: delivered twice, the second
    delivery finds the work done or waits its turn for the run's lock)."""
    from apps.automation.services.runner import run_continue

    return run_continue(run_id=run_id, job=record)


@jobs.job(kind="automation_start", time_limit=300)
def start_scheduled(record: Job, site_id: int) -> dict:
    """The dispatcher found the site due: start its run, then book the next time."""
    from apps.automation.services.config import config_for, schedule_book
    from apps.automation.services.runs import CannotStart, RunActive, run_start

    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        return {"message": "The site no longer exists; nothing started."}
    config = config_for(site)
    try:
        if not config.enabled or not site.is_active:
            return {"message": f"Automation is off for {site.name}; nothing started."}
        try:
            run = run_start(site=site, user=None, trigger=RunTrigger.SCHEDULED)
        except (RunActive, CannotStart) as exc:
            log.info("scheduled run of site %s not started: %s", site.pk, exc.message)
            return {"message": f"Not started: {exc.message}"}
        return {"message": f"Started run #{run.pk} of {site.name}.", "run": run.pk}
    finally:
        schedule_book(site, config)
