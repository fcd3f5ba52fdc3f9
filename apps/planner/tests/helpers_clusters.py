"""Shared pieces of the cluster and idea tests: a site with two sectors and keywords that group
plainly, clusters made by hand, clients looking at that site, and readers of the pages."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.billing.models import Pool
from apps.planner.models import Cluster, Idea, Keyword, KeywordStatus, normalize_keyword
from apps.planner.services.clusters import clusters_recount
from apps.workspace.models import Sector, Site
from tests.factories import make_site
from tests.fixtures import Workspace
from tests.members import sectors_of, viewer_fixture  # noqa: F401  (re-exported)
from tests.web import body, client_on, fresh, page_text, text_of  # noqa: F401  (re-exported)

# Test modules import the fixtures by these names: `from … import site_fixture, viewer_fixture`.

CLUSTERS = "/planner/clusters/"
IDEAS = "/planner/ideas/"

# Three plain topics in the first sector, one in the second, and a loner.
DRAINS = [
    ("drain cleaning service", 900),
    ("drain cleaning services", 300),
    ("drain cleaning service near me", 200),
    ("best drain cleaning service", 100),
]
ROSES = [
    ("how to prune roses", 800),
    ("when to prune roses", 500),
    ("pruning roses in spring", 300),
]
TOMATOES = [("tomato blight treatment", 400), ("how to treat tomato blight", 250)]


@pytest.fixture(name="site")
def site_fixture(alpha, viewer) -> Site:
    """Alpha's site under test: two sectors, granted to alpha's editor and the viewer."""
    return make_site(alpha.account, "Cluster Site", sectors=2, grant=[alpha.editor, viewer])


def add_keywords(
    ws: Workspace, site: Site, rows: list[tuple[str, int]], *, sector: Sector | None = None, **extra
) -> list[Keyword]:
    with schema_context(ws.schema):
        sector = sector or site.sectors.order_by("pk").first()
        return Keyword.objects.bulk_create(
            Keyword(
                site=site,
                sector=sector,
                text=text,
                normalized=normalize_keyword(text),
                volume=volume,
                **extra,
            )
            for text, volume in rows
        )


def add_cluster(
    ws: Workspace,
    site: Site,
    name: str,
    keywords: list[tuple[str, int]] = (),
    *,
    sector: Sector | None = None,
    ideas: list[str] = (),
) -> Cluster:
    """A cluster made by hand, with its keywords (mapped) and ideas; counts kept right."""
    with schema_context(ws.schema):
        sector = sector or site.sectors.order_by("pk").first()
        cluster = Cluster.objects.create(site=site, sector=sector, name=name)
    add_keywords(ws, site, list(keywords), sector=sector, cluster=cluster, status="mapped")
    with schema_context(ws.schema):
        Idea.objects.bulk_create(
            Idea(
                site=site,
                sector=sector,
                cluster=cluster,
                title=title,
                outline=[{"heading": "Start here", "level": 2, "points": ["a note"]}],
                primary_keyword=keywords[0][0] if keywords else name,
            )
            for title in ideas
        )
        clusters_recount(cluster_ids=[cluster.pk])
        cluster.refresh_from_db()
    return cluster


def exists(ws: Workspace, model, **lookup) -> bool:
    with schema_context(ws.schema):
        return model.objects.filter(**lookup).exists()


def live_clusters(ws: Workspace, site: Site) -> list[Cluster]:
    with schema_context(ws.schema):
        return list(Cluster.objects.alive().filter(site=site).order_by("name"))


def assert_counts_right(ws: Workspace, site: Site) -> None:
    """Every live cluster's denormalised numbers equal what its rows say."""
    with schema_context(ws.schema):
        for c in Cluster.objects.filter(site=site):
            keywords = Keyword.objects.alive().filter(cluster=c)
            ideas = Idea.objects.alive().filter(cluster=c)
            assert c.keyword_count == keywords.count(), c.name
            assert c.total_volume == sum(k.volume for k in keywords), c.name
            assert c.ideas_count == ideas.count(), c.name
            assert c.status == ("mapped" if ideas.exists() else "new"), c.name
        for k in Keyword.objects.alive().filter(site=site):
            expected = KeywordStatus.MAPPED if k.cluster_id else KeywordStatus.NEW
            assert k.status == expected, k.text


def set_credits(account, total: int) -> None:
    """Bring the workspace's credits to `total` (plan pool), for tests about running out."""
    balance = credits.balance_for(account)
    if balance.bonus_credits:
        credits.adjust(
            account=account, pool=Pool.BONUS, delta=-balance.bonus_credits, actor=None, note="t"
        )
    delta = total - credits.balance_for(account).plan_credits
    if delta:
        credits.adjust(account=account, pool=Pool.PLAN, delta=delta, actor=None, note="test")


def cluster_rows(response) -> dict[str, list[str]]:
    """Clusters in the table: name → the text of each cell after the name."""
    rows = re.findall(r'<tr data-cluster="\d+">(.*?)</tr>', body(response), re.S)
    found = {}
    for row in rows:
        cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if 'name="ids"' in row:
            cells = cells[1:]
        name = text_of(re.search(r"<strong>(.*?)</strong>", row, re.S).group(1))
        found[name] = cells[1:]
    return found


def idea_titles(response) -> list[str]:
    rows = re.findall(r'<tr data-idea="\d+">(.*?)</tr>', body(response), re.S)
    return [text_of(re.search(r"<a [^>]*>(.*?)</a>", row, re.S).group(1)) for row in rows]


def field_errors(response) -> dict[str, str]:
    found = re.findall(
        r'<ul class="errorlist" id="id_(\w+?)_error">(.*?)</ul>', body(response), re.S
    )
    return {name: text_of(markup) for name, markup in found}
