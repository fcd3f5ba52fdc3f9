"""A real browser meets a small model and a failing provider: writing three tasks, one article
comes back far too short (and is not kept), the others meet server errors; the tasks page says
how many failed and why, each row says what to do, and no class name or schema word shows."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.accounts import provisioning
from apps.billing.models import Plan
from apps.billing.plans import plan_assign
from apps.workspace.models import AIProviderSettings, Job
from apps.workspace.services import site_create, site_sectors_set
from apps.writer.models import Content, Task
from igny8.ai import crypto
from igny8.ai.tests.fake_openai import API_KEY, FakeOpenAI, ok, server_error
from tests.e2e.conftest import RUN_ID, Hosts
from tests.factories import PASSWORD, industry_with_sectors, make_user

pytestmark = pytest.mark.e2e

OUTLINE = [
    {"heading": "What compost needs", "level": 2, "points": ["greens and browns"]},
    {"heading": "Building the heap", "level": 2, "points": ["layers"]},
]
SHOTS = os.environ.get("IGNY8_SCREENSHOT_DIR", "")


def shot(page: Page, name: str) -> None:
    """Screenshots at desktop and phone size, when IGNY8_SCREENSHOT_DIR asks for them."""
    if not SHOTS:
        return
    for width, height, size in ((1280, 900, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def workspace_with_tasks(slug: str, email: str, base_url: str):
    account = provisioning.workspace_create(
        name=f"E2E {RUN_ID} Failing", slug=slug, owner=make_user(email, name="Fay Failing")
    )
    plan_assign(account=account, plan=Plan.objects.get(slug="starter"))
    industry = industry_with_sectors()
    with schema_context(account.schema_name):
        site = site_create(
            account=account,
            name="Garden Notes",
            url="https://garden.example.com",
            industry=industry,
            language="en",
        )
        site_sectors_set(
            account=account,
            site=site,
            industry_sector_ids=[industry.sectors.order_by("name").first().pk],
        )
        for title in ("Compost in winter", "Compost in summer", "Compost on a balcony"):
            Task.objects.create(
                site=site,
                sector=site.sectors.get(),
                title=title,
                outline=OUTLINE,
                primary_keyword="home composting",
                target_words=600,
                structure="guide",
            )
        AIProviderSettings.objects.create(
            base_url=base_url,
            api_key_encrypted=crypto.encrypt(API_KEY),
            api_key_hint=crypto.hint(API_KEY),
            text_model="smollm-135m",
        )
    return account


def test_failures_are_counted_explained_and_free(page: Page, hosts: Hosts, new_slug, settings):
    settings.IGNY8_EGRESS_ALLOW_PRIVATE = True
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 2, 0
    slug = new_slug("failing")
    email = f"failing-{RUN_ID}@e2e.example"
    with FakeOpenAI() as fake:
        short = ok("Compost needs air. Turn it weekly.")
        fake.script("chat", [short, short])  # the first task: too short, and again
        fake.always("chat", server_error())  # the others: the server fails
        account = workspace_with_tasks(slug, email, fake.base_url)

        page.goto(hosts.workspace(slug, "/accounts/login/"))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("heading", name=re.compile("Welcome|Dashboard"))).to_be_visible()

        page.goto(hosts.workspace(slug, "/writer/tasks/"))
        page.locator("#tick-all").check()
        page.get_by_role("button", name="Write selected").click()
        page.get_by_role("button", name="Write 3 articles").click()
        expect(page.locator("tr[data-status=failed]")).to_have_count(3)

    summary = page.locator("[data-failures]")
    expect(summary).to_contain_text(
        "3 tasks failed: 2 because the AI provider had a server error, 1 because the article "
        "came out too short."
    )
    winter = page.locator("tr[data-status=failed]", has_text="Compost in winter")
    expect(winter.locator("[data-error]")).to_contain_text(
        "it has 6 words and at least 300 are needed (asked for: 600)"
    )
    body = page.locator("body").inner_text()
    for jargon in ("igny8.", "WriteFailed", "InvalidOutput", "required property"):
        assert jargon not in body
    expect(page.locator("[data-staff-detail]")).to_have_count(0)
    shot(page, "tasks-failed")

    with schema_context(account.schema_name):
        assert not Content.objects.exists()
        job = Job.objects.filter(kind="write").order_by("pk").first()
    page.goto(hosts.workspace(slug, f"/jobs/{job.pk}/"))
    expect(page.locator("[data-job-error]")).to_contain_text(
        "The article the AI wrote could not be used"
    )
    shot(page, "job-failed")
