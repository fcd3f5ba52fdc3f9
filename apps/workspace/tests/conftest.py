"""Fixtures for the workspace app's tests: extra actors and a workspace with no sites."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import Role, User
from apps.workspace.models import Site
from tests.factories import make_member


@pytest.fixture
def viewer(alpha) -> User:
    return make_member(alpha.account, Role.VIEWER)


@pytest.fixture
def admin_member(alpha) -> User:
    return make_member(alpha.account, Role.ADMIN)


@pytest.fixture
def no_sites(alpha) -> None:
    """Alpha starts without sites in this test (the deletion is rolled back afterwards)."""
    with schema_context(alpha.schema):
        Site.objects.all().delete()
