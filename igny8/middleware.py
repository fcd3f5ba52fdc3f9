"""Request id, host → workspace, membership (403), plan state (402), resource tracking."""

from __future__ import annotations

import contextlib
import re
import time
import tracemalloc
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.module_loading import import_string
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from igny8.logging import request_id_var, schema_var

_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdMiddleware:
    """Accept a sane X-Request-ID or make one; return it and put it in every log line."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        # fullmatch: `$` alone would let a trailing newline through into the response header.
        request.id = incoming if _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        schema_token = schema_var.set("-")
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
            schema_var.reset(schema_token)
        response["X-Request-ID"] = request.id
        return response


class WorkspaceMiddleware(TenantMainMiddleware):
    """django-tenants' host lookup, with a friendly page for unknown workspaces.

    Only the canonical hosts (the Domain rows, exactly as stored) serve anything: a leading
    "www." is sent to the host without it, permanently, and any other spelling is unknown.
    """

    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str:
        # Exactly the host asked for: django-tenants drops a leading "www.", which made
        # www.<slug>.<base domain> a second host serving the workspace (and its cookies).
        return request.get_host().split(":")[0]

    def get_tenant(self, domain_model, hostname: str):
        """The host's workspace, read with schema-qualified names: `public` holds the domains
        whatever the session's search_path, so the lookup needs no `SET search_path` of its
        own and a request sends one only, for its workspace (igny8/db/backend)."""
        tenant_model = domain_model._meta.get_field("tenant").related_model
        quote = connection.ops.quote_name
        public = quote(get_public_schema_name())
        tenants = f"{public}.{quote(tenant_model._meta.db_table)}"
        domains = f"{public}.{quote(domain_model._meta.db_table)}"
        tenant_id = quote(domain_model._meta.get_field("tenant").column)
        pk = quote(tenant_model._meta.pk.column)
        domain = quote(domain_model._meta.get_field("domain").column)
        sql = (
            f"SELECT t.* FROM {domains} d JOIN {tenants} t ON t.{pk} = d.{tenant_id}"
            f" WHERE d.{domain} = %s"
        )
        not_needed = getattr(connection, "search_path_not_needed", contextlib.nullcontext)
        with not_needed():
            found = list(tenant_model.objects.raw(sql, [hostname]))
        if not found:
            raise domain_model.DoesNotExist(f"No domain {hostname}")
        return found[0]

    def process_request(self, request: HttpRequest):
        www = self._www_redirect(request)
        if www is not None:
            return www
        response = super().process_request(request)
        request.account = getattr(request, "tenant", None)
        request.is_workspace = bool(
            request.account and request.account.schema_name != get_public_schema_name()
        )
        schema_var.set(connection.schema_name)
        return response

    def _www_redirect(self, request: HttpRequest) -> HttpResponse | None:
        """www.<known host>/… → <known host>/… (301); None for every other host."""
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return None  # django-tenants answers it
        if not hostname.startswith("www."):
            return None
        from apps.accounts.models import Domain

        connection.set_schema_to_public()
        canonical = hostname.removeprefix("www.")
        if not Domain.objects.filter(domain=canonical).exists():
            return None  # an unknown host: the friendly 404
        host = request.get_host()
        port = ":" + host.rsplit(":", 1)[1] if ":" in host else ""
        return HttpResponsePermanentRedirect(
            f"{request.scheme}://{canonical}{port}{request.get_full_path()}"
        )

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        from apps.accounts.provisioning import public_url

        return render(
            request,
            "errors/unknown_workspace.html",
            {"hostname": hostname, "public_url": public_url(request)},
            status=404,
        )


# Paths anyone may reach on a workspace host: assets, sign in/out, the health check.
OPEN_PATH_PREFIXES = ("/static/", "/accounts/", "/healthz")
# The JSON API answers to a site's connection key, not a session (apps/publisher/api checks
# it): no login redirect, no membership, and WordPress's reports are facts we record even
# while the workspace is paused.
API_PATH_PREFIX = "/api/"


class MembershipMiddleware:
    """On a workspace host: anonymous → login (keeping `next`), non-member → 403.

    Sets `request.membership` (None for staff without one). Platform staff pass.
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None
        if not getattr(request, "is_workspace", False) or request.path.startswith(
            (*OPEN_PATH_PREFIXES, API_PATH_PREFIX)
        ):
            return self.get_response(request)
        from apps.accounts.provisioning import public_url
        from apps.accounts.selectors import membership_for

        user = request.user
        if not user.is_authenticated:
            from urllib.parse import urlencode

            # Sign in right here: the session cookie is shared by every workspace host.
            return _redirect("/accounts/login/?" + urlencode({"next": request.get_full_path()}))
        request.membership = membership_for(user=user, account=request.account)
        if request.membership is None and not user.is_staff:
            # No `account` in the context: a non-member learns nothing about the workspace.
            return render(
                request,
                "errors/403_not_member.html",
                {"public_url": public_url(request)},
                status=403,
            )
        return self.get_response(request)


