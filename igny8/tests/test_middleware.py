"""Request id, resource tracking for staff, the plan-state hook (402) and flash messages over
HTMX, as a browser or API client sees them."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import Account
from apps.catalog.models import Industry
from apps.workspace.models import Site

pytestmark = pytest.mark.django_db

TRACKING_HEADERS = ("X-Server-Time-Ms", "X-SQL-Queries", "X-SQL-Time-Ms", "X-Memory-Peak-KB")
PAUSED = "This workspace is paused"


# --- request id ---------------------------------------------------------------------------


def test_sane_request_id_is_echoed_back(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/", HTTP_X_REQUEST_ID="trace-0042.abc_DEF")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "trace-0042.abc_DEF"


@pytest.mark.parametrize(
    "incoming",
    ["", "short", "has spaces in it", "<script>alert(1)</script>", "x" * 65, "abcdefgh\n"],
)
def test_missing_or_garbage_request_id_is_replaced(alpha, client_for, incoming):
    response = client_for(alpha.owner, alpha.host).get("/", HTTP_X_REQUEST_ID=incoming)
    assert response.status_code == 200
    generated = response["X-Request-ID"]
    assert generated != incoming
    assert len(generated) == 32 and generated.isalnum()


def test_refusals_carry_the_request_id_too(alpha, outsider, client_for):
    response = client_for(outsider, alpha.host).get("/", HTTP_X_REQUEST_ID="refused-request-1")
    assert response.status_code == 403
    assert response["X-Request-ID"] == "refused-request-1"


def test_each_request_gets_its_own_id(workspaces, client_for):
    client = client_for(None)
    first, second = client.get("/"), client.get("/")
    assert first["X-Request-ID"] != second["X-Request-ID"]


# --- resource tracking --------------------------------------------------------------------


def test_staff_who_ask_see_time_sql_and_memory(alpha, staff, client_for):
    response = client_for(staff, alpha.host).get("/sites/", HTTP_X_RESOURCE_TRACKING="1")
    assert response.status_code == 200
    assert float(response["X-Server-Time-Ms"]) > 0
    assert int(response["X-SQL-Queries"]) > 0
    assert float(response["X-SQL-Time-Ms"]) >= 0
    assert int(response["X-Memory-Peak-KB"]) >= 0


def test_staff_who_do_not_ask_see_no_tracking(alpha, staff, client_for):
    response = client_for(staff, alpha.host).get("/sites/")
    assert response.status_code == 200
    assert not any(header in response for header in TRACKING_HEADERS)


@pytest.mark.parametrize("who", ["owner", "editor", "anonymous"])
def test_non_staff_never_see_tracking(alpha, client_for, who):
    user = {"owner": alpha.owner, "editor": alpha.editor, "anonymous": None}[who]
    response = client_for(user, alpha.host).get("/", HTTP_X_RESOURCE_TRACKING="1")
    assert response.status_code in (200, 302)
    assert not any(header in response for header in TRACKING_HEADERS)


# --- plan state (402) ---------------------------------------------------------------------


@pytest.fixture
def paused(alpha):
    Account.objects.filter(pk=alpha.account.pk).update(is_active=False)
    return alpha


def _site_form(name: str) -> dict:
    return {
        "name": name,
        "url": "https://paused.example.com",
        "industry": Industry.objects.filter(is_active=True).order_by("pk")[0].pk,
        "language": "en",
        "is_active": "on",
    }


def _site_exists(alpha, name: str) -> bool:
    with schema_context(alpha.schema):
        return Site.objects.filter(name=name).exists()


def test_paused_workspace_refuses_a_write_with_402_page(paused, client_for):
    response = client_for(paused.owner, paused.host).post("/sites/new/", _site_form("Paused Co"))
    assert response.status_code == 402
    body = response.content.decode()
    assert "Payment required" in body
    assert PAUSED in body
    assert "Contact support to reactivate it" in body
    assert 'href="/billing/"' in body
    assert not _site_exists(paused, "Paused Co")


def test_paused_workspace_refuses_a_json_write_with_the_envelope(paused, client_for):
    response = client_for(paused.owner, paused.host).post(
        "/sites/new/",
        _site_form("Paused Co"),
        HTTP_ACCEPT="application/json",
        HTTP_X_REQUEST_ID="paused-request-1",
    )
    assert response.status_code == 402
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == "account_inactive"
    assert body["error"]["message"].startswith(PAUSED)
    assert body["error"]["fields"] == {}
    assert body["request_id"] == "paused-request-1"
    assert "data" not in body
    assert not _site_exists(paused, "Paused Co")


def test_paused_workspace_refuses_an_htmx_write_with_a_notice(paused, client_for):
    response = client_for(paused.owner, paused.host).post(
        "/sites/new/", _site_form("Paused Co"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 402
    body = response.content.decode()
    assert PAUSED in body
    assert "<html" not in body
    assert response["HX-Retarget"] == "#messages"
    assert not _site_exists(paused, "Paused Co")


def test_paused_workspace_can_still_be_read_and_says_it_is_paused(paused, client_for):
    response = client_for(paused.owner, paused.host).get("/sites/")
    assert response.status_code == 200
    assert PAUSED in response.content.decode()


def test_active_workspace_shows_no_paused_banner(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/sites/")
    assert response.status_code == 200
    assert PAUSED not in response.content.decode()


def test_staff_may_write_in_a_paused_workspace(paused, staff, client_for):
    response = client_for(staff, paused.host).post("/sites/new/", _site_form("Staff Fix"))
    assert response.status_code == 303
    assert _site_exists(paused, "Staff Fix")


def test_active_workspace_accepts_the_same_write(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", _site_form("Active Co"))
    assert response.status_code == 303
    assert _site_exists(alpha, "Active Co")


# --- flash messages over HTMX -------------------------------------------------------------


def test_htmx_response_carries_flash_messages_out_of_band(alpha, client_for, test_urls):
    response = client_for(alpha.owner, alpha.host).get(
        "/_test/flash/", {"text": "Keywords imported."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<p id="fragment">fragment</p>')
    # Into the message area, which stays (a replaced live region is not announced).
    assert '<div id="messages" aria-live="polite" hx-swap-oob="innerHTML">' in body
    assert "Keywords imported." in body


def test_flash_messages_are_shown_once(alpha, client_for, test_urls):
    client = client_for(alpha.owner, alpha.host)
    client.get("/_test/flash/", {"text": "Only once."}, HTTP_HX_REQUEST="true")
    again = client.get("/_test/flash/?text=x", HTTP_HX_REQUEST="true").content.decode()
    assert "Only once." not in again


def test_plain_request_gets_no_out_of_band_swap(alpha, client_for, test_urls):
    client = client_for(alpha.owner, alpha.host)
    response = client.get("/_test/flash/", {"text": "Saved plainly."})
    assert "hx-swap-oob" not in response.content.decode()
    # The message waits for the next full page.
    assert "Saved plainly." in client.get("/sites/").content.decode()


def test_htmx_full_page_does_not_repeat_messages(alpha, client_for, test_urls):
    client = client_for(alpha.owner, alpha.host)
    client.get("/_test/flash/", {"text": "Shown in the page."})
    body = client.get("/sites/", HTTP_HX_REQUEST="true").content.decode()
    assert body.count("Shown in the page.") == 1
    assert body.count('id="messages"') == 1


def test_htmx_redirect_leaves_messages_for_the_next_page(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    response = client.post("/sites/new/", _site_form("Htmx Site"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/sites/")
    assert "hx-swap-oob" not in response.content.decode()
    assert "Site “Htmx Site” added" in client.get(response["HX-Redirect"]).content.decode()
