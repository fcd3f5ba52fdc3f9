"""Plans, subscriptions, credits and Stripe mirrors (public schema: the platform's own data).

Credits are integers and money is Decimal. Every credit change is a CreditLedger row written
by apps.billing.credits inside the transaction that locks the account's CreditBalance row.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.models import Account


class Plan(models.Model):
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=40, unique=True)
    monthly_price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    stripe_price_id = models.CharField(max_length=100, blank=True, db_index=True)
    monthly_credits = models.PositiveIntegerField(default=0)
    max_sites = models.PositiveIntegerField(default=1)
    max_users = models.PositiveIntegerField(default=1)
    max_keywords = models.PositiveIntegerField(default=500)
    max_sectors_per_site = models.PositiveIntegerField(default=3)
    is_active = models.BooleanField(default=True)
    is_public = models.BooleanField(default=True, help_text="Shown on the upgrade cards.")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "monthly_price"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_free(self) -> bool:
        return self.monthly_price == 0

    def limit_for(self, resource: str) -> int:
        return {
            "sites": self.max_sites,
            "users": self.max_users,
            "keywords": self.max_keywords,
            "sectors": self.max_sectors_per_site,
        }[resource]


class SubscriptionStatus(models.TextChoices):
    TRIALING = "trialing", "Trialing"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    CANCELED = "canceled", "Canceled"


class Subscription(models.Model):
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(
        max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    grace_period_end = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    # The Stripe time of the newest subscription state applied: older events never roll back.
    stripe_state_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.account} on {self.plan} ({self.status})"


class CreditBalance(models.Model):
    """The running balance of both pools; locked with select_for_update for every change."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="credits")
    plan_credits = models.IntegerField(default=0)
    bonus_credits = models.IntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(plan_credits__gte=0, bonus_credits__gte=0),
                name="credit_balance_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.total}"

    @property
    def total(self) -> int:
        return self.plan_credits + self.bonus_credits


class Pool(models.TextChoices):
    PLAN = "plan", "Plan credits"
    BONUS = "bonus", "Bonus credits"


class LedgerKind(models.TextChoices):
    GRANT = "grant", "Grant"
    PURCHASE = "purchase", "Purchase"
    RESERVE = "reserve", "Reserve"
    SETTLE = "settle", "Settle"
    REFUND = "refund", "Refund"
    RESET = "reset", "Reset"
    ADJUSTMENT = "adjustment", "Adjustment"


class CreditLedger(models.Model):
    """One immutable change to one pool. The sum of deltas per pool is that pool's balance."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ledger")
    pool = models.CharField(max_length=5, choices=Pool.choices)
    delta = models.IntegerField()
    balance_after = models.IntegerField(help_text="This pool's balance after the change.")
    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    operation = models.CharField(max_length=40, blank=True)
    reference = models.CharField(max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["account", "-created"], name="ledger_account_created")]
        verbose_name = "credit ledger entry"
        verbose_name_plural = "credit ledger"

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d} {self.pool} ({self.account})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger rows are immutable; write a new row instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger rows are immutable; write a compensating row instead.")


class CostUnit(models.TextChoices):
    PER_REQUEST = "per_request", "per request"
    PER_ITEM = "per_item", "per item"
    PER_100_WORDS = "per_100_words", "per 100 words"
    PER_IMAGE = "per_image", "per image"


class CreditCost(models.Model):
    operation = models.CharField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    unit = models.CharField(max_length=15, choices=CostUnit.choices)
    credits_per_unit = models.PositiveIntegerField()
    minimum = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["operation"]

    def __str__(self) -> str:
        return f"{self.operation}: {self.credits_per_unit} {self.get_unit_display()}"


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", "Reserved"
    SETTLED = "settled", "Settled"
    RELEASED = "released", "Released"


class Reservation(models.Model):
    """Credits held for one AI operation until it settles (charges actual) or is released."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="reservations")
    key = models.CharField(max_length=150, unique=True)
    operation = models.CharField(max_length=40)
    units = models.PositiveIntegerField()
    credits = models.PositiveIntegerField()
    from_plan = models.PositiveIntegerField(default=0)
    from_bonus = models.PositiveIntegerField(default=0)
    charged = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.RESERVED
    )
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.operation} {self.credits} ({self.status})"


class CreditPack(models.Model):
    name = models.CharField(max_length=60)
    credits = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    stripe_price_id = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "price"]

    def __str__(self) -> str:
        return f"{self.name} ({self.credits} credits)"


class Invoice(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invoices")
    stripe_invoice_id = models.CharField(max_length=100, unique=True)
    number = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20)
    amount_due = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    amount_paid = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="usd")
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    hosted_invoice_url = models.URLField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.number or self.stripe_invoice_id


class Payment(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payments")
    stripe_id = models.CharField(max_length=100, unique=True, help_text="Invoice or session id.")
    kind = models.CharField(max_length=20, help_text="subscription or credit_pack")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="usd")
    status = models.CharField(max_length=20)
    description = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"


class StripeEvent(models.Model):
    """Every Stripe event applied, by id: a replay finds its row and does nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=80)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stripe_created = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    received = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
