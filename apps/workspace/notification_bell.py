"""The bell in the header: the signed-in member's unread notifications, kept current.

A full page renders the count (`{% header_unread %}`). An HTMX answer (a job's progress poll,
a filter, an action) carries it in the same `HX-Trigger-After-Settle` header as the credit
balance (apps/billing/live.py), as `{"notifications-changed": {"unread": N}}`, and app.js
writes N into the bell: the polling pages already do brings new notifications along, with no
request of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event

from apps.billing.live import member_account
from apps.workspace.notifications import unread_count

EVENT = "notifications-changed"


def unread_for(request: HttpRequest) -> int | None:
    """The person's unread count in this workspace; None where there is no bell."""
    if member_account(request) is None:
        return None
    if not hasattr(request, "_notifications_unread"):
        request._notifications_unread = unread_count(request.user)
    return request._notifications_unread


class NotificationsChangedMiddleware:
    """Every HTMX answer on a workspace host tells the page the member's unread count."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code in (301, 302):
            return response
        # Counted after the view: an answer that marked something read says so at once.
        request.__dict__.pop("_notifications_unread", None)
        unread = unread_for(request)
        if unread is not None:
            trigger_client_event(response, EVENT, {"unread": unread}, after="settle")
        return response
