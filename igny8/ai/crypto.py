"""Secrets at rest (AI provider keys, WordPress connection keys and Application Passwords):
Fernet, with a key of its own for every workspace.

Master keys come from `IGNY8_ENCRYPTION_KEY`: one or several comma-separated values, newest
first (any strings; a long random one each). Unset, `SECRET_KEY` is the one master key.

A workspace's key is derived from a master key and the workspace's schema name with
HKDF-SHA256 (RFC 5869): input key material = the master key's UTF-8 bytes, salt = `SALT`,
info = `b"workspace-schema:" + schema name`, 32 bytes out, used as the Fernet key. A token
copied into another workspace therefore does not decrypt there; the price is that a secret is
bound to its schema name (a workspace's schema is never renamed).

Reading tries, in order (MultiFernet): the workspace key under each master key, newest first;
then, unless `IGNY8_ENCRYPTION_LEGACY` is off, the one global key every workspace shared before
per-workspace keys (SHA-256 of "igny8-secrets:" + master key), so that nothing stored before the
upgrade is lost. Writing always uses the workspace key under the newest master key.
`manage.py secrets_rotate` rewrites every stored secret that way (see README, "AI providers").

Callers inside a workspace pass nothing: the workspace is the schema the connection is in.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection

# Fixed for the application: changing either makes every stored secret unreadable.
SALT = b"igny8/secrets/v1"
INFO_PREFIX = b"workspace-schema:"


def master_keys() -> list[str]:
    """The master keys, newest first: IGNY8_ENCRYPTION_KEY's comma-separated values, else
    SECRET_KEY."""
    configured = getattr(settings, "IGNY8_ENCRYPTION_KEY", "") or ""
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    return keys or [settings.SECRET_KEY]


def workspace_key(master: str, schema: str) -> bytes:
    """The Fernet key of one workspace under one master key (HKDF-SHA256, see above)."""
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=SALT,
        info=INFO_PREFIX + schema.encode(),
    ).derive(master.encode())
    return base64.urlsafe_b64encode(derived)


def legacy_key(master: str) -> bytes:
    """The single key all workspaces shared before per-workspace keys (read-only fallback)."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"igny8-secrets:{master}".encode()).digest())


def _schema(schema: str | None) -> str:
    return schema if schema is not None else connection.schema_name


def _primary(schema: str) -> Fernet:
    return Fernet(workspace_key(master_keys()[0], schema))


def _reader(schema: str) -> MultiFernet:
    """Every key a stored token of this workspace may be under; the first one encrypts."""
    masters = master_keys()
    keys = [workspace_key(master, schema) for master in masters]
    if getattr(settings, "IGNY8_ENCRYPTION_LEGACY", True):
        keys += [legacy_key(master) for master in masters]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(secret: str, *, schema: str | None = None) -> str:
    """The secret encrypted for the workspace (default: the schema the connection is in)."""
    return _primary(_schema(schema)).encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str, *, schema: str | None = None) -> str:
    """The secret, or "" when it cannot be read (empty, another workspace's, or encrypted
    under a key that is no longer configured)."""
    if not token:
        return ""
    try:
        return _reader(_schema(schema)).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def reencrypt(token: str, *, schema: str | None = None) -> str | None:
    """The token under the newest key: the same token when it already is one, a new token when
    an older key (or the legacy global key) reads it, None when no configured key reads it."""
    schema = _schema(schema)
    try:
        _primary(schema).decrypt(token.encode())
    except InvalidToken:
        pass
    else:
        return token
    try:
        return _reader(schema).rotate(token.encode()).decode()
    except InvalidToken:
        return None


def hint(secret: str) -> str:
    """What may be shown again: the last four characters."""
    return f"…{secret[-4:]}" if len(secret) >= 8 else "…"
