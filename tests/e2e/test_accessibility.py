"""axe-core (WCAG 2.1 A and AA, plus Deque's best practices) over every page a person can reach,
signed out and signed in, filled and empty, at desktop width and a few at phone width: no
violation of impact "serious" or "critical" anywhere.

The list of pages comes from the URLconfs: every named route of both hosts is either visited
here or named in SKIPPED with the reason, so a new page cannot be left out silently. axe-core is
vendored under tests/e2e/vendor/ (test-only, never served) and evaluated through the DevTools
protocol, which the page's Content-Security-Policy does not govern.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.accounts import provisioning
from apps.accounts.models import Invitation, Role, User
from apps.accounts.services import invitation_create, invitation_token_new
from apps.automation.models import AutomationRun, RunStatus, StageResult
from apps.planner.models import Cluster, Idea
from apps.publisher.models import SyncEvent
from apps.workspace.models import Job, JobStatus
from apps.workspace.notifications import notify
from apps.writer.models import Image, ImageKind, ImageStatus, Task
from apps.writer.services.versions import content_save
from tests.e2e.conftest import RUN_ID, Hosts
from tests.e2e.test_csp import demo_workspace
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# axe.run in the page; only what a person meets as serious or critical comes back.
RUN = """async (tags) => {
  const result = await axe.run(
    document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({rule: v.id, impact: v.impact, help: v.help,
                  targets: v.nodes.slice(0, 5).map((n) => n.target.join(" "))}));
}"""

# Named routes not visited, and why. Everything else in both URLconfs is visited below.
SKIPPED = {
    # Not pages: answers to a form's POST, downloads, JSON or machine endpoints.
    **dict.fromkeys(
        [
            "account_logout",  # a POST; its GET page is the same "sign out?" form as login's
            "planner:keywords_bulk",
            "planner:keywords_export",  # a CSV download
            "planner:import_rejected",  # a CSV download
            "planner:clusters_run",
            "planner:clusters_merge",
            "planner:clusters_dissolve",
            "planner:clusters_name",
            "planner:cluster_rename",
            "planner:cluster_move",
            "planner:ideas_bulk",
            "writer:tasks_write",
            "writer:tasks_bulk",
            "writer:tasks_from_ideas",  # the ideas page's "Queue to writer" POST
            "writer:content_autosave",
            "writer:content_preview",
            "writer:content_version_restore",
            "writer:content_submit",
            "writer:content_approve",
            "writer:content_reject",
            "writer:content_delete",
            "writer:review_approve",
            "writer:images_generate",
            "writer:image_file",  # the picture itself
            "writer:image_upload",
            "writer:image_alt",
            "writer:image_retry",
            "writer:image_again",
            "writer:image_place",
            "writer:image_unplace",
            "writer:link_accept",
            "writer:link_dismiss",
            "automation:config",
            "automation:reset",
            "automation:run_now",
            "automation:run_log",  # a text download
            "automation:pause",
            "automation:resume",
            "automation:cancel",
            "publisher:plugin_zip",  # a zip download
            "publisher:connect",
            "publisher:core_connect",
            "publisher:rotate",
            "publisher:revoke",
            "publisher:test",
            "publisher:schedule_update",
            "publisher:reschedule",
            "publisher:unschedule",
            "publisher:publish",
            "workspace:site_switch",
            "workspace:notifications_read_all",
            "workspace:notification_open",  # a redirect to what the notification is about
            "workspace:notification_read",
            "workspace:ai_test",
            "workspace:prompt_preview",
            "workspace:prompt_reset",
            "billing:checkout_plan",  # redirects to Stripe
            "billing:checkout_pack",
            "billing:portal",
            "team_invite",
            "invitation_resend",
            "invitation_revoke",
            "member_role",
            "member_remove",
            "member_sites",
            "profile_notification_emails",
            "slug_suggestion",  # JSON
            "stripe_webhook",
            "api:openapi",  # JSON
            "api:connection_test",
            "api:site_structure",
            "api:post_status",
            "api:content_list",
            "api:content_detail",
            "api:content_ack",
            "api:",
        ],
        "not a page",
    ),
    # Parts of a page, fetched by HTMX into the page that is checked.
    "automation:panel": "a part of /automation/",
    "planner:cluster_job": "a part of /planner/clusters/",
    "planner:import_status": "a part of /planner/import/",
    # allauth pages this installation does not offer: login by code and reauthentication by
    # code are off (they answer 404), and the e-mail links' pages need a real key.
    "account_request_reauthentication_code": "login by code is off",
    "account_confirm_reauthentication_code": "login by code is off",
    "account_confirm_login_code": "login by code is off",
    "account_confirm_email": "needs the key of a real email",
    "account_set_password": "for people without a password; others land on the change form",
    "account_reset_password_from_key": "needs the key of a real email",
}


def named_routes(urlconf: str) -> set[str]:
    """Every named route of a URLconf (namespaced), Django admin's own pages left out: they are
    Django's, for platform staff."""
    names: set[str] = set()

    def walk(patterns, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin":
                    continue
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, inner)
            elif isinstance(p, URLPattern) and p.name is not None:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver(urlconf).url_patterns, "")
    return names


