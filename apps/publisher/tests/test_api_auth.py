"""The API answers to a site's connection key only: which keys pass, which are refused, the
rate limits, CSRF, the envelope and the request id."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from apps.publisher.models import Connection, ConnectionStatus
from apps.publisher.services.connection import connection_revoke, key_rotate
from apps.publisher.tests.api_helpers import (  # noqa: F401 - fixtures
    API,
    data_of,
    error_of,
    foreign_fixture,
    neighbour_fixture,
    wired_fixture,
)

pytestmark = pytest.mark.django_db


def test_a_call_without_a_key_is_refused_with_the_envelope_not_a_login_page(wired):
    response = wired.client().get(API + "/connection/test")
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "unauthorized"
    assert "Authorization: Bearer" in error["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_key_passes_as_bearer_or_in_its_own_header(wired):
    data = data_of(wired.get("/connection/test"))
    assert data["site"] == {"id": wired.site.pk, "name": wired.site.name, "url": wired.site.url}
    response = wired.client().get(API + "/connection/test", headers={"X-IGNY8-API-KEY": wired.key})
    assert data_of(response)["connection"]["key_id"] == wired.connection.key_id


def test_a_signed_in_member_without_a_key_gets_nothing(wired, client_for):
    client = client_for(wired.ws.owner, wired.ws.host)
    assert client.get(API + "/contents").status_code == 401


@pytest.mark.parametrize(
    "key",
    [
        "",
        "igk_000000000000_" + "A" * 43,  # well-formed, unknown
        "not-a-key",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_unknown_keys_are_refused(wired, key):
    response = wired.client().get(API + "/contents", headers={"Authorization": key})
    assert response.status_code == 401
    assert "data" not in response.json()


def test_a_key_of_another_workspace_is_unknown_here(wired, foreign):
    wired.content("Alpha's secret article")
    response = foreign.client().get(API + "/contents", headers=foreign.headers())
    assert data_of(response)["total"] == 0  # on its own host it works, and sees only its site
    cross = wired.get("/contents", key=foreign.key)  # beta's key on alpha's host
    assert cross.status_code == 401
    assert b"secret" not in cross.content


def test_a_rotated_key_is_refused_at_once_and_the_new_one_works(wired):
    assert wired.get("/connection/test").status_code == 200
    with schema_context(wired.ws.schema):
        fresh = key_rotate(connection=wired.connection, user=wired.ws.owner)
    assert wired.get("/connection/test").status_code == 401
    assert wired.get("/connection/test", key=fresh).status_code == 200


def test_a_revoked_key_is_refused(wired):
    with schema_context(wired.ws.schema):
        connection_revoke(connection=wired.connection, user=wired.ws.owner)
    assert wired.get("/connection/test").status_code == 401


def test_a_key_left_on_a_revoked_connection_is_refused_too(wired):
    """Refusal does not hang on the hash alone being cleared."""
    with schema_context(wired.ws.schema):
        Connection.objects.filter(pk=wired.connection.pk).update(status=ConnectionStatus.REVOKED)
    assert wired.get("/connection/test").status_code == 401


def test_calls_are_limited_per_key_with_retry_after(wired, neighbour, settings):
    settings.IGNY8_API_RATE_LIMIT = 3
    for _ in range(3):
        assert wired.get("/contents").status_code == 200
    response = wired.get("/contents")
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert response["Retry-After"].isdigit() and 1 <= int(response["Retry-After"]) <= 60
    assert neighbour.get("/contents").status_code == 200  # another key has its own allowance


def test_guessing_keys_from_one_address_is_slowed_down_but_good_keys_still_pass(wired, settings):
    settings.IGNY8_API_BAD_KEY_LIMIT = 2
    wrong = "igk_000000000000_" + "B" * 43
    statuses = [wired.get("/contents", key=wrong).status_code for _ in range(4)]
    assert statuses == [401, 401, 429, 429]
    response = wired.get("/contents", key=wrong)
    assert int(response["Retry-After"]) >= 1
    assert error_of(response)["code"] == "rate_limited"
    # A site sharing the address (a shared host, a proxy) is not locked out by its neighbour.
    assert wired.get("/contents").status_code == 200


def test_posts_need_no_csrf_token_here_but_still_do_everywhere_else(wired, client_for):
    strict = wired.client(enforce_csrf_checks=True)
    response = strict.post(
        API + "/connection/test", "{}", content_type="application/json", headers=wired.headers()
    )
    assert response.status_code == 200
    member = client_for(wired.ws.owner, wired.ws.host)
    member.handler.enforce_csrf_checks = True
    assert member.post("/sites/switch/", {"site": wired.site.pk}).status_code == 403


def _views(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_only_the_api_and_the_stripe_webhook_are_csrf_exempt():
    exempt = {
        route
        for urlconf in ("igny8.urls_tenant", "igny8.urls_public")
        for route, view in _views(get_resolver(urlconf))
        if getattr(view, "csrf_exempt", False)
    }
    api = {route for route in exempt if route.startswith("api/")}
    assert "api/^v1/posts/status/?$" in api
    assert "api/^v1/contents/(?P<content_id>[^/]+)/ack/?$" in api
    assert {route for route in exempt - api if not route.endswith("stripe/webhook/")} == set()


def test_a_wrong_method_gets_405_with_allow(wired):
    response = wired.client().delete(API + "/contents", headers=wired.headers())
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_trailing_slash_is_forgiven(wired):
    assert wired.post("/connection/test/", {}).status_code == 200
    assert wired.get("/contents/").status_code == 200


def test_an_unknown_api_address_is_a_json_404(wired):
    response = wired.client().get("/api/v2/nothing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_the_request_id_sent_comes_back_in_header_and_body(wired):
    response = wired.client().get(
        API + "/contents", headers={**wired.headers(), "X-Request-ID": "plugin-req-123456"}
    )
    assert response["X-Request-ID"] == "plugin-req-123456"
    assert response.json()["request_id"] == "plugin-req-123456"


def test_the_api_is_on_workspace_hosts_only(wired):
    response = Client().get(API + "/contents", headers=wired.headers())  # the public host
    assert response.status_code == 404


def test_a_paused_workspace_still_records_what_wordpress_reports(wired, client_for):
    """The plan middleware refuses a paused workspace's writes (402); WordPress's reports are
    facts about the site, taken all the same."""
    from apps.accounts.models import Account

    Account.objects.filter(pk=wired.ws.account.pk).update(is_active=False)
    member = client_for(wired.ws.owner, wired.ws.host)
    assert member.post("/writer/tasks/new/", {}).status_code == 402
    response = wired.post("/site/structure", {"tags": []})
    assert response.status_code == 200
    assert wired.refresh().structure_at is not None


def test_an_oversized_body_is_refused_with_413(wired, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = wired.post(
        "/site/structure", {"tags": [{"id": n, "name": "x" * 50} for n in range(1, 40)]}
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_each_call_is_one_line_of_the_api_log(wired):
    import logging

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    api_log = logging.getLogger("api")  # its own channel: it does not propagate to the root
    handler = Keep(level=logging.INFO)
    api_log.addHandler(handler)
    try:
        wired.get("/contents")
        wired.get("/contents", key="igk_000000000000_" + "C" * 43)
    finally:
        api_log.removeHandler(handler)
    assert lines[0].startswith(f"GET /api/v1/contents 200 key={wired.connection.key_id}")
    assert lines[1].startswith("GET /api/v1/contents 401 key=-")
    assert wired.key not in " ".join(lines)
