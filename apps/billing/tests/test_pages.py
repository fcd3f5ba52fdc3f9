"""The Plans & billing page and its Stripe hand-offs (checkout for a plan or a pack, portal).

Stripe itself is apps.billing.stripe_service (tested with a fake Stripe elsewhere); here its
functions are replaced, so these tests see what the page and the buttons do for each person.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.billing import credits
from apps.billing.models import (
    CreditPack,
    Invoice,
    Payment,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from apps.billing.stripe_service import PaymentProviderError
from tests.factories import make_member, make_site

pytestmark = pytest.mark.django_db

NOT_CONFIGURED = (
    "Payments are not configured on this installation; ask platform staff to change your plan."
)
CHECKOUT_URL = "https://checkout.stripe.test/c/pay/cs_test_1"
PORTAL_URL = "https://billing.stripe.test/p/session/bps_1"


def visible(response) -> str:
    """The page's text as a person reads it: tags dropped, entities decoded, spaces squeezed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return visible_of(body)


def card(response, slug: str) -> str:
    """The markup of one plan card."""
    match = re.search(
        rf'<article[^>]*data-plan="{slug}".*?</article>', response.content.decode(), re.S
    )
    assert match, f"no card for the {slug} plan"
    return match.group(0)


class FakeStripe:
    """Stands in for stripe_service: records each call and answers with a URL or an error."""

    def __init__(self, monkeypatch, *, configured: bool = True) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.error: Exception | None = None
        target = "apps.billing.stripe_service"
        monkeypatch.setattr(f"{target}.payments_configured", lambda: configured)
        monkeypatch.setattr(f"{target}.checkout_for_plan", self._answer("plan", CHECKOUT_URL))
        monkeypatch.setattr(f"{target}.checkout_for_pack", self._answer("pack", CHECKOUT_URL))
        monkeypatch.setattr(f"{target}.portal_url", self._answer("portal", PORTAL_URL))

    def _answer(self, name: str, url: str):
        def call(**kwargs):
            self.calls.append((name, kwargs))
            if self.error is not None:
                raise self.error
            return url

        return call


@pytest.fixture
def stripe_on(monkeypatch) -> FakeStripe:
    return FakeStripe(monkeypatch, configured=True)


@pytest.fixture
def stripe_off(monkeypatch) -> FakeStripe:
    return FakeStripe(monkeypatch, configured=False)


@pytest.fixture
def admin(alpha) -> User:
    return make_member(alpha.account, Role.ADMIN)


@pytest.fixture
def viewer(alpha) -> User:
    return make_member(alpha.account, Role.VIEWER)


@pytest.fixture
def people(alpha, admin, viewer, outsider) -> dict[str, User | None]:
    return {
        "owner": alpha.owner,
        "admin": admin,
        "editor": alpha.editor,
        "viewer": viewer,
        "outsider": outsider,
        "anonymous": None,
    }


@pytest.fixture
def priced(db) -> None:
    """Growth and the small pack carry Stripe prices (the seed leaves them empty)."""
    Plan.objects.filter(slug="growth").update(stripe_price_id="price_growth")
    CreditPack.objects.filter(name="Small pack").update(stripe_price_id="price_small")


def small_pack() -> CreditPack:
    return CreditPack.objects.get(name="Small pack")


# --- who sees what on GET /billing/ -------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owner_and_admin_see_the_whole_page(alpha, people, stripe_on, priced, client_for, who):
    page = client_for(people[who], alpha.host).get("/billing/")

    assert page.status_code == 200
    text = visible(page)
    assert "Plans & billing" in text
    assert "Scale plan" in text and "Active" in text
    for heading in ("Limits", "Change plan", "Buy credits", "Invoices", "Payments"):
        assert heading in text
    assert 'action="/billing/checkout/plan/growth/"' in page.content.decode()
    assert f'action="/billing/checkout/pack/{small_pack().pk}/"' in page.content.decode()
    assert NOT_CONFIGURED not in text


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editor_and_viewer_see_balances_only(alpha, people, stripe_on, priced, client_for, who):
    with_invoice(alpha.account, number="INV-SECRET-1")

    page = client_for(people[who], alpha.host).get("/billing/")

    assert page.status_code == 200
    text = visible(page)
    balance = credits.balance_for(alpha.account)
    assert f"{balance.total:,} credits left in total" in text
    assert f"Plan credits {balance.plan_credits:,}" in text
    assert f"Bonus credits {balance.bonus_credits:,}" in text
    assert "Only owners and admins change the plan or buy credits." in text
    for hidden in ("Change plan", "Buy credits", "Invoices", "INV-SECRET-1", "Limits"):
        assert hidden not in text
    assert "<form" not in page.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_outsider_and_anonymous_are_kept_out(alpha, people, client_for, who):
    page = client_for(people[who], alpha.host).get("/billing/")

    if who == "anonymous":
        assert page.status_code == 302
        assert page["Location"] == "/accounts/login/?next=%2Fbilling%2F"
    else:
        assert page.status_code == 403
        assert "Scale plan" not in visible(page)


