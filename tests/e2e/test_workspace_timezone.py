"""A new workspace starts in the browser's timezone, and its settings page offers it again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Account
from tests.e2e.conftest import RUN_ID, Hosts
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def test_signup_takes_the_browsers_timezone_and_settings_offer_it_back(
    hosts: Hosts, new_slug, new_context
):
    slug = new_slug("tz")
    page = new_context(timezone_id="Asia/Tokyo").new_page()

    page.goto(hosts.public("/accounts/signup/"))
    page.get_by_label("Your name").fill("Tomo Tz")
    page.get_by_label("Email").fill(f"tz-{RUN_ID}@e2e.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Workspace name").fill(f"E2E {RUN_ID} Tz")
    expect(page.get_by_label("Workspace address")).to_have_value(slug)
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(rf"^http://{slug}\."))
    assert Account.objects.get(slug=slug).timezone == "Asia/Tokyo"

    page.goto(hosts.workspace(slug, "/settings/"))
    field = page.get_by_role("combobox", name="Workspace timezone")
    expect(field).to_have_value("Asia/Tokyo")
    offer = page.locator("[data-browser-zone]")
    expect(offer).to_be_hidden()  # nothing to offer: it is already the browser's

    field.fill("UTC")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This workspace’s timezone is UTC")).to_be_visible()
    expect(offer).to_contain_text("This browser is set to Asia/Tokyo.")
    offer.get_by_role("button", name="Use it").click()
    expect(field).to_have_value("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This workspace’s timezone is Asia/Tokyo")).to_be_visible()
    assert Account.objects.get(slug=slug).timezone == "Asia/Tokyo"
