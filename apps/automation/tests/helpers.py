"""Shared pieces of the automation tests: a site whose keywords group plainly, running a
pipeline in the test's own process, and readers of what a run did."""

from __future__ import annotations

from collections.abc import Iterable

from django_tenants.utils import schema_context

from apps.automation.models import AutomationRun, StageResult
from apps.automation.services import config_for, config_save, run_start
from apps.planner.models import Keyword, normalize_keyword
from apps.workspace.models import Site
from apps.writer.models import Content, Image
from tests.factories import make_site
from tests.fixtures import Workspace

TOPICS = [
    "drain cleaning",
    "roof repair",
    "lawn care",
    "tree trimming",
    "carpet cleaning",
    "window replacement",
    "solar panel installation",
    "kitchen remodeling",
    "pest control",
    "water heater repair",
    "fence installation",
    "pool maintenance",
]
PATTERNS = ["{t}", "{t} services", "best {t} company", "{t} cost", "how much does {t} cost"]


def keyword_texts(count: int, topics: Iterable[str] = TOPICS) -> list[str]:
    """`count` keywords, five per topic, that the offline clustering groups by topic."""
    texts = [p.format(t=t) for t in topics for p in PATTERNS]
    assert count <= len(texts), "add topics for more keywords"
    return texts[:count]


def add_keywords(ws: Workspace, site: Site, texts: list[str]) -> list[Keyword]:
    with schema_context(ws.schema):
        sector = site.sectors.order_by("pk").first()
        return Keyword.objects.bulk_create(
            Keyword(
                site=site,
                sector=sector,
                text=text,
                normalized=normalize_keyword(text),
                volume=100 + i,
            )
            for i, text in enumerate(texts)
        )


def pipeline_site(ws: Workspace, keywords: int, *, name: str | None = None, **config) -> Site:
    """A site with one sector, `keywords` keywords and its automation configured: one
    picture per article (the featured one) and small batches unless told otherwise."""
    site = make_site(ws.account, name, sectors=1, grant=[ws.editor])
    with schema_context(ws.schema):
        Site.objects.filter(pk=site.pk).update(images_per_article=0)
        site.refresh_from_db()
        data = {"batch_sizes": {1: 100, 2: 4, 3: 10, 4: 4, 5: 4, 6: 4}, **config}
        config_save(site=site, data=data, user=ws.owner)
    add_keywords(ws, site, keyword_texts(keywords))
    return site


def start(ws: Workspace, site: Site, user=None) -> AutomationRun:  # noqa: ANN001
    """Run now (jobs are synchronous in tests: the whole run happens here)."""
    with schema_context(ws.schema):
        run = run_start(site=site, user=user or ws.owner)
        run.refresh_from_db()
        return run


def results(ws: Workspace, run: AutomationRun) -> dict[int, StageResult]:
    with schema_context(ws.schema):
        return {r.stage: r for r in StageResult.objects.filter(run=run)}


def fresh_run(ws: Workspace, run: AutomationRun) -> AutomationRun:
    with schema_context(ws.schema):
        return AutomationRun.objects.select_related("site").get(pk=run.pk)


def contents(ws: Workspace, site: Site) -> list[Content]:
    with schema_context(ws.schema):
        return list(Content.objects.filter(site=site).order_by("pk"))


def images_of(ws: Workspace, site: Site) -> list[Image]:
    with schema_context(ws.schema):
        return list(Image.objects.filter(site=site).order_by("pk"))


def configure(ws: Workspace, site: Site, **data) -> None:
    with schema_context(ws.schema):
        config_save(site=site, data=data, user=ws.owner)


def config_of(ws: Workspace, site: Site):
    with schema_context(ws.schema):
        return config_for(site)
