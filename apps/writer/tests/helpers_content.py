"""Shared pieces of the content, versions and review tests: a site granted to alpha's editor and
a viewer, an admin, an editor without the grant, articles made through content_create, editor
form data and readers of the pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.workspace.models import Site
from apps.writer.models import Content, ContentVersion
from apps.writer.services.versions import content_create
from tests.factories import make_site
from tests.fixtures import Workspace

# Re-exported: the test modules import these fixtures from here.
from tests.members import (  # noqa: F401
    admin_fixture,
    stranger_editor_fixture,
    viewer_fixture,
)
from tests.web import body, client_on, fresh, page_text, text_of  # noqa: F401  (re-exported)

# Test modules import the fixtures by these names: `from … import site_fixture, viewer_fixture`.

CONTENTS = "/writer/content/"
REVIEW = "/writer/review/"
TRASH = "/writer/trash/"

BODY = (
    "<h2>Why drains clog</h2><p>Hair, grease and soap build up in the pipe over time.</p>"
    "<h2>What to do</h2><p>Pour boiling water, then use a plunger.</p>"
)


@pytest.fixture(name="site")
def site_fixture(alpha, viewer) -> Site:
    """Alpha's site under test: two sectors, granted to alpha's editor and the viewer."""
    return make_site(alpha.account, "Drain Site", sectors=2, grant=[alpha.editor, viewer])


def make_content(
    ws: Workspace,
    site: Site,
    title: str = "How to clean a drain",
    *,
    html_body: str = BODY,
    status: str | None = None,
    sector_index: int = 0,
    author: User | None = None,
    **fields: Any,
) -> Content:
    """An article made the way the writer makes one (content_create: version 1)."""
    with schema_context(ws.schema):
        sector = list(site.sectors.order_by("pk"))[sector_index]
        extra = {k: fields.pop(k) for k in list(fields) if k not in _VERSIONED}
        content = content_create(
            site=site,
            sector=sector,
            fields={
                "title": title,
                "html": html_body,
                "meta_title": fields.pop("meta_title", title),
                "meta_description": fields.pop("meta_description", "All about drains."),
                "primary_keyword": fields.pop("primary_keyword", "clean a drain"),
                **fields,
            },
            author=author,
            provenance={"provider": "offline", "model": "offline-writer"},
            extra=extra,
        )
        if status:
            Content.objects.filter(pk=content.pk).update(status=status)
            content.status = status
        return content


_VERSIONED = {
    "title",
    "slug",
    "html",
    "excerpt",
    "meta_title",
    "meta_description",
    "primary_keyword",
    "secondary_keywords",
}


def versions(ws: Workspace, content: Content) -> list[ContentVersion]:
    with schema_context(ws.schema):
        return list(ContentVersion.objects.filter(content_id=content.pk).order_by("number"))


def form_data(content: Content, *, base_version: int | None = None, **changes: Any) -> dict:
    """What the editor posts: every field as shown, then `changes`."""
    data = {
        "title": content.title,
        "html": content.html,
        "meta_title": content.meta_title,
        "meta_description": content.meta_description,
        "slug": content.slug,
        "excerpt": content.excerpt,
        "primary_keyword": content.primary_keyword,
        "secondary_keywords": "\n".join(content.secondary_keywords or []),
    }
    if base_version is not None:
        data["base_version"] = base_version
    data.update(changes)
    return data


def htmx(**extra: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", **{f"HTTP_HX_{k.upper()}": v for k, v in extra.items()}}


def rows(response, kind: str = "content") -> dict[str, str]:
    """Table rows by their data attribute: id → the row's text."""
    found = re.findall(rf'<tr data-{kind}="(\d+)"[^>]*>(.*?)</tr>', body(response), re.S)
    return {pk: text_of(row) for pk, row in found}


def messages_text(response) -> str:
    """The flash messages of a page."""
    area = re.search(r'<div id="messages".*?>(.*?)</div>\s*</body>', body(response), re.S)
    return text_of(area.group(1)) if area else ""
