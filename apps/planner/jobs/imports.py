"""Planner jobs for adding keywords: the import of a large CSV file."""

from __future__ import annotations

from pathlib import Path

from django.db import connection

from apps.accounts.models import Account
from apps.planner.services.imports import keywords_import_file
from apps.planner.services.keywords_add import JOB_KIND
from apps.workspace.models import Sector
from igny8 import jobs


@jobs.job(kind=JOB_KIND, time_limit=600)
def keywords_import(record, path: str, sector_id: int) -> dict:
    """Import the saved upload at `path` into a sector; the result is the import's report."""
    account = Account.objects.get(schema_name=connection.schema_name)
    sector = Sector.objects.select_related("site").get(pk=sector_id)

    def progress(done: int, total: int, message: str) -> None:
        jobs.progress(record, done=done, total=max(total, done), message=message)

    report = keywords_import_file(
        account=account, site=sector.site, sector=sector, path=Path(path), progress=progress
    )
    return report.as_result()
