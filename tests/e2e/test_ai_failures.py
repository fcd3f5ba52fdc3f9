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

from apps.workspace.models import Job
from apps.writer.models import Content, Task
from igny8.ai.tests.fake_openai import FakeOpenAI, connect_fake_ai, ok, server_error
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.workspaces import workspace_with_site
from tests.factories import PASSWORD

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
    account, _, site = workspace_with_site(slug, email, label="Failing", owner_name="Fay Failing")
    with schema_context(account.schema_name):
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
        connect_fake_ai(base_url, text_model="smollm-135m")
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
