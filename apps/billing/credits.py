"""The credit ledger: every change to an account's credits, and nothing else writes them.

Each function takes the account's CreditBalance row with select_for_update, writes one ledger
row per pool it touches (with the pool's balance after), and commits both together. Every
write carries an idempotency key (unique in the ledger), so a retried call changes nothing.
Spending takes plan credits first, then bonus credits; refunds go back where they came from.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.accounts.models import Account, User
from apps.billing.errors import InsufficientCredits
from apps.billing.models import (
    CostUnit,
    CreditBalance,
    CreditCost,
    CreditLedger,
    LedgerKind,
    Pool,
    Reservation,
    ReservationStatus,
)
from apps.billing.signals import credits_spent

# Whether an account may spend is the plans' rule (apps.billing.plans.ensure_can_spend). The
# plans build on this ledger (a new subscription is granted its credits here), so the rule is
# handed in at ready() (BillingConfig) instead of imported: the ledger stays below the plans.
_spend_guard: Callable[[Account], None] | None = None


def register_spend_guard(guard: Callable[[Account], None]) -> None:
    """Install the check `reserve` makes before holding credits (raises AccountLapsed)."""
    global _spend_guard
    _spend_guard = guard


def balance_for(account: Account) -> CreditBalance:
    balance, _ = CreditBalance.objects.get_or_create(account=account)
    return balance


class Priced(Protocol):
    """A price as igny8.ai.costs.Price gives it: credits, and words for a sentence (str)."""

    credits: int


def require_affordable(account: Account, price: Priced, *, costing: str, otherwise: str) -> None:
    """Raise InsufficientCredits, before anything is queued, when the account's balance cannot
    cover `price`. The sentence says what it costs and what to do next:
    "{costing} {price} and the workspace has N. Buy a credit pack or upgrade the plan,
    {otherwise}." (costing: "Writing 3 tasks costs"; otherwise: "or write fewer tasks")."""
    available = balance_for(account).total
    if available < price.credits:
        raise InsufficientCredits(
            f"{costing} {price} and the workspace has {available:,}. "
            f"Buy a credit pack or upgrade the plan, {otherwise}."
        )


def _locked_balance(account: Account) -> CreditBalance:
    CreditBalance.objects.get_or_create(account=account)
    return CreditBalance.objects.select_for_update().get(account=account)


def _write(
    balance: CreditBalance,
    *,
    pool: str,
    delta: int,
    kind: str,
    key: str,
    operation: str = "",
    reference: str = "",
    actor: User | None = None,
    note: str = "",
) -> CreditLedger:
    field = "plan_credits" if pool == Pool.PLAN else "bonus_credits"
    new_value = getattr(balance, field) + delta
    if new_value < 0:
        raise InsufficientCredits("That would take the balance below zero.")
    setattr(balance, field, new_value)
    balance.save(update_fields=[field, "updated"])
    return CreditLedger.objects.create(
        account_id=balance.account_id,
        pool=pool,
        delta=delta,
        balance_after=new_value,
        kind=kind,
        operation=operation,
        reference=reference[:120],
        idempotency_key=key,
        actor=actor,
        note=note,
    )


def _spent(account: Account, balance: CreditBalance) -> None:
    """Tell listeners (apps.billing.signals) that credits went for good, while the balance is
    still locked. Robust: a failing receiver is logged (django.dispatch), the charge stands."""
    credits_spent.send_robust(sender=CreditBalance, account=account, balance=balance)


def _already(key: str) -> bool:
    return CreditLedger.objects.filter(idempotency_key=key).exists()


# --- costs ---------------------------------------------------------------------------------


def cost_for(operation: str) -> CreditCost:
    try:
        return CreditCost.objects.get(operation=operation)
    except CreditCost.DoesNotExist:
        raise ValueError(f"No credit cost is defined for {operation!r}.") from None


