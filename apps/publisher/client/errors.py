"""The failures of a call to WordPress, each in plain words with what to do next.

A `PublishError` is what every part of the publisher raises when WordPress could not be reached
or refused what we asked: the page shows `.words`, a job reads `.retryable` (a timeout, a 5xx,
a dropped connection may pass; a refused password or a missing plugin will not pass by waiting),
and `.code` names the case for tests and the sync log. `.outcome_unknown` marks a call that may
have reached WordPress although no answer came back (a timeout after sending): the next try
must first find what the first one did, never blindly create again.
"""

from __future__ import annotations

from igny8.errors import UserFacingError


class PublishError(UserFacingError):
    status = 502
    code = "wordpress"

    def __init__(
        self,
        words: str,
        *,
        code: str = "wordpress",
        retryable: bool = False,
        outcome_unknown: bool = False,
        http_status: int | None = None,
    ) -> None:
        super().__init__(words)
        self.words = words
        self.code = code
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown
        self.http_status = http_status

    def __str__(self) -> str:
        return self.words


def _site(host: str) -> str:
    return host or "The WordPress site"


def unreachable(host: str, what: str) -> PublishError:
    return PublishError(
        f"Could not reach {_site(host)}: {what}. Check that the address is right and the site "
        "is online, then try again.",
        code="unreachable",
        retryable=True,
    )


def timed_out(host: str, seconds: float, *, sent: bool) -> PublishError:
    return PublishError(
        f"{_site(host)} did not answer within {seconds:.0f} seconds. It may be slow or "
        "overloaded; we will try again (a retry updates the same post, it never makes a second "
        "one).",
        code="timeout",
        retryable=True,
        outcome_unknown=sent,
    )


def tls(host: str) -> PublishError:
    return PublishError(
        f"{_site(host)}'s HTTPS certificate could not be verified (expired, self-signed or "
        "issued for another name). Renew or fix the certificate, or use the exact address the "
        "certificate is for.",
        code="tls",
    )


def server_error(host: str, status: int) -> PublishError:
    return PublishError(
        f"{_site(host)} answered with a server error ({status}). This is usually passing; we "
        "will try again. If it keeps happening, check the site's PHP error log.",
        code="server_error",
        retryable=True,
        http_status=status,
    )


def throttled(host: str) -> PublishError:
    return PublishError(
        f"{_site(host)} asked us to slow down (429). We will try again later.",
        code="throttled",
        retryable=True,
        http_status=429,
    )


def not_wordpress(host: str) -> PublishError:
    return PublishError(
        f"{_site(host)} does not answer like a WordPress site (no REST API found at /wp-json/ "
        "nor at ?rest_route=/). Check the address: it must be the site's home page, e.g. "
        "https://example.com, and the REST API must not be blocked by a security plugin.",
        code="not_wordpress",
        http_status=404,
    )


def plugin_missing(host: str) -> PublishError:
    return PublishError(
        f"{_site(host)} is WordPress, but the IGNY8 Bridge plugin is not active there. Download "
        "the plugin from the integration page, install and activate it in wp-admin → Plugins, "
        "then paste the connection string into Settings → IGNY8 Bridge.",
        code="plugin_missing",
        http_status=404,
    )


def plugin_too_old(host: str, version: str, minimum: str) -> PublishError:
    return PublishError(
        f"{_site(host)} runs IGNY8 Bridge {version or '(unknown version)'}; this needs "
        f"{minimum} or newer. Update the plugin from the integration page's download, then "
        "test the connection again.",
        code="plugin_too_old",
    )


def authorization_stripped(host: str) -> PublishError:
    """A 401 "not logged in" although we sent an Application Password. WordPress answers the
    same whether the password was wrong or never reached it (the host stripped the header), so
    the words name both, the more common first."""
    return PublishError(
        f"{_site(host)} did not accept our login: WordPress saw no valid Application Password. "
        "Either the password is wrong or was revoked (create a new one in wp-admin → Users → "
        "Profile → Application Passwords and save it here), or the web server removes the "
        "Authorization header before WordPress sees it (common on Apache with CGI/FastCGI: add "
        'the line  SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1  to the site\'s '
        ".htaccess, or ask the host to pass the header on). Then test again.",
        code="auth_refused",
        http_status=401,
    )


def app_passwords_off(host: str) -> PublishError:
    return PublishError(
        f"{_site(host)} has Application Passwords turned off (WordPress turns them off on sites "
        "without HTTPS, and some security plugins do too). Serve the site over https:// or "
        "allow Application Passwords, or connect with the IGNY8 Bridge plugin instead.",
        code="app_passwords_off",
        http_status=401,
    )


def bad_credentials(host: str) -> PublishError:
    return PublishError(
        f"{_site(host)} refused the user name or Application Password. Create a new "
        "Application Password in wp-admin → Users → Profile and save it here again (it is the "
        "24-character one, not your login password).",
        code="bad_credentials",
        http_status=401,
    )


def key_refused(host: str, reason: str = "") -> PublishError:
    if "expired" in reason or "clock" in reason or "timestamp" in reason:
        return PublishError(
            f"{_site(host)} refused our signature as too old: the server's clock is more than "
            "5 minutes off. Ask the host to enable time synchronisation (NTP), then try again.",
            code="clock_skew",
            http_status=401,
        )
    return PublishError(
        f"{_site(host)} does not accept this site's connection key (the key was rotated or "
        "revoked, or never pasted there). Paste the current connection string into Settings → "
        "IGNY8 Bridge in wp-admin, then test again.",
        code="key_refused",
        http_status=401,
    )


def forbidden(host: str, words: str = "") -> PublishError:
    said = f" WordPress said: “{words}”." if words else ""
    return PublishError(
        f"{_site(host)} refused the request (403).{said} The WordPress user may lack the "
        "right to publish, or a security plugin or firewall blocks the REST API; allow it for "
        "this user and try again.",
        code="forbidden",
        http_status=403,
    )


def blocked(host: str, status: int) -> PublishError:
    return PublishError(
        f"Something in front of WordPress at {_site(host)} refused the request ({status}): a "
        "firewall, a security plugin or a password on the whole site (HTTP authentication). "
        "Allow requests to /wp-json/ (and ?rest_route=) from this service, then try again.",
        code="blocked",
        http_status=status,
    )


def refused(host: str, status: int, words: str = "") -> PublishError:
    said = f": “{words}”" if words else ""
    return PublishError(
        f"{_site(host)} refused the request ({status}){said}. Check the article and the "
        "connection settings, then try again.",
        code="refused",
        http_status=status,
    )


def redirected(host: str, location: str) -> PublishError:
    where = f" to {location[:120]}" if location else ""
    return PublishError(
        f"{_site(host)} redirects{where}. Save the site's final address (for example with "
        "https:// or www.) in the connection, then try again.",
        code="redirect",
    )


def bad_answer(host: str) -> PublishError:
    return PublishError(
        f"{_site(host)} sent an answer we could not read (not the JSON WordPress sends). A "
        "plugin or the host may be adding output to REST responses; check the site's PHP "
        "error display (display_errors must be off) and try again.",
        code="bad_answer",
        retryable=True,
    )


def not_connected() -> PublishError:
    return PublishError(
        "This site has no WordPress connection yet. Connect it on the site's integration page "
        "first.",
        code="not_connected",
    )


def revoked() -> PublishError:
    return PublishError(
        "This site's connection key was revoked. Create a new key on the integration page and "
        "paste it into the plugin, or connect with an Application Password.",
        code="revoked",
    )
