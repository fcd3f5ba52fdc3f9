"""Billing in the platform admin.

Plans, credit costs and packs are data staff edit freely. Credits are not: balances and the
ledger are read-only here, and the only ways to change them are the "Adjust credits" form
(credits.adjust, a ledger row with the staff member and a required note) and assigning a plan
(plans.plan_assign, which resets plan credits through the ledger). Stripe mirrors are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.billing import credits, plans
from apps.billing.models import (
    CreditBalance,
    CreditCost,
    CreditLedger,
    CreditPack,
    Invoice,
    Payment,
    Plan,
    Pool,
    Reservation,
    StripeEvent,
    Subscription,
)
from igny8.errors import UserFacingError


class NoDirectDeleteMixin:
    """Rows never deleted on their own pages, but going along when a workspace is deleted.

    Deleting an account in the admin asks the admin of every row that cascades whether it
    may be deleted; refusing there would make workspaces undeletable. So deletion is refused
    on this model's own pages (and in its bulk action) and allowed as part of another delete.
    """

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        match = getattr(request, "resolver_match", None)
        own_pages = f"{self.opts.app_label}_{self.opts.model_name}_"
        if obj is None or match is None or (match.url_name or "").startswith(own_pages):
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyAdmin(NoDirectDeleteMixin, admin.ModelAdmin):
    """Rows written by services or mirrored from Stripe: staff look, nobody edits here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- data staff edit -----------------------------------------------------------------------


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "monthly_price",
        "monthly_credits",
        "max_sites",
        "max_users",
        "max_keywords",
        "max_sectors_per_site",
        "stripe_price_id",
        "is_active",
        "is_public",
        "sort_order",
    ]
    list_editable = [
        "monthly_price",
        "monthly_credits",
        "max_sites",
        "max_users",
        "max_keywords",
        "max_sectors_per_site",
        "is_active",
        "is_public",
        "sort_order",
    ]
    search_fields = ["name", "slug", "stripe_price_id"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(CreditCost)
class CreditCostAdmin(admin.ModelAdmin):
    list_display = ["operation", "label", "unit", "credits_per_unit", "minimum", "description"]
    list_editable = ["unit", "credits_per_unit", "minimum"]
    search_fields = ["operation", "label"]


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = ["name", "credits", "price", "stripe_price_id", "is_active", "sort_order"]
    list_editable = ["credits", "price", "is_active", "sort_order"]
    search_fields = ["name", "stripe_price_id"]


# --- subscriptions: plans are assigned, never edited field by field -------------------------


class PlanAssignActionForm(ActionForm):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.filter(is_active=True), required=False, empty_label="Choose a plan…"
    )