def estimate(operation: str, units: int) -> int:
    """Credits an operation costs for `units` (requests, items, words or images)."""
    cost = cost_for(operation)
    units = max(int(units), 0)
    if cost.unit == CostUnit.PER_100_WORDS:
        charged_units = math.ceil(units / 100)
    elif cost.unit == CostUnit.PER_REQUEST:
        charged_units = 1
    else:
        charged_units = units
    return max(charged_units * cost.credits_per_unit, cost.minimum)


# --- grants and purchases ------------------------------------------------------------------


def grant(
    *, account: Account, pool: str, credits: int, key: str, kind: str = LedgerKind.GRANT, **extra
) -> CreditLedger | None:
    """Add credits to a pool. Returns None when `key` was already applied."""
    if credits <= 0:
        raise ValueError("A grant adds a positive number of credits.")
    with transaction.atomic():
        balance = _locked_balance(account)
        if _already(key):
            return None
        return _write(balance, pool=pool, delta=credits, kind=kind, key=key, **extra)


def purchase(*, account: Account, credits: int, key: str, reference: str = "") -> bool:
    """A credit pack bought: bonus credits that never expire. False when already applied."""
    return (
        grant(
            account=account,
            pool=Pool.BONUS,
            credits=credits,
            key=key,
            kind=LedgerKind.PURCHASE,
            reference=reference,
        )
        is not None
    )


def reset_plan_credits(
    *, account: Account, credits: int, key: str, reference: str = ""
) -> CreditLedger | None:
    """Set the plan pool to the plan's monthly credits (a new paid period). Idempotent."""
    with transaction.atomic():
        balance = _locked_balance(account)
        if _already(key):
            return None
        return _write(
            balance,
            pool=Pool.PLAN,
            delta=credits - balance.plan_credits,
            kind=LedgerKind.RESET,
            key=key,
            reference=reference,
        )


def adjust(
    *, account: Account, pool: str, delta: int, actor: User | None, note: str
) -> CreditLedger:
    """A staff correction. Requires a note; cannot take a pool below zero."""
    if not note.strip():
        raise ValueError("Say why: an adjustment needs a note.")
    if delta == 0:
        raise ValueError("An adjustment changes the balance by a non-zero amount.")
    # Adjustments are deliberate one-offs, not retries: each gets a key of its own.
    key = f"adjustment:{account.pk}:{uuid.uuid4().hex}"
    with transaction.atomic():
        balance = _locked_balance(account)
        row = _write(
            balance,
            pool=pool,
            delta=delta,
            kind=LedgerKind.ADJUSTMENT,
            key=key,
            actor=actor,
            note=note.strip(),
        )
        if delta < 0:
            _spent(account, balance)
        return row


# --- reservations for AI operations --------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    operation: str
    units: int
    credits: int


def reserve(
    *, account: Account, operation: str, units: int, key: str, credits: int | None = None
) -> Reservation:
    """Hold the credits of an operation before it starts: `credits` when the caller priced it
    (the AI engine: 0 for a run the offline writer serves), else the operation's estimate.

    A zero-credit hold writes no ledger row (the ledger records changes only) but is still a
    Reservation, so the run settles and is recorded like any other.

    Raises InsufficientCredits (402) when the balance cannot cover it, AccountLapsed (402) when
    the account may not spend. Calling again with the same key returns the same reservation.
    """
    if units < 0:
        raise ValueError("An operation uses zero or more units.")
    if credits is not None and credits < 0:
        raise ValueError("A reservation holds zero or more credits.")
    existing = Reservation.objects.filter(key=key).first()
    if existing is not None:
        return existing
    if _spend_guard is None:  # never spend unchecked: the app registry is not ready
        raise RuntimeError("Credits are reserved only once the billing app is ready.")
    _spend_guard(account)
    credits = estimate(operation, units) if credits is None else credits
    try:
        with transaction.atomic():
            balance = _locked_balance(account)
            existing = Reservation.objects.filter(key=key).first()
            if existing is not None:
                return existing
            if balance.total < credits:
                raise InsufficientCredits(
                    f"This needs {credits:,} credits and the workspace has {balance.total:,}. "
                    "Buy a credit pack or upgrade the plan, then try again."
                )
            from_plan = min(balance.plan_credits, credits)
            from_bonus = credits - from_plan
            reservation = Reservation.objects.create(
                account=account,
                key=key,
                operation=operation,
                units=units,
                credits=credits,
                from_plan=from_plan,
                from_bonus=from_bonus,
            )
            for pool, amount in ((Pool.PLAN, from_plan), (Pool.BONUS, from_bonus)):
                if amount:
                    _write(
                        balance,
                        pool=pool,
                        delta=-amount,
                        kind=LedgerKind.RESERVE,
                        key=f"reserve:{key}:{pool}",
                        operation=operation,
                        reference=key,
                    )
            return reservation
    except IntegrityError:
        # The same key raced in from elsewhere and won: that reservation is ours too.
        return Reservation.objects.get(key=key)