def test_nav_says_billing_to_owners_and_credits_to_editors(alpha, client_for):
    owner_nav = client_for(alpha.owner, alpha.host).get("/").content.decode()
    editor_nav = client_for(alpha.editor, alpha.host).get("/").content.decode()

    assert re.search(r'<a href="/billing/"\s*>Billing</a>', owner_nav)
    assert re.search(r'<a href="/billing/"\s*>Credits</a>', editor_nav)


# --- what the owner reads -------------------------------------------------------------------


def test_balances_show_both_pools(alpha, client_for, stripe_on):
    credits.purchase(account=alpha.account, credits=1234, key="test:pages:pack")
    balance = credits.balance_for(alpha.account)

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    html_ = page.content.decode()
    assert f'data-balance="total">{balance.total:,}<' in html_
    assert f'data-balance="plan">{balance.plan_credits:,}<' in html_
    assert f'data-balance="bonus">{balance.bonus_credits:,}<' in html_


def test_limit_meters_count_what_the_workspace_has(alpha, client_for, stripe_on):
    from django_tenants.utils import schema_context

    from apps.accounts.models import Membership
    from apps.workspace.models import Site

    make_site(alpha.account, "Meter Blog")
    with schema_context(alpha.schema):
        sites = Site.objects.count()
    members = Membership.objects.filter(account=alpha.account).count()

    text = visible(client_for(alpha.owner, alpha.host).get("/billing/"))

    assert f"Sites {sites} of 50" in text
    assert f"Team members {members} of 10" in text
    assert "Keywords 0 of 100,000" in text


def test_a_meter_at_its_limit_says_so(alpha, client_for, stripe_on):
    from apps.accounts.models import Membership

    members = Membership.objects.filter(account=alpha.account).count()
    Plan.objects.filter(slug="scale").update(max_users=members)

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    meter = re.search(r'data-meter="users">.*?</li>', page.content.decode(), re.S).group(0)
    assert "At limit" in meter
    assert f"<strong>{members}</strong> of {members}" in meter


def test_upgrade_cards_show_public_plans_and_mark_the_current_one(
    alpha, client_for, stripe_on, priced
):
    Plan.objects.create(name="Secret deal", slug="secret", is_public=False, monthly_price=9)
    Plan.objects.create(name="Old plan", slug="old", is_active=False, monthly_price=9)

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    slugs = re.findall(r'data-plan="([\w-]+)"', page.content.decode())
    assert slugs == ["free", "starter", "growth", "scale"]
    scale = card(page, "scale")
    assert "Current plan" in scale and "You are on this plan." in scale
    assert "<form" not in scale
    growth = visible_of(card(page, "growth"))
    assert "$149 / month" in growth
    assert "5,000 credits a month" in growth
    assert "10 sites" in growth and "5 team members" in growth and "25,000 keywords" in growth
    assert "Switch to Growth" in growth  # cheaper than Scale
    assert "Upgrade to" not in visible_of(card(page, "free"))
    assert "Current plan" not in card(page, "growth")


def test_a_free_workspace_is_offered_upgrades(alpha, client_for, stripe_on, priced):
    Subscription.objects.filter(account=alpha.account).update(plan=Plan.objects.get(slug="free"))

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    free = card(page, "free")
    assert "Current plan" in free and "$0 / month" in visible_of(free)
    growth = card(page, "growth")
    assert 'action="/billing/checkout/plan/growth/"' in growth
    assert "Upgrade to Growth" in visible_of(growth)


def test_a_plan_without_a_stripe_price_cannot_be_bought_from_its_card(
    alpha, client_for, stripe_on, priced
):
    page = client_for(alpha.owner, alpha.host).get("/billing/")

    starter = card(page, "starter")
    assert "<form" not in starter
    assert "<button" not in starter  # no dead button: the card says why and who can help
    assert "not on sale online yet. Ask the platform staff to move this workspace to Starter" in (
        visible_of(starter)
    )


