"""A Free workspace hits its site limit, upgrades through Stripe Checkout, and the new limit
applies once Stripe's webhook confirms the payment (Stripe answered by a local fake)."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from playwright.sync_api import Page, Route, expect

from apps.accounts import provisioning
from apps.billing.models import Plan, Subscription
from apps.billing.tests import fake_stripe as fs
from apps.catalog.models import Industry
from apps.workspace.models import Site
from apps.workspace.services.workspace import site_create
from tests.e2e.conftest import RUN_ID, Hosts
from tests.factories import PASSWORD, industry_with_sectors, make_user

pytestmark = pytest.mark.e2e

CUSTOMER = "cus_e2e"
SUBSCRIPTION = "sub_e2e"


@pytest.fixture
def fake_stripe(settings):
    with fs.FakeStripe() as fake:
        settings.STRIPE_SECRET_KEY = fake.api_key
        settings.STRIPE_API_BASE = fake.base_url
        settings.STRIPE_WEBHOOK_SECRET = fs.WEBHOOK_SECRET
        # The fake's Checkout is at checkout.stripe.test: the policy lets the redirect after
        # "Upgrade" go there, as it lets the real one go to checkout.stripe.com.
        form_action = [*settings.SECURE_CSP["form-action"], "https://checkout.stripe.test"]
        settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": form_action}
        yield fake


def post_webhook(hosts: Hosts, event: dict) -> int:
    payload = json.dumps(event)
    # Python's resolver does not map *.localhost to loopback as browsers do: name the host.
    request = urllib.request.Request(
        f"http://127.0.0.1:{hosts.port}/stripe/webhook/",
        data=payload.encode(),
        headers={
            "Host": f"{settings.IGNY8_BASE_DOMAIN}:{hosts.port}",
            "Content-Type": "application/json",
            "Stripe-Signature": fs.sign(payload),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def add_site(page: Page, name: str, industry: Industry) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Website address").fill("https://second.example.com")
    page.get_by_label("Industry").select_option(label=industry.name)
    page.get_by_role("button", name="Add site").click()


def test_free_workspace_upgrades_and_the_new_site_limit_applies(
    page: Page, hosts: Hosts, new_slug, fake_stripe
):
    Plan.objects.filter(slug="starter").update(stripe_price_id="price_starter")
    slug = new_slug("billing")
    email = f"payer-{RUN_ID}@e2e.example"
    account = provisioning.workspace_create(
        name=f"E2E {RUN_ID} Billing", slug=slug, owner=make_user(email, name="Paula Payer")
    )
    industry = industry_with_sectors()
    with schema_context(account.schema_name):
        site_create(
            account=account,
            name="First Site",
            url="https://first.example.com",
            industry=industry,
            language="en",
        )

    page.goto(hosts.workspace(slug, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(
        page.get_by_role("heading", name=f"Welcome to {account.name}").or_(
            page.get_by_role("heading", name="Dashboard")
        )
    ).to_be_visible()

    # Free allows one site: the second is refused with the way out, and the typed form kept.
    page.goto(hosts.workspace(slug, "/sites/new/"))
    add_site(page, "Second Site", industry)
    notice = page.locator("[data-error-code=plan_limit]")
    expect(notice).to_contain_text("The Free plan allows 1 site;")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Second Site")
    with schema_context(account.schema_name):
        assert not Site.objects.filter(name="Second Site").exists()

    # Upgrade: billing page → Starter → Stripe Checkout (the browser's trip to Stripe is
    # answered here, as if the person paid and Stripe sent them back).
    notice.get_by_role("link", name="Upgrade your plan").click()
    expect(page.get_by_role("heading", name="Plans & billing")).to_be_visible()

    def stripe_checkout_page(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<h1>Stripe Checkout</h1>")

    page.route("https://checkout.stripe.test/**", stripe_checkout_page)
    page.get_by_role("button", name="Upgrade to Starter").click()
    expect(page.get_by_role("heading", name="Stripe Checkout")).to_be_visible()
    sent = fake_stripe.last("/v1/checkout/sessions").params
    assert sent["line_items[0][price]"] == "price_starter"
    assert sent["metadata[account_id]"] == str(account.pk)

    # Stripe confirms: checkout completed (the subscription is looked up at the fake Stripe).
    now = int(time.time())
    fake_stripe.subscriptions[SUBSCRIPTION] = fs.subscription(
        SUBSCRIPTION,
        customer=CUSTOMER,
        price="price_starter",
        status="active",
        period=(now, now + 30 * 86400),
        account_id=account.pk,
    )
    session = fs.checkout_session(
        "cs_e2e",
        account_id=account.pk,
        mode="subscription",
        customer=CUSTOMER,
        subscription_id=SUBSCRIPTION,
        metadata={"kind": "plan", "plan": "starter"},
        amount_total=4900,
    )
    assert post_webhook(hosts, fs.event("checkout.session.completed", session, created=now)) == 200
    assert Subscription.objects.get(account=account).plan.slug == "starter"

    # The billing page shows the new plan, and the second site now fits.
    page.goto(hosts.workspace(slug, "/billing/"))
    expect(page.locator("main")).to_contain_text("Starter")
    page.goto(hosts.workspace(slug, "/sites/new/"))
    expect(page.locator("[data-error-code=plan_limit]")).to_have_count(0)
    add_site(page, "Second Site", industry)
    expect(page.get_by_role("heading", name="Sectors of Second Site")).to_be_visible()
    with schema_context(account.schema_name):
        assert Site.objects.count() == 2
