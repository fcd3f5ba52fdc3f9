"""A real browser visits the main pages of both hosts under the Content-Security-Policy: no
page breaks the policy (no blocked script, style, image or form target) or logs an error, and
the pages' own scripts still work (the HTMX filter, tick-all boxes, the library's count, the
editor's counters), as does Django admin."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import ConsoleMessage, Page, expect

from apps.accounts import provisioning
from apps.accounts.models import Role
from apps.billing.models import Plan
from apps.billing.plans import plan_assign
from apps.planner.models import Keyword
from apps.planner.services.keywords import keywords_trash
from apps.workspace.management.commands.igny8_setup import Command as Setup
from apps.workspace.services.workspace import site_create, site_sectors_set
from apps.writer.models import Content
from tests.e2e.conftest import RUN_ID, Hosts, settle
from tests.factories import PASSWORD, industry_with_sectors, make_member, make_user

pytestmark = pytest.mark.e2e

REPORT = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} `
    + `at ${e.sourceFile || document.location.href}:${e.lineNumber}`);
});
"""


PICTURE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    b'<rect width="40" height="20" fill="#4f46e5"/></svg>'
)


class Problems(list):
    """Policy violations, console errors and uncaught exceptions, with the page they came from."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        page.expose_function("cspViolation", lambda text: self.append(f"{page.url}: {text}"))
        page.add_init_script(REPORT)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.append(f"{page.url}: uncaught {error}"))
        self.page = page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # Admin pages have no icon link, so Chromium asks for /favicon.ico (404): not a fault.
        if "favicon.ico" in message.location.get("url", ""):
            return
        self.append(f"{self.page.url}: console error {message.text}")


def demo_workspace(slug: str, email: str):
    """A workspace filled the way `make run` fills the demo one: keywords (a few left in the
    library, a few in the trash), a cluster with ideas and one article written offline."""
    owner = make_user(email, name="Casey Policy", is_staff=True, is_superuser=True)
    account = provisioning.workspace_create(name=f"E2E {RUN_ID} Policy", slug=slug, owner=owner)
    make_member(account, Role.EDITOR, f"csp-editor-{RUN_ID}@e2e.example", name="Eddie Editor")
    plan_assign(account=account, plan=Plan.objects.get(slug="starter"))
    industry = industry_with_sectors()
    setup = Setup()
    with schema_context(account.schema_name):
        site = site_create(
            account=account,
            name="Policy Blog",
            url="https://policy.example.com",
            industry=industry,
            language="en",
        )
        sectors = list(industry.sectors.order_by("pk").values_list("pk", flat=True)[:2])
        site_sectors_set(account=account, site=site, industry_sector_ids=sectors)
        setup._demo_keywords(account, site)
        setup._demo_writing(site, owner)
        loose = Keyword.objects.alive().filter(cluster__isnull=True).order_by("pk")
        keywords_trash(keywords=Keyword.objects.filter(pk__in=[k.pk for k in loose[:3]]))
        content = Content.objects.get()
    return account, site, content


def visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    settle(page)


def test_main_pages_keep_to_the_policy_and_their_scripts_work(page: Page, hosts: Hosts, new_slug):
    slug = new_slug("csp")
    email = f"csp-{RUN_ID}@e2e.example"
    account, site, content = demo_workspace(slug, email)
    problems = Problems(page)
    ws = lambda path: hosts.workspace(slug, path)  # noqa: E731

    # Signed out, on the public host.
    for path in ["/", "/accounts/signup/", "/accounts/login/"]:
        visit(page, hosts.public(path))

    # Signing in on the public host sends the person on to their workspace: the redirect after
    # the form crosses hosts, which form-action must allow.
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(ws("/"))
    expect(page.get_by_role("heading", name=re.compile("Welcome|Dashboard"))).to_be_visible()

    # The HTMX filter swaps the keyword list in place, and the address keeps it.
    visit(page, ws("/planner/keywords/"))
    count = page.locator("[data-count]")
    expect(count).to_contain_text("keywords")
    with schema_context(account.schema_name):
        one = Keyword.objects.alive().order_by("pk").first().text
        matching = Keyword.objects.alive().filter(text__icontains=one).count()
    page.get_by_label("Search").fill(one)
    expect(count).to_contain_text(f"of {matching} keyword")
    expect(page).to_have_url(re.compile(r"\?q="))
    # Tick every row on the page: the count follows; the bulk action shows its own fields.
    page.get_by_label("Select all on this page").check()
    rows = page.locator("input[name=ids]")
    expect(page.locator("[data-selected-count]")).to_have_text(f"{rows.count()} selected")
    page.locator("#bulk-action").select_option("move")
    expect(page.locator("[data-for-action=move]")).to_be_visible()
    expect(page.locator("[data-for-action=intent]")).to_be_hidden()

    # Clusters, ideas and the keywords of a cluster: each tick-all box ticks its table.
    for path, name in [
        ("/planner/clusters/", "Tick every cluster on this page"),
        ("/planner/ideas/", "Tick every idea on this page"),
    ]:
        visit(page, ws(path))
        page.get_by_label(name).check()
        boxes = page.locator("table input[name=ids]")
        assert boxes.count() > 0
        for box in boxes.all():
            expect(box).to_be_checked()
    page.goto(ws("/planner/clusters/"))
    page.locator("#clusters-table tbody tr td.name a").first.click()
    page.get_by_label("Tick every keyword").check()
    for box in page.locator("table input[name=keywords]").all():
        expect(box).to_be_checked()

    # The library counts the ticked keywords.
    visit(page, ws("/planner/library/"))
    page.locator("#lib-add [data-select-page]").check()
    seeds = page.locator("#lib-add input[name=seed]").count()
    assert seeds > 0
    expect(page.locator("#lib-add [data-selected-count]")).to_have_text(f"{seeds} selected")

    # The keyword trash ticks its page.
    visit(page, ws("/planner/keywords/trash/"))
    page.locator("#trash-form [data-select-page]").check()
    for box in page.locator("#trash-form input[name=ids]").all():
        expect(box).to_be_checked()

    # Writer: tasks (tick-all), content, the editor (its counters follow the typing).
    visit(page, ws("/writer/tasks/"))
    page.locator("#tick-all").check()
    for box in page.locator("table input[name=ids]").all():
        expect(box).to_be_checked()
    visit(page, ws("/writer/content/"))
    # An article's images may live on the customer's own site: the preview shows them.
    page.route(
        "https://images.example.com/**",
        lambda route: route.fulfill(body=PICTURE, content_type="image/svg+xml"),
    )
    visit(page, ws(f"/writer/content/{content.pk}/"))
    page.locator("[data-lazy-panel]").first.wait_for(state="detached")
    page.get_by_label("Meta title").fill("Short")
    expect(page.locator("[data-counter=id_meta_title]")).to_contain_text("5 / ")
    # The visual editor (Quill: injected styles, contenteditable, its toolbar and link box)
    # works under the policy; its HTML source is the form's own textarea.
    visual = page.get_by_role("textbox", name="Article body")
    visual.locator("p").first.click()
    page.keyboard.press("End")
    page.keyboard.type(" Checked.")
    for _ in "Checked.":
        page.keyboard.press("Shift+ArrowLeft")
    page.get_by_role("button", name="Link", exact=True).click()
    page.locator(".ql-tooltip input[type=text]").fill("https://policy.example.com/checked")
    page.keyboard.press("Enter")
    expect(visual.get_by_role("link").first).to_be_visible()
    page.get_by_role("button", name="HTML source").click()
    html = page.locator("#id_html")
    expect(html).to_have_value(
        re.compile('<a href="https://policy.example.com/checked">Checked.</a>')
    )
    html.fill(html.input_value() + '<p><img src="https://images.example.com/a.svg" alt="A"></p>')
    picture = page.locator("#ed-preview img[alt=A]")
    expect(picture).to_be_visible()
    assert picture.evaluate("(img) => img.complete && img.naturalWidth") > 0
    expect(page.locator("[data-saved]")).to_contain_text("Saved · v2", timeout=15_000)

    # The images page filters as soon as the status changes.
    visit(page, ws("/writer/images/"))
    page.get_by_label("Show articles with").select_option("none")
    expect(page).to_have_url(re.compile(r"status=none"))

    # Removing a team member asks first; saying no keeps them.
    visit(page, ws("/team/"))
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator("tr", has_text="Eddie Editor").get_by_role("button", name="Remove").click()
    assert questions == [f"Remove csp-editor-{RUN_ID}@e2e.example from this workspace?"]
    expect(page.locator("tr", has_text="Eddie Editor")).to_be_visible()

    for path in [
        "/writer/review/",
        "/writer/trash/",
        f"/writer/content/{content.pk}/versions/",
        "/sites/",
        "/settings/",
        "/settings/ai/",
        "/settings/prompts/",
        "/publisher/",
        "/publisher/schedule/",
        "/publisher/calendar/",
        "/publisher/sync/",
        "/billing/",
        "/billing/usage/",
        "/profile/",
        "/accounts/email/",
    ]:
        visit(page, ws(path))

    # Django admin, in the workspace and on the public host (its own scripts and styles).
    for url in [
        ws("/admin/"),
        ws(f"/admin/workspace/site/{site.pk}/change/"),
        hosts.public("/admin/"),
        hosts.public(f"/admin/accounts/account/{account.pk}/change/"),
    ]:
        visit(page, url)
        expect(page.locator("#site-name")).to_be_visible()
    visit(page, hosts.public("/admin/accounts/user/"))
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("selected")
    visit(page, hosts.public("/workspaces/"))

    assert not problems, "\n".join(problems)
