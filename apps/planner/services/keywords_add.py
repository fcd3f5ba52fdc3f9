"""The one service behind every way keywords get into a site (typed, pasted, CSV, library).

`keywords_add` checks each row, keeps the good ones and reports the rest with their line and
reason. Writes are one COPY into the workspace's keyword table, and the duplicate check is one
query per import, so 100,000 rows take seconds, not minutes (`bench/planner_import.py`).
The ways in (`apps.planner.services.imports`) only turn what they get into rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import Account
from apps.billing.errors import PlanLimitError
from apps.billing.plans import limit_check, subscription_for, usage
from apps.planner.importing import BadRow, GoodRow, row_check
from apps.planner.models import Keyword, KeywordSource, KeywordStatus, normalize_keyword
from apps.workspace.models import Sector, Site

JOB_KIND = "keyword_import"
# Job.result is one JSON value; past this many the rows not added are counted, not listed.
STORED_ROWS_CAP = 10_000
STORED_CELLS_CAP = 50  # original columns kept per row (a 300-column export is not kept whole)
PROGRESS_EVERY = 5_000
DUPLICATE_CODES = frozenset({"duplicate", "duplicate_in_file", "trashed"})

Progress = Callable[[int, str], None]


@dataclass
class ImportReport:
    """What happened to each row: how many were added, and every row that was not, with why."""

    source: str
    site: str = ""
    sector: str = ""
    columns: list[str] = field(default_factory=list)
    total: int = 0
    added: int = 0
    not_added: list[BadRow] = field(default_factory=list)

    @property
    def codes(self) -> Counter:
        return Counter(row.code for row in self.not_added)

    @property
    def duplicates(self) -> int:
        return sum(n for code, n in self.codes.items() if code in DUPLICATE_CODES)

    @property
    def rejected(self) -> int:
        return len(self.not_added) - self.duplicates

    @property
    def summary(self) -> str:
        """ "Added 97,420 · 1,880 duplicates · 700 rejected"."""
        return summary_line(self.added, self.duplicates, self.rejected)

    def merge(self, other: ImportReport) -> None:
        self.total += other.total
        self.added += other.added
        self.not_added.extend(other.not_added)
        self.not_added.sort(key=lambda row: row.line)

    def as_result(self) -> dict[str, Any]:
        """The report as JSON for Job.result (the rows not added capped at STORED_ROWS_CAP)."""
        return {
            "message": self.summary,
            "source": self.source,
            "site": self.site,
            "sector": self.sector,
            "total": self.total,
            "added": self.added,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "over_limit": self.codes.get("over_limit", 0),
            "columns": self.columns[:STORED_CELLS_CAP],
            "not_added_count": len(self.not_added),
            "not_added": [
                {
                    "line": r.line,
                    "text": r.text,
                    "code": r.code,
                    "reason": r.reason,
                    "raw": r.raw[:STORED_CELLS_CAP] if r.raw else None,
                }
                for r in self.not_added[:STORED_ROWS_CAP]
            ],
        }


def summary_line(added: int, duplicates: int, rejected: int) -> str:
    return (
        f"Added {added:,} · {duplicates:,} duplicate{'s' if duplicates != 1 else ''} · "
        f"{rejected:,} rejected"
    )


def keywords_add(
    *,
    account: Account,
    site: Site,
    sector: Sector,
    rows: Iterable[dict[str, Any]],
    source: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Add keywords to a sector of a site; keep the good rows, report the others.

    Each row is a dict of text, volume, difficulty, intent, cpc and line (and raw, the original
    cells, for the rejected-rows download). A row is not added when it is empty, too long, has
    a bad number or an unknown intent, repeats an earlier row, is already in the sector (or in
    its trash: restoring it brings it back), or is past the plan's keyword limit (the rows that
    still fit are added, in order). Runs in one transaction that holds the workspace's
    subscription row, so two imports of one workspace take turns and never both take the last
    free places or insert the same keyword.
    """
    if sector.site_id != site.pk:
        raise ValueError("the sector belongs to another site")
    if source not in KeywordSource.values:
        raise ValueError(f"unknown source {source!r}")
    report = ImportReport(source=source, site=site.name, sector=sector.name)
    good: list[GoodRow] = []
    first_line: dict[str, int] = {}
    count = 0
    for count, row in enumerate(rows, start=1):
        verdict = row_check(row, normalize=normalize_keyword)
        if isinstance(verdict, BadRow):
            report.not_added.append(verdict)
        elif (seen := first_line.get(verdict.normalized)) is not None:
            report.not_added.append(_bad(verdict, "duplicate_in_file", f"duplicate of line {seen}"))
        else:
            first_line[verdict.normalized] = verdict.line
            good.append(verdict)
        if progress and count % PROGRESS_EVERY == 0:
            progress(count, f"Checked {count:,} rows")
    report.total = count
    if good:
        if progress:
            progress(count, f"Saving up to {len(good):,} keywords…")
        with transaction.atomic():
            left = _keywords_left(account)
            existing = _existing(site=site, sector=sector, normalized=list(first_line))
            fresh: list[GoodRow] = []
            for row in good:
                trashed = existing.get(row.normalized)
                if trashed is None:
                    fresh.append(row)
                elif trashed:
                    report.not_added.append(_bad(row, "trashed", "in the trash — restore it"))
                else:
                    report.not_added.append(_bad(row, "duplicate", "already in this sector"))
            for row in fresh[left:]:
                report.not_added.append(_bad(row, "over_limit", "over the plan's keyword limit"))
            report.added = _copy(site=site, sector=sector, rows=fresh[:left], source=source)
    report.not_added.sort(key=lambda row: row.line)
    return report


