"""Talking to Stripe: Checkout Sessions for plans and credit packs, the Customer Portal, and
reading a subscription back. What Stripe tells us later (webhooks) is apps.billing.stripe_events.

Every call goes through one configured `stripe.StripeClient` with short timeouts. Stripe's
errors become `PaymentProviderError` with a message a person can act on; the details (type,
status, Stripe request id, never the key) go to the `webhooks` log channel.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import stripe
from django.conf import settings

from apps.accounts.models import Account, User
from apps.billing.models import CreditPack, Plan, Subscription, SubscriptionStatus
from igny8.errors import UserFacingError

log = logging.getLogger("webhooks")

# (connect, read) seconds: a checkout button must not hang on a slow network.
TIMEOUT = (5, 20)
# Stripe adds an idempotency key to every POST, so retrying a create is safe.
MAX_NETWORK_RETRIES = 2


class PaymentsNotConfigured(UserFacingError):
    status = 503
    code = "payments_not_configured"

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "Online payments are not configured on this server yet. "
            "Ask the platform team to assign your plan in the meantime."
        )


class PaymentProviderError(UserFacingError):
    status = 502
    code = "payment_provider_error"


def payments_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str, retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=TIMEOUT),
    )


def client() -> stripe.StripeClient:
    """The configured Stripe client; PaymentsNotConfigured when the secret key is unset."""
    if not payments_configured():
        raise PaymentsNotConfigured()
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, MAX_NETWORK_RETRIES)


def _user_message(error: stripe.StripeError, doing: str) -> str:
    if isinstance(error, stripe.APIConnectionError):
        return f"We could not reach Stripe to {doing}. Please try again in a minute."
    if isinstance(error, stripe.RateLimitError):
        return f"Stripe is busy and could not {doing} just now. Please try again in a minute."
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return (
            f"Payments are misconfigured on this server, so we could not {doing}. "
            "Please contact support."
        )
    if isinstance(error, stripe.InvalidRequestError):
        return (
            f"Stripe refused to {doing}: this plan or pack is not set up correctly for "
            "payments. Please contact support."
        )
    return f"Stripe could not {doing}. Please try again, or contact support if it keeps happening."


def _call(doing: str, request, *args: Any, **kwargs: Any) -> Any:
    """Run one Stripe request; turn its failure into a PaymentProviderError."""
    try:
        return request(*args, **kwargs)
    except stripe.StripeError as error:
        # The message of an authentication error quotes part of the key: leave it out.
        detail = "" if isinstance(error, stripe.AuthenticationError) else (error.user_message or "")
        log.warning(
            "stripe: could not %s: %s status=%s code=%s request=%s %s",
            doing,
            type(error).__name__,
            error.http_status,
            error.code,
            error.request_id,
            detail[:300],
        )
        raise PaymentProviderError(_user_message(error, doing)) from None


def _customer_fields(subscription: Subscription, user: User) -> dict[str, str]:
    if subscription.stripe_customer_id:
        return {"customer": subscription.stripe_customer_id}
    return {"customer_email": user.email}


def _subscription(account: Account) -> Subscription:
    from apps.billing.plans import subscription_for

    return subscription_for(account)


def checkout_for_plan(
    *, account: Account, plan: Plan, user: User, success_url: str, cancel_url: str
) -> str:
    """Start a Checkout Session that subscribes the account to `plan`; returns its URL.

    ValueError (a plain message) for a plan that cannot be bought here: Free, one without a
    Stripe price, or an account that already pays (plan changes go through the portal).
    """
    client_ = client()
    if plan.is_free:
        raise ValueError("The Free plan needs no checkout.")
    if not plan.is_active or not plan.stripe_price_id:
        raise ValueError(f"The {plan.name} plan cannot be bought online yet.")
    subscription = _subscription(account)
    if (
        subscription.stripe_subscription_id
        and not subscription.plan.is_free
        and subscription.status != SubscriptionStatus.CANCELED
    ):
        raise ValueError(
            "This workspace already has a paid subscription. Change plans from the "
            "billing portal (Manage cards & invoices)."
        )
    metadata = {"account_id": str(account.pk), "kind": "plan", "plan": plan.slug}
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(account.pk),
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        **_customer_fields(subscription, user),
    }
    session = _call("start the checkout", client_.v1.checkout.sessions.create, params=params)
    log.info("stripe: checkout %s for account %s, plan %s", session.id, account.pk, plan.slug)
    return session.url


def checkout_for_pack(
    *, account: Account, pack: CreditPack, user: User, success_url: str, cancel_url: str
) -> str:
    """Start a one-off Checkout Session for a credit pack; returns its URL."""
    client_ = client()
    if not pack.is_active or not pack.stripe_price_id:
        raise ValueError(f"The {pack.name} cannot be bought online yet.")
    subscription = _subscription(account)
    customer = _customer_fields(subscription, user)
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [{"price": pack.stripe_price_id, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(account.pk),
        "metadata": {
            "account_id": str(account.pk),
            "kind": "pack",
            "pack_id": str(pack.pk),
            "credits": str(pack.credits),
        },
        **customer,
    }
    if "customer" not in customer:
        # A customer record lets the buyer open the portal and see receipts later.
        params["customer_creation"] = "always"
    session = _call("start the checkout", client_.v1.checkout.sessions.create, params=params)
    log.info("stripe: checkout %s for account %s, pack %s", session.id, account.pk, pack.pk)
    return session.url


def portal_url(*, account: Account, return_url: str) -> str:
    """A Customer Portal session (cards, invoices, plan changes, cancellation); its URL."""
    client_ = client()
    subscription = _subscription(account)
    if not subscription.stripe_customer_id:
        raise ValueError(
            "There is no Stripe customer yet for this workspace: choose a plan or buy "
            "credits first."
        )
    session = _call(
        "open the billing portal",
        client_.v1.billing_portal.sessions.create,
        params={"customer": subscription.stripe_customer_id, "return_url": return_url},
    )
    return session.url


def subscription_retrieve(subscription_id: str) -> dict[str, Any]:
    """Stripe's current view of a subscription, as plain data."""
    found = _call("read the subscription", client().v1.subscriptions.retrieve, subscription_id)
    return found.to_dict()