def _redirect(url: str) -> HttpResponse:
    response = HttpResponse(status=302)
    response["Location"] = url
    return response


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Posts a paused or lapsed workspace still needs: choosing which site to read, and billing
# itself (paying is how a lapsed workspace comes back).
# Marking one's own notifications read changes nothing of the workspace.
READ_ONLY_POSTS = ("/sites/switch/", "/billing/", "/settings/ai/test/", "/notifications/")


class PlanStateMiddleware:
    """A lapsed workspace can be read but not changed: writes answer 402 with a way out.

    The rule itself is a hook (`IGNY8_PLAN_STATE_HOOK`) that billing replaces.
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.hook = import_string(
            getattr(settings, "IGNY8_PLAN_STATE_HOOK", "apps.accounts.selectors.account_plan_state")
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not getattr(request, "is_workspace", False) or request.path.startswith(
            (*OPEN_PATH_PREFIXES, API_PATH_PREFIX)
        ):
            return self.get_response(request)
        state = self.hook(request.account)
        request.plan_state = state
        if (
            not state.can_write
            and request.method not in SAFE_METHODS
            and not request.path.startswith(READ_ONLY_POSTS)
        ):
            if request.user.is_authenticated and request.user.is_staff:
                return self.get_response(request)
            from igny8.http import render_error

            return render_error(
                request,
                status=402,
                code=state.code,
                message=state.message,
                action_url="/billing/",
                action_label="Go to billing",
            )
        return self.get_response(request)


def plan_state(request: HttpRequest) -> dict[str, object]:
    """Template context: the state PlanStateMiddleware decided, for the "paused" banner."""
    return {"plan_state": getattr(request, "plan_state", None)}


class ResourceTrackingMiddleware:
    """Staff opt in with `X-Resource-Tracking: 1` to see time, SQL and memory per request."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        wanted = request.headers.get("X-Resource-Tracking") == "1"
        user = getattr(request, "user", None)
        if not (wanted and user is not None and user.is_authenticated and user.is_staff):
            return self.get_response(request)
        queries: list[float] = []

        def count(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(time.perf_counter() - started)

        already_tracing = tracemalloc.is_tracing()
        if not already_tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        if not already_tracing:
            tracemalloc.stop()
        response["X-Server-Time-Ms"] = f"{elapsed * 1000:.1f}"
        response["X-SQL-Queries"] = str(len(queries))
        response["X-SQL-Time-Ms"] = f"{sum(queries) * 1000:.1f}"
        response["X-Memory-Peak-KB"] = str(max(peak - before, 0) // 1024)
        return response


class HtmxMessagesMiddleware:
    """Flash messages reach HTMX responses as an out-of-band swap of the message area."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code in (301, 302):
            return response
        if "HX-Redirect" in response or "HX-Location" in response:
            return response  # the next page shows them
        content_type = response.get("Content-Type", "")
        if not content_type.startswith("text/html") or getattr(response, "streaming", False):
            return response
        storage = messages.get_messages(request)
        if storage.used:
            return response  # a full page already showed them in its own message area
        pending = list(storage)
        if not pending:
            return response
        from django.template.loader import render_to_string

        response.content += render_to_string(
            "components/messages.html", {"messages": pending, "oob": True}, request=request
        ).encode()
        return response


class UserFacingErrorMiddleware:
    """Render a UserFacingError (plan limit, no credits, lapsed) in the caller's shape."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from igny8.errors import UserFacingError

        if not isinstance(exception, UserFacingError):
            return None
        from igny8.http import render_error

        return render_error(
            request,
            status=exception.status,
            code=exception.code,
            message=exception.message,
            action_url=exception.action_url,
            action_label=exception.action_label,
        )
