"""Role checks for workspace views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from igny8.http import render_error

ROLE_WORDS = {"admin": "an owner or admin", "editor": "an editor, admin or owner"}


def member_has_role(request: HttpRequest, role: str) -> bool:
    membership = getattr(request, "membership", None)
    if membership is None:
        return bool(request.user.is_authenticated and request.user.is_staff)
    return membership.has_role(role)


def require_role(role: str) -> Callable:
    """Refuse (403) members below `role`. Membership itself is checked by the middleware."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not member_has_role(request, role):
                return render_error(
                    request,
                    status=403,
                    code="forbidden_role",
                    message=f"Only {ROLE_WORDS.get(role, role)} can do this. "
                    "Ask an owner of this workspace if you need access.",
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
