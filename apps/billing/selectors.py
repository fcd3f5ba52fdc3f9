"""Reads for the billing pages, the usage page and the dashboard's credit widget."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.http import QueryDict
from django.utils import timezone

from apps.accounts.models import Account
from apps.billing.credits import balance_for
from apps.billing.models import (
    CreditCost,
    CreditLedger,
    CreditPack,
    Invoice,
    LedgerKind,
    Payment,
    Plan,
    Pool,
    Reservation,
    ReservationStatus,
    Subscription,
    SubscriptionStatus,
)
from apps.billing.plans import subscription_for

# The dashboard warns when the balance falls below this share of the plan's monthly credits.
LOW_CREDIT_SHARE = 0.10
USAGE_DAYS = 30
HISTORY_ROWS = 24


# --- balances ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditSummary:
    plan_name: str
    plan_credits: int
    bonus_credits: int
    monthly_credits: int

    @property
    def total(self) -> int:
        return self.plan_credits + self.bonus_credits

    @property
    def is_low(self) -> bool:
        """Below 10% of the plan's monthly grant (never for a plan that grants nothing)."""
        return self.monthly_credits > 0 and self.total < self.monthly_credits * LOW_CREDIT_SHARE


def credit_summary(
    *,
    account: Account,
    subscription: Subscription | None = None,
    seen: tuple[int, int] | None = None,
) -> CreditSummary:
    """Both balances and the plan's grant: two small queries, for the dashboard and billing.
    `seen`: the (plan, bonus) credits this request already read (the page cache's probe)."""
    subscription = subscription or subscription_for(account)
    plan_credits, bonus_credits = seen if seen is not None else _pools(balance_for(account))
    return CreditSummary(
        plan_name=subscription.plan.name,
        plan_credits=plan_credits,
        bonus_credits=bonus_credits,
        monthly_credits=subscription.plan.monthly_credits,
    )


def _pools(balance) -> tuple[int, int]:  # noqa: ANN001 (a CreditBalance)
    return balance.plan_credits, balance.bonus_credits


# --- plans, packs and history ----------------------------------------------------------------


def plans_offered() -> QuerySet[Plan]:
    """The plans on the upgrade cards: public and active, cheapest first."""
    return Plan.objects.filter(is_active=True, is_public=True).order_by(
        "sort_order", "monthly_price"
    )


def plan_changes_via_portal(subscription: Subscription) -> bool:
    """A paying subscription changes plan in Stripe's portal; a new checkout would make a
    second subscription (stripe_service refuses it)."""
    return (
        bool(subscription.stripe_subscription_id)
        and not subscription.plan.is_free
        and subscription.status != SubscriptionStatus.CANCELED
    )


def packs_offered() -> QuerySet[CreditPack]:
    return CreditPack.objects.filter(is_active=True).order_by("sort_order", "price")


def invoices_for(*, account: Account) -> list[Invoice]:
    return list(Invoice.objects.filter(account=account).order_by("-created")[:HISTORY_ROWS])


def payments_for(*, account: Account) -> list[Payment]:
    return list(Payment.objects.filter(account=account).order_by("-created")[:HISTORY_ROWS])


# --- costs -----------------------------------------------------------------------------------


def cost_wording(cost: CreditCost) -> str:
    """ "1 credit per 100 words, minimum 5": the minimum only where it changes anything."""
    credits = f"{cost.credits_per_unit:,} credit{'' if cost.credits_per_unit == 1 else 's'}"
    words = f"{credits} {cost.get_unit_display()}"
    if cost.minimum > cost.credits_per_unit:
        words += f", minimum {cost.minimum:,}"
    return words


@dataclass(frozen=True)
class CostRow:
    operation: str
    label: str
    description: str
    unit: str
    credits_per_unit: int
    minimum: int
    wording: str
    free_now: str = ""  # how the page says it is free here now (the offline writer serves it)


def cost_table(*, free_now: dict[str, str] | None = None) -> list[CostRow]:
    """The price list. `free_now` maps the operations the offline writer serves in this
    workspace to the words that say so: those runs cost nothing."""
    free_now = free_now or {}
    return [
        CostRow(
            operation=c.operation,
            label=c.label,
            description=c.description,
            unit=c.get_unit_display(),
            credits_per_unit=c.credits_per_unit,
            minimum=c.minimum,
            wording=cost_wording(c),
            free_now=free_now.get(c.operation, ""),
        )
        for c in CreditCost.objects.order_by("label")
    ]


def operation_labels() -> dict[str, str]:
    return dict(CreditCost.objects.values_list("operation", "label"))


def operation_label(operation: str, labels: dict[str, str]) -> str:
    if not operation:
        return ""
    return labels.get(operation) or operation.replace("_", " ").capitalize()


# --- spending (for the usage charts) -----------------------------------------------------------

