"""Shared pieces of the task and writing tests: a site with two sectors shared with alpha's
editor and a viewer, tasks and ideas made directly, and readers of the tasks page."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.planner.models import Cluster, Idea
from apps.planner.services.clusters import clusters_recount
from apps.planner.tests.helpers_clusters import body, text_of
from apps.workspace.models import Site
from apps.writer.models import Content, ContentVersion, Task
from tests.factories import make_site
from tests.fixtures import Workspace
from tests.members import viewer_fixture  # noqa: F401  (re-exported)

# Test modules import the fixtures by these names: `from … import site_fixture, viewer_fixture`.

TASKS = "/writer/tasks/"
NEW = "/writer/tasks/new/"
WRITE = "/writer/tasks/write/"
BULK = "/writer/tasks/bulk/"
IDEAS_BULK = "/writer/tasks/from-ideas/"  # "Queue to writer" on the ideas page

OUTLINE = [
    {"heading": "Why it matters", "level": 2, "points": ["the cost of waiting"]},
    {"heading": "Step by step", "level": 2, "points": []},
    {"heading": "Tools you need", "level": 3, "points": ["a sharp pair of secateurs"]},
]


@pytest.fixture(name="site")
def site_fixture(alpha, viewer) -> Site:
    """Alpha's site under test: two sectors, granted to alpha's editor and the viewer."""
    return make_site(alpha.account, "Writer Task Site", sectors=2, grant=[alpha.editor, viewer])


def make_task(ws: Workspace, site: Site, title: str = "How to prune roses in spring", **extra):
    with schema_context(ws.schema):
        values = {
            "sector": site.sectors.order_by("pk").first(),
            "outline": OUTLINE,
            "primary_keyword": "prune roses",
            "secondary_keywords": ["rose pruning", "spring garden"],
            "target_words": 600,
            **extra,
        }
        return Task.objects.create(site=site, title=title, **values)


def make_cluster_with_ideas(ws: Workspace, site: Site, titles: list[str], **idea_extra):
    """A cluster made by hand with one idea per title (status new)."""
    with schema_context(ws.schema):
        sector = site.sectors.order_by("pk").first()
        cluster = Cluster.objects.create(site=site, sector=sector, name="Rose care")
        ideas = Idea.objects.bulk_create(
            Idea(
                site=site,
                sector=sector,
                cluster=cluster,
                title=title,
                outline=OUTLINE,
                content_type="post",
                structure="guide",
                primary_keyword="prune roses",
                secondary_keywords=["rose pruning"],
                estimated_words=900,
                **idea_extra,
            )
            for title in titles
        )
        clusters_recount(cluster_ids=[cluster.pk])
    return cluster, ideas


def in_schema(ws: Workspace, fn):
    with schema_context(ws.schema):
        return fn()


def task_of(ws: Workspace, pk: int) -> Task:
    with schema_context(ws.schema):
        return Task.objects.select_related("job", "duplicate_of").get(pk=pk)


def contents_of(ws: Workspace, site: Site) -> list[Content]:
    with schema_context(ws.schema):
        return list(Content.objects.filter(site=site).order_by("pk"))


def versions_of(ws: Workspace, content: Content) -> list[ContentVersion]:
    with schema_context(ws.schema):
        return list(ContentVersion.objects.filter(content=content).order_by("number"))


def task_rows(response) -> dict[int, str]:
    """Tasks on the page: pk → the text of its row."""
    rows = re.findall(r'<tr data-task="(\d+)"[^>]*>(.*?)</tr>', body(response), re.S)
    return {int(pk): text_of(row) for pk, row in rows}


def row_markup(response, pk: int) -> str:
    found = re.search(rf'<tr data-task="{pk}"[^>]*>(.*?)</tr>', body(response), re.S)
    assert found, f"task {pk} is not on the page"
    return found.group(1)


def _paragraphs(topic: str, count: int) -> str:
    """`count` different paragraphs of 30 words about `topic`."""
    return "".join(
        f"<p>Paragraph {n} on {topic}: pruning roses in spring keeps each plant healthy, "
        f"opens the middle to light and air, and gives fresh stems that carry more flowers "
        f"through the summer, season after season, in garden {n}.</p>"
        for n in range(1, count + 1)
    )


def written_article(title: str = "How to Prune Roses in Spring") -> dict:
    """A write_content answer that fits the function's output schema and passes its checks for
    a task made by `make_task` (600 words asked for, the OUTLINE's three sections, an FAQ)."""
    return {
        "title": title,
        "html": "<p>Pruning roses in spring keeps them healthy and full of flowers.</p>"
        f"<h2>Why it matters</h2>{_paragraphs('why it matters', 4)}"
        f"<h2>Step by step</h2>{_paragraphs('the steps', 4)}"
        f"<h3>Tools you need</h3>{_paragraphs('tools', 3)}"
        "<h2>Frequently asked questions</h2><h3>When should I prune?</h3>"
        "<p>When the buds swell.</p>",
        "meta_title": "How to prune roses in spring",
        "meta_description": "Prune roses in spring the easy way: when, where to cut, and why.",
        "slug": "how-to-prune-roses-in-spring",
        "excerpt": "When and how to prune roses in spring.",
        "primary_keyword": "prune roses",
        "secondary_keywords": ["rose pruning"],
    }
