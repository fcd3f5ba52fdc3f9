"""The Stripe webhook on the public host: signed events posted to /stripe/webhook/, the real
stripe client asking a local fake Stripe for subscriptions, and the account's plan, status,
credits and billing history afterwards — including every event replayed and shuffled."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from apps.accounts import provisioning
from apps.billing import credits, plans
from apps.billing.errors import PlanLimitError
from apps.billing.models import (
    CreditLedger,
    CreditPack,
    Invoice,
    LedgerKind,
    Payment,
    Plan,
    StripeEvent,
    Subscription,
    SubscriptionStatus,
)
from apps.billing.tests import fake_stripe as fs
from tests.factories import make_user
from tests.fixtures import PUBLIC_HOST

DAY = 86400
URL = "/stripe/webhook/"
CUSTOMER, SUB = "cus_shop", "sub_shop"
# Two monthly periods that are over by now, so the subscription can end at the second's end.
BASE = int(time.time()) - 70 * DAY
P1 = (BASE, BASE + 30 * DAY)
P2 = (BASE + 30 * DAY, BASE + 60 * DAY)


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


@pytest.fixture
def stripe_env(settings):
    with fs.FakeStripe() as fake:
        settings.STRIPE_SECRET_KEY = fake.api_key
        settings.STRIPE_API_BASE = fake.base_url
        settings.STRIPE_WEBHOOK_SECRET = fs.WEBHOOK_SECRET
        yield fake


@pytest.fixture
def shop(workspaces, db, stripe_env):
    """A new Free workspace; Starter and Growth and one credit pack have Stripe prices."""
    account = provisioning.workspace_create(
        name="Shop", slug="webhook-shop", owner=make_user("owner@webhook-shop.test")
    )
    Plan.objects.filter(slug="starter").update(stripe_price_id="price_starter")
    Plan.objects.filter(slug="growth").update(stripe_price_id="price_growth")
    CreditPack.objects.filter(pk=CreditPack.objects.filter(is_active=True).first().pk).update(
        stripe_price_id="price_pack"
    )
    return account


@pytest.fixture
def stripe_client():
    return Client(HTTP_HOST=PUBLIC_HOST)


def post(client: Client, event: dict, *, signature: str | None = None, body: str | None = None):
    payload = json.dumps(event) if body is None else body
    return client.post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=fs.sign(json.dumps(event)) if signature is None else signature,
    )


def deliver(client: Client, event: dict) -> str:
    response = post(client, event)
    assert response.status_code == 200, response.content
    return response.json()["outcome"]


def sub_row(account) -> Subscription:
    return Subscription.objects.select_related("plan").get(account=account)


def plan(slug: str) -> Plan:
    return Plan.objects.get(slug=slug)


def pack() -> CreditPack:
    return CreditPack.objects.get(stripe_price_id="price_pack")


def on_plan(account, slug: str, *, period=P1, state_at: int | None = None, **extra) -> None:
    """Put the account where earlier Stripe events would have left it."""
    Subscription.objects.filter(account=account).update(
        plan=plan(slug),
        status=extra.pop("status", SubscriptionStatus.ACTIVE),
        stripe_customer_id=CUSTOMER,
        stripe_subscription_id=SUB,
        current_period_start=at(period[0]),
        current_period_end=at(period[1]),
        stripe_state_at=at(period[0] if state_at is None else state_at),
        **extra,
    )


# --- events built like Stripe's ------------------------------------------------------------


def checkout_plan(account, created: int, slug: str = "starter") -> dict:
    session = fs.checkout_session(
        "cs_plan",
        account_id=account.pk,
        mode="subscription",
        customer=CUSTOMER,
        subscription_id=SUB,
        metadata={"kind": "plan", "plan": slug},
        amount_total=4900,
    )
    return fs.event("checkout.session.completed", session, created=created)


def checkout_pack(account, created: int, *, session_id="cs_pack", payment_status="paid") -> dict:
    bought = pack()
    session = fs.checkout_session(
        session_id,
        account_id=account.pk,
        mode="payment",
        customer=CUSTOMER,
        metadata={"kind": "pack", "pack_id": str(bought.pk), "credits": str(bought.credits)},
        amount_total=int(bought.price * 100),
        payment_status=payment_status,
    )
    return fs.event("checkout.session.completed", session, created=created)


def subscription_event(
    account, kind: str, created: int, *, price="price_starter", status="active", period=P1, **kw
) -> dict:
    obj = fs.subscription(
        SUB,
        customer=CUSTOMER,
        price=price,
        status=status,
        period=period,
        account_id=account.pk,
        **kw,
    )
    return fs.event(f"customer.subscription.{kind}", obj, created=created)


def invoice_event(
    account, kind: str, invoice_id: str, period, created: int, *, price="price_starter"
) -> dict:
    obj = fs.invoice(
        invoice_id,
        customer=CUSTOMER,
        subscription_id=SUB,
        price=price,
        period=period,
        status="paid" if kind == "paid" else "open",
        amount=4900,
        account_id=account.pk,
    )
    return fs.event(f"invoice.{kind}", obj, created=created)


def ledger_keys(account) -> list[str]:
    return sorted(
        CreditLedger.objects.filter(account=account).values_list("idempotency_key", flat=True)
    )


# --- the door: signature, configuration, method ---------------------------------------------


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda payload: fs.sign(payload, secret="whsec_someone_else"), id="wrong-secret"
        ),
        pytest.param(lambda payload: fs.sign(payload + " "), id="body-changed"),
        pytest.param(lambda payload: "", id="missing"),
        pytest.param(lambda payload: "t=1,v0=abc", id="garbage"),
        pytest.param(
            lambda payload: fs.sign(payload, timestamp=int(time.time()) - 3600), id="too-old"
        ),
    ],
)
def test_bad_signature_is_refused_and_nothing_applied(shop, stripe_client, forge):
    event = checkout_pack(shop, created=P1[0])
    payload = json.dumps(event)

    response = post(stripe_client, event, body=payload, signature=forge(payload))

    assert response.status_code == 400
    assert b"Invalid Stripe signature" in response.content
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()
    assert credits.balance_for(shop).bonus_credits == 0
    assert not Payment.objects.filter(account=shop).exists()


def test_without_a_webhook_secret_the_endpoint_says_not_configured(shop, stripe_client, settings):
    event = checkout_pack(shop, created=P1[0])
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = post(stripe_client, event)

    assert response.status_code == 400
    assert b"not configured" in response.content
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()
    assert credits.balance_for(shop).bonus_credits == 0


def test_the_webhook_needs_no_csrf_token_and_only_takes_posts(shop):
    strict = Client(HTTP_HOST=PUBLIC_HOST, enforce_csrf_checks=True)

    assert strict.get(URL).status_code == 405
    assert post(strict, checkout_pack(shop, created=P1[0])).status_code == 200


def test_an_event_for_no_workspace_is_recorded_and_acknowledged(shop, stripe_client):
    stranger = fs.invoice(
        "in_stranger",
        customer="cus_stranger",
        subscription_id="sub_stranger",
        price="price_starter",
        period=P1,
        status="paid",
        amount=4900,
    )
    event = fs.event("invoice.paid", stranger, created=P1[0])

    assert deliver(stripe_client, event) == "no matching workspace"
    assert StripeEvent.objects.get(event_id=event["id"]).account is None
    assert not Invoice.objects.filter(stripe_invoice_id="in_stranger").exists()


def test_an_unhandled_event_type_is_recorded(shop, stripe_client):
    event = fs.event("customer.created", {"id": "cus_new", "object": "customer"}, created=P1[0])

    assert deliver(stripe_client, event) == "not handled"
    assert StripeEvent.objects.get(event_id=event["id"]).type == "customer.created"


# --- each event ------------------------------------------------------------------------------


def test_plan_checkout_links_the_subscription_and_the_new_limits_apply(
    shop, stripe_client, stripe_env
):
    stripe_env.subscriptions[SUB] = fs.subscription(
        SUB, customer=CUSTOMER, price="price_starter", status="active", period=P1
    )
    with pytest.raises(PlanLimitError):
        plans.limit_check(shop, "sites", adding=2)

    assert deliver(stripe_client, checkout_plan(shop, created=P1[0])) == "applied: starter active"

    assert stripe_env.last(f"/v1/subscriptions/{SUB}").method == "GET"
    row = sub_row(shop)
    assert (row.plan.slug, row.status) == ("starter", SubscriptionStatus.ACTIVE)
    assert (row.stripe_customer_id, row.stripe_subscription_id) == (CUSTOMER, SUB)
    assert (row.current_period_start, row.current_period_end) == (at(P1[0]), at(P1[1]))
    assert row.stripe_state_at == at(P1[0])
    plans.limit_check(shop, "sites", adding=2)  # Starter allows 3 sites
    # Credits arrive with the paid invoice, not with the checkout.
    assert credits.balance_for(shop).plan_credits == plan("free").monthly_credits


def test_plan_checkout_waits_when_stripe_cannot_be_asked(shop, stripe_client, stripe_env):
    event = checkout_plan(shop, created=P1[0])

    refused = post(stripe_client, event)  # the fake knows no such subscription yet

    assert refused.status_code == 503
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()
    assert sub_row(shop).plan.slug == "free"
    # Stripe retries the delivery later; by then the subscription can be read.
    stripe_env.subscriptions[SUB] = fs.subscription(
        SUB, customer=CUSTOMER, price="price_starter", status="active", period=P1
    )
    assert deliver(stripe_client, event) == "applied: starter active"
    assert sub_row(shop).plan.slug == "starter"


def test_without_an_api_key_a_plan_checkout_trusts_its_own_metadata(
    shop, stripe_client, stripe_env, settings
):
    settings.STRIPE_SECRET_KEY = ""  # webhooks configured, API calls not

    assert deliver(stripe_client, checkout_plan(shop, created=P1[0])) == "applied: starter active"

    assert stripe_env.requests == []
    row = sub_row(shop)
    assert (row.plan.slug, row.stripe_subscription_id) == ("starter", SUB)


def test_pack_checkout_adds_bonus_credits_once(shop, stripe_client):
    event = checkout_pack(shop, created=P1[0])
    bought = pack()

    outcomes = [deliver(stripe_client, event) for _ in range(3)]

    assert outcomes == [f"pack: {bought.credits} credits", "duplicate", "duplicate"]
    balance = credits.balance_for(shop)
    assert balance.bonus_credits == bought.credits
    assert balance.plan_credits == plan("free").monthly_credits
    purchase = CreditLedger.objects.get(account=shop, kind=LedgerKind.PURCHASE)
    assert (purchase.delta, purchase.idempotency_key) == (bought.credits, "pack:cs_pack")
    payment = Payment.objects.get(stripe_id="cs_pack")
    assert (payment.kind, payment.amount, payment.status) == ("credit_pack", bought.price, "paid")
    assert sub_row(shop).stripe_customer_id == CUSTOMER
    assert credits.reconcile(shop).ok


def test_unpaid_pack_checkout_grants_nothing_until_the_payment_arrives(shop, stripe_client):
    event = checkout_pack(shop, created=P1[0], payment_status="unpaid")

    assert deliver(stripe_client, event) == "pack checkout not paid yet"
    assert credits.balance_for(shop).bonus_credits == 0
    assert not Payment.objects.filter(account=shop).exists()

    # A bank debit clears later: Stripe says so with another event for the same session.
    cleared = checkout_pack(shop, created=P1[0] + DAY)
    cleared["type"] = "checkout.session.async_payment_succeeded"
    deliver(stripe_client, cleared)
    assert credits.balance_for(shop).bonus_credits == pack().credits
    assert Payment.objects.get(stripe_id="cs_pack").status == "paid"


def test_invoice_paid_activates_resets_plan_credits_and_mirrors(shop, stripe_client):
    grace = at(P2[0]) + timedelta(days=7)
    on_plan(shop, "starter", status=SubscriptionStatus.PAST_DUE, grace_period_end=grace)
    event = invoice_event(shop, "paid", "in_2", P2, created=P2[0] + DAY)

    for _ in range(3):
        deliver(stripe_client, event)

    row = sub_row(shop)
    assert (row.status, row.grace_period_end) == (SubscriptionStatus.ACTIVE, None)
    assert (row.current_period_start, row.current_period_end) == (at(P2[0]), at(P2[1]))
    assert credits.balance_for(shop).plan_credits == plan("starter").monthly_credits
    assert CreditLedger.objects.filter(account=shop, idempotency_key="reset:in_2").count() == 1
    invoice = Invoice.objects.get(stripe_invoice_id="in_2")
    assert (invoice.account, invoice.status, invoice.amount_paid) == (shop, "paid", 49)
    assert (invoice.period_start, invoice.period_end) == (at(P2[0]), at(P2[1]))
    assert invoice.hosted_invoice_url == "https://invoice.stripe.test/i/in_2"
    payment = Payment.objects.get(stripe_id="in_2")
    assert (payment.kind, payment.amount, payment.description) == (
        "subscription",
        49,
        "Starter plan, invoice INV-in_2",
    )
    assert plans.account_plan_state(shop).can_write


def test_a_late_invoice_for_an_older_period_is_only_mirrored(shop, stripe_client):
    on_plan(shop, "starter", period=P2, state_at=P2[0] + DAY)
    late = invoice_event(shop, "paid", "in_1", P1, created=P1[0] + 60)

    assert deliver(stripe_client, late).startswith("paid (mirrored only); stale, ignored")

    row = sub_row(shop)
    assert (row.current_period_start, row.status) == (at(P2[0]), SubscriptionStatus.ACTIVE)
    assert credits.balance_for(shop).plan_credits == plan("free").monthly_credits
    assert not CreditLedger.objects.filter(idempotency_key="reset:in_1").exists()
    assert Invoice.objects.get(stripe_invoice_id="in_1").status == "paid"


def test_payment_failed_gives_seven_days_of_grace_then_the_account_lapses(shop, stripe_client):
    on_plan(shop, "starter", period=P2)
    failed_at = P2[0] + 3600

    deliver(stripe_client, invoice_event(shop, "payment_failed", "in_2", P2, created=failed_at))
    retry = invoice_event(shop, "payment_failed", "in_2", P2, created=failed_at + 3 * DAY)
    deliver(stripe_client, retry)

    row = sub_row(shop)
    assert row.status == SubscriptionStatus.PAST_DUE
    # Stripe's retries do not push the grace period out.
    assert row.grace_period_end == at(failed_at) + timedelta(days=plans.GRACE_DAYS)
    assert Invoice.objects.get(stripe_invoice_id="in_2").status == "open"
    assert not Payment.objects.filter(stripe_id="in_2").exists()
    assert not plans.is_lapsed(row, now=at(failed_at) + timedelta(days=6, hours=23))
    assert plans.is_lapsed(row, now=at(failed_at) + timedelta(days=7))
    # Those seven days are over by now (the failure was weeks ago): read-only, 402 on writes.
    assert plans.account_plan_state(shop).code == "account_lapsed"


def test_subscription_update_changes_plan_period_and_cancel_flag(shop, stripe_client):
    on_plan(shop, "starter", period=P1)
    event = subscription_event(
        shop,
        "updated",
        P2[0] + DAY,
        price="price_growth",
        period=P2,
        cancel_at_period_end=True,
    )

    assert deliver(stripe_client, event) == "applied: growth active"

    row = sub_row(shop)
    assert (row.plan.slug, row.cancel_at_period_end) == ("growth", True)
    assert (row.current_period_start, row.current_period_end) == (at(P2[0]), at(P2[1]))
    plans.limit_check(shop, "sites", adding=10)  # Growth allows 10 sites


@pytest.mark.parametrize(
    ("stripe_status", "ours"),
    [
        ("trialing", SubscriptionStatus.TRIALING),
        ("past_due", SubscriptionStatus.PAST_DUE),
        ("unpaid", SubscriptionStatus.PAST_DUE),
    ],
)
def test_subscription_status_is_mirrored(shop, stripe_client, stripe_status, ours):
    on_plan(shop, "starter")
    created = P1[0] + DAY

    deliver(stripe_client, subscription_event(shop, "updated", created, status=stripe_status))

    row = sub_row(shop)
    assert row.status == ours
    expected_grace = at(created) + timedelta(days=7) if ours == "past_due" else None
    assert row.grace_period_end == expected_grace


def test_a_price_we_do_not_sell_keeps_the_plan(shop, stripe_client):
    on_plan(shop, "starter")
    event = subscription_event(
        shop, "updated", P1[0] + DAY, price="price_unknown", status="past_due"
    )

    deliver(stripe_client, event)

    row = sub_row(shop)
    assert (row.plan.slug, row.status) == ("starter", SubscriptionStatus.PAST_DUE)


def test_an_older_subscription_update_never_rolls_back(shop, stripe_client):
    on_plan(shop, "starter", period=P2)
    newer = subscription_event(shop, "updated", P2[0] + 2 * DAY, price="price_growth", period=P2)
    older = subscription_event(shop, "updated", P2[0] + DAY, price="price_starter", period=P2)

    deliver(stripe_client, newer)
    assert deliver(stripe_client, older) == "stale, ignored"

    assert sub_row(shop).plan.slug == "growth"
    assert StripeEvent.objects.get(event_id=older["id"]).outcome == "stale, ignored"


def test_deleted_subscription_falls_back_to_free_and_stays_ended(shop, stripe_client):
    on_plan(shop, "growth", period=P2)
    credits.reset_plan_credits(account=shop, credits=5000, key="reset:test", reference="test")
    credits.purchase(account=shop, credits=300, key="pack:test")
    deleted = subscription_event(
        shop, "deleted", P2[1], price="price_growth", status="canceled", period=P2, ended_at=P2[1]
    )

    assert deliver(stripe_client, deleted) == "ended: back on the Free plan"

    row = sub_row(shop)
    assert (row.plan.slug, row.status) == ("free", SubscriptionStatus.CANCELED)
    assert (row.current_period_start, row.current_period_end) == (at(P2[1]), None)
    balance = credits.balance_for(shop)
    assert (balance.plan_credits, balance.bonus_credits) == (plan("free").monthly_credits, 300)
    assert plans.account_plan_state(shop).can_write
    with pytest.raises(PlanLimitError, match="The Free plan allows 1 site;"):
        plans.limit_check(shop, "sites", adding=2)
    # A late "active" update for the ended subscription cannot bring the paid plan back.
    late = subscription_event(shop, "updated", P2[1] + 60, price="price_growth", period=P2)
    assert deliver(stripe_client, late) == "subscription already ended, ignored"
    assert sub_row(shop).plan.slug == "free"
    assert credits.reconcile(shop).ok


def test_a_new_subscription_after_an_ended_one_takes_over(shop, stripe_client):
    on_plan(shop, "free", period=P2, status=SubscriptionStatus.CANCELED)
    obj = fs.invoice(
        "in_new",
        customer=CUSTOMER,
        subscription_id="sub_new",
        price="price_growth",
        period=(P2[1], P2[1] + 30 * DAY),
        status="paid",
        amount=14900,
        account_id=shop.pk,
    )

    deliver(stripe_client, fs.event("invoice.paid", obj, created=P2[1] + 60))

    row = sub_row(shop)
    assert (row.stripe_subscription_id, row.plan.slug, row.status) == (
        "sub_new",
        "growth",
        "active",
    )
    assert credits.balance_for(shop).plan_credits == plan("growth").monthly_credits


# --- a whole subscription's life, replayed and shuffled ------------------------------------


def life(account) -> list[dict]:
    """Checkout → update → paid (period 1) → pack → failed → paid (period 2) → plan change →
    cancel at period end → deleted, in the order Stripe created them."""
    return [
        checkout_plan(account, created=P1[0]),
        subscription_event(account, "updated", P1[0] + 60),
        invoice_event(account, "paid", "in_1", P1, P1[0] + 120),
        checkout_pack(account, created=P1[0] + 5 * DAY),
        invoice_event(account, "payment_failed", "in_2", P2, P2[0] + 3600),
        invoice_event(account, "paid", "in_2", P2, P2[0] + 2 * DAY),
        subscription_event(account, "updated", P2[0] + 10 * DAY, price="price_growth", period=P2),
        subscription_event(
            account,
            "updated",
            P2[0] + 20 * DAY,
            price="price_growth",
            period=P2,
            cancel_at_period_end=True,
        ),
        subscription_event(
            account,
            "deleted",
            P2[1],
            price="price_growth",
            status="canceled",
            period=P2,
            ended_at=P2[1],
        ),
    ]


def assert_life_over(account, events: list[dict]) -> None:
    row = sub_row(account)
    assert (row.plan.slug, row.status) == ("free", SubscriptionStatus.CANCELED)
    assert (row.stripe_customer_id, row.stripe_subscription_id) == (CUSTOMER, SUB)
    assert (row.cancel_at_period_end, row.grace_period_end) == (False, None)
    assert (row.current_period_start, row.stripe_state_at) == (at(P2[1]), at(P2[1]))
    balance = credits.balance_for(account)
    assert balance.plan_credits == plan("free").monthly_credits
    assert balance.bonus_credits == pack().credits
    assert credits.reconcile(account).ok
    purchases = CreditLedger.objects.filter(account=account, kind=LedgerKind.PURCHASE)
    assert [p.idempotency_key for p in purchases] == ["pack:cs_pack"]
    ended = CreditLedger.objects.filter(account=account, idempotency_key=f"reset:ended:{SUB}")
    assert ended.count() == 1
    invoices = Invoice.objects.filter(account=account).order_by("stripe_invoice_id")
    assert [(i.stripe_invoice_id, i.status, i.amount_paid) for i in invoices] == [
        ("in_1", "paid", 49),
        ("in_2", "paid", 49),
    ]
    assert sorted(Payment.objects.filter(account=account).values_list("stripe_id", flat=True)) == [
        "cs_pack",
        "in_1",
        "in_2",
    ]
    recorded = StripeEvent.objects.filter(event_id__in=[e["id"] for e in events])
    assert recorded.count() == len(events)
    assert all(e.account_id == account.pk and e.outcome for e in recorded)


def test_life_in_order_with_every_event_delivered_five_times(shop, stripe_client, stripe_env):
    stripe_env.subscriptions[SUB] = fs.subscription(
        SUB, customer=CUSTOMER, price="price_starter", status="active", period=P1
    )
    events = life(shop)
    full, free, bonus = (
        plan("starter").monthly_credits,
        plan("free").monthly_credits,
        pack().credits,
    )
    spent = full - 250  # each paid invoice is followed by 250 credits of work below
    expected_after = [
        ("starter", "active", free, 0),
        ("starter", "active", free, 0),
        ("starter", "active", full, 0),
        ("starter", "active", spent, bonus),
        ("starter", "past_due", spent, bonus),
        ("starter", "active", full, bonus),
        ("growth", "active", spent, bonus),
        ("growth", "active", spent, bonus),
        ("free", "canceled", free, bonus),
    ]

    for event, expected in zip(events, expected_after, strict=True):
        for _ in range(5):
            deliver(stripe_client, event)
        row, balance = sub_row(shop), credits.balance_for(shop)
        assert (row.plan.slug, row.status, balance.plan_credits, balance.bonus_credits) == expected
        if event["type"] == "invoice.paid":
            # Spend between periods, so the next period's reset visibly refills the pool.
            credits.adjust(account=shop, pool="plan", delta=-250, actor=None, note="spent")

    assert ledger_keys(shop) == sorted(
        [
            f"grant:welcome:{shop.pk}",
            "reset:in_1",
            "pack:cs_pack",
            "reset:in_2",
            f"reset:ended:{SUB}",
        ]
        + [k for k in ledger_keys(shop) if k.startswith("adjustment:")]
    )
    assert CreditLedger.objects.get(idempotency_key="reset:in_2").delta == 250
    assert_life_over(shop, events)


@pytest.mark.parametrize("seed", [1, 7, 42, 2024, 99991])
def test_life_replayed_five_times_and_shuffled_ends_right(shop, stripe_client, stripe_env, seed):
    stripe_env.subscriptions[SUB] = fs.subscription(
        SUB, customer=CUSTOMER, price="price_starter", status="active", period=P1
    )
    events = life(shop)
    deliveries = [event for event in events for _ in range(5)]
    random.Random(seed).shuffle(deliveries)

    outcomes = [deliver(stripe_client, event) for event in deliveries]

    assert outcomes.count("duplicate") == len(deliveries) - len(events)
    assert_life_over(shop, events)
    # Each paid invoice reset the plan pool at most once, and only while the subscription
    # was live; the late ones were mirrored only.
    resets = CreditLedger.objects.filter(account=shop, kind=LedgerKind.RESET)
    assert set(resets.values_list("idempotency_key", flat=True)) <= {
        "reset:in_1",
        "reset:in_2",
        f"reset:ended:{SUB}",
    }
    assert resets.latest("id").idempotency_key == f"reset:ended:{SUB}"


@pytest.mark.parametrize("seed", [3, 11, 58, 777, 31337])
def test_live_subscription_replayed_and_shuffled_never_rolls_back(
    shop, stripe_client, stripe_env, seed
):
    # The same life without the deletion: the newest state must win whatever the order.
    stripe_env.subscriptions[SUB] = fs.subscription(
        SUB, customer=CUSTOMER, price="price_starter", status="active", period=P1
    )
    events = life(shop)[:-1]
    deliveries = [event for event in events for _ in range(5)]
    random.Random(seed).shuffle(deliveries)

    for event in deliveries:
        deliver(stripe_client, event)

    row = sub_row(shop)
    assert (row.plan.slug, row.status, row.cancel_at_period_end) == ("growth", "active", True)
    assert (row.current_period_start, row.current_period_end) == (at(P2[0]), at(P2[1]))
    assert (row.grace_period_end, row.stripe_state_at) == (None, at(P2[0] + 20 * DAY))
    balance = credits.balance_for(shop)
    # Period 2 was paid for on Starter: its credits, granted exactly once.
    assert (balance.plan_credits, balance.bonus_credits) == (
        plan("starter").monthly_credits,
        pack().credits,
    )
    assert CreditLedger.objects.filter(account=shop, idempotency_key="reset:in_2").count() == 1
    assert CreditLedger.objects.filter(account=shop, kind=LedgerKind.PURCHASE).count() == 1
    assert credits.reconcile(shop).ok
    assert Invoice.objects.get(stripe_invoice_id="in_2").status == "paid"
    assert StripeEvent.objects.filter(event_id__in=[e["id"] for e in events]).count() == len(events)
    assert plans.account_plan_state(shop).can_write


def test_a_failure_midway_applies_nothing_and_the_retry_applies_all(
    shop, stripe_client, monkeypatch
):
    from apps.billing import stripe_events

    event = checkout_pack(shop, created=P1[0])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(stripe_events, "_payment_record", broken)
        assert post(stripe_client, event).status_code == 500

    # The credits were written before the failure, and rolled back with the event row.
    assert credits.balance_for(shop).bonus_credits == 0
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()
    assert deliver(stripe_client, event) == f"pack: {pack().credits} credits"
    assert credits.balance_for(shop).bonus_credits == pack().credits
    assert Payment.objects.filter(stripe_id="cs_pack").count() == 1
