"""Turn `EMAIL_URL` into Django email settings.

Forms: `smtp://user:pass@host:587` (STARTTLS), `smtps://user:pass@host:465` (TLS),
`console://`, `file:///path/to/dir`, `dummy://`.
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse


def parse_email_url(url: str) -> dict[str, object]:
    """The MAILERS["default"] entry for an EMAIL_URL."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    if scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": parsed.path},
        }
    if scheme in {"smtp", "smtps", "submission"}:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parsed.hostname or "localhost",
                "port": parsed.port or (465 if scheme == "smtps" else 587),
                "username": unquote(parsed.username or ""),
                "password": unquote(parsed.password or ""),
                "use_ssl": scheme == "smtps",
                "use_tls": scheme != "smtps",
                "timeout": 20,
            },
        }
    raise ValueError(f"EMAIL_URL scheme {scheme!r} is not supported (use smtp, smtps, console)")
