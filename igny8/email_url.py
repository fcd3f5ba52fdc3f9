"""Turn `EMAIL_URL` into Django email settings.

Forms: `smtp://user:pass@host:587` (STARTTLS), `smtp://host:1025?tls=0` (plain, for a
local mail catcher), `smtps://user:pass@host:465` (TLS), `console://`, `file:///path/to/dir`,
`dummy://`.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlparse


def parse_email_url(url: str) -> dict[str, object]:
    """The MAILERS["default"] entry for an EMAIL_URL."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    if scheme == "file":
        if not parsed.path or parsed.netloc:
            raise ValueError(
                f"EMAIL_URL {url!r} needs an absolute folder, for example file:///var/mail/igny8"
            )
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": parsed.path},
        }
    if scheme in {"smtp", "smtps", "submission"}:
        try:
            port = parsed.port
        except ValueError:
            # Not the URL itself in the message: it may hold the password.
            raise ValueError("EMAIL_URL has a port that is not a number, e.g. :587") from None
        tls_off = parse_qs(parsed.query).get("tls", [""])[0].lower() in {"0", "false", "no", "off"}
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parsed.hostname or "localhost",
                "port": port or (465 if scheme == "smtps" else 587),
                "username": unquote(parsed.username or ""),
                "password": unquote(parsed.password or ""),
                "use_ssl": scheme == "smtps",
                "use_tls": scheme != "smtps" and not tls_off,
                "timeout": 20,
            },
        }
    raise ValueError(
        f"EMAIL_URL scheme {scheme!r} is not supported; use one of smtp://, smtps://, "
        "console://, file:///path or dummy://"
    )
