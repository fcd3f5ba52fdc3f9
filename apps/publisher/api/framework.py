"""What every API call goes through: method, key, rate limit, input checked against its
declaration, the envelope, a sync event for a refused call, one `api` log line.

The key is the only credential: the session cookie of a signed-in browser is ignored, which is
why these views alone may be CSRF-exempt (a forged cross-site request carries no key).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.publisher.api.spec import MAX_ID, Endpoint
from apps.publisher.models import Connection, ConnectionStatus
from apps.publisher.signing import key_digest, key_id_of
from igny8.errors import UserFacingError
from igny8.http import envelope
from igny8.ratelimit import client_address, limit_count

log = logging.getLogger("api")

_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"^[0-9]{1,20}$")


class ApiError(Exception):
    """A refusal in plain words; `fields` maps a field to what is wrong with it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


@dataclass
class Call:
    """One authenticated call: the connection (and so the only site it may touch), the parsed
    path and query parameters and body."""

    request: HttpRequest
    endpoint: Endpoint
    connection: Connection
    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def site(self):  # noqa: ANN201 - a workspace Site
        return self.connection.site

    @property
    def request_id(self) -> str:
        return getattr(self.request, "id", "") or ""


Handler = Callable[[Call], Any]
# kind of sync event per endpoint, for the refusals the framework logs itself
KINDS = {
    "connection_test": "test",
    "connection_test_post": "test",
    "site_structure": "structure",
    "post_status": "status",
    "content_list": "pull",
    "content_detail": "pull",
    "content_ack": "ack",
}


def api_rate() -> tuple[int, int]:
    """(calls, seconds) allowed per key."""
    return settings.IGNY8_API_RATE_LIMIT, 60


def bad_key_rate() -> tuple[int, int]:
    """(refused keys, seconds) allowed per client address before it is slowed down."""
    return settings.IGNY8_API_BAD_KEY_LIMIT, 60


def presented_key(request: HttpRequest) -> str:
    found = _BEARER.match(request.headers.get("Authorization", ""))
    if found:
        return found.group(1)
    return request.headers.get("X-IGNY8-API-KEY", "").strip()


def _address(request: HttpRequest) -> str:
    """The caller's address for counting refused keys; allauth refuses to guess one it cannot
    trust (no REMOTE_ADDR, a proxy header it was not told of), and those callers share one
    count rather than being answered 403 before their key is even read."""
    try:
        return client_address(request)
    except PermissionDenied:
        return "unknown"


def authenticate(request: HttpRequest) -> Connection:
    """The connection whose key the call carries, looked up by its hash in this host's schema
    (so a key of another workspace is simply unknown here); a rotated or revoked key is too.

    Refused keys are counted per client address, and past the limit answered 429 instead of
    401: that slows a guesser (and a forgotten plugin retrying an old key) without locking
    out good keys that share the address (a shared host, a proxy)."""
    key = presented_key(request)
    connection = None
    if key_id_of(key):
        connection = (
            Connection.objects.select_related("site")
            .filter(key_hash=key_digest(key))
            .exclude(status=ConnectionStatus.REVOKED)
            .first()
        )
    if connection is not None:
        return connection
    amount, seconds = bad_key_rate()
    wait = limit_count(f"api-bad-key:{_address(request)}", amount=amount, seconds=seconds)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many calls with a wrong key from your address. Wait {wait} seconds, then "
            "check the connection key in the plugin's settings.",
            headers={"Retry-After": str(wait)},
        )
    message = (
        "This connection key is not valid here: it may have been rotated or revoked, or "
        "belong to another workspace. Copy a fresh connection string from the site's "
        "integration page into the plugin."
        if key
        else "Send the site's connection key as `Authorization: Bearer <key>` or in the "
        "`X-IGNY8-API-KEY` header."
    )
    raise ApiError(
        401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="igny8"'}
    )


def rate_limit(connection: Connection) -> None:
    amount, seconds = api_rate()
    wait = limit_count(f"api-key:{connection.key_id}", amount=amount, seconds=seconds)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many calls with this key: at most {amount} a minute. Try again in {wait} "
            "seconds.",
            headers={"Retry-After": str(wait)},
        )


# --- input ----------------------------------------------------------------------------------

_TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "array": "a list",
    "object": "an object",
    "boolean": "true or false",
}


