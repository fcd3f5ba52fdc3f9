"""Pieces the API tests share: a site with a plugin connection and its key, calls made with
it, approved articles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher.models import Connection, SyncEvent
from apps.publisher.services.connection import connection_create
from apps.workspace.models import Site
from apps.writer.models import Content
from apps.writer.tests.helpers_content import make_content
from tests.factories import make_site
from tests.fixtures import Workspace

API = "/api/v1"


@dataclass
class Wired:
    """A site of a workspace, connected with a key, and a client on the workspace's host."""

    ws: Workspace
    site: Site
    connection: Connection
    key: str

    def client(self, **extra: Any) -> Client:
        return Client(HTTP_HOST=self.ws.host, **extra)

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}

    def get(self, path: str, key: str | None = None, **params: Any):
        return self.client().get(API + path, params, headers=self.headers(key))

    def post(self, path: str, body: Any = None, key: str | None = None, **extra: Any):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body or {})
        return self.client(**extra).post(
            API + path, data, content_type="application/json", headers=self.headers(key)
        )

    def refresh(self) -> Connection:
        with schema_context(self.ws.schema):
            self.connection.refresh_from_db()
        return self.connection

    def content(self, title: str = "How to clean a drain", *, approved: bool = True, **fields):
        article = make_content(self.ws, self.site, title, **fields)
        if approved:
            with schema_context(self.ws.schema):
                Content.objects.filter(pk=article.pk).update(
                    status="approved", approved_at=timezone.now()
                )
                article.refresh_from_db()
        return article

    def events(self) -> list[SyncEvent]:
        with schema_context(self.ws.schema):
            return list(SyncEvent.objects.filter(site=self.site).order_by("id"))


def wire(ws: Workspace, site: Site | None = None) -> Wired:
    """Connect a (new) site of `ws` the way the integration page does (connection_create: a
    key whose hash and encrypted copy are kept on the connection, shown once)."""
    site = site or make_site(ws.account, sectors=1)
    with schema_context(ws.schema), transaction.atomic():
        connection, key = connection_create(
            site=site, user=ws.owner, wp_url="https://wp.example.com"
        )
    return Wired(ws=ws, site=site, connection=connection, key=key)


@pytest.fixture(name="wired")
def wired_fixture(alpha) -> Wired:
    return wire(alpha)


@pytest.fixture(name="neighbour")
def neighbour_fixture(alpha) -> Wired:
    """Another connected site of the same workspace."""
    return wire(alpha)


@pytest.fixture(name="foreign")
def foreign_fixture(beta) -> Wired:
    """A connected site of another workspace."""
    return wire(beta)


def error_of(response) -> dict:
    body = response.json()
    assert body["success"] is False, body
    assert body["request_id"] == response["X-Request-ID"]
    return body["error"]


def data_of(response) -> Any:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    assert body["request_id"] == response["X-Request-ID"]
    return body["data"]
