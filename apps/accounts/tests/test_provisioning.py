"""Creating workspaces by cloning the template schema, deleting them, and the platform admin."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from apps.accounts import provisioning
from apps.accounts.models import Account, Domain, Membership, Role, SystemAccountError
from apps.workspace.models import Site
from tests.factories import industry_with_sectors, make_site, make_user

pytestmark = pytest.mark.django_db


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def _migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


def test_workspace_create_clones_the_template_schema(workspaces):
    owner = make_user()

    account = provisioning.workspace_create(name="Clone Co", slug="clone-co", owner=owner)

    template = settings.IGNY8_TEMPLATE_SCHEMA
    assert account.schema_name == "ws_clone_co"
    assert schema_exists("ws_clone_co")
    tables = _tables("ws_clone_co")
    assert {"workspace_site", "workspace_sector", "workspace_siteaccess", "workspace_job"} <= tables
    assert tables == _tables(template)
    assert ("workspace", "0001_initial") in _migrations("ws_clone_co")
    assert _migrations("ws_clone_co") == _migrations(template)
    assert Domain.objects.get(tenant=account).domain == "clone-co.igny8.localhost"
    assert Membership.objects.get(account=account).user == owner
    assert Membership.objects.get(account=account).role == Role.OWNER


def test_a_cloned_workspace_starts_empty_and_separate(alpha):
    make_site(alpha.account, name="Only in alpha")

    account = provisioning.workspace_create(name="Clone Co", slug="clone-co", owner=None)

    with schema_context(account.schema_name):
        assert not Site.objects.exists()
        Site.objects.create(
            name="Only in the clone",
            url="https://clone.example",
            industry=industry_with_sectors(),
            language="en",
        )
    with schema_context(alpha.schema):
        assert Site.objects.filter(name="Only in alpha").exists()
        assert not Site.objects.filter(name="Only in the clone").exists()


def test_workspace_create_refuses_bad_input_and_saves_nothing(workspaces):
    before = Account.objects.count()

    with pytest.raises(ValidationError, match="reserved"):
        provisioning.workspace_create(name="Admin", slug="admin", owner=None)
    with pytest.raises(ValidationError, match="already taken"):
        provisioning.workspace_create(name="Alpha again", slug="alpha", owner=None)
    with pytest.raises(ValidationError, match="Give the workspace a name"):
        provisioning.workspace_create(name="  ", slug="nameless", owner=None)

    assert Account.objects.count() == before
    assert not schema_exists("ws_nameless")


def test_workspace_delete_drops_the_schema_and_the_rows(workspaces):
    owner = make_user()
    account = provisioning.workspace_create(name="Short Lived", slug="short-lived", owner=owner)

    provisioning.workspace_delete(account=account)

    assert not schema_exists("ws_short_lived")
    assert not Account.objects.filter(slug="short-lived").exists()
    assert not Domain.objects.filter(domain="short-lived.igny8.localhost").exists()
    assert not Membership.objects.filter(user=owner).exists()


@pytest.mark.parametrize("schema", [settings.PUBLIC_SCHEMA_NAME, settings.IGNY8_TEMPLATE_SCHEMA])
def test_system_accounts_cannot_be_deleted(workspaces, schema):
    account = Account.objects.get(schema_name=schema)

    with pytest.raises(SystemAccountError, match="system account"):
        provisioning.workspace_delete(account=account)

    assert Account.objects.filter(pk=account.pk).exists()
    assert schema_exists(schema)


# --- the platform admin -----------------------------------------------------------------------


@pytest.fixture
def staff():
    return make_user("staff@igny8.test", is_staff=True, is_superuser=True)


def test_staff_open_the_admin_on_the_public_host(staff, workspaces, client_for):
    page = client_for(staff).get("/admin/accounts/account/")

    assert page.status_code == 200
    assert "Alpha Inc." in page.content.decode()


@pytest.mark.parametrize("who", ["member", "anonymous"])
def test_non_staff_cannot_open_the_admin(alpha, client_for, who):
    client = client_for(alpha.owner if who == "member" else None)

    page = client.get("/admin/accounts/account/")

    assert page.status_code == 302
    assert page["Location"].startswith("/admin/login/")


def test_staff_open_a_workspaces_admin_on_its_host(staff, alpha, client_for):
    assert client_for(staff, alpha.host).get("/admin/").status_code == 200
    assert client_for(alpha.owner, alpha.host).get("/admin/").status_code == 302


@pytest.mark.parametrize("schema", [settings.PUBLIC_SCHEMA_NAME, settings.IGNY8_TEMPLATE_SCHEMA])
def test_admin_refuses_to_delete_a_system_account(staff, workspaces, client_for, schema):
    account = Account.objects.get(schema_name=schema)
    client = client_for(staff)

    change = client.get(f"/admin/accounts/account/{account.pk}/change/")
    delete_page = client.get(f"/admin/accounts/account/{account.pk}/delete/")
    delete_post = client.post(f"/admin/accounts/account/{account.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/accounts/account/",
        {"action": "delete_selected", "_selected_action": [account.pk], "post": "yes"},
    )

    assert change.status_code == 200
    assert f"/admin/accounts/account/{account.pk}/delete/" not in change.content.decode()
    assert delete_page.status_code == 403
    assert delete_post.status_code == 403
    assert bulk.status_code == 403
    assert Account.objects.filter(pk=account.pk).exists()
    assert schema_exists(schema)


def test_admin_deletes_a_workspace_and_its_schema(staff, workspaces, client_for):
    account = provisioning.workspace_create(name="Doomed", slug="doomed", owner=None)

    response = client_for(staff).post(
        f"/admin/accounts/account/{account.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not schema_exists("ws_doomed")