def test_a_paying_workspace_changes_plan_in_the_portal(alpha, client_for, stripe_on, priced):
    Subscription.objects.filter(account=alpha.account).update(
        stripe_customer_id="cus_1", stripe_subscription_id="sub_1"
    )

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    growth = card(page, "growth")
    assert 'action="/billing/portal/"' in growth
    assert "/billing/checkout/plan/" not in growth
    assert "Switch in the billing portal" in visible_of(growth)
    assert "Manage cards & invoices" in visible(page)


def test_not_configured_says_so_and_offers_no_buttons(alpha, client_for, stripe_off, priced):
    Subscription.objects.filter(account=alpha.account).update(stripe_customer_id="cus_1")

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    assert page.status_code == 200
    body = page.content.decode()
    assert NOT_CONFIGURED in visible(page)
    assert "/billing/checkout/" not in body
    assert 'action="/billing/portal/"' not in body
    # No dead buttons: each plan and pack says it can't be bought here and who can help.
    assert "disabled" not in body
    growth = visible_of(card(page, "growth"))
    assert "Switch to Growth: payments are not set up on this installation" in growth
    assert "Ask the platform staff to move this workspace to Growth." in growth
    packs = re.search(
        r'<section class="card" aria-labelledby="packs-title">.*?</section>', body, re.S
    )
    assert "<button" not in packs.group(0)
    assert "payments are not set up on this installation. Ask the platform staff to add" in (
        visible_of(packs.group(0))
    )
    # What things cost is still there to read.
    assert "$149 / month" in visible(page)


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        (SubscriptionStatus.ACTIVE, '<span class="badge badge-ok">Active</span>'),
        (SubscriptionStatus.TRIALING, '<span class="badge badge-accent">Trial</span>'),
        (SubscriptionStatus.PAST_DUE, '<span class="badge badge-warn">Past due</span>'),
        (SubscriptionStatus.CANCELED, '<span class="badge badge-bad">Canceled</span>'),
    ],
)
def test_status_badge_carries_its_word(alpha, client_for, stripe_on, status, badge):
    Subscription.objects.filter(account=alpha.account).update(
        status=status, grace_period_end=timezone.now() + timedelta(days=5)
    )

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    assert badge in page.content.decode()


def test_a_workspace_whose_paid_plan_ended_is_simply_on_free(alpha, client_for, stripe_on):
    Subscription.objects.filter(account=alpha.account).update(
        plan=Plan.objects.get(slug="free"),
        status=SubscriptionStatus.CANCELED,
        current_period_end=None,
    )

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    assert '<span class="badge badge-ok">Active</span>' in page.content.decode()
    assert "badge-bad" not in page.content.decode()
    assert "The paid plan ended; this workspace is back on Free." in visible(page)
    assert "Current plan" in card(page, "free")


def test_renewal_date_is_shown(alpha, client_for, stripe_on):
    end = timezone.now() + timedelta(days=12)
    Subscription.objects.filter(account=alpha.account).update(current_period_end=end)

    text = visible(client_for(alpha.owner, alpha.host).get("/billing/"))

    assert f"Renews on {end.day} {end:%B %Y}; plan credits reset to 25,000 then." in text


def test_cancel_at_period_end_is_explained(alpha, client_for, stripe_on):
    end = timezone.now() + timedelta(days=9)
    Subscription.objects.filter(account=alpha.account).update(
        current_period_end=end, cancel_at_period_end=True
    )

    text = visible(client_for(alpha.owner, alpha.host).get("/billing/"))

    assert f"Ends on {end.day} {end:%B %Y}; it will not renew." in text
    assert f"stays active until {end.day} {end:%B %Y} and does not renew" in text
    assert "Renews on" not in text


def test_past_due_warns_with_the_grace_date(alpha, client_for, stripe_on):
    grace = timezone.now() + timedelta(days=6)
    Subscription.objects.filter(account=alpha.account).update(
        status=SubscriptionStatus.PAST_DUE, grace_period_end=grace
    )

    text = visible(client_for(alpha.owner, alpha.host).get("/billing/"))

    assert f"Your last payment failed. Update your card before {grace.day} {grace:%B %Y}" in text


def test_no_past_due_warning_when_paid_up(alpha, client_for, stripe_on):
    assert "Your last payment failed" not in visible(
        client_for(alpha.owner, alpha.host).get("/billing/")
    )