@admin.register(Subscription)
class SubscriptionAdmin(NoDirectDeleteMixin, admin.ModelAdmin):
    list_display = [
        "account",
        "plan",
        "status",
        "current_period_end",
        "cancel_at_period_end",
        "grace_period_end",
        "stripe_customer_id",
    ]
    list_filter = ["plan", "status", "cancel_at_period_end"]
    search_fields = [
        "account__name",
        "account__slug",
        "stripe_customer_id",
        "stripe_subscription_id",
    ]
    list_select_related = ["account", "plan"]
    action_form = PlanAssignActionForm
    actions = ["assign_plan"]
    fields = [
        "account",
        "plan",
        "status",
        "current_period_start",
        "current_period_end",
        "cancel_at_period_end",
        "grace_period_end",
        "stripe_customer_id",
        "stripe_subscription_id",
        "stripe_state_at",
        "created",
        "updated",
    ]
    # Only the plan is editable, and saving it goes through plan_assign; the rest is Stripe's.
    readonly_fields = [f for f in fields if f != "plan"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # every workspace gets its subscription when it is created

    def save_model(self, request: HttpRequest, obj: Subscription, form, change: bool) -> None:
        if "plan" not in form.changed_data:
            return
        plans.plan_assign(account=obj.account, plan=obj.plan, actor=request.user)
        self.message_user(
            request,
            f"{obj.account} is now on {obj.plan.name}; plan credits set to "
            f"{obj.plan.monthly_credits:,}.",
            messages.SUCCESS,
        )

    @admin.action(description="Assign the chosen plan", permissions=["change"])
    def assign_plan(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        plan = Plan.objects.filter(pk=request.POST.get("plan") or None, is_active=True).first()
        if plan is None:
            self.message_user(request, "Choose a plan to assign.", messages.ERROR)
            return
        count = 0
        for subscription in queryset.select_related("account"):
            plans.plan_assign(account=subscription.account, plan=plan, actor=request.user)
            count += 1
        self.message_user(request, f"{count} workspace(s) moved to {plan.name}.", messages.SUCCESS)


# --- balances and the ledger: read-only, changed through the services -----------------------


class CreditAdjustForm(forms.Form):
    pool = forms.ChoiceField(choices=Pool.choices)
    delta = forms.IntegerField(
        label="Credits",
        help_text="Positive to add, negative to take away. A pool cannot go below zero.",
    )
    # Not required here: the service owns the rule and says why in its own words.
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required. Why the credits change; kept in the ledger with your name.",
    )


@admin.register(CreditBalance)
class CreditBalanceAdmin(ReadOnlyAdmin):
    list_display = ["account", "plan_credits", "bonus_credits", "total", "updated", "adjust"]
    search_fields = ["account__name", "account__slug"]
    list_select_related = ["account"]
    readonly_fields = ["account", "plan_credits", "bonus_credits", "total", "updated", "adjust"]
    actions = ["reconcile_balances"]

    @admin.display(description="Total")
    def total(self, obj: CreditBalance) -> int:
        return obj.total

    @admin.display(description="")
    def adjust(self, obj: CreditBalance) -> str:
        url = reverse("admin:billing_creditbalance_adjust", args=[obj.pk])
        return format_html('<a href="{}">Adjust credits</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:pk>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="billing_creditbalance_adjust",
            ),
            *super().get_urls(),
        ]

    def adjust_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        # The admin's own change permission is off (balances are read-only), but the Django
        # permission still says who may correct credits.
        if not request.user.has_perm("billing.change_creditbalance"):
            raise PermissionDenied
        balance = get_object_or_404(CreditBalance.objects.select_related("account"), pk=pk)
        form = CreditAdjustForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                row = credits.adjust(
                    account=balance.account,
                    pool=form.cleaned_data["pool"],
                    delta=form.cleaned_data["delta"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except (ValueError, UserFacingError) as exc:
                reason = getattr(exc, "message", None) or str(exc)
                form.add_error(None, reason)
                self.message_user(request, f"Nothing changed: {reason}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{row.delta:+,} {row.get_pool_display().lower()} for {balance.account}; "
                    f"that pool now holds {row.balance_after:,}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:billing_creditbalance_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Adjust credits: {balance.account}",
            "balance": balance,
            "form": form,
        }
        return TemplateResponse(request, "admin/billing/creditbalance/adjust.html", context)

    @admin.action(description="Reconcile with the ledger")
    def reconcile_balances(self, request: HttpRequest, queryset: QuerySet[CreditBalance]) -> None:
        mismatched = 0
        for balance in queryset.select_related("account"):
            result = credits.reconcile(balance.account)
            if result.ok:
                continue
            mismatched += 1
            self.message_user(
                request,
                f"{balance.account}: mismatch. Plan {result.plan_balance:,} vs ledger "
                f"{result.plan_ledger:,}; bonus {result.bonus_balance:,} vs ledger "
                f"{result.bonus_ledger:,}.",
                messages.ERROR,
            )
        checked = queryset.count()
        if not mismatched:
            self.message_user(
                request,
                f"OK: {checked} balance(s) match the ledger.",
                messages.SUCCESS,
            )


@admin.register(CreditLedger)
class CreditLedgerAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "account",
        "pool",
        "kind",
        "delta",
        "balance_after",
        "operation",
        "reference",
        "actor",
        "note",
    ]
    list_filter = ["kind", "pool"]
    search_fields = ["account__name", "account__slug", "reference", "idempotency_key"]
    list_select_related = ["account", "actor"]
    show_full_result_count = False  # the ledger only grows; skip the second COUNT(*)


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "account",
        "operation",
        "units",
        "credits",
        "charged",
        "status",
        "finished",
    ]
    list_filter = ["status", "operation"]
    search_fields = ["account__name", "account__slug", "key"]
    list_select_related = ["account"]


# --- Stripe mirrors --------------------------------------------------------------------------


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["created", "account", "number", "status", "amount_due", "amount_paid"]
    list_filter = ["status"]
    search_fields = ["account__name", "account__slug", "number", "stripe_invoice_id"]
    list_select_related = ["account"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["created", "account", "kind", "amount", "currency", "status", "description"]
    list_filter = ["kind", "status"]
    search_fields = ["account__name", "account__slug", "stripe_id"]
    list_select_related = ["account"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received", "type", "event_id", "account", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id", "account__name", "account__slug"]
    list_select_related = ["account"]
