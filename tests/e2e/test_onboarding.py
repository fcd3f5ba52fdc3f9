"""A real browser walks the first day: sign up, set up a site, invite a teammate who then
sees only the site granted to them; strangers meet the friendly 404 and 403 pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from apps.accounts import provisioning
from apps.accounts.models import Account, Membership
from apps.billing.models import Plan
from apps.billing.plans import plan_assign
from apps.workspace.models import Site
from tests.e2e.conftest import RUN_ID, Hosts
from tests.factories import PASSWORD, industry_with_sectors, make_user

pytestmark = pytest.mark.e2e


def add_site(page: Page, *, name: str, url: str, industry: str, language: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Website address").fill(url)
    page.get_by_label("Industry").select_option(label=industry)
    page.get_by_label("Language").select_option(label=language)
    page.get_by_role("button", name="Add site").click()
    expect(page.get_by_role("heading", name=f"Sectors of {name}")).to_be_visible()


def sign_in(page: Page, hosts: Hosts, email: str) -> None:
    page.goto(hosts.public("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_sign_up_set_up_and_invite_a_teammate_who_sees_only_granted_sites(
    page: Page, hosts: Hosts, new_slug, new_context
):
    slug = new_slug("team")
    workspace_name = f"E2E {RUN_ID} Team"
    owner_email = f"owner-{RUN_ID}@e2e.example"
    teammate_email = f"mate-{RUN_ID}@e2e.example"
    industry = industry_with_sectors(6)
    sectors = [s.name for s in industry.sectors.order_by("name")[:2]]

    # Sign up on the public host; the workspace address is suggested from its name.
    page.goto(hosts.public("/accounts/signup/"))
    page.get_by_label("Your name").fill("Olivia Owner")
    page.get_by_label("Email").fill(owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Workspace name").fill(workspace_name)
    expect(page.get_by_label("Workspace address")).to_have_value(slug)
    expect(page.locator("#slug-status")).to_have_text(f"“{slug}” is available.")
    page.get_by_role("button", name="Sign Up").click()

    # The new workspace's host, with the onboarding checklist.
    expect(page).to_have_url(hosts.workspace(slug, "/?welcome=1"))
    expect(page.get_by_role("heading", name=f"Welcome to {workspace_name}")).to_be_visible()
    checklist = page.locator(".checklist")
    expect(page.get_by_text("0 of 9 done")).to_be_visible()

    # Add a site, then choose two of its sectors.
    checklist.get_by_role("link", name="Add a site").click()
    add_site(
        page,
        name="Garden Journal",
        url="https://garden.example.com",
        industry=industry.name,
        language="Spanish",
    )
    for sector in sectors:
        page.get_by_label(sector, exact=True).check()
    page.get_by_role("button", name="Save sectors").click()
    row = page.get_by_role("row").filter(has_text="Garden Journal")
    expect(row).to_contain_text("Spanish")
    expect(row.locator("td.num")).to_have_text("2")

    nav = page.get_by_role("navigation", name="Workspace")
    nav.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_text("2 of 9 done")).to_be_visible()
    expect(checklist.locator("li[data-item=site]")).to_contain_text("Done")
    expect(checklist.locator("li[data-item=sectors]")).to_contain_text("Done")

    # Free allows one site and one member: staff move the workspace to Starter (the billing
    # flow has its own browser test), then a second site that the teammate will not get.
    plan_assign(account=Account.objects.get(slug=slug), plan=Plan.objects.get(slug="starter"))
    page.goto(hosts.workspace(slug, "/sites/new/"))
    add_site(
        page,
        name="Private Ledger",
        url="https://ledger.example.com",
        industry=industry.name,
        language="English",
    )

    # Invite a teammate as editor of the first site only.
    nav.get_by_role("link", name="Team").click()
    invite = page.locator("#invite")
    invite.get_by_label("Email address").fill(teammate_email)
    invite.get_by_label("Role").select_option(label="Editor")
    invite.get_by_label("Garden Journal").check()
    invite.get_by_role("button", name="Send invitation").click()
    pending = page.locator(f"tr[data-invitation='{teammate_email}']")
    expect(pending).to_contain_text("Editor")
    expect(pending).to_contain_text("Sent")

    invitations = [m for m in mail.outbox if m.to == [teammate_email]]
    assert len(invitations) == 1, [m.subject for m in mail.outbox]
    accept_url = re.search(r"http://\S+/invite/\S+/", invitations[0].body).group(0)
    assert accept_url.startswith(hosts.public("/invite/"))

    # The teammate, in a browser of their own, opens the link and signs up.
    mate = new_context().new_page()
    mate.goto(accept_url)
    expect(mate.get_by_role("heading", name=f"Join {workspace_name}")).to_be_visible()
    mate.get_by_role("link", name="Create account and accept").click()
    expect(mate.get_by_label("Workspace name")).to_have_count(0)
    expect(mate.locator("input[name=workspace_slug]")).to_be_hidden()
    mate.get_by_label("Your name").fill("Mateo Mate")
    mate.get_by_label("Email").fill(teammate_email)
    mate.get_by_label("Password").fill(PASSWORD)
    mate.get_by_role("button", name="Sign Up").click()
    mate.get_by_role("button", name="Accept invitation").click()

    expect(mate).to_have_url(hosts.workspace(slug, "/"))
    expect(mate.get_by_text(f"Welcome to {workspace_name}")).to_be_visible()
    nav = mate.get_by_role("navigation", name="Workspace")
    expect(nav.get_by_role("link", name="Sites")).to_be_visible()
    expect(nav.get_by_role("link", name="Team")).to_have_count(0)

    mate.goto(hosts.workspace(slug, "/sites/"))
    rows = mate.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Garden Journal")
    expect(mate.get_by_text("Private Ledger")).to_have_count(0)
    expect(mate.locator("#site-switcher option")).to_have_text(["Garden Journal"])

    # Choosing the other site by hand is refused as if it did not exist.
    account = Account.objects.get(slug=slug)
    assert Membership.objects.get(account=account, user__email=teammate_email).role == "editor"
    with schema_context(account.schema_name):
        hidden_pk = Site.objects.get(name="Private Ledger").pk
    status = mate.evaluate(
        """async (pk) => {
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            const response = await fetch("/sites/switch/", {
                method: "POST",
                headers: {"X-CSRFToken": token},
                body: new URLSearchParams({site: pk}),
            });
            return response.status;
        }""",
        hidden_pk,
    )
    assert status == 404


def test_unknown_workspace_is_a_friendly_404_and_another_workspace_is_a_403(
    page: Page, hosts: Hosts, new_slug
):
    nobody = f"e2e-{RUN_ID}-nobody"
    response = page.goto(hosts.workspace(nobody))
    assert response is not None and response.status == 404
    expect(
        page.get_by_role("heading", name=f"There is no workspace at {nobody}.igny8.localhost")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Create a workspace")).to_be_visible()
    # The page is styled (the stylesheet loaded from the live server), not bare HTML.
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).position") == "sticky"

    mine, theirs = new_slug("mine"), new_slug("theirs")
    me = make_user(f"me-{RUN_ID}@e2e.example")
    provisioning.workspace_create(name="Mine Ltd", slug=mine, owner=me)
    provisioning.workspace_create(
        name="Theirs Ltd", slug=theirs, owner=make_user(f"them-{RUN_ID}@e2e.example")
    )

    sign_in(page, hosts, me.email)
    expect(page).to_have_url(hosts.workspace(mine, "/"))

    response = page.goto(hosts.workspace(theirs))
    assert response is not None and response.status == 403
    expect(
        page.get_by_role("heading", name="You are not a member of this workspace")
    ).to_be_visible()
    expect(page.get_by_text("Theirs Ltd")).to_have_count(0)
    expect(page.get_by_text(f"You are signed in as {me.email}")).to_be_visible()
    expect(page.get_by_role("link", name="Your workspaces")).to_be_visible()
