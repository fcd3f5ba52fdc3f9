"""The ledger under contention: real PostgreSQL, real threads, each on its own connection.

The rows the threads fight over must be committed: the test's own transaction (pytest's
`django_db`) would hide them from every other connection and hold their locks. So the test
thread only reads; every write, the set-up and the clean-up included, runs on a thread with a
connection of its own, in autocommit, and the throw-away account is deleted at the end.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from django.db import IntegrityError, connection, transaction

from apps.accounts.models import Account
from apps.billing import credits
from apps.billing.errors import InsufficientCredits
from apps.billing.models import (
    CreditBalance,
    CreditLedger,
    LedgerKind,
    Plan,
    Pool,
    Reservation,
    ReservationStatus,
    Subscription,
    SubscriptionStatus,
)

pytestmark = pytest.mark.django_db

OPERATION = "idea_generation"  # per item: settling with other units changes the charge


def committed[T](call: Callable[[], T]) -> T:
    """Run `call` on a connection of its own (autocommit) and return what it returned."""
    outcome: list = []

    def work() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # re-raised in the test thread
            outcome.append((False, exc))
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def _account_create() -> Account:
    tag = uuid.uuid4().hex[:10]
    account = Account.objects.create(
        name=f"Race {tag}", slug=f"race-{tag}", schema_name=f"ws_race_{tag}"
    )
    Subscription.objects.create(
        account=account, plan=Plan.objects.get(slug="starter"), status=SubscriptionStatus.ACTIVE
    )
    return account


def _account_delete(account: Account) -> None:
    with transaction.atomic():
        # Ledger rows refuse Model.delete(); the queryset deletes them in SQL.
        Reservation.objects.filter(account=account).delete()
        CreditLedger.objects.filter(account=account).delete()
        CreditBalance.objects.filter(account=account).delete()
        Subscription.objects.filter(account=account).delete()
        Account.objects.filter(pk=account.pk).delete()


@pytest.fixture
def committed_account(workspaces) -> Iterator[Account]:
    """An account (no schema needed) with an active subscription, committed."""
    account = committed(_account_create)
    try:
        yield account
    finally:
        committed(lambda: _account_delete(account))


def fund(account: Account, *, plan: int = 0, bonus: int = 0) -> None:
    def grant() -> None:
        if plan:
            credits.grant(account=account, pool=Pool.PLAN, credits=plan, key=f"plan:{account.pk}")
        if bonus:
            credits.purchase(account=account, credits=bonus, key=f"bonus:{account.pk}")

    committed(grant)


def run_together(calls: list[Callable[[], object]]) -> list[object]:
    """Run each call in its own thread, all released at once; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # the caller sorts outcomes from failures
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


