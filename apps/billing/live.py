"""The credit balance wherever a page shows it, kept current after partial updates.

Pages mark every place that shows the workspace's total with `data-credits-total` (the header,
the dashboard, billing, confirm pages). A full page renders the number; an HTMX answer (an AI
run queued, a job's progress poll, a settle) carries the balance after it in an
`HX-Trigger-After-Settle: {"credits-changed": {"total": N}}` header and app.js writes N into
every marked place. A header rather than an out-of-band swap: pages without a marked place
would otherwise log htmx's "no target" error, and the event costs nothing where nobody listens.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event

from apps.billing.credits import balance_for
from apps.billing.models import CreditBalance

EVENT = "credits-changed"


def member_account(request: HttpRequest):
    """The workspace whose balance this person may see, or None (public host, outsiders)."""
    if not getattr(request, "is_workspace", False):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if getattr(request, "membership", None) is None and not user.is_staff:
        return None
    return request.account


def credits_total(request: HttpRequest) -> int:
    """The workspace's plan and bonus credits together: read on every page (the header) and
    every HTMX answer, so as one plain statement (the ORM's `get_or_create` cost ~0.4 ms of
    CPU each time); a workspace without a balance row yet gets one the usual way."""
    table = connection.ops.quote_name(CreditBalance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT plan_credits + bonus_credits FROM {table} WHERE account_id = %s",
            [request.account.pk],
        )
        found = cursor.fetchone()
    return found[0] if found is not None else balance_for(request.account).total


class CreditsChangedMiddleware:
    """Every HTMX answer on a workspace host tells the page the balance after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code in (301, 302):
            return response
        if member_account(request) is None:
            return response
        trigger_client_event(response, EVENT, {"total": credits_total(request)}, after="settle")
        return response
