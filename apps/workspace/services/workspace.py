"""Sites, sectors and site grants: every write of the workspace app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import Account, User
from apps.billing.plans import limit_check
from apps.catalog.models import Industry, IndustrySector
from apps.workspace.models import Sector, Site, SiteAccess


class SiteError(ValidationError):
    """A site change the rules refuse; the message says why and what to do."""


@transaction.atomic
def site_create(
    *, account: Account, name: str, url: str, industry: Industry, language: str
) -> Site:
    """Add a site, within the plan's site limit (PlanLimitError, 403, when it is reached)."""
    limit_check(account, "sites", lock=True)
    name = name.strip()
    if Site.objects.filter(name__iexact=name).exists():
        raise SiteError({"name": [f"A site named “{name}” already exists. Pick another name."]})
    site = Site(name=name, url=url.strip(), industry=industry, language=language)
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def site_update(
    *, site: Site, name: str, url: str, industry: Industry, language: str, is_active: bool
) -> Site:
    """Edit a site. Changing its industry removes sectors that belong to the old one."""
    name = name.strip()
    if Site.objects.filter(name__iexact=name).exclude(pk=site.pk).exists():
        raise SiteError({"name": [f"A site named “{name}” already exists. Pick another name."]})
    industry_changed = site.industry_id != industry.pk
    activity_changed = site.is_active != is_active
    site.name, site.url, site.industry, site.language, site.is_active = (
        name,
        url.strip(),
        industry,
        language,
        is_active,
    )
    site.full_clean()
    site.save()
    if industry_changed:
        site.sectors.all().delete()
    if activity_changed:
        # An inactive site runs no scheduled automation; reactivated, its schedule returns.
        from apps.schedule.services import site_schedule_refresh

        site_schedule_refresh(site=site)
    return site


@transaction.atomic
def site_sectors_set(
    *, account: Account, site: Site, industry_sector_ids: list[int]
) -> list[Sector]:
    """Choose the site's sectors from its industry, within the plan's sectors-per-site limit.

    Sectors no longer chosen are removed; chosen ones that exist are kept as they are.
    """
    wanted = list(dict.fromkeys(int(i) for i in industry_sector_ids))
    if not wanted:
        raise SiteError({"sectors": ["Choose at least one sector."]})
    limit_check(account, "sectors", adding=len(wanted), current=0, lock=True)
    choices = {
        s.pk: s
        for s in IndustrySector.objects.filter(
            pk__in=wanted, industry_id=site.industry_id, is_active=True
        )
    }
    if len(choices) != len(wanted):
        raise SiteError({"sectors": ["Choose sectors from this site's industry."]})
    Site.objects.select_for_update().filter(pk=site.pk).first()
    site.sectors.exclude(industry_sector_id__in=wanted).delete()
    existing = set(site.sectors.values_list("industry_sector_id", flat=True))
    Sector.objects.bulk_create(
        [
            Sector(site=site, industry_sector_id=pk, name=choices[pk].name)
            for pk in wanted
            if pk not in existing
        ]
    )
    return list(site.sectors.all())


def site_access_grant(*, user: User, site_ids: list[int]) -> None:
    """Give an editor or viewer these sites (idempotent)."""
    sites = Site.objects.filter(pk__in=site_ids)
    SiteAccess.objects.bulk_create(
        [SiteAccess(site=site, user_id=user.pk) for site in sites], ignore_conflicts=True
    )


@transaction.atomic
def site_access_set(*, user: User, site_ids: list[int]) -> None:
    """Make these exactly the sites an editor or viewer may see."""
    SiteAccess.objects.filter(user_id=user.pk).exclude(site_id__in=site_ids).delete()
    site_access_grant(user=user, site_ids=site_ids)
