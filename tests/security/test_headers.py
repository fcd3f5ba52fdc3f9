"""The headers a browser gets, with the production switches on: HTTPS only (the redirect
behind the proxy, HSTS, Secure cookies), a Content-Security-Policy whose nonce is the one on
the page's scripts, and the headers that stop sniffing, framing and referrer leaks."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# What settings.py turns on when DEBUG is false (tests/security/test_production_settings.py
# checks that it does).
PRODUCTION = override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_HSTS_SECONDS=31536000,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
)
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}


def assert_protective_headers(response) -> None:
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def assert_policy_nonce_on_every_script(response) -> None:
    policy = response["Content-Security-Policy"]
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]+)'", directives["script-src"])
    assert nonce, policy
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page loads its scripts"
    for tag in scripts:
        assert f'nonce="{nonce.group(1)}"' in tag, tag
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in policy


@PRODUCTION
def test_plain_http_is_sent_to_https(workspaces, client_for):
    response = client_for(None).get("/accounts/login/?next=/x")

    assert response.status_code == 301
    assert response["Location"] == "https://igny8.localhost/accounts/login/?next=/x"


@PRODUCTION
def test_plain_http_to_a_workspace_is_sent_to_https(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/planner/keywords/")

    assert response.status_code == 301
    assert response["Location"] == f"https://{alpha.host}/planner/keywords/"


@PRODUCTION
def test_the_health_check_answers_over_plain_http(workspaces, client_for):
    response = client_for(None).get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"


@PRODUCTION
def test_public_page_over_https_carries_the_protective_headers(workspaces, client_for):
    response = client_for(None).get("/accounts/login/", **HTTPS)

    assert response.status_code == 200
    assert_protective_headers(response)
    assert_policy_nonce_on_every_script(response)


@PRODUCTION
def test_workspace_page_over_https_carries_the_protective_headers(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/", **HTTPS)

    assert response.status_code == 200
    assert_protective_headers(response)
    assert_policy_nonce_on_every_script(response)


@PRODUCTION
def test_each_response_has_its_own_nonce(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)

    first = client.get("/", **HTTPS)["Content-Security-Policy"]
    second = client.get("/", **HTTPS)["Content-Security-Policy"]

    assert first != second


@PRODUCTION
def test_signing_in_over_https_sets_secure_cookies(alpha, client_for):
    client = client_for(None)

    form = client.get("/accounts/login/", **HTTPS)
    response = client.post(
        "/accounts/login/", {"login": alpha.owner.email, "password": PASSWORD}, **HTTPS
    )

    assert form.cookies["csrftoken"]["secure"] is True
    assert response.status_code == 302
    assert response["Location"] == f"https://{alpha.host}/"
    session = response.cookies["igny8_session"]
    assert session["secure"] is True and session["httponly"] is True
    assert session["domain"] == ".igny8.localhost"
    assert response.cookies["csrftoken"]["secure"] is True


def test_development_serves_plain_http_with_the_same_policy(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/")

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_policy_nonce_on_every_script(response)


def img_src(response) -> str:
    policy = response["Content-Security-Policy"]
    return dict(d.split(" ", 1) for d in policy.split("; "))["img-src"]


def test_the_editor_shows_article_images_from_other_https_hosts(alpha, client_for):
    from apps.writer.tests.helpers_content import make_content
    from tests.factories import make_site

    site = make_site(alpha.account, "Image Site", sectors=1)
    body = '<p>Cover:</p><p><img src="https://cdn.example.com/cover.png" alt="Cover"></p>'
    content = make_content(alpha, site, html_body=body)
    client = client_for(alpha.owner, alpha.host)

    editor = client.get(f"/writer/content/{content.pk}/")
    contents = client.get("/writer/content/")

    assert 'src="https://cdn.example.com/cover.png"' in editor.content.decode()
    assert img_src(editor) == "'self' data: https:"
    assert img_src(contents) == "'self' data:"


@PRODUCTION
def test_an_unknown_workspace_host_gets_the_same_headers(workspaces, client_for):
    client = client_for(None, "nobody.igny8.localhost")

    plain = client.get("/")
    page = client.get("/", **HTTPS)

    assert plain.status_code == 301
    assert page.status_code == 404
    assert_protective_headers(page)
    assert_policy_nonce_on_every_script(page)
