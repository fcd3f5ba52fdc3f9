"""The ways keywords get into a site: a CSV upload (at once, or as a job when large), the
library, and the records that let a person download the rows an import did not add. Each one
turns what it gets into rows for `keywords_add`, which holds the rules."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from apps.accounts.models import Account
from apps.planner.importing import ImportFileError, csv_open, csv_rows
from apps.planner.models import KeywordSource
from apps.planner.services.keywords_add import JOB_KIND, ImportReport, keywords_add
from apps.workspace.models import Job, JobStatus, Sector, Site
from igny8.errors import UserFacingError


def keywords_import_file(
    *,
    account: Account,
    site: Site,
    sector: Sector,
    path: Path,
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    """Import a saved CSV upload (the job's side of a large import). The file is deleted
    afterwards, whatever happened: a failed import asks for the file again."""
    try:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise ImportFileError(
                "The uploaded file is no longer here (it was already imported or cleaned up). "
                "Upload it again."
            ) from None
        source = csv_open(data)
        total = source.rows
        report = keywords_add(
            account=account,
            site=site,
            sector=sector,
            rows=csv_rows(source),
            source=KeywordSource.CSV,
            progress=(lambda done, message: progress(done, total, message)) if progress else None,
        )
        report.columns = source.header
        return report
    finally:
        Path(path).unlink(missing_ok=True)


def upload_save(*, schema: str, data: bytes) -> Path:
    """Keep an upload for the job that imports it: MEDIA_ROOT/imports/<schema>/<random>.csv."""
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "imports" / schema
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{os.urandom(12).hex()}.csv"
    path.write_bytes(data)
    return path


def import_record(*, report: ImportReport, user, label: str) -> Job | None:
    """Keep the report of an import done in the request, so its rejected rows can be
    downloaded like a job's. Nothing to keep when every row was added."""
    if not report.not_added:
        return None
    now = timezone.now()
    return Job.objects.create(
        kind=JOB_KIND,
        label=label[:200],
        status=JobStatus.SUCCEEDED,
        progress=100,
        total=report.total,
        done=report.total,
        message=report.summary,
        result=report.as_result(),
        created_by_id=getattr(user, "pk", None),
        started=now,
        finished=now,
    )


def rejected_rows(result: dict[str, Any]) -> Iterator[list[Any]]:
    """The rows an import did not add, header first: line, keyword, reason, then the row's own
    columns (for `igny8.csvfile`, which writes every download)."""
    yield ["line", "keyword", "reason", *result.get("columns", [])]
    for row in result.get("not_added", []):
        yield [row["line"], row["text"], row["reason"], *(row.get("raw") or [])]


class LibraryChoiceError(UserFacingError):
    status = 400
    code = "library_choice"


def library_add(*, account: Account, site: Site, seed_ids: Iterable[int]) -> ImportReport:
    """Add keywords picked from the library, each into the site's sector it comes from.

    Only the site's own sectors can be picked from; any other id refuses the whole pick.
    """
    from apps.catalog.models import SeedKeyword

    wanted = set(seed_ids)
    if not wanted:
        raise LibraryChoiceError("Tick the keywords to add first.")
    sectors = {s.industry_sector_id: s for s in site.sectors.filter(is_active=True)}
    seeds = list(
        SeedKeyword.objects.filter(pk__in=wanted, sector_id__in=sectors, is_active=True).order_by(
            "sector_id", "-volume", "keyword"
        )
    )
    if len(seeds) != len(wanted):
        raise LibraryChoiceError(
            "Some of the chosen keywords are not in this site's sectors. Reload the library "
            "and pick again."
        )
    report = ImportReport(source=KeywordSource.LIBRARY, site=site.name)
    by_sector: dict[int, list[dict[str, Any]]] = {}
    for line, seed in enumerate(seeds, start=1):
        by_sector.setdefault(seed.sector_id, []).append(
            {
                "line": line,
                "text": seed.keyword,
                "volume": seed.volume,
                "difficulty": seed.difficulty,
                "intent": seed.intent,
            }
        )
    for industry_sector_id, rows in by_sector.items():
        part = keywords_add(
            account=account,
            site=site,
            sector=sectors[industry_sector_id],
            rows=rows,
            source=KeywordSource.LIBRARY,
        )
        report.merge(part)
    report.sector = ", ".join(sectors[i].name for i in by_sector)
    return report


# Files up to this many rows import while the person waits (well under a second); larger ones
# run as a job with a progress bar.
INLINE_MAX_ROWS = 2_000


@dataclass
class UploadOutcome:
    report: ImportReport | None = None  # imported in the request
    job: Job | None = None  # the job doing it, or the record of an inline import's rejects


def keywords_import_upload(
    *, account: Account, site: Site, sector: Sector, data: bytes, name: str, user
) -> UploadOutcome:
    """Import an uploaded CSV: checked first (raises ImportFileError, writing nothing, for an
    empty, binary or oversized file or one without a keyword column), then imported now when
    small or handed to a job when large."""
    from igny8 import jobs

    source = csv_open(data)
    label = f"Import of {name[:80]} into {sector.name}"
    if source.rows > INLINE_MAX_ROWS:
        path = upload_save(schema=connection.schema_name, data=data)
        job = jobs.enqueue(
            "apps.planner.jobs.imports.keywords_import",
            str(path),
            sector.pk,
            label=label,
            user=user,
        )
        return UploadOutcome(job=job)
    report = keywords_add(
        account=account, site=site, sector=sector, rows=csv_rows(source), source=KeywordSource.CSV
    )
    report.columns = source.header
    return UploadOutcome(report=report, job=import_record(report=report, user=user, label=label))
