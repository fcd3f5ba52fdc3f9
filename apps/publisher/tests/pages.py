"""Shared pieces of the publisher page tests: the people who may (or may not) use the pages,
a connected site, approved articles, a plugin answering at the wire, and readers of pages."""

from __future__ import annotations

import json
from datetime import datetime

import httpx
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.automation.tests.pages import People, people, text, words  # noqa: F401 (re-exported)
from apps.publisher import signing
from apps.publisher.models import Adapter, Connection, ConnectionStatus, Publication
from apps.workspace.models import Site
from apps.writer.models import Content, EditorialStatus, PublishingStatus
from apps.writer.tests.helpers_content import make_content
from igny8.ai import crypto
from tests.factories import make_site
from tests.fixtures import Workspace


def garden_site(ws: Workspace, name: str = "Garden Blog") -> Site:
    return make_site(ws.account, name, sectors=1)


def connect(ws: Workspace, site: Site, *, status: str = ConnectionStatus.CONNECTED) -> str:
    """A plugin connection of `site` (tested, both ways); returns its key."""
    made = signing.new_key()
    now = timezone.now()
    with schema_context(ws.schema):
        Connection.objects.update_or_create(
            site=site,
            defaults={
                "adapter": Adapter.PLUGIN,
                "wp_url": "https://garden.example.com",
                "secret_url": "https://garden.example.com",
                "key_id": made.key_id,
                "key_hash": made.digest,
                "key_secret": crypto.encrypt(made.key),
                "key_created": now,
                "status": status,
                "outbound_ok_at": now if status == ConnectionStatus.CONNECTED else None,
                "inbound_ok_at": now if status == ConnectionStatus.CONNECTED else None,
                "tested_at": now,
                "plugin_version": "1.0.0",
                "wp_version": "6.4.2",
            },
        )
    return made.key


def article(
    ws: Workspace,
    site: Site,
    title: str,
    *,
    status: str = EditorialStatus.APPROVED,
    publishing: str = PublishingStatus.NOT_PUBLISHED,
    planned_for=None,  # noqa: ANN001
    publish_at: datetime | None = None,
    published_at: datetime | None = None,
    remote_url: str = "",
    last_error: str = "",
) -> Content:
    """An article of `site` in the given editorial and publishing state, with its
    publication when it has a time or a remote post."""
    content = make_content(ws, site, title, status=status)
    with schema_context(ws.schema):
        Content.objects.filter(pk=content.pk).update(
            publishing_status=publishing, planned_for=planned_for
        )
        content.publishing_status, content.planned_for = publishing, planned_for
        if publish_at or published_at or remote_url:
            Publication.objects.create(
                content=content,
                site=site,
                publish_at=publish_at,
                published_at=published_at,
                remote_id=101 if remote_url else None,
                remote_url=remote_url,
                remote_status="publish" if remote_url else "",
                last_error=last_error,
            )
    return content


def plugin_transport(report: dict | None = None, *, status: int = 200) -> httpx.MockTransport:
    """WordPress with the IGNY8 Bridge plugin, at the wire: `status` answers `report`."""
    answer = report or {
        "plugin_version": "1.0.0",
        "wp_version": "6.4.2",
        "php_version": "8.2.7",
        "seo_plugin": "Yoast SEO",
        "post_types": [{"name": "post", "label": "Posts"}, {"name": "page", "label": "Pages"}],
        "taxonomies": [
            {"name": "category", "label": "Categories"},
            {"name": "post_tag", "label": "Tags"},
        ],
    }
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            status, content=json.dumps(answer), headers={"Content-Type": "application/json"}
        )

    transport = httpx.MockTransport(handle)
    transport.seen = seen
    return transport
