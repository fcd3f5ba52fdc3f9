"""Fixtures of alpha's lesser members that many test modules want, and a site's sectors.

Test modules (or their helper modules) import the fixtures by these names:
`from tests.members import viewer_fixture` gives the fixture "viewer"."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import Role, User
from apps.workspace.models import Sector, Site
from tests.factories import make_member
from tests.fixtures import Workspace


@pytest.fixture(name="viewer")
def viewer_fixture(alpha) -> User:  # noqa: ANN001
    return make_member(alpha.account, Role.VIEWER)


@pytest.fixture(name="admin")
def admin_fixture(alpha) -> User:  # noqa: ANN001
    return make_member(alpha.account, Role.ADMIN)


@pytest.fixture(name="stranger_editor")
def stranger_editor_fixture(alpha) -> User:  # noqa: ANN001
    """An editor of alpha who was not granted the site under test."""
    return make_member(alpha.account, Role.EDITOR)


def sectors_of(ws: Workspace, site: Site) -> list[Sector]:
    with schema_context(ws.schema):
        return list(site.sectors.order_by("pk"))
