"""A throwaway workspace with one site, as the live-server tests make them (live_server
flushes the public tables, so each test makes its own)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from apps.accounts import provisioning
from apps.accounts.models import Account, User
from apps.billing.models import Plan
from apps.billing.plans import plan_assign
from apps.workspace.models import Site
from apps.workspace.services.workspace import site_create, site_sectors_set
from tests.e2e.conftest import RUN_ID
from tests.factories import industry_with_sectors, make_user


def workspace_with_site(
    slug: str,
    email: str,
    *,
    label: str,
    owner_name: str,
    plan: str | None = "starter",
    site_name: str = "Garden Notes",
    site_url: str = "https://garden.example.com",
    sector_by: str | None = "name",
) -> tuple[Account, User, Site]:
    """Workspace "E2E <run> <label>" owned by a new user, on `plan` (None: the plan a new
    workspace gets), with one English site that has one sector: the first of an industry's,
    ordered by `sector_by` (None: the sectors' own order)."""
    owner = make_user(email, name=owner_name)
    account = provisioning.workspace_create(name=f"E2E {RUN_ID} {label}", slug=slug, owner=owner)
    if plan is not None:
        plan_assign(account=account, plan=Plan.objects.get(slug=plan))
    industry = industry_with_sectors()
    sectors = industry.sectors.order_by(sector_by) if sector_by else industry.sectors
    with schema_context(account.schema_name):
        site = site_create(
            account=account, name=site_name, url=site_url, industry=industry, language="en"
        )
        site_sectors_set(account=account, site=site, industry_sector_ids=[sectors.first().pk])
    return account, owner, site
