"""Free workspaces get their plan credits back when a 30-day period ends."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts import provisioning
from apps.billing import credits
from apps.billing.models import CreditLedger, LedgerKind, Subscription
from apps.billing.periods import FREE_PERIOD, free_periods_roll

pytestmark = pytest.mark.django_db


@pytest.fixture
def free_account(workspaces):
    return provisioning.workspace_create(name="Roll Co", slug="roll-co", owner=None)


def _spend(account, amount: int) -> None:
    reservation = credits.reserve(
        account=account, operation="cluster_naming", units=amount, key=f"spend-{amount}"
    )
    credits.settle(reservation=reservation, actual_units=amount)


def test_an_ended_free_period_resets_plan_credits_once(free_account):
    _spend(free_account, 60)
    assert credits.balance_for(free_account).plan_credits == 40
    later = Subscription.objects.get(account=free_account).current_period_end + timedelta(hours=1)

    assert free_periods_roll(now=later) == 1
    assert free_periods_roll(now=later) == 0  # the period moved on: nothing more to roll

    assert credits.balance_for(free_account).plan_credits == 100
    resets = CreditLedger.objects.filter(account=free_account, kind=LedgerKind.RESET)
    assert resets.count() == 1
    assert credits.reconcile(free_account).ok


def test_a_running_period_is_left_alone(free_account):
    _spend(free_account, 10)
    assert free_periods_roll(now=timezone.now()) == 0
    assert credits.balance_for(free_account).plan_credits == 90


def test_missed_periods_jump_to_the_current_one(free_account):
    subscription = Subscription.objects.get(account=free_account)
    much_later = subscription.current_period_end + 3 * FREE_PERIOD + timedelta(days=2)
    free_periods_roll(now=much_later)
    subscription.refresh_from_db()
    assert subscription.current_period_start <= much_later < subscription.current_period_end
    assert CreditLedger.objects.filter(account=free_account, kind=LedgerKind.RESET).count() == 1


def test_paid_plans_are_not_rolled_here(alpha):
    # alpha is on a paid plan: its credits come from Stripe's invoice.paid, not this task.
    subscription = Subscription.objects.get(account=alpha.account)
    before = credits.balance_for(alpha.account).plan_credits
    free_periods_roll(now=subscription.current_period_end + timedelta(days=1))
    assert credits.balance_for(alpha.account).plan_credits == before


def test_a_workspace_back_on_free_after_canceling_rolls_too(free_account):
    from apps.billing.models import SubscriptionStatus

    Subscription.objects.filter(account=free_account).update(
        status=SubscriptionStatus.CANCELED, current_period_start=None, current_period_end=None
    )
    _spend(free_account, 30)
    now = timezone.now()
    free_periods_roll(now=now)  # starts its first Free period, credits as they are
    subscription = Subscription.objects.get(account=free_account)
    assert subscription.current_period_end == now + FREE_PERIOD
    assert credits.balance_for(free_account).plan_credits == 70

    free_periods_roll(now=now + FREE_PERIOD + timedelta(minutes=1))
    assert credits.balance_for(free_account).plan_credits == 100
