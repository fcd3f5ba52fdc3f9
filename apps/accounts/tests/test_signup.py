"""Signing up on the public host creates a user, their workspace and its schema, in one go."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django_tenants.utils import schema_exists

from apps.accounts.models import Account, Domain, Membership, Role, User
from apps.accounts.tests.conftest import signup_data
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEW_HOST = "acme-co.igny8.localhost"


def test_signup_creates_user_workspace_schema_domain_and_owner(workspaces, client_for):
    client = client_for(None)

    response = client.post("/accounts/signup/", signup_data())

    assert response.status_code == 302
    assert response["Location"] == f"http://{NEW_HOST}/?welcome=1"
    user = User.objects.get(email="nora@example.com")
    assert user.name == "Nora New"
    account = Account.objects.get(slug="acme-co")
    assert account.name == "Acme Co."
    assert account.schema_name == "ws_acme_co"
    assert schema_exists("ws_acme_co")
    assert Domain.objects.filter(tenant=account, domain=NEW_HOST, is_primary=True).exists()
    membership = Membership.objects.get(user=user, account=account)
    assert membership.role == Role.OWNER


def test_new_owner_lands_on_the_onboarding_checklist_of_the_new_workspace(workspaces, client_for):
    client = client_for(None)
    client.post("/accounts/signup/", signup_data())

    page = client.get("/?welcome=1", HTTP_HOST=NEW_HOST)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Welcome to Acme Co." in html
    assert "Get set up" in html
    assert "Add your first site" in html
    assert "0 of 9 done" in html


def test_signup_sends_an_email_verification_link_that_verifies_the_address(workspaces, client_for):
    client = client_for(None)
    client.post("/accounts/signup/", signup_data())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nora@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert link, message.body
    address = EmailAddress.objects.get(email="nora@example.com")
    assert not address.verified  # verification is optional: the user is in before confirming

    confirm_page = client.get(link.group(1))
    assert confirm_page.status_code == 200
    client.post(link.group(1))

    address.refresh_from_db()
    assert address.verified


def test_signup_form_shows_the_workspace_fields_with_a_readable_hint(workspaces, client_for):
    page = client_for(None).get("/accounts/signup/")

    assert page.status_code == 200
    html = page.content.decode()
    for field in ("name", "email", "password1", "workspace_name", "workspace_slug"):
        assert f'name="{field}"' in html
    assert "acme-marketing.igny8.localhost" in html
    assert "<address>" not in html


def _assert_nothing_saved(email: str, slug: str) -> None:
    assert not User.objects.filter(email=email).exists()
    assert not EmailAddress.objects.filter(email=email).exists()
    assert not Membership.objects.filter(user__email=email).exists()
    assert not Account.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain=f"{slug}.igny8.localhost").exists()


@pytest.mark.parametrize("slug", ["www", "admin", "api", "app", "public", "static", "media"])
def test_reserved_slug_is_refused_and_nothing_is_saved(workspaces, client_for, slug):
    accounts_before = Account.objects.count()

    response = client_for(None).post("/accounts/signup/", signup_data(workspace_slug=slug))

    assert response.status_code == 200
    assert f"“{slug}” is reserved. Please choose another address." in response.content.decode()
    assert not User.objects.filter(email="nora@example.com").exists()
    assert Account.objects.count() == accounts_before
    assert len(mail.outbox) == 0


@pytest.mark.parametrize(
    "slug", ["Acme", "acme_co", "ab", "1acme", "acme--co", "-acme", "acme-", "acme co"]
)
def test_bad_slug_is_refused_with_the_rule_and_nothing_is_saved(workspaces, client_for, slug):
    response = client_for(None).post("/accounts/signup/", signup_data(workspace_slug=slug))

    assert response.status_code == 200
    assert "Use 3–30 lowercase letters, digits and single hyphens" in response.content.decode()
    _assert_nothing_saved("nora@example.com", slug.lower())
    assert not schema_exists("ws_acme")


def test_taken_slug_is_refused_and_nothing_is_saved(alpha, client_for):
    accounts_before = Account.objects.count()

    response = client_for(None).post("/accounts/signup/", signup_data(workspace_slug="alpha"))

    assert response.status_code == 200
    assert "“alpha” is already taken. Please choose another address." in response.content.decode()
    assert not User.objects.filter(email="nora@example.com").exists()
    assert Account.objects.count() == accounts_before
    assert not alpha.account.memberships.filter(user__email="nora@example.com").exists()


def test_slug_whose_schema_already_exists_is_refused_and_nothing_is_saved(workspaces, client_for):
    # A schema left behind (a restored backup, a half-finished manual clean-up) blocks the name.
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "ws_acme_co"')

    response = client_for(None).post("/accounts/signup/", signup_data())

    assert response.status_code == 200
    assert "“acme-co” is already taken" in response.content.decode()
    _assert_nothing_saved("nora@example.com", "acme-co")


def test_missing_workspace_name_is_refused_and_nothing_is_saved(workspaces, client_for):
    response = client_for(None).post("/accounts/signup/", signup_data(workspace_name=""))

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    _assert_nothing_saved("nora@example.com", "acme-co")


def test_weak_password_is_refused_and_nothing_is_saved(workspaces, client_for):
    response = client_for(None).post("/accounts/signup/", signup_data(password1="12345678"))

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    _assert_nothing_saved("nora@example.com", "acme-co")


def test_signup_with_a_registered_email_creates_no_second_user_or_workspace(workspaces, client_for):
    make_user("nora@example.com")

    response = client_for(None).post("/accounts/signup/", signup_data())

    assert response.status_code == 200
    assert "A user is already registered with this email address." in response.content.decode()
    assert User.objects.filter(email="nora@example.com").count() == 1
    assert not Account.objects.filter(slug="acme-co").exists()
    assert len(mail.outbox) == 0


def test_signup_is_refused_on_a_workspace_host(alpha, client_for):
    client = client_for(None, alpha.host)

    page = client.get("/accounts/signup/")
    posted = client.post("/accounts/signup/", signup_data())

    assert page.status_code == 302
    assert page["Location"] == "http://igny8.localhost/accounts/signup/"
    assert posted.status_code == 302
    _assert_nothing_saved("nora@example.com", "acme-co")


def test_slug_suggestion_from_a_workspace_name(workspaces, client_for):
    client = client_for(None)

    def ask(**params: str) -> dict:
        return client.get("/workspaces/suggest-slug/", params).json()

    assert ask(name="Acme Co.") == {"slug": "acme-co", "available": True}
    assert ask(name="42 Labs") == {"slug": "ws-42-labs", "available": True}
    assert ask(name="  ") == {"slug": "", "available": False}
    # The address typed by hand is checked as it is.
    assert ask(slug="acme-marketing") == {"slug": "acme-marketing", "available": True}
    assert ask(slug="Not A Slug") == {"slug": "Not A Slug", "available": False}


def test_slug_suggestion_says_only_yes_or_no_about_taken_addresses(alpha, client_for):
    client = client_for(None)

    taken = client.get("/workspaces/suggest-slug/", {"name": "Alpha"})
    typed = client.get("/workspaces/suggest-slug/", {"slug": "alpha"})
    reserved = client.get("/workspaces/suggest-slug/", {"name": "Admin"})

    # No free variant ("alpha-2", "alpha-3" would tell which ones are taken), no name.
    assert taken.json() == {"slug": "alpha", "available": False}
    assert typed.json() == {"slug": "alpha", "available": False}
    assert reserved.json() == {"slug": "admin", "available": False}
    assert "Alpha Inc." not in taken.content.decode()


def test_slug_suggestion_is_rate_limited_per_client_address(workspaces, client_for):
    from apps.accounts.views.pages import SLUG_CHECKS_PER_MINUTE

    client = client_for(None)
    for _ in range(SLUG_CHECKS_PER_MINUTE):
        assert client.get("/workspaces/suggest-slug/", {"name": "Acme"}).status_code == 200

    refused = client.get("/workspaces/suggest-slug/", {"name": "Acme"})
    other_address = client_for(None).get(
        "/workspaces/suggest-slug/", {"name": "Acme"}, REMOTE_ADDR="192.0.2.7"
    )

    assert refused.status_code == 429
    assert "Too many address checks" in refused.json()["error"]
    assert refused["Retry-After"] == "60"
    assert other_address.status_code == 200


# --- another workspace for someone already signed in -----------------------------------------


def test_signed_in_user_creates_another_workspace(alpha, client_for):
    client = client_for(alpha.owner)

    form = client.get("/workspaces/new/")
    response = client.post(
        "/workspaces/new/", {"workspace_name": "Second Shop", "workspace_slug": "second-shop"}
    )

    assert form.status_code == 200
    assert response.status_code == 303
    assert response["Location"] == "http://second-shop.igny8.localhost/?welcome=1"
    account = Account.objects.get(slug="second-shop")
    assert schema_exists(account.schema_name)
    assert Membership.objects.get(account=account, user=alpha.owner).role == Role.OWNER
    page = client.get("/?welcome=1", HTTP_HOST="second-shop.igny8.localhost")
    assert page.status_code == 200
    assert "Welcome to Second Shop" in page.content.decode()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("alpha", "“alpha” is already taken"),
        ("www", "“www” is reserved"),
        ("Bad_Slug", "Use 3–30 lowercase letters"),
    ],
)
def test_new_workspace_with_a_bad_slug_is_refused(alpha, client_for, slug, message):
    accounts_before = Account.objects.count()

    response = client_for(alpha.owner).post(
        "/workspaces/new/", {"workspace_name": "Second Shop", "workspace_slug": slug}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Account.objects.count() == accounts_before


def test_new_workspace_needs_a_signed_in_user(workspaces, client_for):
    response = client_for(None).post(
        "/workspaces/new/", {"workspace_name": "Second Shop", "workspace_slug": "second-shop"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/workspaces/new/")
    assert not Account.objects.filter(slug="second-shop").exists()


def test_slug_suggestion_limit_counts_an_ipv6_network_as_one_client(workspaces, client_for):
    from apps.accounts.views.pages import SLUG_CHECKS_PER_MINUTE

    client = client_for(None)
    for n in range(SLUG_CHECKS_PER_MINUTE):
        client.get("/workspaces/suggest-slug/", {"name": "Acme"}, REMOTE_ADDR=f"2001:db8::{n + 1}")

    # Another address of the same /64 (one connection usually holds all of them).
    refused = client.get("/workspaces/suggest-slug/", {"name": "Acme"}, REMOTE_ADDR="2001:db8::ff")
    other = client.get("/workspaces/suggest-slug/", {"name": "Acme"}, REMOTE_ADDR="2001:db9::1")

    assert refused.status_code == 429
    assert other.status_code == 200


def test_the_address_hint_shows_the_address_typed(workspaces, client_for):
    """The hint under the address field names the address being chosen, not a fixed example
    (app.js keeps it in step while typing; this is the form shown again after an error)."""
    client = client_for(None)
    assert "Your workspace will live at acme-marketing.igny8.localhost" in (
        client.get("/accounts/signup/").content.decode()
    )

    again = client.post(
        "/accounts/signup/", signup_data(password1="short", workspace_slug="Bakery-7")
    )

    assert again.status_code == 200
    html = again.content.decode()
    assert "Your workspace will live at bakery-7.igny8.localhost" in html
    assert "acme-marketing.igny8.localhost" not in html


def test_the_address_hint_never_carries_markup(workspaces, client_for):
    again = client_for(None).post(
        "/accounts/signup/", signup_data(password1="short", workspace_slug="<b>x</b>")
    )

    html = again.content.decode()
    assert "Your workspace will live at bxb.igny8.localhost" in html  # letters kept, tags not
    assert "<b>x</b>" not in html
