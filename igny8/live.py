"""Figures a page keeps current after partial updates, for the workspace's members.

A full page renders the figure; every HTMX answer (a poll, a filter, an action) carries it
after it in an `HX-Trigger-After-Settle: {"<event>": {...}}` header and app.js writes it where
the page shows it. A header rather than an out-of-band swap: pages without the place would
otherwise log htmx's "no target" error, and the event costs nothing where nobody listens.
The credit balance (apps/billing/live.py) and the notification bell
(apps/workspace/notification_bell.py) are two such figures.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event


def member_account(request: HttpRequest):  # noqa: ANN201 (an Account; igny8/ imports no app)
    """The workspace whose figures this person may see, or None (public host, outsiders)."""
    if not getattr(request, "is_workspace", False):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if getattr(request, "membership", None) is None and not user.is_staff:
        return None
    return request.account


class MemberEventMiddleware:
    """Every HTMX answer (redirects aside) on a workspace host, to a member, carries `event`
    with what `payload` says after it (None: nothing to say)."""

    event: str = ""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def payload(self, request: HttpRequest) -> dict | None:
        raise NotImplementedError

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code in (301, 302):
            return response
        if member_account(request) is None:
            return response
        # Read after the view: an answer that changed the figure says so at once.
        payload = self.payload(request)
        if payload is not None:
            trigger_client_event(response, self.event, payload, after="settle")
        return response
