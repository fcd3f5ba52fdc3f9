"""How fast the credit ledger reserves, settles and releases, alone and under 8 workers.

Every call is the real service (`credits.reserve`, `settle`, `release`): a transaction that
locks the account's balance row, writes the reservation and its ledger rows, and commits.
Prints operations per second single-threaded and with 8 concurrent workers (threads, each on
its own database connection), both on one account (every worker fights for the same balance
row, the worst case) and on 8 accounts (one each), the ratio to single-threaded, latency
percentiles, and whether every balance still reconciles with its ledger at the end.

It works in its own database, `igny8_bench_credits`, on the same server as the project
database (the embedded one when DATABASE_URL is unset), and drops it at the end unless
`--keep` is given. Run it from the repository root:

    .venv/bin/python bench/credits.py            # 2,000 reservations per measurement
    .venv/bin/python bench/credits.py --quick    # 400
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import provision  # the sibling script: how a bench database is found, made and dropped

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DB = "igny8_bench_credits"
WORKERS = 8
OPERATION = "idea_generation"  # per item: settling with fewer units refunds the difference
# The provision bench's helpers, pointed at this bench's own database.
provision.BENCH_DB = BENCH_DB


@dataclass(frozen=True)
class Run:
    """One measurement: how many calls, on how many threads, how long, each call's latency."""

    calls: int
    workers: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.calls / self.seconds


# --- set-up (Django is set up) ---------------------------------------------------------------


def accounts_create(count: int, credits_each: int) -> list:
    """Accounts without schemas (the ledger lives in public), on Starter, well funded."""
    from apps.accounts.models import Account
    from apps.billing import credits
    from apps.billing.models import Plan, Pool, Subscription, SubscriptionStatus

    starter = Plan.objects.get(slug="starter")
    accounts = []
    for n in range(count):
        slug = f"bench-credits-{n:02d}"
        account = Account.objects.create(
            name=f"Bench credits {n}", slug=slug, schema_name=slug.replace("-", "_")
        )
        Subscription.objects.create(account=account, plan=starter, status=SubscriptionStatus.ACTIVE)
        credits.grant(account=account, pool=Pool.PLAN, credits=credits_each, key=f"fund:{slug}")
        accounts.append(account)
    return accounts


# --- measurements ------------------------------------------------------------------------------


def run_threads(jobs: list[list[Callable[[], object]]]) -> Run:
    """Run each list of calls on its own thread (own connection), all started together."""
    from django.db import connection

    barrier = threading.Barrier(len(jobs) + 1)
    latencies: list[list[float]] = [[] for _ in jobs]
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            connection.ensure_connection()  # connect before the clock starts
            barrier.wait()
            for call in jobs[index]:
                started = time.perf_counter()
                call()
                latencies[index].append(time.perf_counter() - started)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise failures[0]
    flat = [value for per_thread in latencies for value in per_thread]
    return Run(calls=len(flat), workers=len(jobs), seconds=seconds, latencies=flat)


def split(calls: list[Callable[[], object]], workers: int) -> list[list[Callable[[], object]]]:
    return [calls[i::workers] for i in range(workers)]


class Ledger:
    """Makes the calls: reservations with unique keys, then settles or releases of them."""

    def __init__(self) -> None:
        self.made = 0
        self.lock = threading.Lock()
        self.reservations: dict[int, list] = {}

    def reserve_calls(self, account, count: int) -> list[Callable[[], object]]:
        from apps.billing import credits

        held = self.reservations.setdefault(account.pk, [])

        def reserve(key: str) -> None:
            reservation = credits.reserve(account=account, operation=OPERATION, units=3, key=key)
            with self.lock:
                held.append(reservation)

        calls = []
        for _ in range(count):
            self.made += 1
            calls.append(lambda key=f"bench:{self.made}": reserve(key))
        return calls

    def finish_calls(self, account, count: int, how: str) -> list[Callable[[], object]]:
        """Settle (2 of 3 units used: a refund row) or release `count` held reservations."""
        from apps.billing import credits

        held = self.reservations[account.pk]
        taken, self.reservations[account.pk] = held[:count], held[count:]
        if how == "settle":
            return [lambda r=r: credits.settle(reservation=r, actual_units=2) for r in taken]
        return [lambda r=r: credits.release(reservation=r) for r in taken]


