"""Secrets at rest (provider API keys): Fernet with a key derived from a dedicated setting
(`IGNY8_ENCRYPTION_KEY`) or, when unset, from SECRET_KEY. Rotating the key makes stored
secrets unreadable: they must be entered again."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    material = getattr(settings, "IGNY8_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(f"igny8-secrets:{material}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    """The secret, or "" when it cannot be read (empty, or encrypted under another key)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def hint(secret: str) -> str:
    """What may be shown again: the last four characters."""
    return f"…{secret[-4:]}" if len(secret) >= 8 else "…"
