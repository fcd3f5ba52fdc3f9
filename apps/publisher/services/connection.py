"""A site's WordPress connection: create (the key shown once), rotate, revoke, connect with an
Application Password instead, and "test connection".

Decisions:
- One connection per site. Creating one when the site already has one replaces its key (the
  old key is refused at once: its hash is gone) and keeps what the site reported.
- `connection_create` and `key_rotate` return the whole key once; only its sha256 (to find
  incoming calls) and an encrypted copy (to sign our calls) are kept. The page joins it with
  `api_base_for(request)` into the connection string (`signing.connection_string`).
- Secrets go only to the address they were saved with (`secret_url`); changing the address
  means saving a new key or password (see `client.adapter_for`).
- "Test connection" calls the site (outbound) and reads whether the plugin has reached our
  API since the key was made (inbound, recorded by the API); the plugin calls us while it
  answers our status call, so one click proves both directions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.models import Account
from apps.publisher import signing
from apps.publisher.client import PublishError, StatusReport, adapter_for
from apps.publisher.models import Adapter, Connection, ConnectionStatus, Direction
from apps.publisher.services.synclog import log_event
from apps.workspace.models import Site
from igny8.ai import crypto
from igny8.egress import EgressError, tenant_policy, url_check

API_PATH = "/api/v1/"
_ADMIN_TAILS = ("/wp-admin", "/wp-login.php", "/wp-json", "/index.php")


@dataclass
class TestResult:
    """What "test connection" found, for the page."""

    ok: bool  # we reached WordPress and it accepted us
    words: str  # one plain sentence: what happened and what to do next
    outbound_ok: bool = False
    inbound_ok: bool | None = None  # None: this adapter never calls us (core)
    inbound_at: datetime | None = None
    error_code: str = ""
    report: StatusReport | None = None
    notes: list[str] = field(default_factory=list)


def connection_for(site: Site) -> Connection | None:
    return Connection.objects.filter(site=site).first()


def wp_url_clean(url: str) -> str:
    """The site's home address as people paste it: scheme added when missing (https), the
    admin or REST part cut off, no trailing slash. ValidationError in plain words when it is
    no address we may call."""
    text = (url or "").strip()
    if not text:
        raise ValidationError({"wp_url": "Enter the WordPress site's address."})
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    path = parts.path.rstrip("/")
    for tail in _ADMIN_TAILS:
        at = path.find(tail)
        if at >= 0:
            path = path[:at]
    cleaned = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))
    try:
        url_check(cleaned, tenant_policy())
    except EgressError as exc:
        raise ValidationError({"wp_url": exc.message}) from None
    if len(cleaned) > Connection._meta.get_field("wp_url").max_length:
        raise ValidationError({"wp_url": "That address is too long."})
    return cleaned


def _new_key(connection: Connection) -> str:
    made = signing.new_key()
    connection.key_id = made.key_id
    connection.key_hash = made.digest
    connection.key_secret = crypto.encrypt(made.key)
    connection.key_created = timezone.now()
    connection.inbound_ok_at = None  # the plugin must prove it has the new key
    return made.key


@transaction.atomic
def connection_create(
    *,
    site: Site,
    user=None,
    adapter: str = Adapter.PLUGIN,
    wp_url: str | None = None,  # noqa: ANN001
) -> tuple[Connection, str]:
    """Make (or remake) the site's plugin connection with a new key: (connection, the key).
    The key is returned only here; show it once."""
    url = wp_url_clean(wp_url or site.url)
    connection = Connection.objects.select_for_update().filter(site=site).first()
    if connection is None:
        connection = Connection(site=site, created_by_id=getattr(user, "pk", None))
    connection.adapter = adapter
    connection.wp_url = url
    connection.secret_url = url
    connection.wp_user = ""
    connection.app_password = ""
    connection.status = ConnectionStatus.NEW
    connection.last_error = ""
    key = _new_key(connection)
    connection.updated = timezone.now()
    connection.save()
    return connection, key


@transaction.atomic
def key_rotate(*, connection: Connection, user=None) -> str:  # noqa: ANN001
    """A new key for the connection; the old one is refused from now on. Returns the key."""
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    key = _new_key(locked)
    # A key means the plugin: one way in at a time (core_connect clears the key likewise).
    locked.adapter = Adapter.PLUGIN
    locked.wp_user = ""
    locked.app_password = ""
    locked.secret_url = locked.wp_url
    locked.status = ConnectionStatus.NEW
    locked.last_error = ""
    locked.updated = timezone.now()
    locked.save()
    _copy(connection, locked)
    return key


@transaction.atomic
def connection_revoke(*, connection: Connection, user=None) -> Connection:  # noqa: ANN001
    """Refuse the key (and forget the Application Password) at once."""
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    locked.key_hash = ""
    locked.key_secret = ""
    locked.app_password = ""
    locked.status = ConnectionStatus.REVOKED
    locked.inbound_ok_at = None
    locked.updated = timezone.now()
    locked.save()
    _copy(connection, locked)
    return connection


def _copy(target: Connection, source: Connection) -> None:
    for f in Connection._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


@transaction.atomic
def core_connect(
    *,
    site: Site,
    user=None,
    wp_url: str,
    wp_user: str,
    app_password: str,  # noqa: ANN001
) -> Connection:
    """Connect without the plugin: a WordPress user and one of its Application Passwords
    (kept encrypted, sent only to this address). ValidationError with fields."""
    url = wp_url_clean(wp_url)
    name = (wp_user or "").strip()
    password = " ".join((app_password or "").split())
    problems = {}
    if not name:
        problems["wp_user"] = "Enter the WordPress user name the Application Password belongs to."
    if len(password.replace(" ", "")) < 16:
        problems["app_password"] = (
            "Paste the Application Password from wp-admin → Users → Profile → Application "
            "Passwords (24 letters and digits, spaces allowed), not the login password."
        )
    if problems:
        raise ValidationError(problems)
    connection = Connection.objects.select_for_update().filter(site=site).first()
    if connection is None:
        connection = Connection(site=site, created_by_id=getattr(user, "pk", None))
    connection.adapter = Adapter.CORE
    connection.wp_url = url
    connection.secret_url = url
    connection.wp_user = name[:100]
    connection.app_password = crypto.encrypt(password)
    # A plugin key of an earlier connection stops working: one way in at a time.
    connection.key_id = connection.key_hash = connection.key_secret = ""
    connection.key_created = None
    connection.inbound_ok_at = None
    connection.status = ConnectionStatus.NEW
    connection.last_error = ""
    connection.updated = timezone.now()
    connection.save()
    return connection


def _log_test(connection: Connection, *, ok: bool, summary: str, error: str = "") -> None:
    """One line of the site's sync log about a connection test."""
    log_event(
        site=connection.site,
        direction=Direction.OUT,
        kind="test",
        object_type="site",
        object_id=connection.site_id,
        ok=ok,
        summary=summary,
        error=error,
    )


