"""Template context for every page: the workspace, the member's role, sites and current site."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

from apps.accounts.models import Account
from apps.workspace.models import Site

SESSION_KEY = "current_site:{schema}"


def current_site(request: HttpRequest) -> Site | None:
    """The site every workspace page is scoped to (chosen in the header's switcher)."""
    if hasattr(request, "_current_site"):
        return request._current_site
    from apps.workspace.selectors import sites_visible_list

    # Without the sector counts of the sites page (a GROUP BY), in one plain statement.
    sites = sites_visible_list(request)
    request._visible_sites = sites
    key = SESSION_KEY.format(schema=request.account.schema_name)
    chosen = request.session.get(key)
    site = next((s for s in sites if s.pk == chosen), None) or (sites[0] if sites else None)
    request._current_site = site
    return site


def current_site_set(request: HttpRequest, site: Site) -> None:
    request.session[SESSION_KEY.format(schema=request.account.schema_name)] = site.pk
    request._current_site = site


def show_site(request: HttpRequest, site: Site) -> None:
    """A change on a site brings its page back, about that site (made the current one)."""
    if current_site(request) != site:
        current_site_set(request, site)


def workspace(request: HttpRequest) -> dict:
    from apps.accounts.provisioning import public_url

    base = {"is_workspace": False, "public_url": public_url(request).rstrip("/")}
    if not getattr(request, "is_workspace", False) or not request.user.is_authenticated:
        return base
    if getattr(request, "membership", None) is None and not request.user.is_staff:
        return base
    site = current_site(request)
    membership = request.membership
    return {
        **base,
        "is_workspace": True,
        "account": request.account,
        "membership": membership,
        "is_manager": membership.is_manager if membership else request.user.is_staff,
        "current_site": site,
        "visible_sites": request._visible_sites,
    }


def workspace_account() -> Account:
    """The workspace whose schema is current (a request's, a job's or a schema_context's)."""
    schema = connection.schema_name
    if schema == get_public_schema_name():
        raise RuntimeError("Notifications belong to a workspace; notify inside its schema.")
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Account) and tenant.schema_name == schema:
        return tenant
    return Account.objects.get(schema_name=schema)
