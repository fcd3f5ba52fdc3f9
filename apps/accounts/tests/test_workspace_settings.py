"""The workspace's general settings: its timezone, set by owners and admins only; new
workspaces start in the browser's timezone."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.accounts.models import Account
from apps.accounts.tests.conftest import signup_data
from apps.schedule.models import SiteSchedule
from apps.schedule.services import schedule_update
from tests.factories import make_site

pytestmark = pytest.mark.django_db

URL = "/settings/"
ROLE_REFUSAL = "Only an owner or admin can do this."


def text(response) -> str:  # noqa: ANN001
    return html.unescape(response.content.decode())


def zone_of(ws) -> str:  # noqa: ANN001
    return Account.objects.get(pk=ws.account.pk).timezone


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owner_and_admin_see_and_change_the_timezone(alpha, admin, client_for, who):
    client = client_for(alpha.owner if who == "owner" else admin, alpha.host)

    page = client.get(URL)
    assert page.status_code == 200
    body = text(page)
    assert "Workspace settings" in body and 'value="UTC"' in body
    assert '<option value="Europe/Paris">' in body  # the picker's list
    assert 'aria-current="page">General</a>' in body

    saved = client.post(URL, {"timezone": "Europe/Paris"})
    assert saved.status_code == 303
    assert zone_of(alpha) == "Europe/Paris"
    after = text(client.get(saved["Location"]))
    assert "This workspace’s timezone is Europe/Paris" in after
    assert 'value="Europe/Paris"' in after


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editor_and_viewer_are_refused(alpha, viewer, client_for, who):
    client = client_for(alpha.editor if who == "editor" else viewer, alpha.host)
    for response in (client.get(URL), client.post(URL, {"timezone": "Asia/Tokyo"})):
        assert response.status_code == 403
        assert ROLE_REFUSAL in text(response)
    assert zone_of(alpha) == "UTC"
    assert 'href="/settings/"' not in text(client.get("/"))  # no way there in the nav


def test_outsider_is_refused(alpha, outsider, client_for):
    client = client_for(outsider, alpha.host)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"timezone": "Asia/Tokyo"}).status_code == 403
    assert zone_of(alpha) == "UTC"


def test_anonymous_is_sent_to_login(alpha, client_for):
    response = client_for(None, alpha.host).get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("typed", ["Europe/Atlantis", "GMT+25", "Paris, France"])
def test_unknown_zone_is_refused_and_the_typed_value_kept(alpha, client_for, typed):
    response = client_for(alpha.owner, alpha.host).post(URL, {"timezone": typed})
    assert response.status_code == 400
    body = text(response)
    assert f"“{typed}” is not a timezone we know." in body
    assert "such as “Europe/Paris” or “America/New_York”" in body
    assert f'value="{typed}"' in body
    assert zone_of(alpha) == "UTC"


def test_empty_zone_is_refused(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).post(URL, {"timezone": "  "})
    assert response.status_code == 400
    assert "This field is required." in text(response)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("paris", "Europe/Paris"), ("New York", "America/New_York"), ("utc", "UTC")],
)
def test_a_city_or_other_case_is_understood(alpha, client_for, typed, stored):
    response = client_for(alpha.owner, alpha.host).post(URL, {"timezone": typed})
    assert response.status_code == 303
    assert zone_of(alpha) == stored


def test_changing_the_zone_retimes_scheduled_sites(alpha, client_for, monkeypatch):
    site = make_site(alpha.account)
    monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 1, 15, 12, 0, tzinfo=UTC))
    config = SimpleNamespace(enabled=True, frequency="daily", hour=9, weekday=0, day_of_month=1)
    schedule_update(account=alpha.account, site_id=site.pk, config=config)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(URL, {"timezone": "Asia/Tokyo"})

    # 09:00 in Tokyo is 00:00 UTC.
    row = SiteSchedule.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_run_at == datetime(2025, 1, 16, 0, 0, tzinfo=UTC)
    assert "1 scheduled site now runs on its clock." in text(client.get(response["Location"]))


def test_the_settings_link_leads_to_the_general_tab(alpha, client_for):
    body = text(client_for(alpha.owner, alpha.host).get("/"))
    assert '<a href="/settings/" ' in body


# --- a new workspace starts in the browser's timezone ----------------------------------------


def test_signup_takes_the_browsers_timezone(workspaces, client_for):
    response = client_for(None).post("/accounts/signup/", signup_data(timezone="America/Sao_Paulo"))
    assert response.status_code == 302
    assert Account.objects.get(slug="acme-co").timezone == "America/Sao_Paulo"


@pytest.mark.parametrize("sent", ["", "Not/AZone"])
def test_signup_without_a_known_timezone_starts_in_utc(workspaces, client_for, sent):
    response = client_for(None).post("/accounts/signup/", signup_data(timezone=sent))
    assert response.status_code == 302
    assert Account.objects.get(slug="acme-co").timezone == "UTC"


def test_the_signup_form_carries_the_field_the_browser_fills(workspaces, client_for):
    body = client_for(None).get("/accounts/signup/").content.decode()
    assert 'type="hidden" name="timezone"' in body and "data-browser-timezone" in body


def test_another_workspace_takes_the_browsers_timezone(alpha, client_for):
    client = client_for(alpha.owner)
    assert "data-browser-timezone" in client.get("/workspaces/new/").content.decode()
    response = client.post(
        "/workspaces/new/",
        {"workspace_name": "Tokyo Shop", "workspace_slug": "tokyo-shop", "timezone": "Asia/Tokyo"},
    )
    assert response.status_code == 303
    assert Account.objects.get(slug="tokyo-shop").timezone == "Asia/Tokyo"


def test_the_page_tells_the_time_in_the_workspaces_zone(alpha, client_for, monkeypatch):
    Account.objects.filter(pk=alpha.account.pk).update(timezone="Asia/Tokyo")
    monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 1, 15, 12, 0, tzinfo=UTC))
    body = text(client_for(alpha.owner, alpha.host).get(URL))
    assert "In Asia/Tokyo it is now <strong>21:00</strong> on Wednesday 15 January." in body
