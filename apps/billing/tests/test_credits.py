"""The credit ledger: estimates, reservations, settling, refunds, grants and reconciliation.

Every scenario ends by proving the stored balance equals the sum of the ledger.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from apps.accounts.models import Account
from apps.billing import credits
from apps.billing.errors import InsufficientCredits
from apps.billing.models import (
    CreditBalance,
    CreditCost,
    CreditLedger,
    LedgerKind,
    Plan,
    Pool,
    Reservation,
    ReservationStatus,
    Subscription,
    SubscriptionStatus,
)
from apps.billing.seed import COSTS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Costs of our own, so the figures below do not move when staff edit the seeded ones.
PER_ITEM = "test_per_item"  # 2 per item, minimum 3
PER_REQUEST = "test_per_request"  # 4 per request
PER_WORDS = "test_per_words"  # 1 per 100 words, minimum 5
PER_IMAGE = "test_per_image"  # 5 per image


@pytest.fixture
def costs(workspaces):
    for operation, unit, per_unit, minimum in [
        (PER_ITEM, "per_item", 2, 3),
        (PER_REQUEST, "per_request", 4, 0),
        (PER_WORDS, "per_100_words", 1, 5),
        (PER_IMAGE, "per_image", 5, 0),
    ]:
        CreditCost.objects.create(
            operation=operation,
            label=operation,
            unit=unit,
            credits_per_unit=per_unit,
            minimum=minimum,
        )


@pytest.fixture
def account(costs) -> Account:
    """An account with an active paid subscription and empty pools (no schema needed)."""
    account = Account.objects.create(name="Ledger Co", slug="ledger-co", schema_name="ws_ledger_co")
    Subscription.objects.create(
        account=account, plan=Plan.objects.get(slug="starter"), status=SubscriptionStatus.ACTIVE
    )
    return account


def fund(account: Account, *, plan: int = 0, bonus: int = 0) -> None:
    if plan:
        credits.grant(account=account, pool=Pool.PLAN, credits=plan, key=f"fund:plan:{plan}")
    if bonus:
        credits.purchase(account=account, credits=bonus, key=f"fund:bonus:{bonus}")


def pools(account: Account) -> tuple[int, int]:
    balance = CreditBalance.objects.get(account=account)
    return balance.plan_credits, balance.bonus_credits


def ledger(account: Account) -> list[tuple[str, str, int, int]]:
    """(kind, pool, delta, balance after), oldest first."""
    rows = CreditLedger.objects.filter(account=account).order_by("id")
    return [(r.kind, r.pool, r.delta, r.balance_after) for r in rows]


def assert_reconciles(account: Account) -> None:
    result = credits.reconcile(account)
    assert result.ok, result


# Estimates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "units", "expected"),
    [
        (PER_REQUEST, 1, 4),
        (PER_REQUEST, 7, 4),  # one request, however many units it names
        (PER_ITEM, 4, 8),
        (PER_ITEM, 1, 3),  # the minimum
        (PER_ITEM, 0, 3),
        (PER_WORDS, 1000, 10),
        (PER_WORDS, 1001, 11),  # every started 100 words counts
        (PER_WORDS, 650, 7),
        (PER_WORDS, 120, 5),  # the minimum
        (PER_IMAGE, 3, 15),
        (PER_IMAGE, 0, 0),
    ],
)
def test_estimate_follows_the_unit_of_each_cost(operation, units, expected, costs):
    assert credits.estimate(operation, units) == expected


def test_estimate_of_an_unknown_operation_says_so(costs):
    with pytest.raises(ValueError, match="no_such_operation"):
        credits.estimate("no_such_operation", 1)


def test_every_ai_operation_has_a_seeded_cost(workspaces):
    wanted = {
        "cluster_naming",
        "idea_generation",
        "content_generation",
        "image_prompts",
        "image_generation",
        "optimization",
    }
    assert wanted == {row[0] for row in COSTS}
    assert wanted <= set(CreditCost.objects.values_list("operation", flat=True))
    for operation in wanted:
        assert credits.estimate(operation, 1) > 0


# Reserving ---------------------------------------------------------------------------------


def test_reserve_takes_plan_credits_first_then_bonus(account):
    fund(account, plan=10, bonus=20)
    reservation = credits.reserve(account=account, operation=PER_ITEM, units=8, key="r1")

    assert (reservation.credits, reservation.from_plan, reservation.from_bonus) == (16, 10, 6)
    assert reservation.status == ReservationStatus.RESERVED
    assert pools(account) == (0, 14)
    assert ledger(account)[-2:] == [
        (LedgerKind.RESERVE, Pool.PLAN, -10, 0),
        (LedgerKind.RESERVE, Pool.BONUS, -6, 14),
    ]
    assert_reconciles(account)


def test_reserve_leaves_bonus_alone_when_plan_credits_cover_it(account):
    fund(account, plan=10, bonus=20)
    reservation = credits.reserve(account=account, operation=PER_REQUEST, units=1, key="r1")
    assert (reservation.from_plan, reservation.from_bonus) == (4, 0)
    assert pools(account) == (6, 20)
    assert ledger(account)[-1] == (LedgerKind.RESERVE, Pool.PLAN, -4, 6)
    assert_reconciles(account)


def test_reserve_without_enough_credits_is_refused_and_writes_nothing(account):
    fund(account, plan=3, bonus=2)
    rows_before = ledger(account)

    with pytest.raises(InsufficientCredits) as refused:
        credits.reserve(account=account, operation=PER_ITEM, units=3, key="too-much")

    assert refused.value.status == 402
    assert refused.value.code == "insufficient_credits"
    assert "needs 6 credits" in refused.value.message and "has 5" in refused.value.message
    assert refused.value.action_url == "/billing/"
    assert not Reservation.objects.filter(key="too-much").exists()
    assert ledger(account) == rows_before
    assert pools(account) == (3, 2)
    assert_reconciles(account)


def test_reserve_with_negative_units_is_refused(account):
    fund(account, plan=10)
    with pytest.raises(ValueError):
        credits.reserve(account=account, operation=PER_ITEM, units=-1, key="negative")
    assert not Reservation.objects.filter(key="negative").exists()
    assert pools(account) == (10, 0)


def test_reserving_twice_with_one_key_holds_the_credits_once(account):
    fund(account, plan=50)
    first = credits.reserve(account=account, operation=PER_ITEM, units=5, key="same")
    again = credits.reserve(account=account, operation=PER_ITEM, units=9, key="same")

    assert again.pk == first.pk
    assert again.credits == 10
    assert Reservation.objects.filter(key="same").count() == 1
    assert CreditLedger.objects.filter(account=account, kind=LedgerKind.RESERVE).count() == 1
    assert pools(account) == (40, 0)
    assert_reconciles(account)


# Settling and releasing -------------------------------------------------------------------


@pytest.fixture
def held(account) -> Reservation:
    """16 credits held: 10 from the plan pool, 6 from bonus (14 bonus left)."""
    fund(account, plan=10, bonus=20)
    return credits.reserve(account=account, operation=PER_ITEM, units=8, key="held")


def test_settle_with_fewer_units_returns_the_difference_bonus_first(account, held):
    settled = credits.settle(reservation=held, actual_units=4)  # 8 credits used of 16

    assert settled.status == ReservationStatus.SETTLED
    assert settled.charged == 8
    assert settled.finished is not None
    # 8 come back: the 6 bonus credits first (spent last), then 2 plan credits.
    assert pools(account) == (2, 20)
    assert ledger(account)[-2:] == [
        (LedgerKind.SETTLE, Pool.BONUS, 6, 20),
        (LedgerKind.SETTLE, Pool.PLAN, 2, 2),
    ]
    assert_reconciles(account)


def test_settle_with_the_estimated_units_charges_the_hold(account, held):
    rows_before = len(ledger(account))
    settled = credits.settle(reservation=held, actual_units=8)
    assert settled.charged == 16
    assert pools(account) == (0, 14)
    assert len(ledger(account)) == rows_before
    assert_reconciles(account)


def test_settle_with_more_units_never_takes_more_than_the_hold(account, held):
    # The hold is the price people were shown: what was shown is the most that is taken.
    rows_before = len(ledger(account))
    settled = credits.settle(reservation=held, actual_units=11)  # 22 credits' worth of work
    assert settled.charged == 16
    assert pools(account) == (0, 14)
    assert len(ledger(account)) == rows_before
    assert_reconciles(account)


def test_a_zero_credit_hold_settles_to_nothing_and_writes_no_ledger_row(account):
    # A run the offline writer serves is priced 0 by the engine: it still reserves and
    # settles (the run is recorded), but the ledger records changes only.
    fund(account, plan=10, bonus=0)
    rows_before = len(ledger(account))
    reservation = credits.reserve(
        account=account, operation=PER_ITEM, units=3, key="free", credits=0
    )
    assert (reservation.credits, reservation.status) == (0, ReservationStatus.RESERVED)
    settled = credits.settle(reservation=reservation, actual_units=3)
    assert (settled.status, settled.charged) == (ReservationStatus.SETTLED, 0)
    assert pools(account) == (10, 0)
    assert len(ledger(account)) == rows_before
    assert_reconciles(account)


def test_a_zero_credit_hold_needs_no_balance(account):
    fund(account, plan=0, bonus=0)
    reservation = credits.reserve(
        account=account, operation=PER_ITEM, units=50, key="free-empty", credits=0
    )
    assert reservation.status == ReservationStatus.RESERVED


def test_release_returns_the_whole_hold_to_its_pools(account, held):
    released = credits.release(reservation=held)
    assert released.status == ReservationStatus.RELEASED
    assert released.charged == 0
    assert pools(account) == (10, 20)
    assert ledger(account)[-2:] == [
        (LedgerKind.REFUND, Pool.BONUS, 6, 20),
        (LedgerKind.REFUND, Pool.PLAN, 10, 10),
    ]
    assert_reconciles(account)


def _second_call_changes_nothing(account, first, second) -> Reservation:
    first()
    state = (pools(account), ledger(account))
    outcome = second()
    assert (pools(account), ledger(account)) == state
    return outcome


def test_settling_twice_changes_nothing_the_second_time(account, held):
    again = _second_call_changes_nothing(
        account,
        lambda: credits.settle(reservation=held, actual_units=4),
        lambda: credits.settle(reservation=held, actual_units=1),
    )
    assert (again.status, again.charged) == (ReservationStatus.SETTLED, 8)
    assert_reconciles(account)


def test_settling_after_a_release_changes_nothing(account, held):
    again = _second_call_changes_nothing(
        account,
        lambda: credits.release(reservation=held),
        lambda: credits.settle(reservation=held, actual_units=4),
    )
    assert (again.status, again.charged) == (ReservationStatus.RELEASED, 0)
    assert pools(account) == (10, 20)
    assert_reconciles(account)


def test_releasing_after_a_settle_changes_nothing(account, held):
    again = _second_call_changes_nothing(
        account,
        lambda: credits.settle(reservation=held, actual_units=8),
        lambda: credits.release(reservation=held),
    )
    assert (again.status, again.charged) == (ReservationStatus.SETTLED, 16)
    assert pools(account) == (0, 14)
    assert_reconciles(account)


def test_releasing_twice_changes_nothing_the_second_time(account, held):
    again = _second_call_changes_nothing(
        account,
        lambda: credits.release(reservation=held),
        lambda: credits.release(reservation=held),
    )
    assert again.status == ReservationStatus.RELEASED
    assert pools(account) == (10, 20)
    assert_reconciles(account)


def test_a_stale_reservation_object_cannot_settle_twice(account, held):
    # A job holding an old copy (status still "reserved") retries after the first settle.
    stale = Reservation.objects.get(pk=held.pk)
    credits.settle(reservation=held, actual_units=2)
    state = (pools(account), ledger(account))
    credits.settle(reservation=stale, actual_units=2)
    credits.release(reservation=stale)
    assert (pools(account), ledger(account)) == state
    assert_reconciles(account)


# Grants, purchases, resets, adjustments ---------------------------------------------------


def test_grant_is_applied_once_per_key(account):
    first = credits.grant(account=account, pool=Pool.PLAN, credits=25, key="welcome")
    again = credits.grant(account=account, pool=Pool.PLAN, credits=25, key="welcome")
    assert first is not None and again is None
    assert pools(account) == (25, 0)
    assert ledger(account) == [(LedgerKind.GRANT, Pool.PLAN, 25, 25)]
    assert_reconciles(account)


@pytest.mark.parametrize("amount", [0, -5])
def test_grant_must_add_credits(account, amount):
    with pytest.raises(ValueError):
        credits.grant(account=account, pool=Pool.PLAN, credits=amount, key="bad")
    assert not CreditLedger.objects.filter(account=account).exists()


def test_purchase_adds_bonus_credits_once_per_key(account):
    assert credits.purchase(account=account, credits=500, key="cs_1", reference="Small pack")
    assert not credits.purchase(account=account, credits=500, key="cs_1", reference="Small pack")
    assert pools(account) == (0, 500)
    assert ledger(account) == [(LedgerKind.PURCHASE, Pool.BONUS, 500, 500)]
    assert CreditLedger.objects.get(account=account).reference == "Small pack"
    assert_reconciles(account)


def test_reset_sets_plan_credits_to_the_grant_once_per_key(account):
    fund(account, plan=40, bonus=7)
    credits.reserve(account=account, operation=PER_ITEM, units=5, key="spent")  # plan 30 left

    assert credits.reset_plan_credits(account=account, credits=1000, key="in_1") is not None
    assert credits.reset_plan_credits(account=account, credits=1000, key="in_1") is None

    assert pools(account) == (1000, 7)  # bonus credits never expire
    assert ledger(account)[-1] == (LedgerKind.RESET, Pool.PLAN, 970, 1000)
    assert_reconciles(account)


def test_reset_can_lower_the_plan_pool(account):
    fund(account, plan=5000)
    credits.reset_plan_credits(account=account, credits=100, key="downgrade")
    assert pools(account) == (100, 0)
    assert ledger(account)[-1] == (LedgerKind.RESET, Pool.PLAN, -4900, 100)
    assert_reconciles(account)


def test_adjust_writes_a_row_with_the_actor_and_the_note(account):
    staff = make_user(is_staff=True)
    fund(account, plan=10)
    row = credits.adjust(
        account=account, pool=Pool.BONUS, delta=15, actor=staff, note="  Outage credit  "
    )
    again = credits.adjust(account=account, pool=Pool.PLAN, delta=-4, actor=staff, note="Typo")

    assert (row.kind, row.actor, row.note, row.balance_after) == (
        LedgerKind.ADJUSTMENT,
        staff,
        "Outage credit",
        15,
    )
    assert row.idempotency_key != again.idempotency_key
    assert pools(account) == (6, 15)
    assert_reconciles(account)


@pytest.mark.parametrize("note", ["", "   "])
def test_adjust_needs_a_note(account, note):
    fund(account, plan=10)
    rows_before = ledger(account)
    with pytest.raises(ValueError, match="note"):
        credits.adjust(account=account, pool=Pool.PLAN, delta=5, actor=None, note=note)
    assert ledger(account) == rows_before
    assert pools(account) == (10, 0)


def test_adjust_cannot_take_a_pool_below_zero(account):
    fund(account, plan=10, bonus=3)
    rows_before = ledger(account)
    with pytest.raises(InsufficientCredits):
        credits.adjust(account=account, pool=Pool.BONUS, delta=-4, actor=None, note="Chargeback")
    assert ledger(account) == rows_before
    assert pools(account) == (10, 3)
    assert_reconciles(account)


def test_adjust_by_zero_is_refused(account):
    with pytest.raises(ValueError):
        credits.adjust(account=account, pool=Pool.PLAN, delta=0, actor=None, note="Nothing")
    assert not CreditLedger.objects.filter(account=account).exists()


# The ledger itself -------------------------------------------------------------------------


def test_ledger_rows_cannot_be_changed(account):
    fund(account, plan=10)
    row = CreditLedger.objects.get(account=account)
    row.delta = 1000
    with pytest.raises(ValueError, match="immutable"):
        row.save()
    assert CreditLedger.objects.get(pk=row.pk).delta == 10


def test_ledger_rows_cannot_be_deleted(account):
    fund(account, plan=10)
    row = CreditLedger.objects.get(account=account)
    with pytest.raises(ValueError, match="immutable"):
        row.delete()
    assert CreditLedger.objects.filter(pk=row.pk).exists()


def test_reconcile_notices_a_balance_changed_behind_the_ledger(account):
    fund(account, plan=10, bonus=5)
    assert_reconciles(account)

    CreditBalance.objects.filter(account=account).update(bonus_credits=F("bonus_credits") + 100)
    result = credits.reconcile(account)

    assert not result.ok
    assert (result.bonus_balance, result.bonus_ledger) == (105, 5)
    assert (result.plan_balance, result.plan_ledger) == (10, 10)


def test_reconcile_notices_a_ledger_row_without_its_balance_change(account):
    fund(account, plan=10)
    # Written beside the service, so the balance row never heard of it.
    CreditLedger.objects.create(
        account=account,
        pool=Pool.PLAN,
        delta=7,
        balance_after=17,
        kind="grant",
        idempotency_key="x",
    )
    result = credits.reconcile(account)
    assert not result.ok
    assert (result.plan_balance, result.plan_ledger) == (10, 17)


# The billing_reconcile command ------------------------------------------------------------


def test_reconcile_command_passes_when_every_balance_matches(account):
    fund(account, plan=10, bonus=5)
    out = StringIO()
    call_command("billing_reconcile", stdout=out)
    assert "match the ledger" in out.getvalue()


def test_reconcile_command_fails_and_names_the_mismatched_account(account, alpha):
    fund(account, plan=10, bonus=5)
    CreditBalance.objects.filter(account=account).update(plan_credits=F("plan_credits") - 3)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 account"):
        call_command("billing_reconcile", stdout=out, stderr=err)
    report = err.getvalue()
    assert "ledger-co" in report and "plan 7" in report and "ledger 10" in report
    assert alpha.account.slug not in report
