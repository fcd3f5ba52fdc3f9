"""What Stripe tells us: webhook events applied to subscriptions, credits and the history.

Exactly once: the StripeEvent row (unique event id) and the event's side effects commit in
one transaction, so a replayed or concurrently re-delivered event finds the row and does
nothing. Credits carry their own idempotency keys too (`reset:<invoice>`, `pack:<session>`).

Never backwards: Stripe delivers events late and out of order. A subscription-state change
(plan, status, period, grace) applies only when the event is at least as new as the newest
state applied (`Subscription.stripe_state_at`) and its period is not older than the current
one; otherwise the event is recorded as "stale, ignored" and invoices are only mirrored. A
subscription that ended stays ended: its late events cannot revive it.

Credits follow money: a paid invoice resets the plan pool to the monthly credits of the plan
on its line (`reset:<invoice id>`), provided its period is not behind the current one and
the subscription is still live. A plan change alone (customer.subscription.updated) changes
limits at once and credits at the next paid invoice.

Ending: Stripe deletes a subscription when the paid service ends (at the period end after
"cancel at period end", or at once for an immediate cancellation). The workspace then moves
to the Free plan (its limits, and its monthly credits in the plan pool), with status
`canceled`; bonus credits stay. plans.is_lapsed does not treat canceled-on-Free as lapsed, so
the workspace keeps working within Free limits instead of being locked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from apps.accounts.models import Account
from apps.billing import credits, plans
from apps.billing.models import (
    CreditPack,
    Invoice,
    Payment,
    Plan,
    StripeEvent,
    Subscription,
    SubscriptionStatus,
)

log = logging.getLogger("webhooks")

STALE = "stale, ignored"
ENDED = "ended"
# Stripe's subscription statuses in ours. `incomplete` (first payment pending) changes
# nothing yet; `unpaid` and `paused` keep the grace clock running until the account lapses.
STATUS_MAP: dict[str, str | None] = {
    "trialing": SubscriptionStatus.TRIALING,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.PAST_DUE,
    "paused": SubscriptionStatus.PAST_DUE,
    "canceled": ENDED,
    "incomplete_expired": ENDED,
    "incomplete": None,
}
# An invoice only moves forward: a late "open" never overwrites "paid".
INVOICE_RANK = {"draft": 0, "open": 1, "paid": 2, "void": 2, "uncollectible": 2}
ZERO_DECIMAL_CURRENCIES = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()
)


# --- reading Stripe objects (both the current API shape and older ones) ------------------


def _id(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _money(minor: Any, currency: str) -> Decimal:
    amount = Decimal(int(minor or 0))
    return amount if currency.lower() in ZERO_DECIMAL_CURRENCIES else amount / 100


def _plan_for_price(price_id: str) -> Plan | None:
    return Plan.objects.filter(stripe_price_id=price_id).first() if price_id else None


def _subscription_price(obj: dict) -> str:
    items = (obj.get("items") or {}).get("data") or []
    if items:
        return _id(items[0].get("price"))
    return _id(obj.get("plan"))


def _subscription_period(obj: dict) -> tuple[datetime | None, datetime | None]:
    # Since API version 2025-03-31 the period lives on the subscription items.
    items = (obj.get("items") or {}).get("data") or []
    source = items[0] if items and items[0].get("current_period_start") else obj
    return _time(source.get("current_period_start")), _time(source.get("current_period_end"))


def _invoice_subscription(invoice: dict) -> tuple[str, dict]:
    """The invoice's subscription id and that subscription's metadata (our account id)."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    legacy = invoice.get("subscription_details") or {}
    subscription_id = _id(details.get("subscription")) or _id(invoice.get("subscription"))
    return subscription_id, details.get("metadata") or legacy.get("metadata") or {}


def _invoice_line(invoice: dict) -> dict:
    """The line that says what was bought: the latest-ending positive line."""
    lines = (invoice.get("lines") or {}).get("data") or []
    positive = [line for line in lines if int(line.get("amount") or 0) >= 0] or lines
    if not positive:
        return {}
    return max(positive, key=lambda line: int((line.get("period") or {}).get("end") or 0))


def _line_price(line: dict) -> str:
    pricing = (line.get("pricing") or {}).get("price_details") or {}
    return _id(pricing.get("price")) or _id(line.get("price")) or _id(line.get("plan"))


# --- whose event is it -------------------------------------------------------------------


