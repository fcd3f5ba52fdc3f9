"""Signing in and out: where people land, password reset, and allauth's rate limits."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from apps.accounts.models import Membership, Role
from tests.factories import PASSWORD, make_member, make_user
from tests.fixtures import PUBLIC_HOST

pytestmark = pytest.mark.django_db


def _login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def test_user_with_one_workspace_goes_straight_there(alpha, client_for):
    client = client_for(None)

    response = _login(client, alpha.editor.email)

    assert response.status_code == 302
    assert response["Location"] == f"http://{alpha.host}/"
    dashboard = client.get("/", HTTP_HOST=alpha.host)
    assert dashboard.status_code == 200
    assert "Alpha Inc." in dashboard.content.decode()


def test_user_with_several_workspaces_gets_the_chooser(alpha, beta, client_for):
    user = make_user("both@example.com")
    Membership.objects.create(user=user, account=alpha.account, role=Role.EDITOR)
    Membership.objects.create(user=user, account=beta.account, role=Role.VIEWER)
    client = client_for(None)

    response = _login(client, "both@example.com")
    chooser = client.get(response["Location"])

    assert response["Location"] == "/workspaces/"
    assert chooser.status_code == 200
    html = chooser.content.decode()
    assert "Alpha Inc." in html and f"http://{alpha.host}/" in html
    assert "Beta Inc." in html and f"http://{beta.host}/" in html
    assert "Editor" in html and "Viewer" in html


def test_user_without_a_workspace_sees_an_empty_chooser(workspaces, client_for):
    make_user("lonely@example.com")
    client = client_for(None)

    response = _login(client, "lonely@example.com")
    chooser = client.get(response["Location"])

    assert response["Location"] == "/workspaces/"
    assert "You are not in any workspace yet" in chooser.content.decode()


def test_anonymous_on_a_workspace_host_signs_in_there_and_returns_to_the_page(alpha, client_for):
    client = client_for(None, alpha.host)

    asked = client.get("/sites/?page=2")
    login_page = client.get(asked["Location"])
    response = client.post(asked["Location"], {"login": alpha.owner.email, "password": PASSWORD})

    assert asked["Location"] == "/accounts/login/?next=%2Fsites%2F%3Fpage%3D2"
    assert login_page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/sites/?page=2"


def test_wrong_password_is_refused_with_a_message(alpha, client_for):
    client = client_for(None)

    response = _login(client, alpha.owner.email, "not-the-password")

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_are_rate_limited(alpha, client_for):
    client = client_for(None)
    # allauth's default for login_failed: 5 failures per address within 5 minutes.
    for _ in range(5):
        refused = _login(client, alpha.owner.email, "not-the-password")
        assert "not correct" in refused.content.decode()

    response = _login(client, alpha.owner.email, PASSWORD)

    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_on_the_public_host_lock_sign_in_on_workspace_hosts_too(alpha, client_for):
    public = client_for(None)
    for _ in range(5):
        assert (
            "not correct" in _login(public, alpha.owner.email, "not-the-password").content.decode()
        )

    # Another host (anyone can make a workspace, so a new host) is no way round the limit.
    workspace = client_for(None, alpha.host)
    response = _login(workspace, alpha.owner.email, PASSWORD)

    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in workspace.session


def test_failed_logins_spread_over_workspace_hosts_lock_the_public_host(alpha, beta, client_for):
    for host in (alpha.host, alpha.host, beta.host, beta.host, beta.host):
        refused = _login(client_for(None, host), alpha.owner.email, "not-the-password")
        assert "not correct" in refused.content.decode()

    public = client_for(None)
    response = _login(public, alpha.owner.email, PASSWORD)

    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in public.session


def test_logout_ends_the_session_and_returns_to_the_public_login(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)

    response = client.post("/accounts/logout/")
    after = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "http://igny8.localhost/accounts/login/"
    assert after.status_code == 302
    assert after["Location"].startswith("/accounts/login/")


def test_password_reset_emails_a_link_that_sets_a_new_password(alpha, client_for):
    user = make_member(alpha.account, Role.EDITOR, email="forgetful@example.com")
    client = client_for(None)

    response = client.post("/accounts/password/reset/", {"email": user.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    set_password_url = form.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"password1": "a-brand-new-secret-9", "password2": "a-brand-new-secret-9"}
    )
    assert done.status_code == 302

    fresh = client_for(None)
    assert _login(fresh, user.email, PASSWORD).status_code == 200  # the old one no longer works
    signed_in = _login(fresh, user.email, "a-brand-new-secret-9")
    assert signed_in.status_code == 302
    assert signed_in["Location"] == f"http://{alpha.host}/"


def test_password_reset_for_an_unknown_address_sends_no_reset_link(workspaces, client_for):
    response = client_for(None).post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302  # the same answer as for a known address
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


def test_password_reset_mails_for_one_address_are_limited_across_hosts(alpha, beta, client_for):
    user = make_member(alpha.account, Role.EDITOR, email="forgetful@example.com")
    hosts = [PUBLIC_HOST, PUBLIC_HOST, alpha.host, alpha.host, beta.host, beta.host, PUBLIC_HOST]

    for host in hosts:
        client_for(None, host).post("/accounts/password/reset/", {"email": user.email})

    # allauth's default: 5 reset mails per address a minute, whichever host was asked.
    assert len(mail.outbox) == 5
    assert all(m.to == [user.email] for m in mail.outbox)