# What an AI operation has cost so far: what it was charged once settled, the whole hold while
# it runs, nothing once released. The ledger nets to the same figure; reading reservations
# dates each charge to the day the operation ran and never gives a negative day.
_SPENT = Case(
    When(status=ReservationStatus.SETTLED, then=F("charged")),
    When(status=ReservationStatus.RESERVED, then=F("credits")),
    default=Value(0),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class OperationSpend:
    operation: str
    label: str
    runs: int
    credits: int


@dataclass(frozen=True)
class DaySpend:
    day: date
    credits: int


@dataclass(frozen=True)
class Spending:
    since: date
    until: date
    by_operation: list[OperationSpend]
    by_day: list[DaySpend]

    @property
    def total(self) -> int:
        return sum(o.credits for o in self.by_operation)

    @property
    def runs(self) -> int:
        return sum(o.runs for o in self.by_operation)


def spending(*, account: Account, days: int = USAGE_DAYS, today: date | None = None) -> Spending:
    """Credits spent by AI operations in the last `days` days (today included)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days - 1)
    rows = Reservation.objects.filter(account=account, created__gte=_day_start(since))
    labels = operation_labels()
    by_operation = [
        OperationSpend(
            operation=r["operation"],
            label=operation_label(r["operation"], labels),
            runs=r["runs"],
            credits=r["spent"] or 0,
        )
        for r in rows.values("operation")
        .annotate(spent=Sum(_SPENT), runs=Count("id", filter=~Q(status=ReservationStatus.RELEASED)))
        .order_by("-spent", "operation")
    ]
    per_day = dict(
        rows.annotate(day=TruncDate("created", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(spent=Sum(_SPENT))
        .values_list("day", "spent")
    )
    by_day = [
        DaySpend(day=since + timedelta(days=i), credits=per_day.get(since + timedelta(days=i)) or 0)
        for i in range(days)
    ]
    return Spending(since=since, until=today, by_operation=by_operation, by_day=by_day)


# --- the ledger ----------------------------------------------------------------------------------


@dataclass
class LedgerFilters:
    """The ledger filters from a query string. A value that makes no sense is dropped and
    named in `ignored`, so the page can say what it did not apply."""

    pool: str = ""
    kind: str = ""
    operation: str = ""
    date_from: date | None = None
    date_to: date | None = None
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query: QueryDict, *, operations: set[str]) -> LedgerFilters:
        f = cls()
        pool = query.get("pool", "").strip()
        if pool in Pool.values:
            f.pool = pool
        elif pool:
            f.ignored.append(f"pool “{pool[:40]}” (choose plan or bonus)")
        kind = query.get("kind", "").strip()
        if kind in LedgerKind.values:
            f.kind = kind
        elif kind:
            f.ignored.append(f"kind “{kind[:40]}” (not a kind of ledger entry)")
        operation = query.get("operation", "").strip()
        if operation in operations:
            f.operation = operation
        elif operation:
            f.ignored.append(f"operation “{operation[:40]}” (not an operation)")
        f.date_from = f._date(query, "from", "from date")
        f.date_to = f._date(query, "to", "to date")
        if f.date_from and f.date_to and f.date_from > f.date_to:
            f.ignored.append("the dates (the from date is after the to date)")
            f.date_from = f.date_to = None
        return f

    def _date(self, query: QueryDict, key: str, words: str) -> date | None:
        raw = query.get(key, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.ignored.append(f"{words} “{raw[:40]}” (use YYYY-MM-DD)")
            return None

    @property
    def active(self) -> bool:
        return bool(self.pool or self.kind or self.operation or self.date_from or self.date_to)

    def as_query(self) -> dict[str, str]:
        """The applied filters as GET parameters (for page links and the CSV export)."""
        pairs = {
            "pool": self.pool,
            "kind": self.kind,
            "operation": self.operation,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in pairs.items() if v}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def ledger_operations(*, account: Account) -> list[tuple[str, str]]:
    """Operations to filter by: every priced operation plus any found in this ledger."""
    labels = operation_labels()
    found = set(
        CreditLedger.objects.filter(account=account)
        .exclude(operation="")
        .values_list("operation", flat=True)
        .distinct()
    )
    return sorted(
        ((op, operation_label(op, labels)) for op in set(labels) | found), key=lambda p: p[1]
    )


def ledger_entries(*, account: Account, filters: LedgerFilters) -> QuerySet[CreditLedger]:
    rows = CreditLedger.objects.filter(account=account).select_related("actor")
    if filters.pool:
        rows = rows.filter(pool=filters.pool)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.operation:
        rows = rows.filter(operation=filters.operation)
    if filters.date_from:
        rows = rows.filter(created__gte=_day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(created__lt=_day_start(filters.date_to + timedelta(days=1)))
    return rows.order_by("-created", "-id")
