"""The sync log of the current site: every exchange with its WordPress, newest first,
filtered by kind, outcome and direction, paginated."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.publisher.selectors import (
    SYNC_LIST,
    connection_of,
    content_titles,
    sync_events,
    sync_kinds,
)
from apps.publisher.views.common import zone_of
from apps.workspace.context import current_site
from igny8.http import render_page
from igny8.lists import Pager, select_field

OUTCOMES = (("ok", "Succeeded"), ("failed", "Failed"))
DIRECTIONS = (("out", "To WordPress"), ("in", "From WordPress"))


@require_GET
def sync_log(request: HttpRequest) -> HttpResponse:
    site = current_site(request)
    context: dict = {"site": site, "tab": "sync"}
    if site is not None:
        kinds = sync_kinds(site)
        filters = SYNC_LIST.read(request.GET, allowed={"kind": {k for k, _ in kinds}})
        page = SYNC_LIST.page(sync_events(site=site, filters=filters), request.GET.get("page"))
        events = list(page.object_list)
        articles = content_titles(events)
        for event in events:
            event.article = (
                articles.get(event.object_id) if event.object_type == "content" else None
            )
        context.update(
            filters=filters,
            fields=[
                select_field(filters, "kind", "Kind", "Every kind", kinds),
                select_field(filters, "status", "Outcome", "Any", OUTCOMES),
                select_field(filters, "direction", "Direction", "Both", DIRECTIONS),
            ],
            page=page,
            events=events,
            zone=zone_of(request, site),
            connection=connection_of(site),
            pager=Pager(
                page,
                base=reverse("publisher:sync"),
                query=urlencode(filters.as_query()),
                bare_first=True,
                htmx="push",
                label="Sync log pages",
                previous_word="Newer",
                next_word="Older",
            ),
        )
    return render_page(request, "publisher/sync.html", context, partial="log")
