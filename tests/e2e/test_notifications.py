"""The bell in a real browser, at desktop and phone width: a notification made while a page is
open shows up with that page's next HTMX answer (a job's progress poll, an action), without a
reload and without a request of its own; following it reads it. All under the CSP."""

from __future__ import annotations

import os

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.accounts import provisioning
from apps.accounts.models import Role
from apps.workspace.models import Job, JobStatus
from apps.workspace.notifications import notify
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.test_csp import Problems
from tests.factories import PASSWORD, make_member, make_user

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = os.environ.get("IGNY8_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"notifications-{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_bell_shows_a_new_notification_without_a_reload(
    page: Page, hosts: Hosts, new_slug, size
):
    page.set_viewport_size(SIZES[size])
    slug = new_slug(f"bell-{size}")
    email = f"bell-{size}-{RUN_ID}@e2e.example"
    owner = make_user(email, name="Bea Bell")
    account = provisioning.workspace_create(name=f"Bell {size}", slug=slug, owner=owner)
    editor = make_member(account, Role.EDITOR, f"bell-ed-{size}-{RUN_ID}@e2e.example")
    with schema_context(account.schema_name):
        job = Job.objects.create(
            kind="import", label="Keywords pasted", status=JobStatus.RUNNING, created_by=owner
        )
    problems = Problems(page)
    ws = lambda path: hosts.workspace(slug, path)  # noqa: E731

    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(ws("/"))

    bell = page.get_by_role("link", name="Notifications, 0 unread")
    expect(bell).to_be_visible()  # in the header's one row, beside Menu on a phone
    box = bell.bounding_box()
    assert (
        box is not None
        and box["y"] + box["height"] <= 64
        and box["x"] + box["width"] <= (SIZES[size]["width"])
    )
    expect(page.locator("header [data-unread-count]")).to_be_hidden()

    # A page that polls (a job's progress): a run finishing elsewhere shows up with the next
    # poll. The page is never reloaded: the marker set on it stays.
    page.goto(ws(f"/jobs/{job.pk}/"))
    page.evaluate("window.__sameDocument = true")
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/notifications" in r.url else None)
    with schema_context(account.schema_name):
        notify(
            kind="run_finished",
            title="The automation run on Bell Blog finished",
            body="12 articles are waiting in review.",
            link="/writer/review/",
            users=[editor],
        )
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible(timeout=5000)
    expect(page.locator("header [data-unread-count]")).to_have_text("1")
    assert page.evaluate("window.__sameDocument") is True
    assert polls == []  # the count came with the job's poll, not a request of its own
    shot(page, f"bell-{size}")

    # An HTMX action brings the next one: the job page stops polling once the job is done,
    # so the filter on the notifications page is the action here.
    with schema_context(account.schema_name):
        Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=100)
    page.get_by_role("link", name="Notifications, 1 unread").click()
    expect(page).to_have_url(ws("/notifications/"))
    expect(page.get_by_text("12 articles are waiting in review.")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    with schema_context(account.schema_name):
        notify(kind="credits_low", title="Credits are running low: 40 left", link="/billing/")
    page.get_by_role("link", name="Unread (1)").click()
    expect(page).to_have_url(ws("/notifications/?show=unread"))
    expect(page.get_by_role("link", name="Notifications, 2 unread")).to_be_visible()
    expect(page.get_by_role("link", name="Credits are running low: 40 left")).to_be_visible()
    expect(page.locator("[data-unread-tab]")).to_have_text("Unread (2)")
    assert page.evaluate("window.__sameDocument") is True
    shot(page, f"page-{size}")

    # Marking one read (HTMX) lowers the count in place; following the other reads it.
    page.get_by_role("button", name="Mark read: Credits are running low: 40 left").click()
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    page.get_by_role("link", name="The automation run on Bell Blog finished").click()
    expect(page).to_have_url(ws("/writer/review/"))
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()

    page.goto(ws("/notifications/?show=unread"))
    expect(page.get_by_role("heading", name="Nothing unread")).to_be_visible()
    assert not problems, "\n".join(problems)
