"""Page-or-partial rendering, HTMX redirects and the JSON envelope."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from igny8.errors import UserFacingError


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the whole page, or only `template#partial` when HTMX asks for a piece of it."""
    name = f"{template}#{partial}" if partial and getattr(request, "htmx", False) else template
    return render(request, name, context or {}, status=status)


class SeeOther(HttpResponseRedirectBase):
    """303: after a POST, GET the page (a test client's `follow=True` understands it)."""

    status_code = 303


def refusal(exc: UserFacingError | ValidationError) -> tuple[str, int]:
    """What a confirm page shows when the service refused, and its status: a user-facing
    error's own message and status, a ValidationError's messages with 400."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages), 400
    return exc.message, exc.status


def redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that works for plain requests and HTMX requests alike."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return SeeOther(url)


def envelope(
    request: HttpRequest,
    data: Any = None,
    *,
    status: int = 200,
    code: str = "",
    message: str = "",
    fields: dict[str, list[str]] | None = None,
) -> JsonResponse:
    """`{success, data | error{code,message,fields}, request_id}` for every JSON answer."""
    body: dict[str, Any] = {"success": status < 400}
    if status < 400:
        body["data"] = data
    else:
        body["error"] = {"code": code or "error", "message": message, "fields": fields or {}}
    body["request_id"] = getattr(request, "id", None)
    return JsonResponse(body, status=status)


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


_TITLES = {
    400: "That request could not be understood",
    402: "Payment required",
    403: "You don’t have access to this",
    404: "Not found",
    429: "Too many requests",
    502: "The payment provider did not answer",
    503: "Not available on this installation",
}


def render_error(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    action_url: str = "",
    action_label: str = "",
) -> HttpResponse:
    """One error in the shape the caller understands: JSON envelope, HTMX partial or page."""
    if wants_json(request):
        return envelope(request, status=status, code=code, message=message)
    context = {
        "status": status,
        "code": code,
        "title": _TITLES.get(status, "Something went wrong"),
        "message": message,
        "action_url": action_url,
        "action_label": action_label,
    }
    if getattr(request, "htmx", False):
        response = render(request, "errors/error.html#notice", context, status=status)
        # Show the notice in the page's message area rather than inside the swapped element.
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "errors/error.html", context, status=status)
