"""Monthly periods of Free workspaces: their plan credits come back every 30 days.

Paid plans get their reset from Stripe's `invoice.paid`; Free has no invoice, so an hourly
scheduled task rolls every Free subscription whose period has ended.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.billing import credits
from apps.billing.models import Subscription, SubscriptionStatus

FREE_PERIOD = timedelta(days=30)


def free_periods_roll(*, now=None) -> int:
    """Start a new period for each Free subscription whose period ended. Returns how many.

    Idempotent: the reset's key names the period it starts, and the period moves forward
    in the same transaction, so running twice (or on two workers) grants once.
    """
    now = now or timezone.now()
    # Canceled paid subscriptions fall back to Free and roll like any Free one.
    due = (
        Subscription.objects.filter(
            plan__monthly_price=0,
            status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELED],
        )
        .filter(Q(current_period_end__lte=now) | Q(current_period_end__isnull=True))
        .values_list("pk", flat=True)
    )
    rolled = 0
    for pk in due:
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update()
                .select_related("plan", "account")
                .get(pk=pk)
            )
            end = subscription.current_period_end
            if not subscription.plan.is_free or (end is not None and end > now):
                continue
            if end is None:
                # Just fell back to Free (its credits were set then): the first period starts.
                subscription.current_period_start = now
                subscription.current_period_end = now + FREE_PERIOD
                subscription.save(
                    update_fields=["current_period_start", "current_period_end", "updated"]
                )
                continue
            # Skip whole periods missed while nothing ran: the new one contains `now`.
            start = end
            while start + FREE_PERIOD <= now:
                start += FREE_PERIOD
            subscription.current_period_start = start
            subscription.current_period_end = start + FREE_PERIOD
            subscription.save(
                update_fields=["current_period_start", "current_period_end", "updated"]
            )
            credits.reset_plan_credits(
                account=subscription.account,
                credits=subscription.plan.monthly_credits,
                key=f"reset:free:{subscription.account_id}:{start:%Y%m%d%H%M%S}",
                reference=f"{subscription.plan.name} plan, period from {start:%d %b %Y}",
            )
            rolled += 1
    return rolled
