"""Billing in the platform admin: plans and costs are data; credits move only through services."""

from __future__ import annotations

import pytest
from django.db.models import F

from apps.accounts import provisioning
from apps.billing import credits
from apps.billing.models import (
    CreditBalance,
    CreditCost,
    CreditLedger,
    LedgerKind,
    Plan,
    Pool,
    Subscription,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ADMIN = "/admin/billing"


@pytest.fixture
def staff(workspaces):
    return make_user(is_staff=True, is_superuser=True)


@pytest.fixture
def balance(alpha) -> CreditBalance:
    return credits.balance_for(alpha.account)


def ledger_count(account) -> int:
    return CreditLedger.objects.filter(account=account).count()


@pytest.mark.parametrize(
    "model",
    [
        "plan",
        "creditcost",
        "creditpack",
        "subscription",
        "creditbalance",
        "creditledger",
        "reservation",
        "invoice",
        "payment",
        "stripeevent",
    ],
)
def test_staff_open_every_billing_list_on_the_public_host(model, alpha, staff, client_for):
    assert client_for(staff).get(f"{ADMIN}/{model}/").status_code == 200


@pytest.mark.parametrize("path", ["/plan/", "/creditbalance/", "/creditledger/"])
def test_members_who_are_not_staff_are_sent_to_the_admin_login(path, alpha, client_for):
    response = client_for(alpha.owner).get(f"{ADMIN}{path}")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# Plans, costs and packs are editable data -------------------------------------------------


def test_staff_edit_a_plan(staff, client_for):
    plan = Plan.objects.get(slug="starter")
    response = client_for(staff).post(
        f"{ADMIN}/plan/{plan.pk}/change/",
        {
            "name": plan.name,
            "slug": plan.slug,
            "monthly_price": "59.00",
            "stripe_price_id": "price_starter",
            "monthly_credits": 1500,
            "max_sites": 4,
            "max_users": plan.max_users,
            "max_keywords": plan.max_keywords,
            "max_sectors_per_site": plan.max_sectors_per_site,
            "is_active": "on",
            "is_public": "on",
            "sort_order": plan.sort_order,
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (str(plan.monthly_price), plan.monthly_credits, plan.max_sites) == ("59.00", 1500, 4)


def test_staff_change_credit_costs_in_the_list(staff, client_for):
    costs = list(CreditCost.objects.all())
    data = {
        "form-TOTAL_FORMS": str(len(costs)),
        "form-INITIAL_FORMS": str(len(costs)),
        "_save": "Save",
    }
    for i, cost in enumerate(costs):
        data |= {
            f"form-{i}-id": str(cost.pk),
            f"form-{i}-unit": cost.unit,
            f"form-{i}-credits_per_unit": str(cost.credits_per_unit),
            f"form-{i}-minimum": str(cost.minimum),
        }
    target = next(i for i, c in enumerate(costs) if c.operation == "optimization")
    data[f"form-{target}-credits_per_unit"] = "7"

    response = client_for(staff).post(f"{ADMIN}/creditcost/", data)

    assert response.status_code == 302
    assert credits.estimate("optimization", 1) == 7


def test_a_bad_credit_cost_is_refused(staff, client_for):
    cost = CreditCost.objects.get(operation="optimization")
    response = client_for(staff).post(
        f"{ADMIN}/creditcost/{cost.pk}/change/",
        {
            "operation": cost.operation,
            "label": cost.label,
            "unit": "per_fortnight",
            "credits_per_unit": "-1",
            "minimum": "0",
            "description": "",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    cost.refresh_from_db()
    assert cost.unit == "per_request"


# Subscriptions: plans are assigned through plan_assign ------------------------------------


def test_staff_assign_a_plan_with_the_list_action(alpha, staff, client_for):
    subscription = Subscription.objects.get(account=alpha.account)
    growth = Plan.objects.get(slug="growth")
    response = client_for(staff).post(
        f"{ADMIN}/subscription/",
        {"action": "assign_plan", "_selected_action": [subscription.pk], "plan": growth.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "moved to Growth" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.plan == growth
    # The plan pool is reset to the new grant by a ledger row, never by editing the balance.
    assert credits.balance_for(alpha.account).plan_credits == growth.monthly_credits
    last = CreditLedger.objects.filter(account=alpha.account).first()
    assert (last.kind, last.balance_after) == (LedgerKind.RESET, growth.monthly_credits)
    assert staff.email in last.reference
    assert credits.reconcile(alpha.account).ok


def test_the_assign_action_without_a_plan_changes_nothing(alpha, staff, client_for):
    subscription = Subscription.objects.get(account=alpha.account)
    rows = ledger_count(alpha.account)
    response = client_for(staff).post(
        f"{ADMIN}/subscription/",
        {"action": "assign_plan", "_selected_action": [subscription.pk], "plan": ""},
        follow=True,
    )
    assert "Choose a plan to assign" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.plan.slug == "scale"
    assert ledger_count(alpha.account) == rows


def test_staff_assign_a_plan_on_the_change_form(alpha, staff, client_for):
    subscription = Subscription.objects.get(account=alpha.account)
    starter = Plan.objects.get(slug="starter")
    response = client_for(staff).post(
        f"{ADMIN}/subscription/{subscription.pk}/change/", {"plan": starter.pk}
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.plan == starter
    assert credits.balance_for(alpha.account).plan_credits == starter.monthly_credits
    assert credits.reconcile(alpha.account).ok


def test_subscriptions_are_not_added_or_deleted_in_the_admin(alpha, staff, client_for):
    subscription = Subscription.objects.get(account=alpha.account)
    client = client_for(staff)
    assert client.get(f"{ADMIN}/subscription/add/").status_code == 403
    assert client.post(f"{ADMIN}/subscription/{subscription.pk}/delete/").status_code == 403
    assert Subscription.objects.filter(pk=subscription.pk).exists()


# Balances: read-only, changed with the adjust form ----------------------------------------


def test_staff_adjust_credits_with_a_note(alpha, balance, staff, client_for):
    rows = ledger_count(alpha.account)
    client = client_for(staff)
    page = client.get(f"{ADMIN}/creditbalance/{balance.pk}/adjust/")
    assert page.status_code == 200
    assert "Adjust credits" in page.content.decode()

    response = client.post(
        f"{ADMIN}/creditbalance/{balance.pk}/adjust/",
        {"pool": Pool.BONUS, "delta": "250", "note": "Sorry for the outage on 3 May"},
        follow=True,
    )

    assert response.status_code == 200
    assert "+250 bonus credits for Alpha Inc." in response.content.decode()
    assert ledger_count(alpha.account) == rows + 1
    row = CreditLedger.objects.filter(account=alpha.account).first()
    assert (row.kind, row.pool, row.delta) == (LedgerKind.ADJUSTMENT, Pool.BONUS, 250)
    assert (row.actor, row.note) == (staff, "Sorry for the outage on 3 May")
    assert credits.balance_for(alpha.account).bonus_credits == balance.bonus_credits + 250
    assert credits.reconcile(alpha.account).ok


@pytest.mark.parametrize("note", ["", "   "])
def test_an_adjustment_without_a_note_is_refused(note, alpha, balance, staff, client_for):
    rows = ledger_count(alpha.account)
    response = client_for(staff).post(
        f"{ADMIN}/creditbalance/{balance.pk}/adjust/",
        {"pool": Pool.PLAN, "delta": "100", "note": note},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "an adjustment needs a note" in html and "Nothing changed" in html
    assert ledger_count(alpha.account) == rows
    assert credits.balance_for(alpha.account).plan_credits == balance.plan_credits


def test_an_adjustment_below_zero_is_refused(alpha, balance, staff, client_for):
    rows = ledger_count(alpha.account)
    response = client_for(staff).post(
        f"{ADMIN}/creditbalance/{balance.pk}/adjust/",
        {"pool": Pool.PLAN, "delta": str(-(balance.plan_credits + 1)), "note": "Chargeback"},
    )
    assert response.status_code == 200
    assert "below zero" in response.content.decode()
    assert ledger_count(alpha.account) == rows


def test_an_adjustment_that_is_not_a_number_is_refused(alpha, balance, staff, client_for):
    rows = ledger_count(alpha.account)
    response = client_for(staff).post(
        f"{ADMIN}/creditbalance/{balance.pk}/adjust/",
        {"pool": Pool.PLAN, "delta": "lots", "note": "Gift"},
    )
    assert response.status_code == 200
    assert "Enter a whole number" in response.content.decode()
    assert ledger_count(alpha.account) == rows


def test_non_staff_cannot_adjust(alpha, balance, client_for):
    rows = ledger_count(alpha.account)
    response = client_for(alpha.owner).post(
        f"{ADMIN}/creditbalance/{balance.pk}/adjust/",
        {"pool": Pool.PLAN, "delta": "100", "note": "Me, generous"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert ledger_count(alpha.account) == rows


def test_staff_without_the_permission_cannot_adjust(alpha, balance, client_for):
    clerk = make_user(is_staff=True)  # staff, but no billing permissions
    rows = ledger_count(alpha.account)
    response = client_for(clerk).post(
        f"{ADMIN}/creditbalance/{balance.pk}/adjust/",
        {"pool": Pool.PLAN, "delta": "100", "note": "Me, generous"},
    )
    assert response.status_code == 403
    assert ledger_count(alpha.account) == rows


def test_a_balance_cannot_be_edited_directly(alpha, balance, staff, client_for):
    client = client_for(staff)
    page = client.get(f"{ADMIN}/creditbalance/{balance.pk}/change/")
    assert page.status_code == 200  # shown read-only, with the way to adjust
    assert f"{ADMIN}/creditbalance/{balance.pk}/adjust/" in page.content.decode()
    response = client.post(
        f"{ADMIN}/creditbalance/{balance.pk}/change/",
        {"plan_credits": "999999", "bonus_credits": "999999"},
    )
    assert response.status_code == 403
    assert client.get(f"{ADMIN}/creditbalance/add/").status_code == 403
    assert credits.balance_for(alpha.account).plan_credits == balance.plan_credits


def test_reconcile_action_says_ok_or_names_the_mismatch(alpha, beta, staff, client_for):
    client = client_for(staff)
    balances = [credits.balance_for(alpha.account).pk, credits.balance_for(beta.account).pk]
    action = {"action": "reconcile_balances", "_selected_action": balances}

    ok = client.post(f"{ADMIN}/creditbalance/", action, follow=True).content.decode()
    assert "OK: 2 balance(s) match the ledger." in ok

    CreditBalance.objects.filter(account=beta.account).update(plan_credits=F("plan_credits") + 5)
    bad = client.post(f"{ADMIN}/creditbalance/", action, follow=True).content.decode()
    assert "Beta Inc.: mismatch." in bad
    assert "Alpha Inc.: mismatch" not in bad and "OK:" not in bad


# The ledger: look, filter, search; never add, change or delete -----------------------------


@pytest.fixture
def adjusted(alpha, beta, staff):
    credits.adjust(account=alpha.account, pool=Pool.BONUS, delta=11, actor=staff, note="Alpha gift")
    credits.adjust(account=beta.account, pool=Pool.BONUS, delta=12, actor=staff, note="Beta gift")


def test_the_ledger_filters_by_kind_and_pool(adjusted, staff, client_for):
    client = client_for(staff)
    html = client.get(f"{ADMIN}/creditledger/", {"kind__exact": "adjustment"}).content.decode()
    assert "Alpha gift" in html and "Beta gift" in html
    assert 'field-kind">Adjustment<' in html and 'field-kind">Reset<' not in html
    html = client.get(f"{ADMIN}/creditledger/", {"pool__exact": "plan"}).content.decode()
    assert 'field-kind">Reset<' in html  # the scale plan's credits, set when alpha got it
    assert "Alpha gift" not in html


def test_the_ledger_is_searchable_by_account(adjusted, staff, client_for):
    html = client_for(staff).get(f"{ADMIN}/creditledger/", {"q": "beta"}).content.decode()
    assert "Beta gift" in html and "Alpha gift" not in html


def test_ledger_rows_cannot_be_added_changed_or_deleted(alpha, adjusted, staff, client_for):
    client = client_for(staff)
    row = CreditLedger.objects.filter(account=alpha.account).first()
    rows = ledger_count(alpha.account)

    assert client.get(f"{ADMIN}/creditledger/add/").status_code == 403
    assert client.post(f"{ADMIN}/creditledger/add/", {"delta": "5"}).status_code == 403
    changed = client.post(
        f"{ADMIN}/creditledger/{row.pk}/change/", {"delta": "5000", "note": "edited"}
    )
    assert changed.status_code == 403
    assert client.get(f"{ADMIN}/creditledger/{row.pk}/delete/").status_code == 403
    assert client.post(f"{ADMIN}/creditledger/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        f"{ADMIN}/creditledger/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)  # the admin offers no such action: nothing happens

    fresh = CreditLedger.objects.get(pk=row.pk)
    assert (fresh.delta, fresh.note) == (11, "Alpha gift")
    assert ledger_count(alpha.account) == rows


def test_deleting_a_workspace_in_the_admin_takes_its_billing_rows_along(staff, client_for):
    account = provisioning.workspace_create(name="Short Lived", slug="short-lived", owner=None)
    credits.reserve(account=account, operation="optimization", units=1, key="short-lived")
    assert CreditLedger.objects.filter(account=account).exists()

    response = client_for(staff).post(
        f"/admin/accounts/account/{account.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not CreditLedger.objects.filter(account_id=account.pk).exists()
    assert not Subscription.objects.filter(account_id=account.pk).exists()


@pytest.mark.parametrize("model", ["reservation", "invoice", "payment", "stripeevent"])
def test_stripe_mirrors_and_reservations_are_read_only(model, staff, client_for):
    assert client_for(staff).get(f"{ADMIN}/{model}/add/").status_code == 403
