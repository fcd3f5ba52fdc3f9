"""The links panel of an article: its open internal-link suggestions, "find link
suggestions", accept and dismiss.

The panel is self-contained: the editor lazy-loads GET /writer/content/<pk>/links/ and every
form in the panel posts here and gets the panel back (HTMX). Without JavaScript the forms post
normally and land on the panel's own full page. Accepting changes the article's HTML (a new
version), so the response also fires `writer:content-changed` for the editor to reload from.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import Role
from apps.writer.models import Content, LinkSuggestion
from apps.writer.selectors import links as selectors_links
from apps.writer.selectors.access import can_edit, content_for_member
from apps.writer.services import links as services
from igny8.http import redirect, render_page
from igny8.roles import require_role

TEMPLATE = "writer/links.html"


def _panel(
    request: HttpRequest,
    content: Content,
    *,
    status: int = 200,
    problem: str = "",
    notice: str = "",
    version: int | None = None,
) -> HttpResponse:
    """The panel as a partial for HTMX, else on its own full page. `version`: the article's
    new version after an accept (the panel then offers to reload the editor)."""
    context = {
        "content": content,
        "site": content.site,
        "rows": selectors_links.link_rows(content),
        "decided": selectors_links.decided_links(content),
        "can_edit": can_edit(request),
        "limit": content.site.links_per_content,
        "problem": problem,
        "notice": notice,
        "version": version,
    }
    response = render_page(request, TEMPLATE, context, partial="panel", status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _done(
    request: HttpRequest, content: Content, text: str, version: int | None = None
) -> HttpResponse:
    """After a change: the panel with a notice (HTMX), else back to the panel's page."""
    if request.htmx:
        return _panel(request, content, notice=text, version=version)
    messages.success(request, text)
    return redirect(request, reverse("writer:content_links", args=[content.pk]))


def _suggestion(content: Content, link_id: int) -> LinkSuggestion:
    try:
        return LinkSuggestion.objects.select_related("target").get(pk=link_id, source=content)
    except LinkSuggestion.DoesNotExist:
        raise Http404("No such link suggestion.") from None


@require_http_methods(["GET", "HEAD", "POST"])
def content_links(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the panel. POST (editors and up): find new suggestions."""
    if request.method == "POST":
        return _suggest(request, pk)
    return _panel(request, content_for_member(request, pk))


@require_role(Role.EDITOR)
def _suggest(request: HttpRequest, pk: int) -> HttpResponse:
    content = content_for_member(request, pk)
    try:
        made = services.links_suggest(content=content)
    except ValidationError as exc:
        return _panel(request, content, status=400, problem=" ".join(exc.messages))
    n = len(made)
    if n:
        text = (
            f"Found {n} new link suggestion{'s' if n != 1 else ''}. Nothing is linked until "
            "you accept one."
        )
    else:
        text = (
            "No new suggestions: no other article of this site is close enough in subject "
            "and named by a phrase of this one (outside links and headings)."
        )
    return _done(request, content, text)


@require_POST
@require_role(Role.EDITOR)
def link_accept(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    content = content_for_member(request, pk)
    suggestion = _suggestion(content, link_id)
    try:
        version = services.link_accept(suggestion=suggestion, user=request.user)
    except ValidationError as exc:
        return _panel(request, content, status=400, problem=" ".join(exc.messages))
    content.refresh_from_db()
    text = (
        f"Linked “{suggestion.anchor}” to “{suggestion.target.title}”, saved as version "
        f"{version.number}."
    )
    response = _done(request, content, text, version=version.number)
    response["HX-Trigger"] = json.dumps(
        {"writer:content-changed": {"content": content.pk, "version": version.number}}
    )
    return response


@require_POST
@require_role(Role.EDITOR)
def link_dismiss(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    content = content_for_member(request, pk)
    suggestion = _suggestion(content, link_id)
    try:
        services.link_dismiss(suggestion=suggestion, user=request.user)
    except ValidationError as exc:
        return _panel(request, content, status=400, problem=" ".join(exc.messages))
    return _done(
        request,
        content,
        f"Dismissed the link to “{suggestion.target.title}”; it will not be suggested again.",
    )