def _account_for(
    *, subscription_id: str = "", metadata: dict | None = None, reference: str = "", customer=""
) -> Account | None:
    if subscription_id:
        row = Subscription.objects.filter(stripe_subscription_id=subscription_id).first()
        if row is not None:
            return row.account
    for candidate in ((metadata or {}).get("account_id"), reference):
        if candidate and str(candidate).isdigit():
            account = Account.objects.filter(pk=int(candidate)).first()
            if account is not None:
                return account
    if customer:
        row = Subscription.objects.filter(stripe_customer_id=customer).first()
        if row is not None:
            return row.account
    return None


def _locked_subscription(account: Account) -> Subscription:
    row = plans.subscription_for(account)
    return Subscription.objects.select_for_update().select_related("plan").get(pk=row.pk)


# --- subscription state -------------------------------------------------------------------


@dataclass(frozen=True)
class StripeState:
    """What one event says about a subscription, at Stripe time `at`."""

    subscription_id: str
    customer_id: str
    at: datetime
    status: str | None
    plan: Plan | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    cancel_at_period_end: bool | None = None
    ended_at: datetime | None = None


def _state_from_subscription(obj: dict, at: datetime, *, deleted: bool = False) -> StripeState:
    start, end = _subscription_period(obj)
    return StripeState(
        subscription_id=_id(obj.get("id")),
        customer_id=_id(obj.get("customer")),
        at=at,
        status=ENDED if deleted else STATUS_MAP.get(obj.get("status") or ""),
        plan=_plan_for_price(_subscription_price(obj)),
        period_start=start,
        period_end=end,
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        ended_at=_time(obj.get("ended_at")) or at,
    )


def _state_apply(row: Subscription, state: StripeState, *, takes_over: bool = False) -> str:
    """Apply a subscription state unless it is older than what we have. Returns the outcome."""
    linked = row.stripe_subscription_id
    fresh = row.stripe_state_at is None or state.at >= row.stripe_state_at
    if linked and linked != state.subscription_id:
        # Another subscription replaces ours only when ours ended (or a new checkout says so).
        if not (fresh and (takes_over or row.status == SubscriptionStatus.CANCELED)):
            return "another subscription, ignored"
    elif linked and row.status == SubscriptionStatus.CANCELED:
        return "subscription already ended, ignored"
    elif not linked:
        row.stripe_subscription_id = state.subscription_id
        row.stripe_customer_id = row.stripe_customer_id or state.customer_id
        row.save(update_fields=["stripe_subscription_id", "stripe_customer_id", "updated"])
    older_period = (
        row.stripe_state_at is not None
        and linked == state.subscription_id
        and state.period_start is not None
        and row.current_period_start is not None
        and state.period_start < row.current_period_start
    )
    if not fresh or older_period:
        return STALE
    if state.status is None:
        return "no change until the first payment"
    row.stripe_subscription_id = state.subscription_id
    row.stripe_customer_id = state.customer_id or row.stripe_customer_id
    row.stripe_state_at = state.at
    if state.status == ENDED:
        return _subscription_end(row, state)
    if state.plan is not None:
        row.plan = state.plan
    if state.status == SubscriptionStatus.PAST_DUE:
        # The grace clock starts at the first failure; Stripe's retries do not extend it.
        if row.status != SubscriptionStatus.PAST_DUE or row.grace_period_end is None:
            row.grace_period_end = state.at + timedelta(days=plans.GRACE_DAYS)
    else:
        row.grace_period_end = None
    row.status = state.status
    row.current_period_start = state.period_start or row.current_period_start
    row.current_period_end = state.period_end or row.current_period_end
    if state.cancel_at_period_end is not None:
        row.cancel_at_period_end = state.cancel_at_period_end
    row.save()
    return f"applied: {row.plan.slug} {row.status}"


def _subscription_end(row: Subscription, state: StripeState) -> str:
    free = plans.free_plan()
    ended_at = state.ended_at or state.at
    was_paid = not row.plan.is_free
    row.plan = free
    row.status = SubscriptionStatus.CANCELED
    row.cancel_at_period_end = False
    row.grace_period_end = None
    row.current_period_start = ended_at
    row.current_period_end = None
    row.save()
    if was_paid:
        # The paid period is over: the plan pool holds what the Free plan grants from now on.
        credits.reset_plan_credits(
            account=row.account,
            credits=free.monthly_credits,
            key=f"reset:ended:{state.subscription_id}",
            reference="Subscription ended: back on the Free plan",
        )
    return "ended: back on the Free plan"


# --- mirrors for the billing history -------------------------------------------------------


