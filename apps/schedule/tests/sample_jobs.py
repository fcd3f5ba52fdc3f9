"""A stand-in for ENGINE's `start_scheduled`, registered like a real job: it records where it
ran and leaves a mark on the site it was given, in the schema it ran in."""

from __future__ import annotations

from django.db import connection

from igny8.jobs import job

MARK = "scheduled run was here"


def current_schema() -> str:
    # Ask PostgreSQL, not django-tenants: proves the search path really is the workspace's.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


@job(kind="test_start_scheduled", time_limit=30)
def start_scheduled(record, site_id: int) -> dict:
    from apps.workspace.models import Site

    marked = Site.objects.filter(pk=site_id).update(extra_instructions=MARK)
    return {"message": "ran", "schema": current_schema(), "site_id": site_id, "marked": marked}
