"""Billing pages on a workspace host: plans & billing, usage, and the Stripe hand-offs.

Owners and admins manage the plan and buy credits; editors and viewers see the balances,
the spending chart and what operations cost (not the ledger, invoices or buttons).
Stripe itself lives in apps.billing.stripe_service; these views only hand over to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.models import Role
from apps.billing import charts, ledger_refs, plans, selectors, stripe_service
from apps.billing.models import CreditLedger, CreditPack, LedgerKind, Pool
from igny8.csvfile import csv_response
from igny8.errors import UserFacingError
from igny8.http import redirect, render_error, render_page
from igny8.lists import ListSpec, Pager
from igny8.roles import member_has_role, require_role

LEDGER_PAGE_SIZE = 50
LEDGER_LIST = ListSpec(filters=(), page_size=LEDGER_PAGE_SIZE)
NOT_CONFIGURED = (
    "Payments are not configured on this installation; ask platform staff to change your plan."
)


def _billing_url(request: HttpRequest, outcome: str = "") -> str:
    path = reverse("billing:home") + (f"?checkout={outcome}" if outcome else "")
    return request.build_absolute_uri(path)


def _come_back(request: HttpRequest) -> dict[str, str]:
    """Where Stripe's checkout sends the person back to, paid or not."""
    return {
        "success_url": _billing_url(request, "success"),
        "cancel_url": _billing_url(request, "canceled"),
    }


def _refused(request: HttpRequest, message: str, *, code: str, status: int = 400) -> HttpResponse:
    return render_error(
        request,
        status=status,
        code=code,
        message=message,
        action_url=reverse("billing:home"),
        action_label="Back to billing",
    )


# --- plans & billing -------------------------------------------------------------------------


@require_safe
def billing_home(request: HttpRequest) -> HttpResponse:
    account = request.account
    subscription = plans.subscription_for(account)
    context = {
        "credits": selectors.credit_summary(account=account, subscription=subscription),
        "subscription": subscription,
        "can_manage": member_has_role(request, Role.ADMIN),
    }
    if context["can_manage"]:
        context.update(
            payments_configured=stripe_service.payments_configured(),
            changes_via_portal=selectors.plan_changes_via_portal(subscription),
            checkout=request.GET.get("checkout", ""),
            meters=plans.meters(account),
            plans=selectors.plans_offered(),
            packs=selectors.packs_offered(),
            invoices=selectors.invoices_for(account=account),
            payments=selectors.payments_for(account=account),
        )
    return render_page(request, "billing/billing.html", context)


def _hand_off(request: HttpRequest, start: Callable[[], str]) -> HttpResponse:
    """Send the person to the Stripe page `start()` makes, or say plainly why not."""
    if not stripe_service.payments_configured():
        return _refused(request, NOT_CONFIGURED, code="payments_not_configured", status=503)
    try:
        url = start()
    except ValueError as exc:
        return _refused(request, str(exc), code="checkout_refused")
    except UserFacingError as exc:
        # Stripe unreachable or refusing (502), payments switched off meanwhile (503).
        return _refused(request, exc.message, code=exc.code, status=exc.status)
    return redirect(request, url)


@require_POST
@require_role(Role.ADMIN)
def checkout_plan(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_offered(), slug=slug)
    if plan.is_free:
        return _refused(
            request,
            "The Free plan needs no checkout. To move to Free, cancel your paid plan under "
            "“Manage cards & invoices”; it stays active until the end of the paid period.",
            code="free_plan",
        )
    return _hand_off(
        request,
        lambda: stripe_service.checkout_for_plan(
            account=request.account,
            plan=plan,
            user=request.user,
            **_come_back(request),
        ),
    )


@require_POST
@require_role(Role.ADMIN)
def checkout_pack(request: HttpRequest, pk: int) -> HttpResponse:
    pack = get_object_or_404(CreditPack, pk=pk, is_active=True)
    return _hand_off(
        request,
        lambda: stripe_service.checkout_for_pack(
            account=request.account,
            pack=pack,
            user=request.user,
            **_come_back(request),
        ),
    )


@require_POST
@require_role(Role.ADMIN)
def portal(request: HttpRequest) -> HttpResponse:
    return _hand_off(
        request,
        lambda: stripe_service.portal_url(
            account=request.account, return_url=_billing_url(request)
        ),
    )