def _invoice_mirror(account: Account, invoice: dict, line: dict) -> Invoice:
    currency = (invoice.get("currency") or "usd").lower()
    period = line.get("period") or {}
    values = {
        "account": account,
        "number": invoice.get("number") or "",
        "status": invoice.get("status") or "",
        "amount_due": _money(invoice.get("amount_due"), currency),
        "amount_paid": _money(invoice.get("amount_paid"), currency),
        "currency": currency,
        "period_start": _time(period.get("start")),
        "period_end": _time(period.get("end")),
        "hosted_invoice_url": invoice.get("hosted_invoice_url") or "",
        "created": _time(invoice.get("created")) or datetime.now(tz=UTC),
    }
    row = Invoice.objects.select_for_update().filter(stripe_invoice_id=invoice["id"]).first()
    if row is None:
        return Invoice.objects.create(stripe_invoice_id=invoice["id"], **values)
    if INVOICE_RANK.get(values["status"], 1) >= INVOICE_RANK.get(row.status, 1):
        for field, value in values.items():
            setattr(row, field, value)
        row.save()
    return row


def _payment_record(
    account: Account, *, stripe_id: str, kind: str, minor: Any, currency: str, when, text: str
) -> None:
    currency = (currency or "usd").lower()
    Payment.objects.update_or_create(
        stripe_id=stripe_id,
        defaults={
            "account": account,
            "kind": kind,
            "amount": _money(minor, currency),
            "currency": currency,
            "status": "paid",
            "description": text[:200],
            "created": when,
        },
    )


# --- the events ----------------------------------------------------------------------------


Handled = tuple[Account | None, str]
CHECKOUT_DONE = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
NO_ACCOUNT: Handled = (None, "no matching workspace")


def _checkout_completed(event: dict, at: datetime, fetched: dict | None) -> Handled:
    session = event["data"]["object"]
    metadata = session.get("metadata") or {}
    account = _account_for(metadata=metadata, reference=session.get("client_reference_id") or "")
    if account is None:
        return NO_ACCOUNT
    if metadata.get("kind") == "pack" or session.get("mode") == "payment":
        return account, _pack_paid(account, session, at)
    subscription_id = _id(session.get("subscription"))
    customer_id = _id(session.get("customer"))
    if not subscription_id:
        return account, "checkout without a subscription, ignored"
    row = _locked_subscription(account)
    if fetched is not None:
        state = _state_from_subscription(fetched, at)
    else:
        # Stripe could not be asked (no secret key here): trust what our checkout said.
        state = StripeState(
            subscription_id=subscription_id,
            customer_id=customer_id,
            at=at,
            status=SubscriptionStatus.ACTIVE,
            plan=Plan.objects.filter(slug=metadata.get("plan") or "").first(),
        )
    return account, _state_apply(row, state, takes_over=True)


def _pack_paid(account: Account, session: dict, at: datetime) -> str:
    if session.get("payment_status") != "paid":
        return "pack checkout not paid yet"
    metadata = session.get("metadata") or {}
    pack_id = str(metadata.get("pack_id") or "")
    pack = CreditPack.objects.filter(pk=int(pack_id)).first() if pack_id.isdigit() else None
    amount = int(metadata.get("credits") or 0) or (pack.credits if pack else 0)
    if amount <= 0:
        log.error("stripe: paid session %s names no known credit pack", session.get("id"))
        return "paid, but the credit pack is unknown"
    name = pack.name if pack else "Credit pack"
    granted = credits.purchase(
        account=account, credits=amount, key=f"pack:{session['id']}", reference=name
    )
    _payment_record(
        account,
        stripe_id=session["id"],
        kind="credit_pack",
        minor=session.get("amount_total"),
        currency=session.get("currency") or "usd",
        when=at,
        text=f"{name}: {amount:,} credits",
    )
    row = _locked_subscription(account)
    customer_id = _id(session.get("customer"))
    if customer_id and not row.stripe_customer_id:
        row.stripe_customer_id = customer_id
        row.save(update_fields=["stripe_customer_id", "updated"])
    return f"pack: {amount} credits" if granted else "pack: already granted"


