"""The WordPress page of the current site: connect it (the IGNY8 Bridge plugin with a key,
or WordPress's own REST API with an Application Password), test both directions, rotate or
revoke the key, download the plugin.

The connection string (our API base and the key) is in the answer to the POST that made the
key and nowhere else: it is never stored in the clear, never put in the session and never
shown again; the answer is marked no-store so a Back button cannot bring it back either.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from apps.publisher import signing
from apps.publisher.forms import ConnectForm, CoreConnectForm, errors_onto, words_of
from apps.publisher.models import Adapter, ConnectionStatus
from apps.publisher.selectors import connection_of
from apps.publisher.services import connection as connection_services
from apps.publisher.views.common import can_manage, say, site_to_manage
from apps.workspace.context import current_site, show_site
from apps.workspace.models import Site
from igny8.errors import UserFacingError
from igny8.http import redirect, render_page

TEMPLATE = "publisher/integration.html"


def _context(request: HttpRequest, site: Site | None, **extra: object) -> dict:
    context: dict = {"site": site, "tab": "integration", "can_manage": can_manage(request)}
    if site is None:
        return context
    connection = connection_of(site)
    live = connection is not None and connection.status != ConnectionStatus.REVOKED
    wp_url = connection.wp_url if connection else site.url
    context.update(
        connection=connection,
        live=live,
        api_base=connection_services.api_base_for(request),
        connect_form=ConnectForm(initial={"wp_url": wp_url}),
        core_form=CoreConnectForm(
            initial={"wp_url": wp_url, "wp_user": connection.wp_user if connection else ""}
        ),
    )
    context.update(extra)
    return context


def _page(
    request: HttpRequest, site: Site | None, *, status: int = 200, **extra: object
) -> HttpResponse:
    response = render_page(
        request, TEMPLATE, _context(request, site, **extra), partial="panel", status=status
    )
    if "connection_string" in extra:
        add_never_cache_headers(response)
    return response


def _here() -> str:
    return reverse("publisher:integration")


@require_GET
def integration(request: HttpRequest) -> HttpResponse:
    return _page(request, current_site(request))


def _again(request: HttpRequest, site: Site, **extra: object) -> HttpResponse:
    """The panel again with a refusal (HTMX swaps any answer in; a plain post keeps a 4xx)."""
    return _page(request, site, status=200 if request.htmx else 400, **extra)


def _refused(request: HttpRequest, site: Site, exc: Exception) -> HttpResponse:
    return _again(request, site, error=words_of(exc))


def site_view(view: Callable[[HttpRequest, Site], HttpResponse]) -> Callable:
    """A POST that changes one site's connection: the site (404 when the member may not see
    it, 403 below admin), whose page then comes back about it, is handed to the view."""

    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, site_pk: int) -> HttpResponse:
        site, refusal = site_to_manage(request, site_pk)
        if refusal:
            return refusal
        show_site(request, site)
        return view(request, site)

    return wrapper


@site_view
def connect(request: HttpRequest, site: Site) -> HttpResponse:
    """A new plugin connection: the key is made and shown, once, in this answer."""
    form = ConnectForm(request.POST)
    if not form.is_valid():
        return _again(request, site, connect_form=form)
    try:
        connection, key = connection_services.connection_create(
            site=site, user=request.user, adapter=Adapter.PLUGIN, wp_url=form.cleaned_data["wp_url"]
        )
    except (ValidationError, UserFacingError) as exc:
        errors_onto(form, exc)
        return _again(request, site, connect_form=form)
    return _with_key(request, site, key, made="made")


@site_view
def rotate(request: HttpRequest, site: Site) -> HttpResponse:
    """A new key; the old one is refused from this moment."""
    connection = connection_of(site)
    if connection is None:
        return _refused(request, site, ValidationError("This site has no connection to rotate."))
    try:
        key = connection_services.key_rotate(connection=connection, user=request.user)
    except (ValidationError, UserFacingError) as exc:
        return _refused(request, site, exc)
    return _with_key(request, site, key, made="rotated")


def _with_key(request: HttpRequest, site: Site, key: str, *, made: str) -> HttpResponse:
    api_base = connection_services.api_base_for(request)
    return _page(
        request,
        site,
        connection_string=signing.connection_string(api_base, key),
        made=made,
    )


@site_view
def revoke(request: HttpRequest, site: Site) -> HttpResponse:
    connection = connection_of(site)
    if connection is None:
        return redirect(request, _here())
    try:
        connection_services.connection_revoke(connection=connection, user=request.user)
    except (ValidationError, UserFacingError) as exc:
        return _refused(request, site, exc)
    say(
        request,
        f"The connection of {site.name} is revoked: WordPress can no longer call IGNY8 with "
        "its key and nothing more is published there. Connect again to make a new key.",
    )
    return redirect(request, _here())


@site_view
def check(request: HttpRequest, site: Site) -> HttpResponse:
    """Call the plugin (or WordPress) now and say what each direction did."""
    connection = connection_of(site)
    if connection is None:
        return _refused(request, site, ValidationError("Connect this site to WordPress first."))
    try:
        result = connection_services.connection_test(connection=connection)
    except (ValidationError, UserFacingError) as exc:
        return _page(request, site, tested=True, test_error=words_of(exc))
    return _page(request, site, tested=True, result=result)


@site_view
def core_connect(request: HttpRequest, site: Site) -> HttpResponse:
    """The adapter without the plugin: WordPress's REST API with an Application Password."""
    form = CoreConnectForm(request.POST)
    if not form.is_valid():
        return _again(request, site, core_form=form)
    try:
        connection = connection_services.core_connect(
            site=site,
            user=request.user,
            wp_url=form.cleaned_data["wp_url"],
            wp_user=form.cleaned_data["wp_user"],
            app_password=form.cleaned_data["app_password"],
        )
    except (ValidationError, UserFacingError) as exc:
        errors_onto(form, exc)
        return _again(request, site, core_form=form)
    say(
        request,
        f"{site.name} is connected to {connection.wp_url} through WordPress’s REST API. "
        "Test the connection to see what the site allows.",
    )
    return redirect(request, _here())


@require_GET
def plugin_zip(request: HttpRequest) -> HttpResponse:
    """The IGNY8 Bridge plugin, to upload in wp-admin → Plugins → Add New → Upload."""
    from apps.publisher.plugin_zip import build_zip

    response = HttpResponse(build_zip(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="igny8-bridge.zip"'
    return response