def _refund(balance: CreditBalance, reservation: Reservation, amount: int, kind: str, tag: str):
    """Return `amount` of a reservation: bonus first (it was taken last), then plan."""
    to_bonus = min(amount, reservation.from_bonus)
    to_plan = amount - to_bonus
    for pool, credits in ((Pool.BONUS, to_bonus), (Pool.PLAN, to_plan)):
        if credits:
            _write(
                balance,
                pool=pool,
                delta=credits,
                kind=kind,
                key=f"{tag}:{reservation.key}:{pool}",
                operation=reservation.operation,
                reference=reservation.key,
            )


def settle(*, reservation: Reservation, actual_units: int) -> Reservation:
    """Charge what the operation actually used and return the rest of the hold.

    Never more than the hold: the hold is the price people were shown before the run, and
    what was shown is the most that is taken (a run that produced less is charged less).
    Settling twice, or after a release, changes nothing.
    """
    with transaction.atomic():
        balance = _locked_balance(reservation.account)
        reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if reservation.status != ReservationStatus.RESERVED:
            return reservation
        charged = min(estimate(reservation.operation, actual_units), reservation.credits)
        if charged < reservation.credits:
            _refund(
                balance, reservation, reservation.credits - charged, LedgerKind.SETTLE, "settle"
            )
        reservation.status = ReservationStatus.SETTLED
        reservation.charged = charged
        reservation.finished = timezone.now()
        reservation.save(update_fields=["status", "charged", "finished"])
        if charged:
            _spent(reservation.account, balance)
        return reservation


def release(*, reservation: Reservation) -> Reservation:
    """Give back the whole hold (the operation failed). Twice, or after settle: no change."""
    with transaction.atomic():
        balance = _locked_balance(reservation.account)
        reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if reservation.status != ReservationStatus.RESERVED:
            return reservation
        _refund(balance, reservation, reservation.credits, LedgerKind.REFUND, "release")
        reservation.status = ReservationStatus.RELEASED
        reservation.finished = timezone.now()
        reservation.save(update_fields=["status", "finished"])
        return reservation


# --- reconciliation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    account_id: int
    plan_balance: int
    plan_ledger: int
    bonus_balance: int
    bonus_ledger: int

    @property
    def ok(self) -> bool:
        return self.plan_balance == self.plan_ledger and self.bonus_balance == self.bonus_ledger


def reconcile(account: Account) -> Reconciliation:
    """Prove the stored balance equals the sum of the ledger, pool by pool."""
    balance = balance_for(account)
    sums = dict(
        CreditLedger.objects.filter(account=account)
        .values_list("pool")
        .annotate(total=Sum("delta"))
        .values_list("pool", "total")
    )
    return Reconciliation(
        account_id=account.pk,
        plan_balance=balance.plan_credits,
        plan_ledger=sums.get(Pool.PLAN, 0) or 0,
        bonus_balance=balance.bonus_credits,
        bonus_ledger=sums.get(Pool.BONUS, 0) or 0,
    )
