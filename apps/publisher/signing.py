"""The connection key and the signature of every call between IGNY8 and WordPress.

One key per site connection, made by us and shown once:

    key  = "igk_" + key_id + "_" + secret      key_id: 12 lowercase hex, secret: 43 url-safe chars

The user pastes the *connection string* into the plugin: the workspace's API base URL and the
key joined by a space, e.g. ``https://acme.igny8.example/api/v1/ igk_0a1b2c3d4e5f_…``.

- The plugin calls our API with ``Authorization: Bearer <key>`` (or ``X-IGNY8-API-KEY``); we keep
  ``sha256(key)`` to look it up, never the key.
- We call the plugin with the key id and an HMAC-SHA256 keyed with the whole key over

      METHOD "\n" ROUTE "\n" TIMESTAMP "\n" NONCE "\n" sha256_hex(BODY)

  sent as headers ``X-IGNY8-Key-Id``, ``X-IGNY8-Timestamp`` (unix seconds), ``X-IGNY8-Nonce``
  (32 hex) and ``X-IGNY8-Signature`` (hex). ROUTE is the REST route, e.g. ``/igny8/v1/publish``,
  the same whether the site uses pretty permalinks or ``?rest_route=``. The plugin refuses a
  timestamp more than 300 s away from its clock and a nonce it has already seen, so a captured
  request cannot be replayed. The PHP side (wordpress-plugin/igny8-bridge) mirrors this file.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

PREFIX = "igk_"
KEY_RE = re.compile(r"^igk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
MAX_SKEW = 300  # seconds either way

HEADER_KEY_ID = "X-IGNY8-Key-Id"
HEADER_TIMESTAMP = "X-IGNY8-Timestamp"
HEADER_NONCE = "X-IGNY8-Nonce"
HEADER_SIGNATURE = "X-IGNY8-Signature"


@dataclass(frozen=True)
class NewKey:
    key: str  # the whole key: shown once, then only its hash and an encrypted copy are kept
    key_id: str
    digest: str  # sha256 hex of the whole key


def new_key() -> NewKey:
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key=key, key_id=key_id, digest=key_digest(key))


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    """The key id of a well-formed key, else None (nothing else is looked up)."""
    found = KEY_RE.match(key.strip())
    return found.group(1) if found else None


def connection_string(api_base: str, key: str) -> str:
    return f"{api_base.rstrip('/')}/ {key}"


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def canonical(method: str, route: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), route, str(timestamp), nonce, body_digest(body)]).encode()


def signature(key: str, method: str, route: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(
        key.encode(), canonical(method, route, timestamp, nonce, body), hashlib.sha256
    ).hexdigest()


def signed_headers(
    key: str, method: str, route: str, body: bytes, *, now: float | None = None
) -> dict:
    """The four headers of one signed call to the plugin."""
    key_id = key_id_of(key) or ""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    return {
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(key, method, route, timestamp, nonce, body),
    }


def verify(
    key: str,
    method: str,
    route: str,
    body: bytes,
    headers: dict,
    *,
    now: float | None = None,
) -> str:
    """ "" when the headers sign this call with this key and are fresh, else why not.
    (Replay by nonce is the receiver's to refuse: it must remember the nonces it saw.)"""
    timestamp = headers.get(HEADER_TIMESTAMP, "")
    nonce = headers.get(HEADER_NONCE, "")
    given = headers.get(HEADER_SIGNATURE, "")
    if not (timestamp.isdigit() and nonce and given):
        return "unsigned"
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_SKEW:
        return "expired"
    expected = signature(key, method, route, timestamp, nonce, body)
    return "" if hmac.compare_digest(expected, given) else "bad signature"
