"""The OpenAPI document and a page a person reads; both open to anyone (they describe the API,
they hold no workspace data), both built from the declarations in `spec.py`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from apps.publisher.api.openapi import document, statuses
from apps.publisher.api.spec import ENDPOINTS, ERROR_TEXT


def api_base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/api/v1/")


@require_safe
def openapi_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(document(api_base(request).rstrip("/")))
    response["Cache-Control"] = "public, max-age=300"
    return response


def inline(text: str) -> SafeString:
    """The declarations' descriptions are OpenAPI Markdown; the page shows their `code`."""
    parts = escape(text).split("`")
    return mark_safe(  # noqa: S308 - every part is escaped above
        "".join(f"<code>{part}</code>" if n % 2 else part for n, part in enumerate(parts))
    )


def _type(schema: dict) -> str:
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    return kind


def _limits(schema: dict) -> str:
    words = []
    for name, text in (
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minimum", "≥ {}"),
        ("maximum", "≤ {}"),
        ("maxItems", "at most {} items"),
        ("default", "default {}"),
    ):
        if name in schema and not (name == "minLength" and schema[name] == 1):
            words.append(text.format(schema[name]))
    if schema.get("minLength") == 1:
        words.insert(0, "not empty")
    return ", ".join(words)


def fields(schema: dict, prefix: str = "") -> list[dict[str, Any]]:
    """A schema as rows: dotted name, type, required, description and limits."""
    rows: list[dict[str, Any]] = []
    required = set(schema.get("required", []))
    for name, sub in schema.get("properties", {}).items():
        dotted = f"{prefix}{name}"
        rows.append(
            {
                "name": dotted,
                "type": _type(sub),
                "required": name in required,
                "description": inline(sub.get("description", "")),
                "limits": _limits(sub),
            }
        )
        if sub.get("type") == "object":
            rows.extend(fields(sub, f"{dotted}."))
        elif sub.get("type") == "array" and sub.get("items", {}).get("type") == "object":
            rows.extend(fields(sub["items"], f"{dotted}[]."))
    return rows


def _one_of_note(schema: dict | None) -> str:
    if not schema or "anyOf" not in schema:
        return ""
    names = [option["required"][0] for option in schema["anyOf"]]
    quoted = [f"`{name}`" for name in names]
    return f"Give {', '.join(quoted[:-1])} or {quoted[-1]}."


def docs_page(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if request.user.is_authenticated and getattr(request, "is_workspace", False):
        # A member reading the page gets the workspace's navigation around it.
        from apps.accounts.selectors import membership_for

        request.membership = membership_for(user=request.user, account=request.account)
    endpoints = [
        {
            "name": endpoint.name,
            "method": endpoint.method,
            "path": "/api/v1" + endpoint.path,
            "summary": endpoint.summary,
            "description": inline(endpoint.description),
            "params": [
                {
                    "name": param.name,
                    "where": param.where,
                    "type": _type(param.schema),
                    "required": param.required or param.where == "path",
                    "description": inline(param.description),
                    "limits": _limits(param.schema),
                }
                for param in endpoint.params
            ],
            "body": fields(endpoint.body) if endpoint.body else None,
            "body_note": inline((endpoint.body or {}).get("description", "")),
            "body_required": endpoint.body_required,
            "one_of": inline(_one_of_note(endpoint.body)),
            "data": fields(endpoint.data),
            "errors": [(status, inline(ERROR_TEXT[status])) for status in statuses(endpoint)],
        }
        for endpoint in ENDPOINTS
    ]
    return render(request, "api/docs.html", {"endpoints": endpoints, "api_base": api_base(request)})