def connection_test(*, connection: Connection) -> TestResult:
    """Call the site's WordPress (the plugin's `status`, or core's REST index and the user),
    store what it reported, and say whether both directions work."""
    now = timezone.now()
    try:
        adapter = adapter_for(connection)
        try:
            report = adapter.status()
        finally:
            adapter.close()
    except PublishError as exc:
        Connection.objects.filter(pk=connection.pk).update(
            status=ConnectionStatus.REVOKED
            if connection.status == ConnectionStatus.REVOKED
            else ConnectionStatus.ERROR,
            last_error=exc.words,
            tested_at=now,
            updated=now,
        )
        connection.last_error, connection.tested_at = exc.words, now
        _log_test(
            connection,
            ok=False,
            summary=f"Test connection to {connection.wp_url}",
            error=exc.words,
        )
        return TestResult(ok=False, words=exc.words, error_code=exc.code)
    fields = {
        "status": ConnectionStatus.CONNECTED,
        "last_error": "",
        "tested_at": now,
        "outbound_ok_at": now,
        "updated": now,
        "plugin_version": report.plugin_version,
        "wp_version": report.wp_version or connection.wp_version,
        "php_version": report.php_version or connection.php_version,
        "seo_plugin": report.seo_plugin,
        "post_types": report.post_types or connection.post_types,
        "taxonomies": report.taxonomies or connection.taxonomies,
    }
    Connection.objects.filter(pk=connection.pk).update(**fields)
    # The plugin may have called our API while answering: read what the API recorded.
    inbound_at = (
        Connection.objects.filter(pk=connection.pk).values_list("inbound_ok_at", flat=True).first()
    )
    for name, value in {**fields, "inbound_ok_at": inbound_at}.items():
        setattr(connection, name, value)
    if connection.adapter == Adapter.CORE:
        inbound_ok = None
        words = (
            "Connected: WordPress accepted the Application Password. Without the plugin, "
            "changes made in wp-admin are not reported back here."
        )
    else:
        inbound_ok = inbound_at is not None and (
            connection.key_created is None or inbound_at >= connection.key_created
        )
        callback = report.callback or {}
        if callback.get("ok"):
            inbound_ok = True
        if inbound_ok:
            words = "Connected both ways: we reached the plugin and the plugin reached us."
        elif callback.get("error"):
            words = (
                "We reached the plugin, but it could not reach us: “"
                + callback["error"]
                + "” Check that the site may call out to this address (a firewall or the host "
                "may block outgoing requests), then test again."
            )
        else:
            words = (
                "We reached the plugin, but it has not reached us yet. In wp-admin → Settings → "
                "IGNY8 Bridge, press “Test connection”; if it fails there, the site cannot call "
                "out to this address (a firewall or the host blocks outgoing requests)."
            )
    summary = f"Test connection to {connection.wp_url}"
    if report.plugin_version:
        summary += f": plugin {report.plugin_version}"
    if report.wp_version:
        summary += f", WordPress {report.wp_version}"
    _log_test(
        connection,
        ok=True,
        summary=summary,
    )
    return TestResult(
        ok=True,
        words=words,
        outbound_ok=True,
        inbound_ok=inbound_ok,
        inbound_at=inbound_at,
        report=report,
        notes=list(report.notes),
    )


def api_base_for(target: HttpRequest | Account) -> str:
    """The API base URL the plugin calls: the workspace's host with the scheme and port of
    the request (or of IGNY8_PUBLIC_URL without one), ending in /api/v1/."""
    from apps.accounts import provisioning
    from apps.workspace.notification_emails import workspace_link

    if isinstance(target, Account):
        return workspace_link(target, API_PATH)
    account = getattr(target, "tenant", None)
    if isinstance(account, Account):
        return provisioning.workspace_url(account, target, API_PATH)
    return target.build_absolute_uri(API_PATH)