# --- usage -----------------------------------------------------------------------------------


def _chart_by_day(spent: selectors.Spending):
    return charts.column_chart(
        [
            charts.Bar(
                label=f"{d.day.day} {d.day:%b}",
                value=d.credits,
                title=f"{d.day:%a} {d.day.day} {d.day:%B}: {d.credits:,} credits",
            )
            for d in spent.by_day
        ],
        chart_id="chart-by-day",
        title=f"Credits spent per day, last {len(spent.by_day)} days",
        description=f"{spent.total:,} credits from {spent.since.day} {spent.since:%B} "
        f"to {spent.until.day} {spent.until:%B}.",
    )


def _free_now() -> dict[str, str]:
    """Operations the offline writer serves in this workspace now (free), with their words."""
    from igny8.ai import costs, functions

    config = costs.in_force()
    prices = {
        fn.operation: costs.price(fn, 1, config=config) for fn in functions.FUNCTIONS.values()
    }
    return {operation: p.words for operation, p in prices.items() if p.offline}


@require_safe
def usage(request: HttpRequest) -> HttpResponse:
    account = request.account
    can_manage = member_has_role(request, Role.ADMIN)
    wants_csv = request.GET.get("format") == "csv"
    wants_ledger = bool(request.htmx) and request.htmx.target == "ledger"
    if (wants_csv or wants_ledger) and not can_manage:
        return render_error(
            request,
            status=403,
            code="forbidden_role",
            message="Only an owner or admin can see the credit ledger. "
            "The totals and costs on the usage page are open to everyone.",
        )
    context: dict = {"can_manage": can_manage}
    if can_manage:
        operations = selectors.ledger_operations(account=account)
        filters = selectors.LedgerFilters.from_query(
            request.GET, operations={op for op, _ in operations}
        )
        entries = selectors.ledger_entries(account=account, filters=filters)
        if wants_csv:
            return _ledger_csv(request, entries)
        page = LEDGER_LIST.page(entries, request.GET.get("page"))
        query = urlencode(filters.as_query())
        labels = selectors.operation_labels()
        entries_shown = list(page)
        what = ledger_refs.describe(entries_shown)
        context.update(
            filters=filters,
            query=query,
            pager=Pager(
                page, query=query, label="Ledger pages", previous_word="Newer", next_word="Older"
            ),
            operations=operations,
            pools=Pool.choices,
            kinds=LedgerKind.choices,
            page=page,
            rows=[
                (e, selectors.operation_label(e.operation, labels), what.get(e.pk))
                for e in entries_shown
            ],
        )
    if not wants_ledger:
        spent = selectors.spending(account=account)
        context.update(
            spent=spent,
            credits=selectors.credit_summary(account=account),
            costs=selectors.cost_table(free_now=_free_now()),
            chart_by_day=_chart_by_day(spent),
        )
        context["any_free"] = any(c.free_now for c in context["costs"])
    # History restores (a cache miss after Back) must get the whole page, not the table.
    partial = "ledger" if wants_ledger and not request.htmx.history_restore_request else None
    response = render_page(request, "billing/usage.html", context, partial=partial)
    if partial:
        # The address bar shows the filters applied, without the form's empty fields.
        params = context["filters"].as_query()
        if context["page"].number > 1:
            params["page"] = str(context["page"].number)
        response["HX-Push-Url"] = reverse("billing:usage") + (
            f"?{urlencode(params)}" if params else ""
        )
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _ledger_csv(request: HttpRequest, entries) -> StreamingHttpResponse:
    def rows() -> Iterator[list]:
        yield [
            "created",
            "pool",
            "kind",
            "operation",
            "delta",
            "balance_after",
            "reference",
            "actor",
            "note",
        ]
        entry: CreditLedger
        for entry in entries.iterator(chunk_size=2000):
            yield [
                timezone.localtime(entry.created).isoformat(timespec="seconds"),
                entry.pool,
                entry.kind,
                entry.operation,
                entry.delta,
                entry.balance_after,
                entry.reference,
                entry.actor.email if entry.actor else "",
                entry.note,
            ]

    filename = f"credits-{request.account.slug}-{timezone.localdate().isoformat()}.csv"
    return csv_response(rows(), filename=filename)