@pytest.mark.parametrize(
    ("outcome", "words"),
    [("success", "Stripe is confirming the payment"), ("canceled", "Nothing was charged")],
)
def test_return_from_checkout_says_what_happened(alpha, client_for, stripe_on, outcome, words):
    text = visible(client_for(alpha.owner, alpha.host).get(f"/billing/?checkout={outcome}"))

    assert words in text


def with_invoice(account, *, number: str, **fields) -> Invoice:
    defaults = {
        "status": "paid",
        "amount_due": Decimal("149.00"),
        "amount_paid": Decimal("149.00"),
        "hosted_invoice_url": f"https://invoice.stripe.test/{number}",
    }
    defaults.update(fields)
    return Invoice.objects.create(
        account=account, stripe_invoice_id=f"in_{number}", number=number, **defaults
    )


def visible_of(markup: str) -> str:
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
    return re.sub(r" ([;,.:])", r"\1", words)


def test_invoices_and_payments_of_this_workspace_only(alpha, beta, client_for, stripe_on):
    with_invoice(alpha.account, number="ALPHA-0001")
    with_invoice(alpha.account, number="ALPHA-0002", status="open", amount_paid=Decimal("0"))
    with_invoice(beta.account, number="BETA-0001")
    Payment.objects.create(
        account=alpha.account,
        stripe_id="cs_alpha",
        kind="credit_pack",
        amount=Decimal("19.00"),
        status="paid",
        description="Small pack",
    )
    Payment.objects.create(
        account=beta.account, stripe_id="cs_beta", kind="credit_pack", amount=1, status="paid"
    )

    page = client_for(alpha.owner, alpha.host).get("/billing/")

    text = visible(page)
    assert "ALPHA-0001" in text and "ALPHA-0002" in text
    assert "149.00 USD Paid" in text and "149.00 USD Open" in text
    assert 'href="https://invoice.stripe.test/ALPHA-0001"' in page.content.decode()
    assert "Small pack Credit pack 19.00 USD Paid" in text
    assert "BETA-0001" not in text and "cs_beta" not in page.content.decode()


def test_empty_history_says_how_it_fills(alpha, client_for, stripe_on):
    text = visible(client_for(alpha.owner, alpha.host).get("/billing/"))

    assert "No invoices yet." in text
    assert "No payments yet." in text


# --- checkout for a plan ------------------------------------------------------------------


def test_owner_is_sent_to_stripe_checkout_for_a_plan(alpha, client_for, stripe_on, priced):
    response = client_for(alpha.owner, alpha.host).post("/billing/checkout/plan/growth/")

    assert response.status_code == 303
    assert response["Location"] == CHECKOUT_URL
    [(name, kwargs)] = stripe_on.calls
    assert name == "plan"
    assert kwargs["plan"].slug == "growth"
    assert kwargs["account"] == alpha.account
    assert kwargs["user"] == alpha.owner
    assert kwargs["success_url"] == f"http://{alpha.host}/billing/?checkout=success"
    assert kwargs["cancel_url"] == f"http://{alpha.host}/billing/?checkout=canceled"


