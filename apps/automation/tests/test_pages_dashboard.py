"""Automation on the dashboard and in the header: the checklist's "automation set" item lights
up when the current site's automation runs on a schedule; the pipeline card shows the site's
active run with a link; every workspace page links to Automation."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.automation.models import AutomationRun, RunStatus
from apps.automation.tests.helpers import configure
from apps.automation.tests.pages import site_with_run, text, words
from apps.workspace.tests.pages import checklist
from tests.factories import make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_sites(alpha) -> None:
    """Alpha starts without sites in this test (the deletion is rolled back afterwards)."""
    from apps.workspace.models import Site

    with schema_context(alpha.schema):
        Site.objects.all().delete()


def test_the_checklist_item_lights_up_when_automation_is_on(alpha, no_sites, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=1)
    other = make_site(alpha.account, "Zinnia Blog", sectors=1)
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})

    item = checklist(client.get("/"))["automation"]
    assert item == ("Set up automation", False)
    assert 'href="/automation/">Set up automation</a>' in text(client.get("/"))

    configure(alpha, site, max_items=5)  # settings saved, schedule still off: not yet
    assert checklist(client.get("/"))["automation"][1] is False

    configure(alpha, site, enabled=True)
    response = client.get("/")
    assert checklist(response)["automation"][1] is True
    done = len([1 for _, ok in checklist(response).values() if ok])
    assert f"{done} of {len(checklist(response))} done" in text(response)

    client.post("/sites/switch/", {"site": other.pk})  # follows the current site
    assert checklist(client.get("/"))["automation"][1] is False

    configure(alpha, site, enabled=False)
    client.post("/sites/switch/", {"site": site.pk})
    assert checklist(client.get("/"))["automation"][1] is False


def test_editors_get_the_action_viewers_do_not(alpha, no_sites, client_for):
    from apps.accounts.models import Role
    from apps.workspace.models import SiteAccess
    from tests.factories import make_member

    site = make_site(alpha.account, "Garden Blog", sectors=1, grant=[alpha.editor])
    viewer = make_member(alpha.account, Role.VIEWER)
    with schema_context(alpha.schema):
        SiteAccess.objects.create(site=site, user_id=viewer.pk)
    editor_page = text(client_for(alpha.editor, alpha.host).get("/"))
    assert 'href="/automation/">Set up automation</a>' in editor_page
    viewer_page = text(client_for(viewer, alpha.host).get("/"))
    assert 'href="/automation/">Set up automation</a>' not in viewer_page
    assert checklist(client_for(viewer, alpha.host).get("/"))["automation"][1] is False


def test_the_pipeline_card_shows_the_active_run(alpha, no_sites, client_for):
    site, run = site_with_run(alpha)
    client = client_for(alpha.owner, alpha.host)
    page = client.get("/")
    card = re.search(r'data-widget="pipeline".*?</section>', text(page), re.S).group(0)
    assert f'data-automation-run="{run.pk}"' in card
    assert f'href="/automation/runs/{run.pk}/">Follow the run' in card
    assert f"Automation run #{run.pk} · Running" in words(page)
    assert "Stage 4 of 7 · Tasks → articles: 3 of 10 tasks" in words(page)

    with schema_context(alpha.schema):
        AutomationRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED)
    assert "data-automation-run" not in text(client.get("/"))


def test_every_workspace_page_links_to_automation(alpha, client_for):
    make_site(alpha.account, "Garden Blog")
    client = client_for(alpha.owner, alpha.host)
    nav = re.compile(r'<nav class="nav" aria-label="Workspace">.*?</nav>', re.S)
    home = nav.search(text(client.get("/"))).group(0)
    assert '<a href="/automation/" >Automation</a>' in home
    for path in ("/automation/", "/automation/runs/"):
        here = nav.search(text(client.get(path))).group(0)
        assert '<a href="/automation/" aria-current="page">Automation</a>' in here
