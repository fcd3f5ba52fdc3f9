"""Plan state: past due within grace still writes; lapsed reads but gets 402 on writes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Account
from apps.billing import credits, plans
from apps.billing.errors import AccountLapsed
from apps.billing.models import Plan, Reservation, Subscription, SubscriptionStatus
from apps.workspace.models import Site
from tests.factories import industry_with_sectors, make_user

pytestmark = pytest.mark.django_db


def set_subscription(account: Account, **fields) -> Subscription:
    Subscription.objects.filter(account=account).update(**fields)
    return Subscription.objects.select_related("plan").get(account=account)


def past_due(account: Account, *, grace_left: timedelta) -> Subscription:
    return set_subscription(
        account,
        status=SubscriptionStatus.PAST_DUE,
        grace_period_end=timezone.now() + grace_left,
    )


def canceled(account: Account, *, period_left: timedelta, plan: str = "scale") -> Subscription:
    return set_subscription(
        account,
        plan=Plan.objects.get(slug=plan),
        status=SubscriptionStatus.CANCELED,
        current_period_end=timezone.now() + period_left,
    )


def site_form(name: str) -> dict[str, str]:
    return {
        "name": name,
        "url": "https://example.com",
        "industry": str(industry_with_sectors().pk),
        "language": "en",
    }


def site_exists(account: Account, name: str) -> bool:
    with schema_context(account.schema_name):
        return Site.objects.filter(name=name).exists()


# Past due within the grace period ----------------------------------------------------------


def test_past_due_within_grace_still_writes_with_a_warning(alpha, client_for):
    subscription = past_due(alpha.account, grace_left=timedelta(days=3))

    state = plans.account_plan_state(alpha.account)
    assert state.can_write
    assert state.code == "past_due"
    assert "payment failed" in state.message
    assert f"{subscription.grace_period_end:%d %B}" in state.message

    response = client_for(alpha.owner, alpha.host).post("/sites/new/", site_form("Grace Blog"))
    assert response.status_code == 303
    assert site_exists(alpha.account, "Grace Blog")

    # Every page carries the warning, not only the billing page.
    page = client_for(alpha.owner, alpha.host).get("/sites/").content.decode()
    assert 'data-plan-state="past_due"' in page
    assert "Your last payment failed" in page


def test_past_due_without_a_grace_date_still_works(alpha, client_for):
    # A payment failure recorded without a deadline (say, by hand) must not break the pages.
    set_subscription(alpha.account, status=SubscriptionStatus.PAST_DUE, grace_period_end=None)
    state = plans.account_plan_state(alpha.account)
    assert (state.can_write, state.code) == (True, "past_due")
    assert "payment failed" in state.message
    assert client_for(alpha.owner, alpha.host).get("/sites/").status_code == 200


def test_past_due_within_grace_can_still_spend_credits(alpha):
    past_due(alpha.account, grace_left=timedelta(hours=1))
    reservation = credits.reserve(
        account=alpha.account, operation="optimization", units=1, key="grace-spend"
    )
    assert reservation.pk is not None


# Lapsed --------------------------------------------------------------------------------------


@pytest.fixture
def lapsed(alpha) -> Subscription:
    """alpha's payment failed and the grace period ended an hour ago."""
    return past_due(alpha.account, grace_left=-timedelta(hours=1))


def test_past_grace_the_account_is_lapsed(alpha, lapsed):
    assert plans.is_lapsed(lapsed)
    state = plans.account_plan_state(alpha.account)
    assert not state.can_write
    assert state.code == "account_lapsed"


def test_a_lapsed_workspace_cannot_add_a_site(alpha, lapsed, client_for):
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", site_form("Lapsed Blog"))
    assert response.status_code == 402
    html = response.content.decode()
    assert 'data-error-code="account_lapsed"' in html
    assert 'href="/billing/"' in html and "Go to billing" in html
    assert "subscription has lapsed" in html
    assert not site_exists(alpha.account, "Lapsed Blog")


def test_a_lapsed_workspace_answers_json_clients_with_the_envelope(alpha, lapsed, client_for):
    response = client_for(alpha.owner, alpha.host).post(
        "/sites/new/", site_form("Lapsed Blog"), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 402
    body = json.loads(response.content)
    assert (body["success"], body["error"]["code"]) == (False, "account_lapsed")
    assert not site_exists(alpha.account, "Lapsed Blog")


@pytest.mark.parametrize("path", ["/", "/sites/", "/sites/new/", "/team/"])
def test_a_lapsed_workspace_can_still_be_read(path, alpha, lapsed, client_for):
    response = client_for(alpha.owner, alpha.host).get(path)
    assert response.status_code == 200
    assert "subscription has lapsed" in response.content.decode()  # the banner says why


def test_a_lapsed_workspace_cannot_reserve_credits(alpha, lapsed):
    with pytest.raises(AccountLapsed) as refused:
        credits.reserve(account=alpha.account, operation="optimization", units=1, key="lapsed")
    assert (refused.value.status, refused.value.code) == (402, "account_lapsed")
    assert refused.value.action_url == "/billing/"
    assert not Reservation.objects.filter(key="lapsed").exists()


@pytest.mark.parametrize("path", ["/billing/", "/billing/checkout/plan/starter/"])
def test_billing_stays_open_to_a_lapsed_workspace(path, alpha, lapsed, client_for):
    # Paying is how a lapsed workspace comes back: the plan-state gate lets billing posts
    # through (the page itself answers as it sees fit, but never with the 402).
    response = client_for(alpha.owner, alpha.host).post(path)
    assert response.status_code != 402


def test_staff_can_still_change_a_lapsed_workspace(alpha, lapsed, client_for):
    staff = make_user(is_staff=True)
    response = client_for(staff, alpha.host).post("/sites/new/", site_form("Staff Blog"))
    assert response.status_code == 303
    assert site_exists(alpha.account, "Staff Blog")


def test_assigning_a_plan_brings_a_lapsed_workspace_back(alpha, lapsed, client_for):
    plans.plan_assign(account=alpha.account, plan=Plan.objects.get(slug="scale"))
    assert plans.account_plan_state(alpha.account).can_write
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", site_form("Back Blog"))
    assert response.status_code == 303


# Canceled ----------------------------------------------------------------------------------


def test_a_canceled_paid_plan_lapses_when_its_period_ends(alpha, client_for):
    canceled(alpha.account, period_left=-timedelta(minutes=5))
    assert not plans.account_plan_state(alpha.account).can_write
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", site_form("Gone Blog"))
    assert response.status_code == 402
    assert not site_exists(alpha.account, "Gone Blog")


def test_a_canceled_paid_plan_writes_until_its_period_ends(alpha, client_for):
    canceled(alpha.account, period_left=timedelta(days=10))
    assert plans.account_plan_state(alpha.account).can_write
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", site_form("Still Blog"))
    assert response.status_code == 303


def test_a_canceled_free_plan_never_lapses(alpha):
    subscription = canceled(alpha.account, period_left=-timedelta(days=40), plan="free")
    assert not plans.is_lapsed(subscription)
    assert plans.account_plan_state(alpha.account).can_write


def test_an_inactive_account_is_read_only(alpha, client_for):
    Account.objects.filter(pk=alpha.account.pk).update(is_active=False)
    paused = Account.objects.get(pk=alpha.account.pk)  # not alpha.account: it outlives the test
    with pytest.raises(AccountLapsed):
        credits.reserve(account=paused, operation="optimization", units=1, key="paused")
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", site_form("Paused Blog"))
    assert response.status_code == 402
    assert 'data-error-code="account_inactive"' in response.content.decode()
