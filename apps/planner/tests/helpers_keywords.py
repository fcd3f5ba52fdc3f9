"""Shared pieces of the keywords page tests: a site with two sectors, keywords made in bulk,
clients already looking at that site, and readers for what the page shows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.planner.models import Cluster, Keyword, normalize_keyword
from apps.workspace.models import Sector, Site
from tests.factories import make_site
from tests.fixtures import Workspace
from tests.members import sectors_of, viewer_fixture  # noqa: F401  (re-exported)
from tests.web import body, client_on, text_of  # noqa: F401  (re-exported)

LIST = "/planner/keywords/"
BULK = "/planner/keywords/bulk/"
EXPORT = "/planner/keywords/export/"
TRASH = "/planner/keywords/trash/"
HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "keywords"}


# Test modules import the fixtures by these names: `site_fixture` is the fixture "site".
@pytest.fixture(name="site")
def site_fixture(alpha, viewer) -> Site:
    """Alpha's site under test: two sectors, granted to alpha's editor and the viewer."""
    return make_site(alpha.account, "Keyword Site", sectors=2, grant=[alpha.editor, viewer])


def add_keywords(ws: Workspace, site: Site, rows: Iterable[dict]) -> list[Keyword]:
    """Keywords in bulk; each row gives at least `text`, the rest has defaults (first sector)."""
    with schema_context(ws.schema):
        first = site.sectors.order_by("pk").first()
        made = []
        for i, row in enumerate(rows):
            row = dict(row)
            row.setdefault("sector", first)
            row.setdefault("created", timezone.now() - timedelta(minutes=i))
            made.append(Keyword(site=site, normalized=normalize_keyword(row["text"]), **row))
        return Keyword.objects.bulk_create(made)


def add_many(ws: Workspace, site: Site, count: int, prefix: str = "keyword") -> list[Keyword]:
    return add_keywords(
        ws, site, ({"text": f"{prefix} {i:04d}", "volume": i * 10} for i in range(count))
    )


def add_cluster(ws: Workspace, site: Site, name: str, sector: Sector | None = None) -> Cluster:
    with schema_context(ws.schema):
        sector = sector or site.sectors.order_by("pk").first()
        return Cluster.objects.create(site=site, sector=sector, name=name)


def shown_ids(response) -> list[int]:
    """Keyword ids of the table rows, in order."""
    return [int(pk) for pk in re.findall(r'<tr data-keyword="(\d+)"', body(response))]


def shown_texts(response) -> list[str]:
    """The keywords of the table rows, in order (without their "Disabled" badge)."""
    cells = re.findall(r'<td class="kw">(.*?)</td>', body(response), re.S)
    return [text_of(re.sub(r'<span class="badge">Disabled</span>', "", c)) for c in cells]


def count_line(response) -> str:
    match = re.search(r"<p[^>]*data-count>(.*?)</p>", body(response), re.S)
    return text_of(match.group(1)) if match else ""


def ignored_notice(response) -> str:
    match = re.search(r'data-notice="filters-ignored">(.*?)</div>', body(response), re.S)
    return text_of(match.group(1)) if match else ""


def flashes(response) -> list[str]:
    """The flash messages in the page's message area (or its out-of-band swap)."""
    html = body(response)
    start = html.find('<div id="messages"')
    if start < 0:
        return []
    found = re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', html[start:], re.S)
    return [
        re.sub(r"^(Done|Error|Note|Info):\s*", "", text_of(f)).removesuffix("×").strip()
        for f in found
    ]


def error_notice(response) -> str:
    """The notice of a refused request (403, 404, plan limit) as the person reads it."""
    return text_of(body(response))


def live_ids(ws: Workspace, site: Site) -> set[int]:
    with schema_context(ws.schema):
        return set(Keyword.objects.alive().filter(site=site).values_list("pk", flat=True))


def fetch(ws: Workspace, pk: int) -> Keyword:
    with schema_context(ws.schema):
        return Keyword.objects.get(pk=pk)