def percentiles(run: Run) -> str:
    ordered = sorted(run.latencies)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    return f"p50 {p50:5.2f} ms, p95 {p95:5.2f} ms"


def row(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)


def report(label: str, run: Run, single: Run | None = None) -> None:
    ratio = f", {run.rate / single.rate:4.2f}x single" if single else ""
    row(
        label,
        f"{run.rate:8,.0f} /s  ({run.calls:,} in {run.seconds:5.2f} s; {percentiles(run)}{ratio})",
    )


def run(calls: int) -> bool:
    """Measure and print. Returns whether every balance reconciles and nothing went negative."""
    from django.core.management import call_command

    from apps.billing import credits
    from apps.billing.models import CreditBalance, Reservation, ReservationStatus

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    print("Machine")
    for label, value in provision.machine_context():
        row(label, value)
    row("workers", f"{WORKERS} threads, one connection each")
    row("operation", f"{OPERATION}, 3 units = {credits.estimate(OPERATION, 3)} credits")

    single_account, shared_account, *own_accounts = accounts_create(2 + WORKERS, 10**9)
    ledger = Ledger()
    per_worker = calls // WORKERS

    print("\nReserve")
    single = run_threads([ledger.reserve_calls(single_account, calls)])
    report("single-threaded", single)
    shared = run_threads(split(ledger.reserve_calls(shared_account, calls), WORKERS))
    report(f"{WORKERS} workers, one account (one hot row)", shared, single)
    spread = run_threads([ledger.reserve_calls(a, per_worker) for a in own_accounts])
    report(f"{WORKERS} workers, {WORKERS} accounts (one each)", spread, single)

    half = calls // 2
    for how in ("settle", "release"):
        print(f"\n{how.capitalize()}")
        alone = run_threads([ledger.finish_calls(single_account, half, how)])
        report("single-threaded", alone)
        together = run_threads(split(ledger.finish_calls(shared_account, half, how), WORKERS))
        report(f"{WORKERS} workers, one account (one hot row)", together, alone)
        spread = run_threads([ledger.finish_calls(a, per_worker // 2, how) for a in own_accounts])
        report(f"{WORKERS} workers, {WORKERS} accounts (one each)", spread, alone)

    print("\nChecks")
    accounts = [single_account, shared_account, *own_accounts]
    reconciled = all(credits.reconcile(a).ok for a in accounts)
    negative = CreditBalance.objects.filter(plan_credits__lt=0).exists() or (
        CreditBalance.objects.filter(bonus_credits__lt=0).exists()
    )
    expected = 2 * calls + WORKERS * per_worker
    made = Reservation.objects.count()
    still_held = Reservation.objects.filter(status=ReservationStatus.RESERVED).count()
    row("reservations made", f"{made:,} (expected {expected:,}); {still_held:,} still held")
    row("every balance equals its ledger", "yes" if reconciled else "NO")
    row("no balance below zero", "yes" if not negative else "NO")
    return reconciled and not negative and made == expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 400 calls")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument("--calls", type=int, default=0, help="reservations per measurement")
    args = parser.parse_args()
    calls = args.calls or (400 if args.quick else 2000)
    calls -= calls % (2 * WORKERS)  # whole shares for every worker, and halves of them

    server = provision.server_locate()
    provision.bench_db_recreate(server)
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # As in production: with DEBUG on, Django keeps every query in memory, which costs time.
    os.environ.setdefault("DEBUG", "false")

    import django

    django.setup()
    with provision.bench_db_kept_or_dropped(server, keep=args.keep):
        ok = run(calls)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
