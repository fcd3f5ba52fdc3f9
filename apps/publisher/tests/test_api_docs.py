"""The OpenAPI document and the readable reference: open to anyone on a workspace host (no
workspace data in them), built from the same declarations the views check."""

from __future__ import annotations

import html

import jsonschema
import pytest
from django.test import Client

from apps.publisher.api.spec import ENDPOINTS

pytestmark = pytest.mark.django_db


def test_the_document_is_openapi_3_1_and_names_every_endpoint(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": f"http://{alpha.host}/api/v1"}]
    operations = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    assert operations == {(e.method, e.path) for e in ENDPOINTS}
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    for item in doc["paths"].values():
        for operation in item.values():
            assert {"401", "405", "429", "200"} <= set(operation["responses"])
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                jsonschema.Draft202012Validator.check_schema(body["schema"])
            for response_ in operation["responses"].values():
                schema = response_["content"]["application/json"]["schema"]
                if "$ref" not in schema:
                    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_reference_page_lists_endpoints_parameters_bodies_and_answers(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/api/docs")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"http://{alpha.host}/api/v1/" in page
    for endpoint in ENDPOINTS:
        assert f'data-endpoint="{endpoint.method} /api/v1{endpoint.path}"' in page
        assert endpoint.summary in page
    for word in (
        "per_page",
        "updated_since",
        "post_types[].name",
        "categories[].id",
        "publishing_status",
        "Retry-After",
        "X-IGNY8-API-KEY",
    ):
        assert word in page
    assert "<script>" not in page  # nothing inline: the CSP holds
    assert "Content-Security-Policy" in response.headers
    assert "Alpha Inc." not in page  # a visitor learns nothing of the workspace


def test_a_member_reads_the_reference_inside_the_workspace(alpha, client_for):
    page = client_for(alpha.owner, alpha.host).get("/api/docs").content.decode()
    assert "Alpha Inc." in page and 'aria-label="Workspace"' in page


def test_the_reference_is_not_on_the_public_host():
    assert Client().get("/api/docs").status_code == 404
