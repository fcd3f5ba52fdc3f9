"""Small factories for test data. Workspace rows are made inside the workspace's schema."""

from __future__ import annotations

import itertools

from django_tenants.utils import schema_context

from apps.accounts.models import Account, Membership, User
from apps.catalog.models import Industry
from apps.workspace.models import Sector, Site, SiteAccess

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_user(
    email: str | None = None, *, name: str = "", password: str = PASSWORD, **extra
) -> User:
    from allauth.account.models import EmailAddress

    email = email or f"person{next(_seq)}@example.com"
    user = User.objects.create_user(email, password, name=name, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_member(account: Account, role: str, email: str | None = None, **kwargs) -> User:
    user = make_user(email, **kwargs)
    Membership.objects.create(user=user, account=account, role=role)
    return user


def industry_with_sectors(min_sectors: int = 6) -> Industry:
    for industry in Industry.objects.prefetch_related("sectors"):
        if len(industry.sectors.all()) >= min_sectors:
            return industry
    raise AssertionError("the keyword library has no industry with enough sectors")


def make_site(
    account: Account,
    name: str | None = None,
    *,
    sectors: int = 0,
    grant: list[User] | None = None,
    language: str = "en",
) -> Site:
    industry = industry_with_sectors()
    with schema_context(account.schema_name):
        site = Site.objects.create(
            name=name or f"Site {next(_seq)}",
            url="https://example.com",
            industry=industry,
            language=language,
        )
        for sector in list(industry.sectors.all()[:sectors]):
            Sector.objects.create(site=site, industry_sector=sector, name=sector.name)
        for user in grant or []:
            SiteAccess.objects.create(site=site, user_id=user.pk)
    return site
