"""What page tests read and how they sign in: a client on a workspace host looking at one
site, the page's text, and a model row read again from its workspace."""

from __future__ import annotations

import html
import re

from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.workspace.context import SESSION_KEY
from apps.workspace.models import Site
from tests.fixtures import Workspace


def client_on(client_for, user: User, ws: Workspace, site: Site | None = None) -> Client:  # noqa: ANN001
    """A signed-in client on the workspace host, looking at `site` (the header's switcher)."""
    client = client_for(user, ws.host)
    if site is not None:
        session = client.session
        session[SESSION_KEY.format(schema=ws.schema)] = site.pk
        session.save()
    return client


def fresh(ws: Workspace, obj):  # noqa: ANN001, ANN201
    """`obj` read again from the workspace's schema."""
    with schema_context(ws.schema):
        return type(obj).objects.get(pk=obj.pk)


def body(response) -> str:  # noqa: ANN001
    return response.content.decode()


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def page_text(response) -> str:  # noqa: ANN001
    return text_of(body(response))
