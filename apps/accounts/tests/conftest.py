"""Fixtures of the accounts tests: more members of alpha, and signup form data."""

from __future__ import annotations

import pytest

from apps.accounts.models import Role, User
from tests.factories import PASSWORD, make_member


@pytest.fixture
def admin(alpha) -> User:
    return make_member(alpha.account, Role.ADMIN, email="admin@alpha.test", name="Ada Admin")


@pytest.fixture
def viewer(alpha) -> User:
    return make_member(alpha.account, Role.VIEWER, email="viewer@alpha.test", name="Val Viewer")


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Nora New",
        "email": "nora@example.com",
        "password1": PASSWORD,
        "workspace_name": "Acme Co.",
        "workspace_slug": "acme-co",
    }
    data.update(overrides)
    return data
