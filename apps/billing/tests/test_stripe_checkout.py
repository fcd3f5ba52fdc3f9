"""Checkout Sessions and the Customer Portal, with the real stripe client talking to a local
server that answers like Stripe: what we send, what the caller gets, and every refusal."""

from __future__ import annotations

import logging
import socket

import pytest

from apps.accounts import provisioning
from apps.billing import stripe_service
from apps.billing.models import CreditPack, Plan, Subscription, SubscriptionStatus
from apps.billing.stripe_service import (
    PaymentProviderError,
    PaymentsNotConfigured,
    checkout_for_pack,
    checkout_for_plan,
    payments_configured,
    portal_url,
)
from apps.billing.tests.fake_stripe import FakeStripe
from tests.factories import make_user

SUCCESS = "http://shop.igny8.localhost/billing/?checkout=done"
CANCEL = "http://shop.igny8.localhost/billing/"


@pytest.fixture
def fake_stripe(settings):
    with FakeStripe() as fake:
        settings.STRIPE_SECRET_KEY = fake.api_key
        settings.STRIPE_API_BASE = fake.base_url
        yield fake


@pytest.fixture
def shop(workspaces, db):
    """A new workspace on the Free plan, its owner, and Stripe prices on Starter and a pack."""
    owner = make_user("owner@shop.test")
    account = provisioning.workspace_create(name="Shop", slug="stripe-shop", owner=owner)
    Plan.objects.filter(slug="starter").update(stripe_price_id="price_starter")
    pack = CreditPack.objects.filter(is_active=True).first()
    pack.stripe_price_id = "price_pack"
    pack.save()
    return account, owner


def _plan(slug: str) -> Plan:
    return Plan.objects.get(slug=slug)


def test_plan_checkout_sends_price_metadata_and_urls(fake_stripe, shop):
    account, owner = shop

    url = checkout_for_plan(
        account=account, plan=_plan("starter"), user=owner, success_url=SUCCESS, cancel_url=CANCEL
    )

    sent = fake_stripe.last("/v1/checkout/sessions")
    assert url == f"https://checkout.stripe.test/c/pay/{url.rsplit('/', 1)[1]}"
    assert url.rsplit("/", 1)[1].startswith("cs_test_")
    assert sent.headers["authorization"] == f"Bearer {fake_stripe.api_key}"
    metadata = {"account_id": str(account.pk), "kind": "plan", "plan": "starter"}
    assert sent.params == {
        "mode": "subscription",
        "line_items[0][price]": "price_starter",
        "line_items[0][quantity]": "1",
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
        "client_reference_id": str(account.pk),
        "customer_email": owner.email,
        **{f"metadata[{k}]": v for k, v in metadata.items()},
        **{f"subscription_data[metadata][{k}]": v for k, v in metadata.items()},
    }


def test_plan_checkout_reuses_the_stripe_customer(fake_stripe, shop):
    account, owner = shop
    # Paid before, canceled since: the same Stripe customer keeps the card and history.
    Subscription.objects.filter(account=account).update(
        stripe_customer_id="cus_known",
        stripe_subscription_id="sub_old",
        status=SubscriptionStatus.CANCELED,
    )

    checkout_for_plan(
        account=account, plan=_plan("starter"), user=owner, success_url=SUCCESS, cancel_url=CANCEL
    )

    sent = fake_stripe.last("/v1/checkout/sessions").params
    assert sent["customer"] == "cus_known"
    assert "customer_email" not in sent


@pytest.mark.parametrize(
    ("slug", "price", "message"),
    [
        ("free", "price_free", "The Free plan needs no checkout."),
        ("growth", "", "The Growth plan cannot be bought online yet."),
    ],
)
def test_plan_checkout_refuses_free_and_unpriced_plans(fake_stripe, shop, slug, price, message):
    account, owner = shop
    Plan.objects.filter(slug=slug).update(stripe_price_id=price)

    with pytest.raises(ValueError, match=message):
        checkout_for_plan(
            account=account, plan=_plan(slug), user=owner, success_url=SUCCESS, cancel_url=CANCEL
        )

    assert fake_stripe.requests == []


def test_plan_checkout_refuses_an_account_that_already_pays(fake_stripe, shop):
    account, owner = shop
    Subscription.objects.filter(account=account).update(
        plan=_plan("starter"),
        status=SubscriptionStatus.ACTIVE,
        stripe_customer_id="cus_paying",
        stripe_subscription_id="sub_live",
    )
    Plan.objects.filter(slug="growth").update(stripe_price_id="price_growth")

    with pytest.raises(ValueError, match="already has a paid subscription"):
        checkout_for_plan(
            account=account,
            plan=_plan("growth"),
            user=owner,
            success_url=SUCCESS,
            cancel_url=CANCEL,
        )

    assert fake_stripe.requests == []


