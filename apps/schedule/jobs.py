"""django-q2 entry point of the dispatcher (`igny8_setup` schedules it every minute).

Not a workspace job (`igny8.jobs.job`): it runs in `public`, reads the index of every
workspace, and queues one workspace job per due site inside that site's schema.
"""

from __future__ import annotations

from apps.schedule.dispatch import dispatch

EVERY_MINUTES = 1
SCHEDULE_NAME = "automation: start due runs"


def dispatch_due() -> dict:
    """Queue `apps.automation.jobs.start_scheduled(site_id)` for every due site."""
    return dispatch().as_result()