def test_htmx_checkout_redirects_with_a_header(alpha, admin, client_for, stripe_on, priced):
    response = client_for(admin, alpha.host).post(
        "/billing/checkout/plan/growth/", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == CHECKOUT_URL
    assert len(stripe_on.calls) == 1


@pytest.mark.parametrize("who", ["editor", "viewer", "outsider", "anonymous"])
def test_others_cannot_start_a_checkout(alpha, people, client_for, stripe_on, priced, who):
    client = client_for(people[who], alpha.host)

    for url in (
        "/billing/checkout/plan/growth/",
        f"/billing/checkout/pack/{small_pack().pk}/",
        "/billing/portal/",
    ):
        response = client.post(url)
        if who == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")
        else:
            assert response.status_code == 403, url
    assert stripe_on.calls == []


def test_editor_is_told_who_can_pay(alpha, client_for, stripe_on, priced):
    response = client_for(alpha.editor, alpha.host).post("/billing/checkout/plan/growth/")

    assert "Only an owner or admin can do this." in visible(response)


@pytest.mark.parametrize("slug", ["no-such-plan", "secret", "old"])
def test_unknown_hidden_or_retired_plan_is_not_found(alpha, client_for, stripe_on, slug):
    Plan.objects.create(name="Secret deal", slug="secret", is_public=False, monthly_price=9)
    Plan.objects.create(name="Old plan", slug="old", is_active=False, monthly_price=9)

    response = client_for(alpha.owner, alpha.host).post(f"/billing/checkout/plan/{slug}/")

    assert response.status_code == 404
    assert stripe_on.calls == []


def test_free_plan_needs_no_checkout(alpha, client_for, stripe_on):
    response = client_for(alpha.owner, alpha.host).post("/billing/checkout/plan/free/")

    assert response.status_code == 400
    assert "The Free plan needs no checkout." in visible(response)
    assert stripe_on.calls == []


def test_checkout_is_a_post(alpha, client_for, stripe_on, priced):
    response = client_for(alpha.owner, alpha.host).get("/billing/checkout/plan/growth/")

    assert response.status_code == 405
    assert stripe_on.calls == []


def test_checkout_when_payments_are_not_configured(alpha, client_for, stripe_off, priced):
    client = client_for(alpha.owner, alpha.host)

    for url in (
        "/billing/checkout/plan/growth/",
        f"/billing/checkout/pack/{small_pack().pk}/",
        "/billing/portal/",
    ):
        response = client.post(url)
        assert response.status_code == 503, url
        assert NOT_CONFIGURED in visible(response)
        assert 'href="/billing/"' in response.content.decode()
    assert stripe_off.calls == []


def test_checkout_refused_by_the_service_shows_its_message(alpha, client_for, stripe_on, priced):
    stripe_on.error = ValueError("This workspace already has a paid subscription.")

    response = client_for(alpha.owner, alpha.host).post("/billing/checkout/plan/growth/")

    assert response.status_code == 400
    assert "This workspace already has a paid subscription." in visible(response)


def test_stripe_trouble_is_a_clear_502(alpha, client_for, stripe_on, priced):
    stripe_on.error = PaymentProviderError("We could not reach Stripe to start the checkout.")

    response = client_for(alpha.owner, alpha.host).post("/billing/checkout/plan/growth/")

    assert response.status_code == 502
    assert "We could not reach Stripe to start the checkout." in visible(response)


def test_htmx_refusal_is_a_notice_in_the_message_area(alpha, client_for, stripe_on):
    response = client_for(alpha.owner, alpha.host).post(
        "/billing/checkout/plan/free/", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#messages"
    assert "The Free plan needs no checkout." in visible(response)
    assert "<html" not in response.content.decode()


def test_a_lapsed_workspace_can_still_pay(alpha, client_for, stripe_on, priced):
    Subscription.objects.filter(account=alpha.account).update(
        status=SubscriptionStatus.PAST_DUE, grace_period_end=timezone.now() - timedelta(days=1)
    )
    client = client_for(alpha.owner, alpha.host)
    assert client.post("/sites/new/", {"name": "x"}).status_code == 402

    response = client.post("/billing/checkout/plan/growth/")

    assert response.status_code == 303
    assert response["Location"] == CHECKOUT_URL


# --- credit packs and the portal ----------------------------------------------------------


def test_owner_buys_a_pack(alpha, client_for, stripe_on, priced):
    pack = small_pack()

    response = client_for(alpha.owner, alpha.host).post(f"/billing/checkout/pack/{pack.pk}/")

    assert response.status_code == 303
    assert response["Location"] == CHECKOUT_URL
    [(name, kwargs)] = stripe_on.calls
    assert name == "pack" and kwargs["pack"] == pack and kwargs["account"] == alpha.account


def test_unknown_or_retired_pack_is_not_found(alpha, client_for, stripe_on, priced):
    retired = CreditPack.objects.create(name="Old pack", credits=5, price=1, is_active=False)
    client = client_for(alpha.owner, alpha.host)

    assert client.post("/billing/checkout/pack/999999/").status_code == 404
    assert client.post(f"/billing/checkout/pack/{retired.pk}/").status_code == 404
    assert client.post("/billing/checkout/pack/abc/").status_code == 404
    assert stripe_on.calls == []


def test_owner_opens_the_portal(alpha, client_for, stripe_on):
    response = client_for(alpha.owner, alpha.host).post("/billing/portal/")

    assert response.status_code == 303
    assert response["Location"] == PORTAL_URL
    [(name, kwargs)] = stripe_on.calls
    assert name == "portal"
    assert kwargs == {"account": alpha.account, "return_url": f"http://{alpha.host}/billing/"}


def test_portal_without_a_customer_says_what_to_do(alpha, client_for, stripe_on):
    stripe_on.error = ValueError("There is no Stripe customer yet for this workspace.")

    response = client_for(alpha.owner, alpha.host).post("/billing/portal/")

    assert response.status_code == 400
    assert "There is no Stripe customer yet for this workspace." in visible(response)
