"""A real browser takes ideas to approved articles: queue two ideas to the writer, write them
after seeing the cost, open one in the editor, change it and watch it save by itself and the
score follow, submit it for review, approve it, and find every save among its versions."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.planner.models import Cluster, Idea
from apps.writer.models import Content, ContentVersion, Task
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.workspaces import workspace_with_site
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

OUTLINE = [
    {"heading": "What compost needs", "level": 2, "points": ["greens and browns"]},
    {"heading": "Building the heap", "level": 2, "points": ["layers"]},
    {"heading": "When it is ready", "level": 2, "points": ["dark and crumbly"]},
]


def workspace_with_ideas(slug: str, email: str):
    account, _, site = workspace_with_site(slug, email, label="Writer", owner_name="Wren Writer")
    with schema_context(account.schema_name):
        sector = site.sectors.get()
        cluster = Cluster.objects.create(site=site, sector=sector, name="Home composting")
        for title, structure in [
            ("Home composting: a beginner's guide", "guide"),
            ("Hot versus cold composting compared", "comparison"),
        ]:
            Idea.objects.create(
                site=site,
                sector=sector,
                cluster=cluster,
                title=title,
                outline=OUTLINE,
                structure=structure,
                primary_keyword="home composting",
                secondary_keywords=["compost heap", "compost bin"],
                estimated_words=600,
            )
    return account


def test_queue_write_edit_submit_approve_and_versions(page: Page, hosts: Hosts, new_slug):
    slug = new_slug("writer")
    email = f"writer-{RUN_ID}@e2e.example"
    account = workspace_with_ideas(slug, email)

    page.goto(hosts.workspace(slug, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome|Dashboard"))).to_be_visible()

    # Queue both ideas to the writer (free): one task each.
    page.goto(hosts.workspace(slug, "/planner/ideas/"))
    for box in page.locator("input[name=ids]").all():
        box.check()
    page.get_by_role("button", name="Queue to writer").click()
    expect(page.get_by_text(re.compile(r"Queued 2 ideas"))).to_be_visible()
    with schema_context(account.schema_name):
        assert Task.objects.alive().count() == 2
        assert set(Idea.objects.values_list("status", flat=True)) == {"queued"}

    # Write both: the cost first, then the jobs; the list shows them written.
    page.goto(hosts.workspace(slug, "/writer/tasks/"))
    page.locator("#tick-all").check()
    page.get_by_role("button", name="Write selected").click()
    expect(page.locator("[data-estimate]")).to_contain_text(
        "Write 2 articles — free with the offline writer."
    )
    page.get_by_role("button", name="Write 2 articles").click()
    expect(page.locator("tr[data-status=completed]")).to_have_count(2)
    with schema_context(account.schema_name):
        assert Content.objects.count() == 2
        assert set(Idea.objects.values_list("status", flat=True)) == {"completed"}

    # Open the guide in the editor and change its meta title: it saves by itself (v2).
    page.get_by_role("link", name="Home composting: a beginner's guide").click()
    expect(page.get_by_role("heading", name="Home composting: a beginner's guide")).to_be_visible()
    expect(page.locator("[data-saved]")).to_contain_text("v1")
    score = page.locator("#ed-score [data-score]")
    expect(score).to_be_visible()
    before = int(score.get_attribute("data-score"))
    page.get_by_label("Meta title").fill("Short")  # too short and without the keyword
    expect(page.locator("[data-saved]")).to_contain_text("Saved · v2", timeout=15_000)
    expect(score).not_to_have_attribute("data-score", str(before))
    after = int(score.get_attribute("data-score"))
    assert after < before, "a worse meta title lowers the score"

    # Submit, then approve (the owner may).
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#ed-status [data-status]")).to_have_text("In review")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#ed-status [data-status]")).to_have_text("Approved")

    # Versions: the written text and the autosave, comparable.
    page.get_by_role("link", name=re.compile(r"^Versions")).click()
    expect(page.locator("[data-version]")).to_have_count(2)
    page.get_by_role("button", name="Compare the two chosen versions").click()
    expect(page.locator("[data-field=meta_title]")).to_be_visible()
    with schema_context(account.schema_name):
        content = Content.objects.get(title="Home composting: a beginner's guide")
        assert content.status == "approved" and content.meta_title == "Short"
        assert ContentVersion.objects.filter(content=content).count() == 2
