"""The dashboard's pipeline card and the pipeline steps of the checklist: live counts per stage
for the current site, the trash left out; editors get the pipeline's buttons, viewers only
read."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.planner.models import Cluster, Idea, Keyword, normalize_keyword
from apps.workspace.tests.pages import checklist, text
from apps.writer.models import Content, Task
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def stages(response) -> dict[str, int]:
    rows = re.findall(
        r'<tr data-stage="(\w+)">.*?<td class="num" data-count>([\d,]+)</td>', text(response), re.S
    )
    return {key: int(count.replace(",", "")) for key, count in rows}


@pytest.fixture
def site(alpha, viewer):
    site = make_site(alpha.account, "Pipeline Blog", sectors=1, grant=[alpha.editor, viewer])
    now = timezone.now()
    with schema_context(alpha.schema):
        sector = site.sectors.get()
        cluster = Cluster.objects.create(site=site, sector=sector, name="Compost")
        Cluster.objects.create(site=site, sector=sector, name="Gone", deleted_at=now)
        for text_, in_cluster, extra in [
            ("compost bin", True, {}),
            ("hot composting", False, {}),
            ("worm farm", False, {}),
            ("trashed keyword", False, {"deleted_at": now}),
            ("disabled keyword", False, {"disabled": True}),
        ]:
            Keyword.objects.create(
                site=site,
                sector=sector,
                text=text_,
                normalized=normalize_keyword(text_),
                cluster=cluster if in_cluster else None,
                **extra,
            )
        for title, status in [("Idea one", "new"), ("Idea two", "queued"), ("Idea 3", "new")]:
            Idea.objects.create(
                site=site,
                sector=sector,
                cluster=cluster,
                title=title,
                primary_keyword="compost",
                status=status,
            )
        for title, status in [("Task failed", "failed"), ("Task queued", "queued")]:
            Task.objects.create(
                site=site, sector=sector, title=title, primary_keyword="compost", status=status
            )
        Task.objects.create(
            site=site, sector=sector, title="Done", primary_keyword="compost", status="completed"
        )
        for title, status, publishing, deleted in [
            ("Draft one", "draft", "not_published", None),
            ("Draft in trash", "draft", "not_published", now),
            ("In review", "review", "not_published", None),
            ("Approved one", "approved", "not_published", None),
            ("Approved and live", "approved", "published", None),
        ]:
            Content.objects.create(
                site=site,
                sector=sector,
                title=title,
                status=status,
                publishing_status=publishing,
                deleted_at=deleted,
            )
    return site


def test_the_owner_sees_every_stage_counted_without_the_trash(alpha, site, client_for):
    response = client_for(alpha.owner, alpha.host).get("/")
    assert stages(response) == {
        "keywords": 3,
        "clusters": 1,
        "ideas": 3,
        "tasks": 2,
        "draft": 1,
        "review": 1,
        "approved": 1,
        "published": 1,
    }
    page = text(response)
    assert "Pipeline of Pipeline Blog" in page
    assert "2 not in a cluster yet" in page and "2 not queued to the writer yet" in page
    assert "1 failed" in page
    assert '<a href="/writer/review/">In review</a>' in page


def test_the_checklist_follows_the_pipeline(alpha, site, client_for):
    items = checklist(client_for(alpha.owner, alpha.host).get("/"))
    assert {k: done for k, (_, done) in items.items()} == {
        "site": True,
        "sectors": True,
        "wordpress": False,  # not connected to WordPress
        "keywords": True,
        "clusters": True,
        "ideas": True,
        "article": True,
        "approved": True,
        "automation": False,  # every step done by hand; the schedule is not on
    }


def test_a_fresh_site_has_the_pipeline_steps_to_do(alpha, no_sites, client_for):
    make_site(alpha.account, "Empty Blog", sectors=1)
    response = client_for(alpha.owner, alpha.host).get("/")
    items = checklist(response)
    for key in ("clusters", "ideas", "article", "approved"):
        assert items[key][1] is False
    assert set(stages(response).values()) == {0}
    assert 'href="/writer/tasks/">Go to tasks</a>' in text(response)


def test_an_editor_gets_the_pipeline_buttons_but_not_the_set_up_ones(alpha, client_for):
    make_site(alpha.account, "Editor Blog", sectors=1, grant=[alpha.editor])
    response = client_for(alpha.editor, alpha.host).get("/")
    page = text(response)
    assert 'href="/planner/clusters/">Cluster keywords</a>' in page
    assert 'href="/writer/tasks/">Go to tasks</a>' in page
    assert ">Add keywords</a>" not in page and ">Choose sectors</a>" not in page
    assert stages(response)["keywords"] == 0


def test_a_viewer_reads_the_pipeline_without_buttons(alpha, site, viewer, client_for):
    response = client_for(viewer, alpha.host).get("/")
    assert stages(response)["ideas"] == 3
    assert ">Go to tasks</a>" not in text(response)
    assert ">Cluster keywords</a>" not in text(response)


def test_an_editor_without_a_site_sees_no_pipeline(alpha, site, client_for):
    from apps.accounts.models import Role
    from tests.factories import make_member

    response = client_for(make_member(alpha.account, Role.EDITOR), alpha.host).get("/")
    assert stages(response) == {} and "Pipeline of" not in text(response)


def test_an_outsider_sees_nothing(alpha, site, outsider, client_for):
    response = client_for(outsider, alpha.host).get("/")
    assert response.status_code == 403 and "Pipeline Blog" not in text(response)


def test_the_counts_are_what_the_models_say(alpha, site):
    """site_counts is one plain statement: every figure against the ORM's own count."""
    from django.db.models import Q

    from apps.workspace.pipeline import site_counts

    with schema_context(alpha.schema):
        counts = site_counts(site)
        kw = Keyword.objects.alive().filter(site=site)
        ideas = Idea.objects.alive().filter(site=site)
        tasks = Task.objects.alive().filter(site=site)
        contents = Content.objects.alive().filter(site=site)
        expected = {
            "keywords": {
                "all": kw.filter(disabled=False).count(),
                "new": kw.filter(disabled=False, cluster__isnull=True).count(),
                "any": kw.count(),
            },
            "clusters": Cluster.objects.alive().filter(site=site).count(),
            "ideas": {
                "all": ideas.filter(disabled=False).count(),
                "new": ideas.filter(disabled=False, status="new").count(),
                "any": ideas.count(),
            },
            "tasks": {
                "open": tasks.exclude(status="completed").count(),
                "failed": tasks.filter(status="failed").count(),
            },
            "contents": {
                "draft": contents.filter(status="draft").count(),
                "review": contents.filter(status="review").count(),
                "approved": contents.filter(
                    Q(status="approved") & ~Q(publishing_status="published")
                ).count(),
                "published": contents.filter(publishing_status="published").count(),
                "approved_any": contents.filter(status="approved").count(),
                "any": contents.count(),
            },
        }
    got = {
        "keywords": counts.keywords,
        "clusters": counts.clusters,
        "ideas": counts.ideas,
        "tasks": counts.tasks,
        "contents": counts.contents,
    }
    assert got == expected
    assert expected["keywords"]["any"] == 4 and expected["contents"]["approved_any"] == 2
