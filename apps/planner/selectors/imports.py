"""Reads for adding keywords: the library as one site may pick from it, and past imports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from apps.catalog.models import SeedKeyword
from apps.planner.models import Keyword, normalize_keyword
from apps.planner.services.keywords_add import JOB_KIND
from apps.workspace.models import Job, Sector, Site
from apps.workspace.selectors import job_for_member


def site_sectors(*, site: Site) -> list[Sector]:
    return list(site.sectors.filter(is_active=True).order_by("name"))


def sector_of_site(*, site: Site, pk: object) -> Sector:
    """One active sector of the site, or 404 (another site's or workspace's id included)."""
    try:
        return site.sectors.get(pk=int(pk), is_active=True)
    except (Sector.DoesNotExist, ValueError, TypeError):
        raise Http404("No such sector.") from None


def library_list(*, sectors: list[Sector], q: str = "") -> QuerySet[SeedKeyword]:
    """Library keywords of the given site sectors, biggest volume first."""
    seeds = SeedKeyword.objects.filter(
        sector_id__in=[s.industry_sector_id for s in sectors], is_active=True
    )
    if q:
        seeds = seeds.filter(keyword__icontains=q)
    return seeds.order_by("-volume", "keyword", "pk")


@dataclass(frozen=True)
class LibraryMark:
    """Where a library keyword already is in the site: its sector, and whether in the trash."""

    trashed: bool


def library_marks(
    *, site: Site, sectors: list[Sector], seeds: list[SeedKeyword]
) -> dict[int, LibraryMark]:
    """seed pk → mark, for the seeds already in the site sector they belong to (one query)."""
    by_industry_sector = {s.industry_sector_id: s.pk for s in sectors}
    wanted = {
        (by_industry_sector.get(seed.sector_id), normalize_keyword(seed.keyword)): seed.pk
        for seed in seeds
    }
    if not wanted:
        return {}
    found = Keyword.objects.filter(
        site=site,
        sector_id__in={sector for sector, _ in wanted},
        normalized__in={normalized for _, normalized in wanted},
    ).values_list("sector_id", "normalized", "deleted_at")
    return {
        wanted[(sector, normalized)]: LibraryMark(trashed=deleted_at is not None)
        for sector, normalized, deleted_at in found
        if (sector, normalized) in wanted
    }


def import_for_member(request: HttpRequest, pk: object) -> Job:
    """An import job or inline import record this member may see, or 404."""
    job = job_for_member(request, pk)
    if job.kind != JOB_KIND:
        raise Http404("No such import.")
    return job
