"""End to end with the automation app: saving a site's automation settings puts it in the
index, and the dispatcher starts its run (trigger "scheduled") in its own workspace only.

Jobs run synchronously in tests, so a dispatched run goes all the way through here; the sites
have stage 1 only switched on (keywords → clusters, local and free) to keep that short.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.services import account_timezone_set
from apps.automation.models import AutomationRun, RunStatus, RunTrigger
from apps.automation.services import config_save
from apps.planner.models import Cluster
from apps.planner.services.keywords_add import keywords_add
from apps.schedule.dispatch import dispatch
from apps.schedule.models import SiteSchedule
from apps.schedule.selectors import next_run_for
from apps.workspace.models import Sector, Site
from apps.workspace.services.workspace import site_update
from tests.factories import industry_with_sectors, make_site

pytestmark = pytest.mark.django_db

KEYWORDS = ["lawn mowing tips", "how to mow a lawn", "best lawn mower", "lawn mower reviews"]


def automated_site(ws, *, hour: int = 9, site_id: int | None = None) -> Site:  # noqa: ANN001
    """A site with keywords waiting and automation on (stage 1 only), saved through the
    automation service as a person would."""
    if site_id is None:
        site = make_site(ws.account, sectors=1)
    else:
        industry = industry_with_sectors()
        sector = industry.sectors.first()
        with schema_context(ws.schema):
            site = Site.objects.create(
                pk=site_id, name=f"Twin {site_id}", url="https://twin.example", industry=industry
            )
            Sector.objects.create(site=site, industry_sector=sector, name=sector.name)
    with schema_context(ws.schema):
        rows = [{"text": k, "volume": 100, "line": n} for n, k in enumerate(KEYWORDS, 1)]
        keywords_add(
            account=ws.account, site=site, sector=site.sectors.first(), rows=rows, source="manual"
        )
        config_save(
            site=site,
            data={"enabled": True, "frequency": "daily", "hour": hour, "stages_enabled": [1]},
            user=ws.owner,
        )
    return site


def make_due(ws, site: Site) -> None:  # noqa: ANN001
    SiteSchedule.objects.filter(account=ws.account, site_id=site.pk).update(
        next_run_at=timezone.now() - timedelta(minutes=1)
    )


def scheduled_runs(ws) -> list[AutomationRun]:  # noqa: ANN001
    with schema_context(ws.schema):
        return list(AutomationRun.objects.filter(trigger=RunTrigger.SCHEDULED).order_by("pk"))


def test_saving_the_settings_schedules_the_site_in_the_workspace_timezone(alpha, monkeypatch):
    account_timezone_set(account=alpha.account, timezone_name="America/New_York")
    monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 1, 15, 12, 0, tzinfo=UTC))
    site = automated_site(alpha, hour=9)
    # 09:00 in New York is 14:00 UTC in winter.
    assert next_run_for(account=alpha.account, site_id=site.pk) == datetime(
        2025, 1, 15, 14, 0, tzinfo=UTC
    )
    with schema_context(alpha.schema):
        config_save(site=site, data={"enabled": False}, user=alpha.owner)
    assert next_run_for(account=alpha.account, site_id=site.pk) is None


def test_due_sites_of_two_workspaces_run_each_in_its_own_schema(alpha, beta):
    """Both workspaces have a site with the same id, both due."""
    sites = {ws.schema: automated_site(ws, site_id=990_300) for ws in (alpha, beta)}
    for ws in (alpha, beta):
        make_due(ws, sites[ws.schema])

    report = dispatch()

    assert (report.claimed, report.queued) == (2, 2)
    for ws in (alpha, beta):
        (run,) = scheduled_runs(ws)
        assert run.site_id == 990_300 and run.status == RunStatus.COMPLETED, run.reason
        with schema_context(ws.schema):
            assert Cluster.objects.filter(site_id=990_300).exists()
        # The run booked the next time: tomorrow's slot.
        assert next_run_for(account=ws.account, site_id=990_300) > timezone.now()


def test_a_due_site_runs_only_in_its_workspace(alpha, beta):
    """Only alpha is due; beta's site (same id, keywords waiting, automation on) is untouched."""
    sites = {ws.schema: automated_site(ws, site_id=990_301) for ws in (alpha, beta)}
    make_due(alpha, sites[alpha.schema])

    assert dispatch().queued == 1

    assert len(scheduled_runs(alpha)) == 1
    assert scheduled_runs(beta) == []
    with schema_context(beta.schema):
        assert not Cluster.objects.filter(site_id=990_301).exists()
        assert not AutomationRun.objects.exists()


def test_switched_off_deactivated_or_deleted_sites_are_not_run(alpha):
    off, inactive, deleted = (automated_site(alpha) for _ in range(3))
    for site in (off, inactive, deleted):
        make_due(alpha, site)
    with schema_context(alpha.schema):
        config_save(site=off, data={"enabled": False}, user=alpha.owner)
        site_update(
            site=inactive,
            name=inactive.name,
            url=inactive.url,
            industry=inactive.industry,
            language=inactive.language,
            is_active=False,
        )
        Site.objects.filter(pk=deleted.pk).delete()

    assert dispatch().claimed == 0
    assert scheduled_runs(alpha) == []


def test_a_reactivated_site_is_scheduled_again(alpha):
    site = automated_site(alpha)
    with schema_context(alpha.schema):
        fields = {"name": site.name, "url": site.url, "industry": site.industry}
        site_update(site=site, language="en", is_active=False, **fields)
        assert next_run_for(site_id=site.pk) is None
        site_update(site=site, language="en", is_active=True, **fields)
        assert next_run_for(site_id=site.pk) > timezone.now()


def test_a_refused_start_still_books_the_next_time(alpha):
    """Nothing pending: the run is refused, and the site waits for its next slot (it is not
    tried again every minute)."""
    site = automated_site(alpha)
    with schema_context(alpha.schema):
        site.keywords.all().delete()
    make_due(alpha, site)

    assert dispatch().queued == 1
    assert scheduled_runs(alpha) == []
    assert dispatch().claimed == 0
    assert next_run_for(account=alpha.account, site_id=site.pk) > timezone.now()
