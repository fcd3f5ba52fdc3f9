"""The API against its own OpenAPI document, fuzzed by schemathesis through the WSGI app with
a real key: no server error, no answer the document does not describe, bad input refused; and
the same generated calls made with another workspace's key get 401, never data."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from apps.publisher.api.openapi import document
from apps.publisher.tests.api_helpers import wire

APP = get_wsgi_application()
SCHEMA = schemathesis.openapi.from_dict(document("/api/v1"))
SCHEMA.app = APP
# Bounded: 7 operations × 15 generated cases (plus schemathesis's boundary cases) each: ~20 s.
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def in_process(db):
    """Requests go through the real WSGI handler inside the test's transaction: keep Django
    from closing the connection (and so the transaction) at each request's edges, as its test
    client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_site(alpha, in_process, settings):
    settings.IGNY8_API_RATE_LIMIT = 100_000
    settings.IGNY8_API_BAD_KEY_LIMIT = 100_000
    wired = wire(alpha)
    for n in range(3):
        wired.content(f"Article {n}")
    return wired


@pytest.fixture
def foreign(beta):
    return wire(beta)


@SCHEMA.parametrize()
@FUZZ
def test_every_answer_is_what_the_document_promises(case, api_site):
    case.call_and_validate(
        base_url=f"http://{api_site.ws.host}/api/v1",
        headers={"Authorization": f"Bearer {api_site.key}"},
    )


@SCHEMA.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_another_workspaces_key_gets_no_data(case, api_site, foreign):
    response = case.call(
        base_url=f"http://{api_site.ws.host}/api/v1",
        headers={"Authorization": f"Bearer {foreign.key}"},
    )
    assert response.status_code in (401, 405), response.text
    assert "data" not in response.json()
