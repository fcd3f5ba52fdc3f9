"""The OpenAPI 3.1 document, built from the endpoint declarations in `spec.py`."""

from __future__ import annotations

from typing import Any

from apps.publisher.api.spec import API_VERSION, ENDPOINTS, ERROR_TEXT, Endpoint

_REQUEST_ID = {
    "description": "The request's id (also in the body as `request_id`); quote it to support.",
    "schema": {"type": "string"},
}
_ERROR_ENVELOPE = {
    "type": "object",
    "required": ["success", "error", "request_id"],
    "properties": {
        "success": {"const": False},
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "In plain words, with what to do."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "request_id": {"type": "string"},
    },
}
ALWAYS = (401, 405, 429)


def success_envelope(data: dict) -> dict:
    return {
        "type": "object",
        "required": ["success", "data", "request_id"],
        "properties": {"success": {"const": True}, "data": data, "request_id": {"type": "string"}},
    }


def statuses(endpoint: Endpoint) -> list[int]:
    """Every error status the endpoint can answer (413 comes with any body)."""
    extra = (413,) if endpoint.body is not None else ()
    return sorted({*ALWAYS, *endpoint.errors, *extra})


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "Done.",
            "headers": {"X-Request-ID": _REQUEST_ID},
            "content": {"application/json": {"schema": success_envelope(endpoint.data)}},
        }
    }
    for status in statuses(endpoint):
        headers: dict[str, Any] = {"X-Request-ID": _REQUEST_ID}
        if status == 429:
            headers["Retry-After"] = {
                "description": "Seconds to wait before the next call.",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            }
        if status == 405:
            headers["Allow"] = {"description": "The methods this path takes.", "schema": {}}
        responses[str(status)] = {
            "description": ERROR_TEXT[status],
            "headers": headers,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    operation: dict[str, Any] = {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "description": endpoint.description,
        "tags": list(endpoint.tags),
        "responses": responses,
    }
    if endpoint.params:
        operation["parameters"] = [
            {
                "name": param.name,
                "in": param.where,
                "required": param.required or param.where == "path",
                "description": param.description,
                "schema": param.schema,
            }
            for param in endpoint.params
        ]
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": endpoint.body_required,
            "content": {"application/json": {"schema": endpoint.body}},
        }
    return operation


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document; `server_url` is this workspace's API base."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IGNY8 API",
            "version": API_VERSION,
            "description": (
                "The API a workspace offers its WordPress sites. Authenticate with the site's "
                "connection key (`Authorization: Bearer igk_…` or `X-IGNY8-API-KEY: igk_…`); a "
                "key reaches its own site only. Every answer is an envelope: "
                '`{"success": true, "data": …, "request_id": …}` or '
                '`{"success": false, "error": {"code", "message", "fields"}, "request_id": …}`.'
            ),
            "license": {"name": "Proprietary", "identifier": "LicenseRef-IGNY8"},
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}, {"apiKey": []}],
        "tags": [
            {"name": "plugin", "description": "Called by the IGNY8 Bridge WordPress plugin."},
            {"name": "pull", "description": "For clients that fetch articles themselves."},
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "igk_…"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-IGNY8-API-KEY"},
            },
            "schemas": {"Error": _ERROR_ENVELOPE},
        },
    }
