"""A real browser plans content: import a CSV of 300 keywords and read the summary, filter the
keywords, cluster every new keyword, open a cluster, generate ideas after seeing their cost,
and find the ideas on the ideas page."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.accounts import provisioning
from apps.billing import credits
from apps.billing.models import Plan
from apps.billing.plans import plan_assign
from apps.planner.models import Cluster, Idea, Keyword
from apps.workspace.services.workspace import site_create, site_sectors_set
from tests.e2e.conftest import RUN_ID, Hosts
from tests.factories import PASSWORD, industry_with_sectors, make_user

pytestmark = pytest.mark.e2e

TOPICS = [
    "drain cleaning",
    "water heater repair",
    "roof leak repair",
    "gutter cleaning",
    "lawn mowing",
    "tree trimming",
    "pest control",
    "carpet cleaning",
    "window replacement",
    "kitchen remodel",
    "garage door repair",
    "fence installation",
    "deck staining",
    "pressure washing",
    "mold removal",
    "septic tank pumping",
    "chimney sweep",
    "solar panel installation",
    "pool cleaning",
    "house painting",
    "tile installation",
    "hardwood floor refinishing",
    "appliance repair",
    "furnace repair",
    "air duct cleaning",
    "foundation repair",
    "basement waterproofing",
    "insulation installation",
    "sprinkler repair",
    "pond maintenance",
]
FORMS = [
    "{t}",
    "best {t}",
    "{t} cost",
    "{t} near me",
    "how much is {t}",
    "{t} service",
    "cheap {t}",
    "{t} tips",
    "diy {t}",
    "professional {t}",
]


def keywords_csv() -> bytes:
    """300 keywords in 30 plain topics, plus a repeated row and a row with a bad volume."""
    lines = ["keyword;volume;difficulty;intent"]
    for t, topic in enumerate(TOPICS):
        for f, form in enumerate(FORMS):
            lines.append(f"{form.format(t=topic)};{(30 - t) * 100 + (10 - f) * 7};{20 + f};")
    lines.append("drain cleaning;50;10;")
    lines.append("drain snake rental;lots;10;")
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def test_import_filter_cluster_and_generate_ideas(page: Page, hosts: Hosts, new_slug):
    slug = new_slug("planner")
    email = f"planner-{RUN_ID}@e2e.example"
    account = provisioning.workspace_create(
        name=f"E2E {RUN_ID} Planner", slug=slug, owner=make_user(email, name="Pat Planner")
    )
    plan_assign(account=account, plan=Plan.objects.get(slug="starter"))
    industry = industry_with_sectors()
    sectors = list(industry.sectors.order_by("name")[:2])
    with schema_context(account.schema_name):
        site = site_create(
            account=account,
            name="Home Services",
            url="https://home.example.com",
            industry=industry,
            language="en",
        )
        site_sectors_set(account=account, site=site, industry_sector_ids=[s.pk for s in sectors])

    page.goto(hosts.workspace(slug, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome|Dashboard"))).to_be_visible()

    # Import: 300 rows kept, the repeated row and the bad number reported.
    page.goto(hosts.workspace(slug, "/planner/import/"))
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "keywords.csv", "mimeType": "text/csv", "buffer": keywords_csv()}]
    )
    page.get_by_label("Sector").select_option(label=sectors[0].name)
    page.get_by_role("button", name="Import keywords").click()
    summary = page.locator("[data-summary-line]")
    expect(summary).to_have_text("Added 300 · 1 duplicate · 1 rejected")
    expect(page.locator("[data-summary] tr[data-line]")).to_have_count(2)

    # Filter the keywords list: the address keeps the filter.
    page.goto(hosts.workspace(slug, "/planner/keywords/"))
    expect(page.locator("[data-count]")).to_contain_text("of 300 keywords")
    page.get_by_label("Search").fill("drain cleaning")
    expect(page.locator("[data-count]")).to_contain_text("of 10 keywords matching the filters")
    expect(page).to_have_url(re.compile(r"q=drain\+cleaning"))

    # Cluster every new keyword: free, a job, the outcome on the clusters page.
    page.get_by_role("link", name="Clusters", exact=True).click()
    expect(page.get_by_role("heading", name="Clusters", exact=True)).to_be_visible()
    page.get_by_role("button", name="Cluster 300 new keywords").click()
    expect(page.locator("[data-job-message]")).to_contain_text(
        re.compile(r"Grouped 300 keywords into \d+ new clusters")
    )
    with schema_context(account.schema_name):
        clusters = Cluster.objects.alive().count()
        assert 10 <= clusters <= 60, "30 plain topics, give or take a merged pair"
        assert not Keyword.objects.filter(cluster__isnull=True).exists()
    expect(page.locator("#clusters-table tbody tr")).to_have_count(clusters)

    # Open the biggest cluster: its keywords are listed.
    first = page.locator("#clusters-table tbody tr").first.locator("td.name a")
    name = first.inner_text().strip()
    first.click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    with schema_context(account.schema_name):
        size = Cluster.objects.alive().get(name=name).keyword_count
    assert size >= 10
    expect(page.locator("#cluster-keywords tbody tr")).to_have_count(size)
    expect(page.locator("[data-stat=keywords]")).to_contain_text(f"{size} keywords")

    # Generate ideas: the cost first (and again when the number changes), then the job. No
    # provider is connected: the offline writer makes them, for free, and the page says so.
    page.get_by_role("link", name="Generate ideas").first.click()
    expect(page.locator("#estimate")).to_contain_text(
        "Generate 3 ideas for 1 cluster — free with the offline writer."
    )
    page.get_by_label("Ideas per cluster").fill("2")
    page.get_by_label("Ideas per cluster").dispatch_event("change")
    expect(page.locator("#estimate")).to_contain_text(
        "Generate 2 ideas for 1 cluster — free with the offline writer."
    )
    before = credits.balance_for(account).total
    page.get_by_role("button", name="Generate ideas").click()
    expect(page.get_by_role("heading", name="Ideas", exact=True)).to_be_visible()
    expect(page.locator("[data-job-message]")).to_contain_text(
        "Generated 2 ideas for 1 of 1 cluster (free with the offline writer)."
    )
    expect(page.locator("#ideas-table tbody tr")).to_have_count(2)
    with schema_context(account.schema_name):
        ideas = list(Idea.objects.alive().select_related("cluster"))
    assert [i.cluster.name for i in ideas] == [name, name]
    assert credits.balance_for(account).total == before

    # The cluster now reads "Ideas generated" and lists its ideas.
    page.locator("#ideas-table").get_by_role("link", name=name, exact=True).first.click()
    expect(page.locator("#cluster-ideas tbody tr")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("Ideas generated")
