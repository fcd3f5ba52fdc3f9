"""Plans, subscriptions and what an account may do: limits (403) and plan state (402)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Account, Invitation, Membership, User
from apps.accounts.selectors import PlanState
from apps.billing import credits
from apps.billing.errors import AccountLapsed, PlanLimitError
from apps.billing.models import Plan, Pool, Subscription, SubscriptionStatus
from igny8.db.rows import select_one

FREE_PLAN_SLUG = "free"
GRACE_DAYS = 7
RESOURCES = ("sites", "users", "keywords", "sectors")
RESOURCE_WORDS = {"sites": "sites", "users": "team members", "keywords": "keywords"}
# One and many: "1 team member", "3 team members".
RESOURCE_NOUNS = {
    "sites": ("site", "sites"),
    "users": ("team member", "team members"),
    "keywords": ("keyword", "keywords"),
    "sectors": ("sector", "sectors"),
}


def counted(n: int, resource: str) -> str:
    """`n` with the resource's noun in the right number: "1 site", "1,000 keywords"."""
    one, many = RESOURCE_NOUNS[resource]
    return f"{n:,} {one if n == 1 else many}"


def free_plan() -> Plan:
    return Plan.objects.get(slug=FREE_PLAN_SLUG)


def subscription_for(account: Account) -> Subscription:
    """The account's subscription, starting it on Free (with its credits) the first time."""
    # Read on every request (the plan-state check): one plain statement with its plan joined
    # (igny8/db/rows.py) rather than the ORM's query building (~0.4 ms of CPU).
    found = select_one(Subscription, "t.account_id = %s", [account.pk], related=[("plan", Plan)])
    if found is not None:
        return found
    return subscription_start_free(account=account)


def subscription_start_free(*, account: Account) -> Subscription:
    """Put a new workspace on the Free plan and grant its first month of credits (idempotent)."""
    plan = free_plan()
    now = timezone.now()
    with transaction.atomic():
        subscription, created = Subscription.objects.select_related("plan").get_or_create(
            account=account,
            defaults={
                "plan": plan,
                "status": SubscriptionStatus.ACTIVE,
                "current_period_start": now,
                "current_period_end": now + timedelta(days=30),
            },
        )
        if created and plan.monthly_credits:
            credits.grant(
                account=account,
                pool=Pool.PLAN,
                credits=plan.monthly_credits,
                key=f"grant:welcome:{account.pk}",
                reference="Free plan",
            )
    return subscription


def plan_assign(*, account: Account, plan: Plan, actor: User | None = None) -> Subscription:
    """Staff put an account on a plan by hand (payments not configured, or a deal)."""
    subscription = subscription_for(account)
    now = timezone.now()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        subscription.plan = plan
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.grace_period_end = None
        subscription.current_period_start = now
        subscription.current_period_end = now + timedelta(days=30)
        subscription.save()
        credits.reset_plan_credits(
            account=account,
            credits=plan.monthly_credits,
            key=f"reset:assign:{account.pk}:{now.timestamp()}",
            reference=f"Plan set to {plan.name}" + (f" by {actor.email}" if actor else ""),
        )
    return subscription


# --- what an account may do ------------------------------------------------------------------


def is_lapsed(subscription: Subscription, now=None) -> bool:
    """Past due beyond the grace period, or canceled with its paid period over."""
    now = now or timezone.now()
    if subscription.status == SubscriptionStatus.PAST_DUE:
        return subscription.grace_period_end is not None and now >= subscription.grace_period_end
    if subscription.status == SubscriptionStatus.CANCELED:
        return not subscription.plan.is_free and (
            subscription.current_period_end is None or now >= subscription.current_period_end
        )
    return False


def account_plan_state(account: Account) -> PlanState:
    """The plan-state hook of the foundation: may this workspace change things?"""
    if not account.is_active:
        return PlanState(
            can_write=False,
            code="account_inactive",
            message="This workspace is paused, so it can be read but not changed. "
            "Contact support to reactivate it.",
        )
    subscription = subscription_for(account)
    if is_lapsed(subscription):
        return PlanState(
            subscription=subscription,
            can_write=False,
            code="account_lapsed",
            message="Your subscription has lapsed, so this workspace can be read but not "
            "changed. Update your payment details or choose a plan in Billing.",
        )
    if subscription.status == SubscriptionStatus.PAST_DUE:
        deadline = subscription.grace_period_end
        return PlanState(
            subscription=subscription,
            can_write=True,
            code="past_due",
            message="Your last payment failed. Update your card in Billing"
            + (f" before {deadline:%d %B}" if deadline else "")
            + " to keep writing.",
        )
    return PlanState(can_write=True, subscription=subscription)


def ensure_can_spend(account: Account) -> None:
    """Refuse (402) credit spending for a paused or lapsed workspace."""
    state = account_plan_state(account)
    if not state.can_write:
        raise AccountLapsed(state.message)


# --- limits --------------------------------------------------------------------------------

# Counters for resources owned by the workspace's apps, registered at their ready(): the
# workspace registers "sites", the planner "keywords" (billing does not import them).
_USAGE_COUNTERS: dict[str, Callable[[Account], int]] = {}


def register_usage_counter(resource: str, counter: Callable[[Account], int]) -> None:
    _USAGE_COUNTERS[resource] = counter


def _count_users(account: Account) -> int:
    # Open invitations count: each one becomes a member when accepted.
    members = Membership.objects.filter(account=account).count()
    pending = Invitation.objects.filter(
        account=account,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).count()
    return members + pending


def usage(account: Account, resource: str) -> int:
    if resource == "users":
        return _count_users(account)
    counter = _USAGE_COUNTERS.get(resource)
    return counter(account) if counter else 0


@dataclass(frozen=True)
class Meter:
    resource: str
    label: str
    used: int
    limit: int

    @property
    def percent(self) -> int:
        return min(100, int(self.used * 100 / self.limit)) if self.limit else 100

    @property
    def at_limit(self) -> bool:
        return self.used >= self.limit


def meters(account: Account) -> list[Meter]:
    plan = subscription_for(account).plan
    return [
        Meter(
            resource,
            RESOURCE_WORDS[resource].capitalize(),
            usage(account, resource),
            plan.limit_for(resource),
        )
        for resource in ("sites", "users", "keywords")
    ]


def limit_check(
    account: Account,
    resource: str,
    adding: int = 1,
    *,
    current: int | None = None,
    lock: bool = False,
) -> None:
    """May this account add `adding` more of `resource`? Raises PlanLimitError (403) if not.

    For "sectors" (a per-site limit) pass `current`, the site's sector count after the change
    minus `adding`. Every service that creates sites, members, sectors or keywords calls this.
    With `lock` (inside the caller's transaction) the subscription row is locked, so two
    requests racing for the last free place cannot both get it.
    """
    if resource not in RESOURCES:
        raise ValueError(f"unknown resource {resource!r}")
    subscription = subscription_for(account)
    if lock:
        subscription = (
            Subscription.objects.select_for_update().select_related("plan").get(pk=subscription.pk)
        )
    plan = subscription.plan
    limit = plan.limit_for(resource)
    used = current if current is not None else usage(account, resource)
    if used + adding <= limit:
        return
    if resource == "sectors":
        message = (
            f"The {plan.name} plan allows {counted(limit, resource)} per site. Upgrade to add more."
        )
    else:
        words = RESOURCE_WORDS[resource]
        message = (
            f"The {plan.name} plan allows {counted(limit, resource)}; this workspace has {used:,}. "
            f"Upgrade your plan to add more {words}."
        )
    raise PlanLimitError(message)