class BalanceWatcher:
    """Samples the balance row from another connection while the threads run."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.samples: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        try:
            while not self._stop.is_set():
                row = (
                    CreditBalance.objects.filter(account=self.account)
                    .values_list("plan_credits", "bonus_credits")
                    .first()
                )
                if row is not None:
                    self.samples.append(row)
                self._stop.wait(0.002)
        finally:
            connection.close()

    def __enter__(self) -> BalanceWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def pools(account: Account) -> tuple[int, int]:
    return (
        CreditBalance.objects.filter(account=account)
        .values_list("plan_credits", "bonus_credits")
        .get()
    )


def test_the_database_refuses_a_negative_balance(committed_account):
    fund(committed_account, plan=5)

    def overdraw() -> None:
        CreditBalance.objects.filter(account=committed_account).update(plan_credits=-1)

    with pytest.raises(IntegrityError, match="credit_balance_not_negative"):
        committed(overdraw)
    assert pools(committed_account) == (5, 0)


def test_fifty_reservations_on_a_balance_for_ten(committed_account):
    account = committed_account
    each = credits.estimate(OPERATION, 1)
    # Both pools in play: ten reservations exactly drain plan credits and then bonus credits.
    fund(account, plan=6 * each, bonus=4 * each)

    calls = [
        (
            lambda i=i: credits.reserve(
                account=account, operation=OPERATION, units=1, key=f"{account.pk}:{i}"
            )
        )
        for i in range(50)
    ]
    with BalanceWatcher(account) as watcher:
        results = run_together(calls)

    won = [r for r in results if isinstance(r, Reservation)]
    refused = [r for r in results if isinstance(r, InsufficientCredits)]
    others = [r for r in results if not isinstance(r, Reservation | InsufficientCredits)]
    assert others == []
    assert (len(won), len(refused)) == (10, 40)
    assert len({r.pk for r in won}) == 10
    assert Reservation.objects.filter(account=account).count() == 10

    assert pools(account) == (0, 0)
    assert watcher.samples, "the watcher never saw the balance"
    assert all(plan >= 0 and bonus >= 0 for plan, bonus in watcher.samples)
    assert all(plan + bonus <= 10 * each for plan, bonus in watcher.samples)
    reserve_rows = CreditLedger.objects.filter(account=account, kind=LedgerKind.RESERVE)
    assert -sum(reserve_rows.values_list("delta", flat=True)) == 10 * each
    assert credits.reconcile(account).ok


def test_one_key_reserved_from_many_threads_holds_once(committed_account):
    account = committed_account
    each = credits.estimate(OPERATION, 3)
    fund(account, plan=100 * each)

    key = f"{account.pk}:only"
    results = run_together(
        [
            lambda: credits.reserve(account=account, operation=OPERATION, units=3, key=key)
            for _ in range(20)
        ]
    )

    assert all(isinstance(r, Reservation) for r in results), results
    assert {r.pk for r in results} == {Reservation.objects.get(key=key).pk}
    assert CreditLedger.objects.filter(account=account, kind=LedgerKind.RESERVE).count() == 1
    assert pools(account) == (99 * each, 0)
    assert credits.reconcile(account).ok


def test_settle_and_release_racing_finish_each_reservation_once(committed_account):
    account = committed_account
    rng = random.Random(8)
    start_plan, start_bonus = 60, 400
    fund(account, plan=start_plan, bonus=start_bonus)
    reservations = committed(
        lambda: [
            credits.reserve(account=account, operation=OPERATION, units=3, key=f"{account.pk}:{i}")
            for i in range(20)
        ]
    )
    assert pools(account)[0] == 0  # the holds span both pools

    # Every reservation gets a settle (fewer, same or more units than held) and a release,
    # twice each, shuffled; forty threads make two calls each.
    actions: list[Callable[[], object]] = []
    actual_units: dict[int, int] = {}
    for reservation in reservations:
        actual = actual_units[reservation.pk] = rng.randint(0, 6)
        for _ in range(2):
            actions.append(
                lambda r=reservation, a=actual: credits.settle(reservation=r, actual_units=a)
            )
            actions.append(lambda r=reservation: credits.release(reservation=r))
    rng.shuffle(actions)
    pairs = [
        (lambda first=actions[i], second=actions[i + 1]: (first(), second()))
        for i in range(0, len(actions), 2)
    ]
    assert len(pairs) == 40

    with BalanceWatcher(account) as watcher:
        results = run_together(pairs)

    assert [r for r in results if isinstance(r, Exception)] == []
    finished = {r.pk: r for r in Reservation.objects.filter(account=account)}
    statuses = Counter(r.status for r in finished.values())
    assert statuses[ReservationStatus.RESERVED] == 0
    assert statuses[ReservationStatus.SETTLED] + statuses[ReservationStatus.RELEASED] == 20
    # Which call comes first is up to the threads; both outcomes show up (each is a coin flip).
    assert statuses[ReservationStatus.SETTLED] and statuses[ReservationStatus.RELEASED]
    for reservation in finished.values():
        kinds = set(
            CreditLedger.objects.filter(reference=reservation.key)
            .exclude(kind=LedgerKind.RESERVE)
            .values_list("kind", flat=True)
        )
        # Settled: settle rows only (none when exactly the hold was used); released: refunds.
        if reservation.status == ReservationStatus.RELEASED:
            assert kinds == {LedgerKind.REFUND}
            assert reservation.charged == 0
        else:
            assert kinds <= {LedgerKind.SETTLE}
            # Never more than the hold: the hold is the price that was shown.
            used = credits.estimate(OPERATION, actual_units[reservation.pk])
            assert reservation.charged == min(used, reservation.credits)

    charged = sum(r.charged for r in finished.values())
    plan, bonus = pools(account)
    assert plan + bonus == start_plan + start_bonus - charged
    assert all(p >= 0 and b >= 0 for p, b in watcher.samples)
    assert credits.reconcile(account).ok
