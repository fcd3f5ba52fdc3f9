"""Job functions for the tests of igny8.jobs, registered exactly like real ones."""

from __future__ import annotations

import logging

from django.db import connection

from igny8.jobs import job, progress

log = logging.getLogger(__name__)


def _current_schema() -> str:
    # Ask PostgreSQL, not django-tenants: proves the search path really is the workspace's.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


@job(kind="test_site_create", time_limit=30)
def site_create(record, name: str) -> dict:
    """Create the site `name` in the job's workspace; a second run finds it and adds nothing."""
    from apps.catalog.models import Industry
    from apps.workspace.models import Site

    progress(record, done=1, total=2, message=f"Creating {name}")
    site, _ = Site.objects.get_or_create(
        name=name,
        defaults={"url": "https://example.com", "industry": Industry.objects.order_by("pk")[0]},
    )
    log.info("job created site %s", name)
    return {"message": f"Site {name} ready", "site_id": site.pk, "schema": _current_schema()}


@job(kind="test_where_am_i", time_limit=30)
def where_am_i(record, marker: str) -> dict:
    """Write nothing: report the schema PostgreSQL runs the job in."""
    log.info("job %s running", marker)
    return {"message": f"{marker} ran in {_current_schema()}"}


@job(kind="test_explode", time_limit=30)
def explode(record, reason: str) -> dict:
    raise ValueError(reason)


@job(kind="test_deadline", time_limit=120)
def how_long(record) -> dict:
    """Report the seconds the job's deadline leaves, as the AI calls inside it see them."""
    from igny8 import deadlines

    return {"message": "measured", "remaining": deadlines.remaining()}
