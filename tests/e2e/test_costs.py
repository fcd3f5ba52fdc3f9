"""A real browser sees what clustering and naming cost before anything is charged: clustering is
free (the offline writer names the groups); once a provider is connected, the page offers names
from it at an exact price, and the click takes exactly that from the workspace."""

from __future__ import annotations

import json
import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.billing import credits
from apps.planner.models import Cluster, Keyword, normalize_keyword
from igny8.ai.tests.fake_openai import FakeOpenAI, connect_fake_ai, ok
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.workspaces import workspace_with_site
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

FIRST = [
    "drain cleaning",
    "drain cleaning service",
    "drain cleaning near me",
    "best drain cleaning",
]
FIRST += ["how to prune roses", "when to prune roses", "pruning roses in spring"]
LATER = ["tomato blight treatment", "how to treat tomato blight", "tomato blight spray"]
LATER += ["gutter cleaning cost", "gutter cleaning service", "gutter cleaning near me"]


def add_keywords(account, site, texts: list[str]) -> None:
    with schema_context(account.schema_name):
        sector = site.sectors.get()
        Keyword.objects.bulk_create(
            Keyword(site=site, sector=sector, text=t, normalized=normalize_keyword(t), volume=100)
            for t in texts
        )


def test_clustering_is_free_and_paid_names_are_asked_for_at_their_price(
    page: Page, hosts: Hosts, new_slug, private_egress
):
    slug = new_slug("costs")
    email = f"costs-{RUN_ID}@e2e.example"
    account, _, site = workspace_with_site(
        slug,
        email,
        label="Costs",
        owner_name="Cory Costs",
        plan=None,
        site_name="Home and Garden",
        site_url="https://home.example.com",
        sector_by=None,
    )
    add_keywords(account, site, FIRST)
    start = credits.balance_for(account).total
    assert start == 100, "a Free workspace"

    page.goto(hosts.workspace(slug, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome|Dashboard"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Free and offline")

    # Offline: the button says free, the run names the groups for free, nothing is offered.
    page.goto(hosts.workspace(slug, "/planner/clusters/"))
    expect(page.locator("[data-empty=clusters]")).to_contain_text("it costs no credits")
    page.get_by_role("button", name="Cluster 7 new keywords · free").click()
    expect(page.locator("[data-job-message]")).to_contain_text(
        "Named them for free with the offline writer."
    )
    expect(page.locator("[data-naming-offer]")).to_have_count(0)
    assert credits.balance_for(account).total == start

    with FakeOpenAI() as fake:
        with schema_context(account.schema_name):
            connect_fake_ai(fake.base_url)
            known = set(Cluster.objects.values_list("pk", flat=True))
        add_keywords(account, site, LATER)

        # A provider is in force: clustering is still free, and asks before naming.
        page.goto(hosts.workspace(slug, "/planner/clusters/"))
        page.get_by_role("button", name="Cluster 6 new keywords · free").click()
        offer = page.locator("[data-naming-offer]")
        expect(offer).to_contain_text("Want names and descriptions from your AI provider")
        assert credits.balance_for(account).total == start and fake.calls("chat") == []
        with schema_context(account.schema_name):
            new = list(Cluster.objects.exclude(pk__in=known).order_by("pk"))
        price = credits.estimate("cluster_naming", len(new))
        button = offer.get_by_role("button")
        expect(button).to_have_text(f"Name {len(new)} clusters with AI · {price} credits")

        names = [
            {"id": c.pk, "name": f"Topic {c.pk}", "description": f"All about topic {c.pk}."}
            for c in new
        ]
        fake.script("chat", [ok(json.dumps({"clusters": names}))])
        button.click()
        expect(page.locator("[data-job-message]")).to_contain_text(
            f"Named {len(new)} of {len(new)} clusters with your AI provider ({price} credits)."
        )
        assert start - credits.balance_for(account).total == price
        for c in new:
            expect(page.locator("#clusters-table")).to_contain_text(f"Topic {c.pk}")
