"""Every page at phone size (390 × 844): a one-row header with a working Menu, nothing wider
than the screen, the page's primary action in reach, filters folded, key columns in view and
toasts out of the way; and counts that follow partial updates. One workspace, one sign-in."""

from __future__ import annotations

import os
import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.accounts import provisioning
from apps.billing import credits
from apps.billing.models import Pool
from apps.planner.models import Cluster, Idea
from apps.workspace.models import Job, JobStatus
from apps.writer.models import Task
from tests.e2e.conftest import RUN_ID, Hosts, settle
from tests.e2e.test_csp import Problems, demo_workspace
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# IGNY8_SCREENSHOTS=/some/folder keeps a full-page screenshot of every page visited, to look at.
SHOTS = os.environ.get("IGNY8_SCREENSHOTS", "")
HEADER_MAX = 64  # one row: the brand, Menu and the account menu

LAYOUT = """() => {
  const vw = window.innerWidth;
  const inView = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.left >= -1 && r.right <= vw + 1;
  };
  const header = document.querySelector('header.topbar');
  const actions = [...document.querySelectorAll('.page-head .btn, .page-head button')]
    .filter((el) => el.offsetParent !== null);
  return {
    header: header ? header.getBoundingClientRect().height : null,
    scrollWidth: document.scrollingElement.scrollWidth,
    viewport: vw,
    actions: actions.length,
    actionsOut: actions.filter((el) => !inView(el)).map((el) => el.textContent.trim()),
    openFolds: [...document.querySelectorAll('details[data-fold-on-phone]')]
      .filter((d) => d.open).length,
    folds: document.querySelectorAll('details[data-fold-on-phone]').length,
  };
}"""


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": PHONE}


def check_layout(page: Page, url: str) -> None:
    """The page at phone size: what each assertion names is what a person would notice."""
    response = page.goto(url)
    assert response is not None
    settle(page)
    seen = page.evaluate(LAYOUT)
    where = f"{url} ({response.status})"
    if SHOTS:
        name = re.sub(r"[^a-z0-9]+", "-", url.split("://", 1)[1].lower()).strip("-")
        width = page.viewport_size["width"]
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
    assert seen["header"] is not None and seen["header"] <= HEADER_MAX, f"{where}: {seen}"
    assert seen["scrollWidth"] <= seen["viewport"], f"{where}: wider than the screen: {seen}"
    assert not seen["actionsOut"], f"{where}: primary action out of reach: {seen}"
    if page.viewport_size["width"] <= 600:
        assert seen["openFolds"] == 0, f"{where}: filters unfolded on a phone"
    else:
        assert seen["openFolds"] == seen["folds"], f"{where}: filters folded on a desktop"


def column_in_view(page: Page, table: str, heading: str) -> None:
    th = page.locator(f"{table} thead th", has_text=heading).first
    expect(th).to_be_visible()
    box = th.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], f"{heading}: {box}"


