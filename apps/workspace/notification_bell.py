"""The bell in the header: the signed-in member's unread notifications, kept current.

A full page renders the count (`{% header_unread %}`). An HTMX answer (a job's progress poll,
a filter, an action) carries it in the same `HX-Trigger-After-Settle` header as the credit
balance (apps/billing/live.py), as `{"notifications-changed": {"unread": N}}`, and app.js
writes N into the bell: the polling pages already do brings new notifications along, with no
request of its own.
"""

from __future__ import annotations

from django.http import HttpRequest

from apps.workspace.notifications import unread_count
from igny8.live import MemberEventMiddleware, member_account

EVENT = "notifications-changed"


def unread_for(request: HttpRequest) -> int | None:
    """The person's unread count in this workspace; None where there is no bell."""
    if member_account(request) is None:
        return None
    if not hasattr(request, "_notifications_unread"):
        request._notifications_unread = unread_count(request.user)
    return request._notifications_unread


class NotificationsChangedMiddleware(MemberEventMiddleware):
    """Every HTMX answer on a workspace host tells the page the member's unread count."""

    event = EVENT

    def payload(self, request: HttpRequest) -> dict | None:
        # Counted after the view (not the page's cached count): an answer that marked
        # something read says so at once.
        request.__dict__.pop("_notifications_unread", None)
        unread = unread_for(request)
        return None if unread is None else {"unread": unread}