def luminance(rgb: str) -> float:
    """Relative luminance (WCAG) of a CSS `rgb(r, g, b)` colour."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted([luminance(a), luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The focus ring of the element in focus, and the page's background around it.
FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, text: el.textContent.trim().slice(0, 40), style: style.outlineStyle,
          ring: style.outlineColor, page: getComputedStyle(document.body).backgroundColor};
}"""


class Checker:
    """Visits pages, runs axe in each, remembers what it found and which routes it saw."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: list[str] = []
        self.visits = 0
        self.axe_time = 0.0
        self.seen: dict[str, set[str]] = {"igny8.urls_tenant": set(), "igny8.urls_public": set()}

    def scan(self, where: str) -> None:
        """Run axe over the page as it is now (after a click that opened something, too)."""
        page = self.page
        if page.evaluate("typeof window.axe === 'undefined'"):
            page.evaluate(AXE)
        width = page.viewport_size["width"]
        for v in page.evaluate(RUN, TAGS):
            targets = "; ".join(v["targets"])
            self.found.append(f"{where} @{width}px: {v['rule']} ({v['impact']}): {targets}")

    def check(self, url: str, urlconf: str, *, status: int = 200) -> None:
        page = self.page
        self.visits += 1
        response = page.goto(url)
        assert response is not None and response.status == status, (
            f"{url}: {response and response.status}"
        )
        # Panels that arrive after the page (the editor's images and links) are part of it.
        lazy = page.locator("[data-lazy-panel]")
        for i in range(lazy.count()):
            lazy.nth(i).wait_for(state="detached", timeout=10_000)
        t0 = time.monotonic()
        self.scan(url)
        self.axe_time += time.monotonic() - t0
        path = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
        try:
            match = get_resolver(urlconf).resolve(path)
        except Resolver404:
            return
        self.seen[urlconf].add(match.view_name)


def test_every_page_passes_axe(page: Page, hosts: Hosts, new_slug):
    started = time.monotonic()
    page.set_viewport_size(DESKTOP)
    slug = new_slug("a11y")
    email = f"a11y-{RUN_ID}@e2e.example"
    account, site, content = demo_workspace(slug, email)
    owner = User.objects.get(email=email)
    # An empty workspace of the same person: every page's empty state.
    empty = new_slug("a11y-empty")
    provisioning.workspace_create(name=f"A11y {RUN_ID} Empty", slug=empty, owner=owner)
    invitation = invitation_create(
        account=account,
        email=f"a11y-invited-{RUN_ID}@e2e.example",
        role=Role.EDITOR,
        site_ids=[site.pk],
        invited_by=owner,
    )
    token = invitation_token_new(invitation=invitation)
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    with schema_context(account.schema_name):
        cluster = Cluster.objects.alive().first()
        idea = Idea.objects.alive().first()
        task = Task.objects.first()
        job = Job.objects.create(
            kind="import",
            label="Keywords pasted",
            status=JobStatus.RUNNING,
            progress=40,
            done=4,
            total=10,
            message="Adding keywords",
            created_by=owner,
        )
        run = AutomationRun.objects.create(
            site=site, status=RunStatus.COMPLETED, trigger="manual", started_by=owner
        )
        StageResult.objects.create(run=run, stage=1, status="done", total=10, processed=10)
        # And one under way (no worker takes it here): its progress, controls and live panel.
        running = AutomationRun.objects.create(
            site=site, status=RunStatus.RUNNING, trigger="manual", started_by=owner, stage=2
        )
        StageResult.objects.create(run=running, stage=1, status="done", total=10, processed=10)
        StageResult.objects.create(run=running, stage=2, status="running", total=4, processed=1)
        for position in range(3):
            Image.objects.create(
                content=content,
                site=site,
                kind=ImageKind.FEATURED if position == 0 else ImageKind.IN_ARTICLE,
                position=position,
                heading="Why it matters" if position else "",
                prompt="A calm garden at dawn",
                alt="A garden",
                status=[ImageStatus.PENDING, ImageStatus.FAILED, ImageStatus.GENERATING][position],
                error="The provider said no." if position == 1 else "",
            )
        # A second version, so the versions page has a comparison to show.
        content_save(content=content, changes={"meta_title": "Checked for everyone"}, author=owner)
        SyncEvent.objects.create(
            site=site, direction="out", kind="publish", object_type="content", summary="Sent"
        )
        SyncEvent.objects.create(
            site=site, direction="in", kind="ack", ok=False, summary="Refused", error="No key"
        )
        notify(kind="run_finished", title="Run finished", body="Ten ideas", link="/automation/")
    checker = Checker(page)
    tenant, public = "igny8.urls_tenant", "igny8.urls_public"

    # Signed out, on the public host.
    for path in [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/done/",
        "/accounts/confirm-email/",
        "/accounts/inactive/",
        f"/invite/{token}/",
    ]:
        checker.check(hosts.public(path), public)
    page.set_viewport_size(PHONE)
    for path in ["/", "/accounts/login/"]:
        checker.check(hosts.public(path), public)
    page.set_viewport_size(DESKTOP)
    # The workspace host's own sign-in page.
    checker.check(hosts.workspace(slug, "/accounts/login/"), tenant)

    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Signed in (the invitation seen above may be where the sign-in leads).
    expect(page.locator("details.menu")).to_be_visible()

    for path in [
        "/workspaces/",
        "/workspaces/new/",
        "/profile/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/reauthenticate/",
    ]:
        checker.check(hosts.public(path), public)

    c = content.pk
    pages = [
        "/",
        "/sites/",
        "/sites/new/",
        f"/sites/{site.pk}/edit/",
        f"/sites/{site.pk}/sectors/",
        f"/sites/{site.pk}/content/",
        "/team/",
        "/profile/",
        "/settings/",
        "/settings/ai/",
        "/settings/prompts/",
        "/settings/prompts/write_content/",
        "/planner/keywords/",
        "/planner/keywords/add/",
        "/planner/keywords/trash/",
        "/planner/import/",
        "/planner/library/",
        "/planner/clusters/",
        f"/planner/clusters/{cluster.pk}/",
        "/planner/clusters/ideas/?ids=" + str(cluster.pk),
        "/planner/ideas/",
        f"/planner/ideas/{idea.pk}/",
        "/planner/ideas/trash/",
        "/writer/tasks/",
        "/writer/tasks/new/",
        f"/writer/tasks/{task.pk}/",
        "/writer/content/",
        f"/writer/content/{c}/",
        f"/writer/content/{c}/versions/",
        f"/writer/content/{c}/versions/diff/",
        f"/writer/content/{c}/optimize/",
        f"/writer/content/{c}/images/",
        f"/writer/content/{c}/links/",
        "/writer/images/",
        "/writer/review/",
        "/writer/trash/",
        "/automation/",
        "/automation/runs/",
        f"/automation/runs/{run.pk}/",
        f"/automation/runs/{running.pk}/",
        "/publisher/",
        "/publisher/schedule/",
        "/publisher/calendar/",
        "/publisher/sync/",
        "/billing/",
        "/billing/usage/",
        f"/jobs/{job.pk}/",
        "/notifications/",
        "/accounts/email/",
        "/api/docs",
    ]
    for path in pages:
        checker.check(hosts.workspace(slug, path), tenant)

    # A few at phone width: the folded header, the filters, the editor.
    page.set_viewport_size(PHONE)
    for path in ["/", "/planner/keywords/", f"/writer/content/{c}/", "/automation/"]:
        checker.check(hosts.workspace(slug, path), tenant)
    # What opens: the header's Menu panel and the account menu.
    page.get_by_role("button", name="Menu").click()
    checker.scan("the Menu panel")
    page.keyboard.press("Escape")
    page.set_viewport_size(DESKTOP)
    page.locator("details.menu summary").click()
    checker.scan("the account menu")
    page.keyboard.press("Escape")

    # The empty states.
    for path in [
        "/",
        "/sites/",
        "/planner/keywords/",
        "/planner/clusters/",
        "/planner/ideas/",
        "/writer/tasks/",
        "/writer/content/",
        "/writer/images/",
        "/automation/",
        "/publisher/",
        "/publisher/calendar/",
        "/notifications/",
    ]:
        checker.check(hosts.workspace(empty, path), tenant)
    # The not-found page.
    checker.check(hosts.workspace(slug, "/no-such-page/"), tenant, status=404)

    # The focus ring, as the keyboard shows it: 3:1 at least against white and the page.
    checker.check(hosts.workspace(slug, "/"), tenant)
    for _ in range(3):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS)
        assert ring["style"] != "none", ring
        for ground in ("rgb(255, 255, 255)", ring["page"]):
            assert contrast(ring["ring"], ground) >= 3, (
                ring,
                ground,
                contrast(ring["ring"], ground),
            )

    # Every named route was visited or is skipped for a reason. The account pages stand in
    # both URLconfs with the same views and templates: seen on either host counts.
    routes = {urlconf: named_routes(urlconf) for urlconf in (tenant, public)}
    shared = routes[tenant] & routes[public]
    seen_shared = (checker.seen[tenant] | checker.seen[public]) & shared
    missed = [
        f"{urlconf}: {name}"
        for urlconf in (tenant, public)
        for name in sorted(routes[urlconf] - checker.seen[urlconf] - seen_shared - set(SKIPPED))
    ]
    print(
        f"axe over {checker.visits} pages in {time.monotonic() - started:.1f}s"
        f" (axe itself {checker.axe_time:.1f}s)"
    )
    assert not checker.found and not missed, (
        "axe found serious or critical violations:\n"
        + "\n".join(checker.found)
        + "\nPages the accessibility test neither visits nor skips (visit them here, or add "
        "them to SKIPPED with the reason):\n" + "\n".join(missed)
    )
