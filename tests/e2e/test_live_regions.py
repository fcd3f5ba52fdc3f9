"""What a screen reader hears, in a real browser: the page's live regions stay the same elements
while HTMX swaps around them, a message arriving with an HTMX answer lands inside the message
area, and a job's progress is announced at its milestones while the bar moves on every poll."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.accounts import provisioning
from apps.workspace.models import Job, JobStatus
from apps.workspace.notifications import notify
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.test_csp import Problems
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

# Every change of the progress region's words, in order, as a screen reader would meet them.
LISTEN = """() => {
  const region = document.getElementById("progress-announcer");
  region.dataset.kept = "yes";
  window.said = [];
  new MutationObserver(() => window.said.push(region.textContent))
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""


def test_live_regions_survive_swaps_and_progress_speaks_at_milestones(
    page: Page, hosts: Hosts, new_slug
):
    slug = new_slug("live")
    email = f"live-{RUN_ID}@e2e.example"
    owner = make_user(email, name="Lee Live")
    account = provisioning.workspace_create(name=f"Live {RUN_ID}", slug=slug, owner=owner)
    with schema_context(account.schema_name):
        job = Job.objects.create(
            kind="import",
            label="Keywords pasted",
            status=JobStatus.RUNNING,
            progress=10,
            created_by=owner,
        )
        notify(kind="run_finished", title="Run finished", users=[owner])
    problems = Problems(page)
    ws = lambda path: hosts.workspace(slug, path)  # noqa: E731

    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(ws("/"))

    page.goto(ws(f"/jobs/{job.pk}/"))
    page.evaluate(LISTEN)
    polled = page.locator(f"#job-{job.pk}")
    polled.evaluate("(el) => { el.dataset.first = 'yes'; }")
    bar = polled.get_by_role("progressbar")
    for progress in (20, 30, 45, 60, 80, 99):
        with schema_context(account.schema_name):
            Job.objects.filter(pk=job.pk).update(progress=progress)
        # The bar follows every poll (outside any live region) ...
        expect(bar).to_have_attribute("aria-valuenow", str(progress))
    with schema_context(account.schema_name):
        Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=100)
    expect(polled.locator(".badge")).to_have_text("Succeeded")
    # ... while the region spoke only when a milestone was passed, and is the element it was.
    expect(page.locator("#progress-announcer")).to_have_text("Keywords pasted: done.")
    assert page.evaluate("window.said") == [
        "Keywords pasted: 25% done.",
        "Keywords pasted: 50% done.",
        "Keywords pasted: 75% done.",
        "Keywords pasted: done.",
    ]
    assert page.locator("#progress-announcer[data-kept=yes]").count() == 1
    assert page.locator("[data-first]").count() == 0, "the polled element was swapped"
    assert polled.get_attribute("aria-live") is None

    # A message arriving with an HTMX answer lands inside the message area, which stays.
    page.goto(ws("/notifications/"))
    page.locator("#messages").evaluate("(el) => { el.dataset.kept = 'yes'; }")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#messages .flash")).to_contain_text("Marked 1 notification read.")
    expect(page.locator("#messages")).to_have_attribute("data-kept", "yes")
    expect(page.locator("#messages")).to_have_attribute("aria-live", "polite")
    assert page.locator("#messages").count() == 1

    assert not problems, "\n".join(problems)
