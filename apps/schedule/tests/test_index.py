"""The public index follows the automation settings, the sites and the workspace's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.services import account_timezone_set
from apps.schedule.models import SiteSchedule
from apps.schedule.selectors import next_run_for
from apps.schedule.services import schedule_remove, schedule_update
from apps.workspace.models import Site
from apps.workspace.services.workspace import site_update
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def config(site=None, **changes) -> SimpleNamespace:  # noqa: ANN001
    values = {"enabled": True, "frequency": "daily", "hour": 9, "weekday": 0, "day_of_month": 1}
    values.update(changes)
    return SimpleNamespace(site=site, **values)


def at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_update_creates_the_row_in_the_workspace_timezone(alpha, monkeypatch):
    site = make_site(alpha.account)
    account_timezone_set(account=alpha.account, timezone_name="Europe/Paris")
    at(monkeypatch, datetime(2025, 1, 15, 12, 0, tzinfo=UTC))
    with schema_context(alpha.schema):
        row = schedule_update(account=alpha.account, site_id=site.pk, config=config(site))
    assert row.next_run_at == datetime(2025, 1, 16, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    assert next_run_for(account=alpha.account, site_id=site.pk) == row.next_run_at
    # Called from inside the workspace, the account is the current schema's.
    with schema_context(alpha.schema):
        assert next_run_for(site_id=site.pk) == row.next_run_at


def test_switching_automation_off_removes_the_row(alpha):
    site = make_site(alpha.account)
    schedule_update(account=alpha.account, site_id=site.pk, config=config(site))
    assert (
        schedule_update(account=alpha.account, site_id=site.pk, config=config(site, enabled=False))
        is None
    )
    assert not SiteSchedule.objects.filter(account=alpha.account, site_id=site.pk).exists()
    schedule_update(account=alpha.account, site_id=site.pk, config=config(site))
    assert schedule_update(account=alpha.account, site_id=site.pk, config=None) is None
    assert next_run_for(account=alpha.account, site_id=site.pk) is None


def test_an_inactive_site_gets_no_row(alpha):
    site = make_site(alpha.account)
    site.is_active = False
    assert schedule_update(account=alpha.account, site_id=site.pk, config=config(site)) is None
    assert not SiteSchedule.objects.filter(site_id=site.pk, account=alpha.account).exists()


def test_schedule_change_recomputes_but_saving_the_same_keeps_a_due_time(alpha, monkeypatch):
    site = make_site(alpha.account)
    at(monkeypatch, datetime(2025, 6, 10, 8, 0, tzinfo=UTC))
    row = schedule_update(account=alpha.account, site_id=site.pk, config=config(site, hour=9))
    assert row.next_run_at == datetime(2025, 6, 10, 9, 0, tzinfo=UTC)
    # 09:00:20: due, not yet picked up by the dispatcher. Saving other settings keeps it due.
    at(monkeypatch, datetime(2025, 6, 10, 9, 0, 20, tzinfo=UTC))
    row = schedule_update(account=alpha.account, site_id=site.pk, config=config(site, hour=9))
    assert row.next_run_at == datetime(2025, 6, 10, 9, 0, tzinfo=UTC)
    # A new hour or frequency is a new schedule: from now on.
    row = schedule_update(account=alpha.account, site_id=site.pk, config=config(site, hour=8))
    assert row.next_run_at == datetime(2025, 6, 11, 8, 0, tzinfo=UTC)
    row = schedule_update(
        account=alpha.account,
        site_id=site.pk,
        config=config(site, hour=8, frequency="weekly", weekday=4),
    )
    assert row.next_run_at == datetime(2025, 6, 13, 8, 0, tzinfo=UTC)
    assert SiteSchedule.objects.filter(account=alpha.account, site_id=site.pk).count() == 1


def test_timezone_change_retimes_the_workspaces_rows_only(alpha, beta, monkeypatch):
    at(monkeypatch, datetime(2025, 1, 15, 12, 0, tzinfo=UTC))
    a, b = make_site(alpha.account), make_site(beta.account)
    schedule_update(account=alpha.account, site_id=a.pk, config=config(a, hour=9))
    schedule_update(account=beta.account, site_id=b.pk, config=config(b, hour=9))
    assert account_timezone_set(account=alpha.account, timezone_name="America/New_York") == 1
    alpha.account.refresh_from_db()
    assert alpha.account.timezone == "America/New_York"
    # 09:00 in New York on the 15th is 14:00 UTC, still ahead of noon UTC.
    assert next_run_for(account=alpha.account, site_id=a.pk) == datetime(
        2025, 1, 15, 14, 0, tzinfo=UTC
    )
    assert next_run_for(account=beta.account, site_id=b.pk) == datetime(
        2025, 1, 16, 9, 0, tzinfo=UTC
    )


def test_unknown_timezone_is_refused_in_words(alpha):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        account_timezone_set(account=alpha.account, timezone_name="Europe/Atlantis")
    assert "is not a timezone we know" in caught.value.message_dict["timezone"][0]
    alpha.account.refresh_from_db()
    assert alpha.account.timezone == "UTC"


def test_deactivating_a_site_removes_its_row(alpha):
    site = make_site(alpha.account)
    schedule_update(account=alpha.account, site_id=site.pk, config=config(site))
    with schema_context(alpha.schema):
        site = Site.objects.get(pk=site.pk)
        site_update(
            site=site,
            name=site.name,
            url=site.url,
            industry=site.industry,
            language=site.language,
            is_active=False,
        )
    assert not SiteSchedule.objects.filter(account=alpha.account, site_id=site.pk).exists()


def test_deleting_a_site_removes_its_row_and_no_other_workspaces(alpha, beta):
    """Beta has a site with the same id: its row stays."""
    site_id = 990_001
    for ws in (alpha, beta):
        with schema_context(ws.schema):
            Site.objects.create(
                pk=site_id, name=f"Same id {ws.schema}", url="https://x.example", industry_id=1
            )
        schedule_update(account=ws.account, site_id=site_id, config=config())
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site_id).delete()
    assert not SiteSchedule.objects.filter(account=alpha.account, site_id=site_id).exists()
    assert SiteSchedule.objects.filter(account=beta.account, site_id=site_id).exists()


def test_remove_is_scoped_to_the_workspace(alpha, beta):
    schedule_update(account=alpha.account, site_id=5, config=config())
    schedule_update(account=beta.account, site_id=5, config=config())
    assert schedule_remove(account=alpha.account, site_id=5) == 1
    assert SiteSchedule.objects.filter(account=beta.account, site_id=5).exists()


def test_rows_are_never_in_the_past_after_an_update(alpha):
    site = make_site(alpha.account)
    for hour in range(24):
        row = schedule_update(account=alpha.account, site_id=site.pk, config=config(hour=hour))
        assert timezone.now() < row.next_run_at <= timezone.now() + timedelta(days=1)
