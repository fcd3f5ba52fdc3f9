"""A real browser puts pictures into an article, with jobs run by a worker after the request
(as in production, not inline): "Generate image prompts" shows its progress and then the
prompts without a reload; generating the pictures places them as figures in the editor's
preview, with the featured image above it; a picture is moved under another heading and one
is taken out; then Optimize applies its free fixes and shows the score before and after."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.workspace.models import Job, JobStatus, Site
from apps.writer import figures
from apps.writer.models import Content, Image
from apps.writer.services.versions import content_create
from igny8 import jobs
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.workspaces import workspace_with_site
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

ARTICLE = (
    "<p>Composting turns kitchen scraps into soil.</p>"
    "<h2>Choosing a compost bin</h2><p>Pick a size that fits your garden.</p>"
    "<h2>What to put in the bin</h2><p>Greens and browns, in balance.</p>"
    "<h2>Turning and watering</h2><p>Turn it weekly and keep it damp.</p>"
)


# The text of the nearest H2/H3 above a picture in the preview.
HEADING_ABOVE = """img => {
  let node = img.closest("figure");
  while (node && !/^H[23]$/.test(node.tagName)) node = node.previousElementSibling;
  return node ? node.textContent.trim() : null;
}"""


def workspace_with_article(slug: str, email: str):
    account, _, site = workspace_with_site(slug, email, label="Images", owner_name="Ivy Images")
    with schema_context(account.schema_name):
        Site.objects.filter(pk=site.pk).update(images_per_article=2)
        content = content_create(
            site=site,
            sector=site.sectors.get(),
            fields={"title": "Composting at home", "html": ARTICLE, "primary_keyword": ""},
        )
    return account, content


def run_queued(schema: str, kind: str, content: Content) -> Job:
    """Be the worker: run the queued job of this kind, as `qcluster` would."""
    with schema_context(schema):
        job = Job.objects.get(kind=kind, status=JobStatus.QUEUED)
        if kind == "image_prompts":
            path, args = "apps.writer.jobs.images.image_prompts", [content.pk]
        else:
            ids = list(
                Image.objects.filter(job=job).order_by("position").values_list("pk", flat=True)
            )
            path, args = "apps.writer.jobs.images.generate_images", [ids]
    jobs.run(schema, job.pk, path, "", args, {})
    with schema_context(schema):
        job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def test_prompts_appear_without_a_reload_and_pictures_land_in_the_article(
    page: Page, hosts: Hosts, new_slug, settings
):
    settings.JOBS_SYNC = False  # jobs wait for a worker, as in production
    slug = new_slug("images")
    email = f"images-{RUN_ID}@e2e.example"
    account, content = workspace_with_article(slug, email)
    schema = account.schema_name

    page.goto(hosts.workspace(slug, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome|Dashboard"))).to_be_visible()

    page.goto(hosts.workspace(slug, f"/writer/content/{content.pk}/"))
    panel = page.locator(f"#images-panel-{content.pk}")
    panel.get_by_role("button", name=re.compile("Generate image prompts")).click()
    expect(panel.get_by_text("Image prompts are queued")).to_be_visible()
    expect(panel.locator('[data-action="prompts"]')).to_be_disabled()

    run_queued(schema, "image_prompts", content)
    # The page follows the job: the prompts show up by themselves.
    expect(panel.get_by_role("button", name=re.compile(r"Generate 3 images"))).to_be_visible(
        timeout=10_000
    )
    expect(panel.locator(".image-card")).to_have_count(3)

    panel.get_by_role("button", name=re.compile(r"Generate 3 images")).click()
    expect(panel.locator("[data-progress]")).to_be_visible()
    run_queued(schema, "images", content)
    # The pictures went into the body: the editor reloads onto the new version by itself.
    expect(page.locator("[data-saved]")).to_have_attribute("data-saved", "2", timeout=15_000)
    preview = page.locator("#ed-preview")
    expect(preview.locator("figure img[data-igny8-image]")).to_have_count(2)
    expect(preview.locator("figure figcaption")).to_have_count(2)
    expect(page.locator(".ed-featured img")).to_be_visible()
    for img in preview.locator("figure img").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), "the picture loads"
    assert page.locator(".ed-featured img").evaluate("i => i.complete && i.naturalWidth > 0")
    expect(page.locator("#id_html")).to_have_value(re.compile(r"<figure><img "))

    with schema_context(schema):
        html = Content.objects.get(pk=content.pk).html
        first, second = figures.placed_ids(html)
    # Move the first picture under the last heading, from the panel.
    panel = page.locator(f"#images-panel-{content.pk}")
    card = panel.locator(f"#image-{first}")
    card.get_by_label(re.compile("Move it under")).select_option("Turning and watering")
    card.get_by_role("button", name="Move").click()
    expect(page.locator("[data-saved]")).to_have_attribute("data-saved", "3", timeout=15_000)
    assert preview.locator(f"img[data-igny8-image='{first}']").evaluate(HEADING_ABOVE) == (
        "Turning and watering"
    )
    # Take the second one out: the preview loses it, the panel keeps the picture.
    panel = page.locator(f"#images-panel-{content.pk}")
    panel.locator(f"#image-{second}").get_by_role("button", name="Take out of the article").click()
    expect(page.locator("[data-saved]")).to_have_attribute("data-saved", "4", timeout=15_000)
    expect(preview.locator("figure img[data-igny8-image]")).to_have_count(1)
    expect(
        page.locator(f"#images-panel-{content.pk} #image-{second}").get_by_text(
            "Not in the article"
        )
    ).to_be_visible()

    # Optimize: no keyword yet, so the free fixes run and the keyword is named as the reason.
    settings.JOBS_SYNC = True
    page.goto(hosts.workspace(slug, f"/writer/content/{content.pk}/optimize/"))
    expect(page.get_by_text("No primary keyword is set")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Apply \d+ fix")).click()
    change = page.locator(".opt-change")
    expect(change).to_be_visible()
    assert int(change.get_attribute("data-after")) >= int(change.get_attribute("data-before"))
    expect(page.get_by_text("Not fixed, and why")).to_be_visible()