def _bad(row: GoodRow, code: str, reason: str) -> BadRow:
    return BadRow(row.line, row.text, code, reason, row.raw)


def _keywords_left(account: Account) -> int:
    """Keywords the plan still allows. Locks the subscription row until the transaction ends."""
    try:
        limit_check(account, "keywords", adding=0, lock=True)
    except PlanLimitError:
        return 0  # already over (say, after a downgrade): nothing more fits
    limit = subscription_for(account).plan.limit_for("keywords")
    return max(0, limit - usage(account, "keywords"))


def _existing(*, site: Site, sector: Sector, normalized: list[str]) -> dict[str, bool]:
    """normalized text → in the trash?, for the given texts already in the sector (one query;
    `= ANY(array)` rather than IN, which would pass one parameter per keyword)."""
    table = connection.ops.quote_name(Keyword._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT normalized, deleted_at IS NOT NULL FROM {table} "
            "WHERE site_id = %s AND sector_id = %s AND normalized = ANY(%s)",
            [site.pk, sector.pk, normalized],
        )
        return dict(cursor.fetchall())


_COPY_COLUMNS = (
    "site_id",
    "sector_id",
    "text",
    "normalized",
    "volume",
    "difficulty",
    "intent",
    "cpc",
    "status",
    "disabled",
    "source",
    "created",
)


def _copy(*, site: Site, sector: Sector, rows: list[GoodRow], source: str) -> int:
    """Write the rows with COPY (several times faster than INSERT for thousands of rows)."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    sql = f"COPY {quote(Keyword._meta.db_table)} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
    now = timezone.now()
    status = KeywordStatus.NEW.value
    # In index order: the unique (site, sector, normalized) index and the (site, text) index
    # then grow at one end instead of everywhere, which halves the time COPY spends on them.
    ordered = sorted(rows, key=lambda row: row.normalized)
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in ordered:
            copy.write_row(
                (
                    site.pk,
                    sector.pk,
                    row.text,
                    row.normalized,
                    row.volume,
                    row.difficulty,
                    row.intent,
                    row.cpc,
                    status,
                    False,
                    source,
                    now,
                )
            )
    return len(rows)
