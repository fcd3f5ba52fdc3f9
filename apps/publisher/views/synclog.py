"""The sync log of the current site: every exchange with its WordPress, newest first,
filtered by kind, outcome and direction, paginated."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.publisher.selectors import (
    SyncFilters,
    connection_of,
    content_titles,
    sync_events,
    sync_kinds,
)
from apps.publisher.views.common import zone_of
from apps.workspace.context import current_site
from igny8.http import render_page

PER_PAGE = 50


def _url(filters: SyncFilters, page: int) -> str:
    query = filters.query()
    if page > 1:
        query["page"] = str(page)
    base = reverse("publisher:sync")
    return f"{base}?{urlencode(query)}" if query else base


@require_GET
def sync_log(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "tab": "sync"}
    if site is not None:
        kinds = sync_kinds(site)
        filters = SyncFilters.from_query(request.GET, kinds)
        context["kinds"] = kinds
        page = Paginator(sync_events(site=site, filters=filters), PER_PAGE).get_page(
            request.GET.get("page")
        )
        events = list(page.object_list)
        articles = content_titles(events)
        for event in events:
            event.article = (
                articles.get(event.object_id) if event.object_type == "content" else None
            )
        context.update(
            filters=filters,
            page=page,
            events=events,
            zone=zone_of(request, site),
            connection=connection_of(site),
            previous_url=_url(filters, page.previous_page_number()) if page.has_previous() else "",
            next_url=_url(filters, page.next_page_number()) if page.has_next() else "",
        )
    return render_page(request, "publisher/sync.html", context, partial="log")
