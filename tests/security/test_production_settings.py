"""Production defaults: with DEBUG=false the settings pass `check --deploy`, switch on HTTPS
(secure cookies, HSTS, the redirect behind the proxy), and development stays plain http.

Each case imports the settings in a fresh process with its own environment, as a deploy would;
PYTEST_VERSION is dropped so the settings do not take the test defaults.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = secrets.token_urlsafe(50)
# What a deploy sets (README, "Running in production"): the rest are the settings' defaults.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": SECRET_KEY,
    "IGNY8_BASE_DOMAIN": "igny8.example",
    "EMAIL_URL": "smtp://mailer:secret@smtp.igny8.example:587",
}
# Env switches the tests set themselves; a value left in the developer's shell must not leak in.
SWITCHES = (
    "DEBUG",
    "SECRET_KEY",
    "IGNY8_BASE_DOMAIN",
    "ALLOWED_HOSTS",
    "IGNY8_PUBLIC_URL",
    "IGNY8_PROTOCOL",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "EMAIL_URL",
    "PYTEST_VERSION",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for Playwright's event loop in this test process
)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "igny8.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW = """
import json
from django.conf import settings as s
from django.utils.csp import build_policy
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "SECURE_REDIRECT_EXEMPT": s.SECURE_REDIRECT_EXEMPT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_CONTENT_TYPE_NOSNIFF": s.SECURE_CONTENT_TYPE_NOSNIFF,
    "SECURE_REFERRER_POLICY": s.SECURE_REFERRER_POLICY,
    "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL": s.ACCOUNT_DEFAULT_HTTP_PROTOCOL,
    "IGNY8_PUBLIC_URL": s.IGNY8_PUBLIC_URL,
    "csp": build_policy(s.SECURE_CSP, "NONCE"),
    "middleware": s.MIDDLEWARE,
}))
"""


def settings_with(**env: str) -> dict:
    result = run(["-c", SHOW], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)


def test_production_settings_pass_the_deploy_check():
    result = deploy_check(**PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_stays_clean_when_the_operator_opts_into_hsts_for_subdomains():
    result = deploy_check(
        **PRODUCTION, SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true"
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_is_https_only_behind_the_proxy():
    s = settings_with(**PRODUCTION)

    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    # The session cookie is shared by every workspace host; HSTS for all of them is the
    # operator's call (other subdomains of the domain may not speak HTTPS).
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert any("healthz" in pattern for pattern in s["SECURE_REDIRECT_EXEMPT"])
    assert s["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"
    assert s["IGNY8_PUBLIC_URL"] == "https://igny8.example"


def test_each_production_switch_can_be_overridden():
    s = settings_with(
        **PRODUCTION,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="60",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_PROXY_SSL_HEADER="false",
    )

    assert s["SECURE_SSL_REDIRECT"] is False
    assert s["SECURE_HSTS_SECONDS"] == 60
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SESSION_COOKIE_SECURE"] is False and s["CSRF_COOKIE_SECURE"] is False
    assert s["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize("debug", ["true", "false"])
def test_the_content_security_policy_and_header_defaults_hold_in_every_mode(debug):
    s = settings_with(DEBUG=debug, SECRET_KEY=SECRET_KEY, IGNY8_BASE_DOMAIN="igny8.example")

    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in s["middleware"]
    directives = dict(d.split(" ", 1) for d in s["csp"].split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self' 'nonce-NONCE'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-eval'" not in s["csp"]
    # Sign-in on the public host sends people on to their workspace, and billing hands off to
    # Stripe with a redirect after a POST: form-action covers both.
    form_action = directives["form-action"].split()
    assert "'self'" in form_action
    assert "igny8.example:*" in form_action and "*.igny8.example:*" in form_action
    assert "https://checkout.stripe.com" in form_action
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["X_FRAME_OPTIONS"] == "DENY"


def test_development_stays_plain_http():
    s = settings_with(DEBUG="true", SECRET_KEY=SECRET_KEY)

    assert not s["SESSION_COOKIE_SECURE"] and not s["CSRF_COOKIE_SECURE"]
    assert not s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["SECURE_HSTS_SECONDS"] == 0
    assert s["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "http"
    assert s["IGNY8_PUBLIC_URL"] == "http://igny8.localhost:8000"