def test_pack_checkout_is_a_one_off_payment(fake_stripe, shop):
    account, owner = shop
    pack = CreditPack.objects.get(stripe_price_id="price_pack")

    url = checkout_for_pack(
        account=account, pack=pack, user=owner, success_url=SUCCESS, cancel_url=CANCEL
    )

    sent = fake_stripe.last("/v1/checkout/sessions").params
    assert url.startswith("https://checkout.stripe.test/c/pay/cs_test_")
    assert sent == {
        "mode": "payment",
        "line_items[0][price]": "price_pack",
        "line_items[0][quantity]": "1",
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
        "client_reference_id": str(account.pk),
        "metadata[account_id]": str(account.pk),
        "metadata[kind]": "pack",
        "metadata[pack_id]": str(pack.pk),
        "metadata[credits]": str(pack.credits),
        "customer_email": owner.email,
        "customer_creation": "always",
    }


def test_pack_checkout_refuses_an_inactive_or_unpriced_pack(fake_stripe, shop):
    account, owner = shop
    unpriced = CreditPack.objects.exclude(stripe_price_id="price_pack").first()
    inactive = CreditPack.objects.get(stripe_price_id="price_pack")
    inactive.is_active = False
    inactive.save()

    for pack in (unpriced, inactive):
        with pytest.raises(ValueError, match="cannot be bought online yet"):
            checkout_for_pack(
                account=account, pack=pack, user=owner, success_url=SUCCESS, cancel_url=CANCEL
            )

    assert fake_stripe.requests == []


def test_portal_opens_for_the_accounts_customer(fake_stripe, shop):
    account, _ = shop
    Subscription.objects.filter(account=account).update(stripe_customer_id="cus_portal")

    url = portal_url(account=account, return_url=CANCEL)

    sent = fake_stripe.last("/v1/billing_portal/sessions").params
    assert sent == {"customer": "cus_portal", "return_url": CANCEL}
    assert url.startswith("https://billing.stripe.test/p/session/bps_")


def test_portal_needs_a_customer_first(fake_stripe, shop):
    account, _ = shop

    with pytest.raises(ValueError, match="no Stripe customer yet"):
        portal_url(account=account, return_url=CANCEL)

    assert fake_stripe.requests == []


def test_without_keys_every_payment_action_says_not_configured(settings, shop):
    account, owner = shop
    settings.STRIPE_SECRET_KEY = ""
    Subscription.objects.filter(account=account).update(stripe_customer_id="cus_portal")
    pack = CreditPack.objects.get(stripe_price_id="price_pack")

    assert payments_configured() is False
    actions = [
        lambda: checkout_for_plan(
            account=account,
            plan=_plan("starter"),
            user=owner,
            success_url=SUCCESS,
            cancel_url=CANCEL,
        ),
        lambda: checkout_for_pack(
            account=account, pack=pack, user=owner, success_url=SUCCESS, cancel_url=CANCEL
        ),
        lambda: portal_url(account=account, return_url=CANCEL),
    ]
    for action in actions:
        with pytest.raises(PaymentsNotConfigured) as refused:
            action()
        assert "not configured" in refused.value.message
        assert refused.value.status == 503


def test_payments_configured_follows_the_secret_key(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_something"
    assert payments_configured() is True


def test_stripe_refusal_becomes_a_plain_message(fake_stripe, shop):
    account, owner = shop
    fake_stripe.fail_next(400, "invalid_request_error", "No such price: 'price_starter'", "x")

    with pytest.raises(PaymentProviderError) as failed:
        checkout_for_plan(
            account=account,
            plan=_plan("starter"),
            user=owner,
            success_url=SUCCESS,
            cancel_url=CANCEL,
        )

    assert failed.value.message == (
        "Stripe refused to start the checkout: this plan or pack is not set up correctly "
        "for payments. Please contact support."
    )
    assert failed.value.status == 502


def test_a_wrong_key_is_reported_without_the_key(fake_stripe, shop, settings, caplog):
    account, owner = shop
    settings.STRIPE_SECRET_KEY = "sk_test_wrong_secret_value"
    channel = logging.getLogger("webhooks")
    channel.addHandler(caplog.handler)
    try:
        with pytest.raises(PaymentProviderError) as failed:
            checkout_for_plan(
                account=account,
                plan=_plan("starter"),
                user=owner,
                success_url=SUCCESS,
                cancel_url=CANCEL,
            )
    finally:
        channel.removeHandler(caplog.handler)

    assert "misconfigured" in failed.value.message
    assert "AuthenticationError status=401" in caplog.text
    assert "sk_test" not in caplog.text + failed.value.message


def test_unreachable_stripe_asks_to_try_again(settings, shop, monkeypatch):
    account, owner = shop
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    monkeypatch.setattr(stripe_service, "MAX_NETWORK_RETRIES", 0)

    with pytest.raises(PaymentProviderError, match="We could not reach Stripe to start"):
        checkout_for_plan(
            account=account,
            plan=_plan("starter"),
            user=owner,
            success_url=SUCCESS,
            cancel_url=CANCEL,
        )