def _invoice_event(event: dict, at: datetime, *, paid: bool) -> Handled:
    invoice = event["data"]["object"]
    subscription_id, metadata = _invoice_subscription(invoice)
    customer_id = _id(invoice.get("customer"))
    account = _account_for(subscription_id=subscription_id, metadata=metadata, customer=customer_id)
    if account is None:
        return NO_ACCOUNT
    line = _invoice_line(invoice)
    _invoice_mirror(account, invoice, line)
    if not subscription_id:
        return account, "invoice mirrored"
    period = line.get("period") or {}
    line_plan = _plan_for_price(_line_price(line))
    row = _locked_subscription(account)
    state = StripeState(
        subscription_id=subscription_id,
        customer_id=customer_id,
        at=at,
        status=SubscriptionStatus.ACTIVE if paid else SubscriptionStatus.PAST_DUE,
        plan=line_plan,
        period_start=_time(period.get("start")),
        period_end=_time(period.get("end")),
    )
    outcome = _state_apply(row, state)
    if not paid:
        return account, f"payment failed; {outcome}"
    plan = line_plan or row.plan
    _payment_record(
        account,
        stripe_id=invoice["id"],
        kind="subscription",
        minor=invoice.get("amount_paid"),
        currency=invoice.get("currency") or "usd",
        when=_time((invoice.get("status_transitions") or {}).get("paid_at")) or at,
        text=f"{plan.name} plan"
        + (f", invoice {invoice['number']}" if invoice.get("number") else ""),
    )
    # Credits for a paid period, once per invoice, and never for a period already behind us.
    period_ok = (
        state.period_start is None
        or row.current_period_start is None
        or state.period_start >= row.current_period_start
    )
    if (
        row.stripe_subscription_id == subscription_id
        and row.status != SubscriptionStatus.CANCELED
        and period_ok
    ):
        credits.reset_plan_credits(
            account=account,
            credits=plan.monthly_credits,
            key=f"reset:{invoice['id']}",
            reference=f"{plan.name} plan, invoice {invoice.get('number') or invoice['id']}",
        )
        return account, f"paid; credits reset; {outcome}"
    return account, f"paid (mirrored only); {outcome}"


def _subscription_event(event: dict, at: datetime, *, deleted: bool) -> Handled:
    obj = event["data"]["object"]
    account = _account_for(
        subscription_id=_id(obj.get("id")),
        metadata=obj.get("metadata"),
        customer=_id(obj.get("customer")),
    )
    if account is None:
        return NO_ACCOUNT
    row = _locked_subscription(account)
    return account, _state_apply(row, _state_from_subscription(obj, at, deleted=deleted))


def _dispatch(event: dict, fetched: dict | None) -> Handled:
    kind = event.get("type") or ""
    at = _time(event.get("created")) or datetime.now(tz=UTC)
    if kind in CHECKOUT_DONE:
        return _checkout_completed(event, at, fetched)
    if kind == "invoice.paid":
        return _invoice_event(event, at, paid=True)
    if kind == "invoice.payment_failed":
        return _invoice_event(event, at, paid=False)
    if kind in ("customer.subscription.created", "customer.subscription.updated"):
        return _subscription_event(event, at, deleted=False)
    if kind == "customer.subscription.deleted":
        return _subscription_event(event, at, deleted=True)
    return None, "not handled"


def _prefetch(event: dict) -> dict | None:
    """A completed subscription checkout: read the subscription (outside the transaction)."""
    from apps.billing import stripe_service

    if event.get("type") not in CHECKOUT_DONE:
        return None
    session = event["data"]["object"]
    subscription_id = _id(session.get("subscription"))
    if session.get("mode") != "subscription" or not subscription_id:
        return None
    if not stripe_service.payments_configured():
        return None
    return stripe_service.subscription_retrieve(subscription_id)


def event_apply(event: dict) -> str:
    """Apply one verified Stripe event exactly once; returns what happened, in words.

    Raises stripe_service.PaymentProviderError when Stripe must be asked and cannot be: the
    event is then not recorded, so Stripe's retry applies it later.
    """
    event_id = str(event.get("id") or "")
    if not event_id or "data" not in event:
        raise ValueError("not a Stripe event")
    if StripeEvent.objects.filter(event_id=event_id).exists():
        return "duplicate"
    fetched = _prefetch(event)
    with transaction.atomic():
        row, created = StripeEvent.objects.get_or_create(
            event_id=event_id,
            defaults={
                "type": str(event.get("type") or "")[:80],
                "stripe_created": _time(event.get("created")),
                "payload": event,
            },
        )
        if not created:
            return "duplicate"
        account, outcome = _dispatch(event, fetched)
        row.account = account
        row.outcome = outcome[:200]
        row.save(update_fields=["account", "outcome"])
    log.info("stripe event %s %s: %s", event_id, row.type, outcome)
    return outcome