def _words(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(field, message) of one schema error, in words a plugin author can act on."""
    where = ".".join(str(part) for part in error.absolute_path)
    kind, value = error.validator, error.validator_value
    if kind == "required":
        missing = [name for name in value if name not in error.instance]
        name = missing[0] if missing else ""
        return ".".join(filter(None, [where, name])), "This field is required."
    if kind == "anyOf" and all(set(option) == {"required"} for option in value):
        names = [option["required"][0] for option in value]
        return names[0], f"Give {', '.join(names[:-1])} or {names[-1]}."
    if kind == "not" and set(value) == {"required"}:
        names = value["required"]
        return names[-1], f"Send {' or '.join(names)}, not both."
    if kind == "type":
        wanted = value if isinstance(value, str) else value[0]
        return where, f"Must be {_TYPE_WORDS.get(wanted, wanted)}."
    if kind == "enum":
        return where, "Must be one of: " + ", ".join(str(v) for v in value) + "."
    if kind == "maxLength":
        return where, f"At most {value} characters."
    if kind == "minLength":
        return where, "Must not be empty." if value == 1 else f"At least {value} characters."
    if kind == "minimum":
        return where, f"Must be at least {value}."
    if kind == "maximum":
        return where, f"Must be at most {value}."
    if kind == "maxItems":
        return where, f"At most {value} items."
    if kind == "pattern" and "https?" in str(value):
        return where, "Must be an absolute address starting with http:// or https://."
    if kind == "pattern":
        return where, "Has the wrong form."
    return where, error.message


def schema_errors(schema: dict, value: Any) -> dict[str, list[str]]:
    validator = jsonschema.Draft202012Validator(schema)
    fields: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        where, message = _words(error)
        fields.setdefault(where or "body", []).append(message)
    return fields


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """The value with what PostgreSQL cannot keep in text or jsonb (NUL, lone surrogates)
    replaced by U+FFFD, one for one: such input is valid JSON, so it is taken, not refused
    (and never a 500), and a length limit means the same before and after."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def parse_body(request: HttpRequest, endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.body is None:
        return {}
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, "too_large", "The body is too large.") from None
    if not raw.strip():
        if endpoint.body_required:
            raise ApiError(
                400, "invalid", "Send a JSON object.", fields={"body": ["Send a JSON object."]}
            )
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(
            400, "invalid_json", "The body is not JSON.", fields={"body": ["Send JSON."]}
        ) from None
    body = _storable(body)
    fields = schema_errors(endpoint.body, body)
    if fields:
        raise ApiError(400, "invalid", "Some fields are not right; see `fields`.", fields=fields)
    return body


def parse_params(request: HttpRequest, endpoint: Endpoint, path: dict[str, str]) -> dict:
    values: dict[str, Any] = {}
    fields: dict[str, list[str]] = {}
    for param in endpoint.params:
        raw = path.get(param.name) if param.where == "path" else request.GET.get(param.name)
        if raw is None:
            if "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        value: Any = raw
        if param.schema.get("type") == "integer":
            if not _DIGITS.match(raw) or int(raw) > MAX_ID:
                fields[param.name] = ["Must be a whole number from 1 to 9007199254740991."]
                continue
            value = int(raw)
        value = _storable(value)
        problems = schema_errors(param.schema, value)
        if problems:
            fields[param.name] = [msg for messages in problems.values() for msg in messages]
            continue
        values[param.name] = value
    if fields:
        raise ApiError(
            400, "invalid", "Some parameters are not right; see `fields`.", fields=fields
        )
    return values


# --- the view -------------------------------------------------------------------------------


def _answer(request: HttpRequest, error: ApiError) -> JsonResponse:
    response = envelope(
        request, status=error.status, code=error.code, message=error.message, fields=error.fields
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


def _log_refusal(call_site, endpoint: Endpoint, error: ApiError, request: HttpRequest) -> None:
    from apps.publisher.services.inbound import event_log

    summary = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.fields.items())
    event_log(
        site=call_site,
        kind=KINDS.get(endpoint.name, endpoint.name),
        ok=False,
        summary=f"{endpoint.method} {endpoint.path} refused ({error.status})",
        error=f"{error.message} {summary}".strip(),
        request_id=getattr(request, "id", "") or "",
    )


def path_view(endpoints: list[Endpoint], handlers: dict[str, Handler]) -> Callable:
    """One view per path: it picks the endpoint by method, then authenticates, limits, parses
    and calls the handler, whose return value becomes `data`."""
    by_method = {endpoint.method: endpoint for endpoint in endpoints}
    allow = ", ".join(sorted(by_method))

    @csrf_exempt
    def view(request: HttpRequest, **path: str) -> JsonResponse:
        started = time.monotonic()
        endpoint = by_method.get(request.method or "")
        connection = None
        try:
            if endpoint is None:
                raise ApiError(
                    405,
                    "method_not_allowed",
                    f"This address takes {allow} only.",
                    headers={"Allow": allow},
                )
            connection = authenticate(request)
            rate_limit(connection)
            call = Call(request=request, endpoint=endpoint, connection=connection)
            call.params = parse_params(request, endpoint, path)
            call.body = parse_body(request, endpoint)
            try:
                response = envelope(request, handlers[endpoint.name](call))
            except UserFacingError as refusal:  # not found, conflict: the services' words
                raise ApiError(refusal.status, refusal.code, refusal.message) from None
        except ApiError as error:
            if connection is not None and endpoint is not None and error.status != 429:
                _log_refusal(connection.site, endpoint, error, request)
            response = _answer(request, error)
        log.info(
            "%s %s %s key=%s %.0fms",
            request.method,
            request.path,
            response.status_code,
            connection.key_id if connection else "-",
            (time.monotonic() - started) * 1000,
        )
        return response

    return view


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/: the envelope, not an HTML page."""
    return _answer(
        request,
        ApiError(404, "not_found", "There is no such API address; see /api/docs."),
    )
