"""The dashboard's onboarding checklist: items light up as the workspace is set up."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.workspace.tests.pages import checklist, text
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def done_badges(response) -> int:
    return text(response).count('<span class="badge badge-ok">Done</span>')


def test_fresh_workspace_has_nothing_done(alpha, no_sites, client_for):
    response = client_for(alpha.owner, alpha.host).get("/")
    assert response.status_code == 200
    items = checklist(response)
    assert items["site"] == ("Add your first site", False)
    assert items["sectors"] == ("Choose sectors", False)
    assert items["keywords"] == ("Add keywords", False)
    assert "0 of 9 done" in text(response)
    assert done_badges(response) == 0
    assert 'href="/sites/new/">Add a site</a>' in text(response)
    assert "No site yet" in text(response)


def test_a_site_without_sectors_ticks_the_first_item(alpha, no_sites, client_for):
    site = make_site(alpha.account, "Garden Blog")
    response = client_for(alpha.owner, alpha.host).get("/")
    items = checklist(response)
    assert items["site"][1] is True
    assert items["sectors"][1] is False
    assert "1 of 9 done" in text(response)
    assert done_badges(response) == 1
    assert f'href="/sites/{site.pk}/sectors/">Choose sectors</a>' in text(response)


def test_a_site_with_sectors_ticks_both(alpha, no_sites, client_for):
    make_site(alpha.account, "Garden Blog", sectors=2)
    response = client_for(alpha.owner, alpha.host).get("/")
    items = checklist(response)
    assert items["site"][1] is True and items["sectors"][1] is True
    assert "2 of 9 done" in text(response)
    assert done_badges(response) == 2
    assert "Site: <strong>Garden Blog</strong>" in text(response)


def test_sectors_item_follows_the_current_site(alpha, no_sites, client_for):
    make_site(alpha.account, "Alder Blog", sectors=2)
    bare = make_site(alpha.account, "Birch Blog")
    client = client_for(alpha.owner, alpha.host)
    assert checklist(client.get("/"))["sectors"][1] is True
    client.post("/sites/switch/", {"site": bare.pk})
    response = client.get("/")
    assert checklist(response)["sectors"][1] is False
    assert "1 of 9 done" in text(response)


def test_adding_a_site_and_sectors_through_the_pages_lights_up_the_checklist(
    alpha, no_sites, client_for
):
    from tests.factories import industry_with_sectors

    industry = industry_with_sectors()
    client = client_for(alpha.owner, alpha.host)
    assert "0 of 9 done" in text(client.get("/"))
    created = client.post(
        "/sites/new/",
        {"name": "Garden Blog", "url": "https://g.example", "industry": industry.pk},
        follow=False,
    )
    assert created.status_code == 400, "language is required"
    created = client.post(
        "/sites/new/",
        {
            "name": "Garden Blog",
            "url": "https://g.example",
            "industry": industry.pk,
            "language": "en",
        },
    )
    assert "1 of 9 done" in text(client.get("/"))
    sector = industry.sectors.first()
    client.post(created["Location"], {"sectors": [sector.pk]})
    assert "2 of 9 done" in text(client.get("/"))


def test_editor_without_a_granted_site_is_told_to_ask_for_one(alpha, client_for):
    make_site(alpha.account, "Secret Blog", sectors=2)
    response = client_for(alpha.editor, alpha.host).get("/")
    assert response.status_code == 200
    assert "Nothing shared with you yet" in text(response)
    assert "No site has been shared with you yet" in text(response)
    # Setting up sites is a manager's job: no checklist of things the editor cannot do.
    assert "of 8 done" not in text(response)
    assert 'href="/sites/new/"' not in text(response)
    assert "Secret Blog" not in text(response)
    assert "You run the pipeline on the sites granted to you." in text(response)


def test_editor_with_a_granted_site_sees_it_done(alpha, client_for):
    make_site(alpha.account, "Garden Blog", sectors=1, grant=[alpha.editor])
    response = client_for(alpha.editor, alpha.host).get("/")
    assert "2 of 9 done" in text(response)
    assert "Site: <strong>Garden Blog</strong>" in text(response)


def test_every_module_has_its_item(alpha, client_for):
    """Each module's set-up step is on the list once it has landed (WordPress:
    apps/publisher/tests/test_pages_dashboard.py; automation: its own dashboard tests)."""
    response = client_for(alpha.owner, alpha.host).get("/")
    assert {"site", "sectors", "wordpress", "keywords", "automation"} <= set(checklist(response))
    assert f"of {len(checklist(response))} done" in text(response)


def add_keyword(account, site, text: str, *, trashed: bool = False, disabled: bool = False) -> None:
    from django.utils import timezone

    from apps.planner.models import Keyword, normalize_keyword

    with schema_context(account.schema_name):
        Keyword.objects.create(
            site=site,
            sector=site.sectors.first(),
            text=text,
            normalized=normalize_keyword(text),
            deleted_at=timezone.now() if trashed else None,
            disabled=disabled,
        )


def test_a_live_keyword_in_the_current_site_ticks_add_keywords(alpha, no_sites, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=1)
    client = client_for(alpha.owner, alpha.host)
    response = client.get("/")
    assert checklist(response)["keywords"] == ("Add keywords", False)
    assert 'href="/planner/keywords/">Add keywords</a>' in text(response)
    add_keyword(alpha.account, site, "rose pruning", trashed=True)
    assert checklist(client.get("/"))["keywords"][1] is False, "a trashed keyword does not count"
    add_keyword(alpha.account, site, "tomato blight")
    response = client.get("/")
    assert checklist(response)["keywords"][1] is True
    assert "3 of 9 done" in text(response)


def test_add_keywords_follows_the_current_site(alpha, no_sites, client_for):
    with_keywords = make_site(alpha.account, "Alder Blog", sectors=1)
    add_keyword(alpha.account, with_keywords, "tomato blight")
    bare = make_site(alpha.account, "Birch Blog", sectors=1)
    client = client_for(alpha.owner, alpha.host)
    assert checklist(client.get("/"))["keywords"][1] is True
    client.post("/sites/switch/", {"site": bare.pk})
    response = client.get("/")
    assert checklist(response)["keywords"][1] is False
    assert "2 of 9 done" in text(response)


def test_anonymous_is_sent_to_login(alpha, client_for):
    response = client_for(None, alpha.host).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_outsider_gets_403(alpha, outsider, client_for):
    response = client_for(outsider, alpha.host).get("/")
    assert response.status_code == 403


def test_the_checklist_says_the_ai_steps_are_free_with_the_offline_writer(alpha, client_for):
    page = text(client_for(alpha.owner, alpha.host).get("/"))
    assert "Free and offline: keywords that mean the same thing end up together." in page
    assert (
        "Titles and outlines built from each cluster&#x27;s keywords: free with the offline "
        in page
    )
    assert "then write them (free with the offline writer)" in page


def test_with_a_provider_the_checklist_says_costs_are_shown_first(alpha, client_for, paid_ai):
    page = text(client_for(alpha.owner, alpha.host).get("/"))
    assert "free with the offline writer" not in page
    assert "Names from your AI provider are offered after, with their cost." in page
    assert "keywords: the cost is shown before it starts." in page
    assert "then write them, at the cost shown first" in page


def test_a_disabled_keyword_still_ticks_add_keywords(alpha, no_sites, client_for):
    """The step is done once a keyword was added, even if it was disabled since; the pipeline
    beside it counts only the enabled ones (both come from one read of the site's counts)."""
    site = make_site(alpha.account, "Garden Blog", sectors=1)
    add_keyword(alpha.account, site, "rose pruning", disabled=True)
    response = client_for(alpha.owner, alpha.host).get("/")
    assert checklist(response)["keywords"][1] is True
    stage = text(response).split('<tr data-stage="keywords">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num" data-count>0</td>' in stage


def test_the_dashboard_reads_each_count_once(alpha, no_sites, client_for):
    """The checklist's steps come from the pipeline's counts and the credit widget reuses the
    subscription the plan check read; the pipeline is one statement: 26 before, 15 now (the
    schema switch aside)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site = make_site(alpha.account, "Garden Blog", sectors=1)
    add_keyword(alpha.account, site, "tomato blight")
    client = client_for(alpha.owner, alpha.host)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].lstrip().upper().startswith("SET SEARCH_PATH")
    ]
    assert len(statements) <= 15, "\n".join(statements)
    assert sum('FROM "billing_subscription"' in q for q in statements) == 1
    assert sum('FROM "planner_keyword"' in q for q in statements) == 1  # the pipeline's
