"""A stand-in for the publishing dispatcher's site job, for counting the tick's own queries."""

from __future__ import annotations

from apps.workspace.models import Job
from igny8 import jobs


@jobs.job(kind="test_publish_noop", time_limit=60)
def noop(record: Job, site_id: int) -> dict:
    return {"site_id": site_id}