def test_every_page_is_usable_on_a_phone(page: Page, hosts: Hosts, new_slug):
    slug = new_slug("phone")
    email = f"phone-{RUN_ID}@e2e.example"
    account, site, content = demo_workspace(slug, email)
    theirs = new_slug("phone-theirs")
    provisioning.workspace_create(
        name="Theirs Ltd", slug=theirs, owner=make_user(f"phone-them-{RUN_ID}@e2e.example")
    )
    with schema_context(account.schema_name):
        cluster = Cluster.objects.alive().first()
        idea = Idea.objects.alive().first()
        task = Task.objects.first()
        job = Job.objects.create(
            kind="import", label="Keywords pasted", status=JobStatus.SUCCEEDED, progress=100
        )
    problems = Problems(page)
    ws = lambda path: hosts.workspace(slug, path)  # noqa: E731

    # Signed out, on the public host.
    for path in ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        check_layout(page, hosts.public(path))

    # The sign-up hint shows the address being typed, not a fixed example.
    page.goto(hosts.public("/accounts/signup/"))
    page.get_by_label("Workspace address").fill("corner-bakery")
    expect(
        page.get_by_text("Your workspace will live at corner-bakery.igny8.localhost")
    ).to_be_visible()

    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(ws("/"))

    for path in ["/workspaces/", "/workspaces/new/", "/profile/"]:
        check_layout(page, hosts.public(path))

    c = content.pk
    for path in [
        "/",
        "/sites/",
        "/sites/new/",
        f"/sites/{site.pk}/edit/",
        f"/sites/{site.pk}/sectors/",
        f"/sites/{site.pk}/content/",
        "/team/",
        "/settings/",
        "/settings/ai/",
        "/settings/prompts/",
        "/settings/prompts/write_content/",
        "/planner/keywords/",
        "/planner/keywords/add/",
        "/planner/import/",
        "/planner/library/",
        "/planner/clusters/",
        f"/planner/clusters/{cluster.pk}/",
        "/planner/ideas/",
        f"/planner/ideas/{idea.pk}/",
        "/planner/ideas/trash/",
        "/planner/keywords/trash/",
        "/writer/tasks/",
        "/writer/tasks/new/",
        f"/writer/tasks/{task.pk}/",
        "/writer/content/",
        f"/writer/content/{c}/",
        "/writer/images/",
        f"/writer/content/{c}/images/",
        f"/writer/content/{c}/links/",
        f"/writer/content/{c}/optimize/",
        "/writer/review/",
        f"/writer/content/{c}/versions/",
        "/writer/trash/",
        "/automation/",
        "/automation/runs/",
        "/publisher/",
        "/publisher/schedule/",
        "/publisher/calendar/",
        "/publisher/sync/",
        "/billing/",
        "/billing/usage/",
        f"/jobs/{job.pk}/",
        "/notifications/",
        "/profile/",
    ]:
        check_layout(page, ws(path))
    # The not-found page (its 404 is the one console line expected).
    check_layout(page, ws("/no-such-page/"))
    problems[:] = [p for p in problems if not ("/no-such-page/" in p and "404" in p)]

    # The content list keeps its Status column on screen; the keyword list its status too.
    page.goto(ws("/writer/content/"))
    column_in_view(page, "table.contents", "Status")
    page.goto(ws("/planner/keywords/"))
    column_in_view(page, "table.keywords", "Status")

    # Filters are one tap away.
    page.get_by_text("Filters", exact=False).first.click()
    expect(page.get_by_label("Search")).to_be_visible()

    # The Menu opens the links and the site switcher; Escape closes it again.
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Billing")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(
        page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Writer")
    ).to_be_visible()
    expect(page.get_by_label("Current site")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("Current site")).to_be_hidden()
    menu.click()
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Writer").click()
    expect(page).to_have_url(ws("/writer/tasks/"))

    # On a desktop nothing is folded: the links sit in the header, the filters are open.
    page.set_viewport_size(DESKTOP)
    for path in ["/planner/keywords/", "/writer/content/", "/billing/usage/"]:
        check_layout(page, ws(path))
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        nav = page.get_by_role("navigation", name="Workspace")
        expect(nav.get_by_role("link", name="Planner")).to_be_visible()
        expect(page.get_by_label("Current site")).to_be_visible()

    # A member who is not platform staff: their pages, and the 403 of someone else's workspace.
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(f"csp-editor-{RUN_ID}@e2e.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(ws("/"))
    for path in ["/", "/writer/content/", "/billing/"]:
        check_layout(page, ws(path))
    check_layout(page, hosts.workspace(theirs, "/"))
    expect(
        page.get_by_role("heading", name="You are not a member of this workspace")
    ).to_be_visible()
    problems[:] = [p for p in problems if not (theirs in p and "403" in p)]

    assert not problems, "\n".join(problems)


def test_toasts_counts_and_long_values_on_a_phone(page: Page, hosts: Hosts, new_slug):
    slug = new_slug("phone-live")
    email = f"phone-live-{RUN_ID}@e2e.example"
    account, site, _ = demo_workspace(slug, email)
    problems = Problems(page)
    ws = lambda path: hosts.workspace(slug, path)  # noqa: E731
    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(ws("/"))

    # A toast sits at the bottom, full width, clear of the page's primary action; dismissible.
    page.goto(ws("/team/"))
    page.get_by_label("Email address").fill(f"phone-invitee-{RUN_ID}@e2e.example")
    page.get_by_role("button", name="Send invitation").click()
    toast = page.locator("#messages .flash").first
    expect(toast).to_contain_text("Invitation sent")
    box = toast.bounding_box()
    action = page.locator(".page-head .btn").first.bounding_box()
    assert box["y"] + box["height"] >= PHONE["height"] - 24, box  # at the bottom
    assert box["width"] >= PHONE["width"] - 32, box  # full width
    assert box["y"] >= action["y"] + action["height"], (box, action)
    toast.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#messages .flash")).to_have_count(0)

    # Keywords pasted: the plan's meter in the page head follows, without a reload.
    page.goto(ws("/planner/keywords/add/"))
    meter = page.locator("#keyword-meter")
    used = int(re.search(r"has ([\d,]+) of", meter.inner_text()).group(1).replace(",", ""))
    page.get_by_label("Keywords, one per line").fill(
        "phone test one\nphone test two\nphone test three"
    )
    page.get_by_role("button", name="Add these keywords").click()
    expect(page.locator("[data-summary-line]")).to_contain_text("Added 3")
    expect(meter).to_contain_text(f"has {used + 3:,} of")

    # The balance in the header follows the next HTMX answer after credits were spent.
    page.goto(ws("/writer/content/"))
    before = credits.balance_for(account).total
    header_balance = page.locator("header [data-credits-total]")
    expect(header_balance).to_have_text(f"{before:,}")
    credits.adjust(account=account, pool=Pool.PLAN, delta=-7, actor=None, note="spent elsewhere")
    page.get_by_text("Filters").click()
    page.get_by_label("Status", exact=True).select_option("draft")  # an HTMX partial
    expect(header_balance).to_have_text(f"{before - 7:,}")

    # A 300-character keyword in an import: the report wraps it and the reason stays in view.
    page.goto(ws("/planner/import/"))
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "long.csv",
                "mimeType": "text/csv",
                "buffer": ("keyword\n" + "y" * 300 + "\nshort one\n").encode(),
            }
        ],
    )
    page.get_by_role("button", name="Import keywords").click()
    reason = page.locator(".import-summary td.reason").first
    expect(reason).to_contain_text("too long")
    box = reason.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], box
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    wrap = page.locator(".import-summary .table-wrap").first
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1")

    assert not problems, "\n".join(problems)
