"""Where `next=` may send people after signing in, signing up or signing out."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.models import Domain, User


def redirect_allowed(request: HttpRequest, url: str | None) -> bool:
    """Whether `url` is a safe place to send this request's user.

    Allowed: a path on this host, the public host, and the host of a workspace the signed-in
    user belongs to (platform staff: any workspace, they may enter every one). Refused: other
    sites, and workspaces of other people, because anyone can make a workspace and so borrow
    our domain for a convincing redirect. Before sign-in nobody's workspaces are allowed;
    allauth asks again once the user is signed in, so their own still work.
    """
    if not url:
        return False
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        # A path; Django's check still refuses tricks such as "/\\evil.example".
        return url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    host = parts.hostname or ""
    if host != settings.IGNY8_BASE_DOMAIN and not _workspace_host_for(request.user, host):
        return False
    # The same port as this request (every host is served by the same server), and no
    # "user@" part: the only netloc accepted is the one built here.
    current = request.get_host()
    port = ":" + current.rsplit(":", 1)[1] if ":" in current else ""
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={f"{host}{port}"}, require_https=request.is_secure()
    )


def _workspace_host_for(user: User, host: str) -> bool:
    """Whether `host` is the host of a workspace `user` may enter."""
    if not host or not user.is_authenticated:
        return False
    domain = Domain.objects.select_related("tenant").filter(domain=host).first()
    if domain is None:
        return False
    account = domain.tenant
    if account.is_system or account.schema_name == settings.PUBLIC_SCHEMA_NAME:
        return False
    return user.is_staff or account.memberships.filter(user=user).exists()
