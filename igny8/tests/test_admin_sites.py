"""The two admins: the platform admin on the public host holds the public schema's tables, a
workspace's admin on its host holds that workspace's tables. Every page of both answers staff
without a server error, and people who are not staff are sent to the admin login."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.utils import quote
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import resolve
from django_tenants.utils import schema_context, schema_exists

from apps.accounts import provisioning
from apps.accounts.models import Account, Invitation
from apps.workspace.models import Job
from tests.factories import make_site, make_user
from tests.fixtures import PUBLIC_HOST

pytestmark = pytest.mark.django_db

# What a missing row's change and delete pages are asked for: they still query the table.
NO_SUCH_PK = "0"


@pytest.fixture
def staff(workspaces):
    return make_user(is_staff=True, is_superuser=True)


def admin_site_of(urlconf: str) -> AdminSite:
    """The admin site a host's URLconf serves at /admin/."""
    return resolve("/admin/", urlconf=urlconf).func.admin_site


def first_pk(model) -> str:
    """The primary key of one row in the current schema, or NO_SUCH_PK: a model whose table is
    missing here still gets its pages asked for, which is the mistake this suite looks for."""
    try:
        with transaction.atomic():
            pk = model._default_manager.values_list("pk", flat=True).first()
    except DatabaseError:
        return NO_SUCH_PK
    return NO_SUCH_PK if pk is None else quote(pk)


def admin_urls(site: AdminSite, schema: str) -> list[str]:
    """Every model's change list and add page, and the change, history and delete pages of
    one of its rows."""
    urls = ["/admin/"]
    with schema_context(schema):
        for model in site._registry:
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            pk = first_pk(model)
            urls += [f"{base}", f"{base}add/", f"{base}{pk}/change/", f"{base}{pk}/history/"]
            urls.append(f"{base}{pk}/delete/")
    return urls


def status_of(client: Client, url: str) -> int:
    """The status, with a server error counted as 500 (and its failed query rolled back, so
    the next page runs in a usable transaction)."""
    try:
        with transaction.atomic():
            return client.get(url).status_code
    except Exception:  # noqa: BLE001 - any exception here is the server error being looked for
        return 500


def rows_in_every_table(alpha) -> None:
    site = make_site(alpha.account, "Alpha Garden", sectors=1, grant=[alpha.editor])
    with schema_context(alpha.schema):
        Job.objects.create(kind="demo", label=f"A job on {site.name}")
    Invitation.objects.create(account=alpha.account, email="invited@example.com")


@pytest.mark.parametrize(
    ("urlconf", "where"), [("igny8.urls_public", "public"), ("igny8.urls_tenant", "workspace")]
)
def test_every_admin_page_answers_staff_without_a_server_error(
    urlconf, where, alpha, staff, client_for
):
    rows_in_every_table(alpha)
    host, schema = (PUBLIC_HOST, "public") if where == "public" else (alpha.host, alpha.schema)
    site = admin_site_of(urlconf)
    client = client_for(staff, host)

    urls = admin_urls(site, schema)
    failing = [(url, code) for url in urls if (code := status_of(client, url)) >= 500]

    assert len(urls) > 10
    assert failing == []


def test_the_public_admin_holds_public_tables_and_the_workspace_admin_its_own():
    public = {m._meta.app_config.name for m in admin_site_of("igny8.urls_public")._registry}
    workspace = {m._meta.app_config.name for m in admin_site_of("igny8.urls_tenant")._registry}

    tenant_only = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    assert public and not public & tenant_only
    assert workspace and workspace <= tenant_only
    assert "apps.workspace" in workspace


def test_accounts_are_deleted_from_the_public_admin_only(staff, workspaces, client_for):
    account = provisioning.workspace_create(name="Doomed", slug="doomed", owner=None)
    on_its_host = client_for(staff, f"doomed.{PUBLIC_HOST}")
    on_alpha = client_for(staff, workspaces["alpha"].host)
    delete_url = f"/admin/accounts/account/{account.pk}/delete/"

    for client in (on_its_host, on_alpha):
        assert client.get(delete_url).status_code == 404
        assert client.post(delete_url, {"post": "yes"}).status_code == 404
        assert "/admin/accounts/" not in client.get("/admin/").content.decode()
    assert Account.objects.filter(pk=account.pk).exists()

    page = client_for(staff).get(delete_url)
    response = client_for(staff).post(delete_url, {"post": "yes"})

    assert page.status_code == 200
    assert response.status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not schema_exists("ws_doomed")


def test_a_workspace_admin_says_which_workspace_and_links_to_the_platform_admin(
    alpha, staff, client_for
):
    page = client_for(staff, alpha.host).get("/admin/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Alpha Inc." in html and alpha.host in html
    assert f'href="http://{PUBLIC_HOST}/admin/"' in html


@pytest.mark.parametrize("where", ["public", "workspace"])
@pytest.mark.parametrize("who", ["owner", "editor"])
def test_members_who_are_not_staff_get_the_admin_login(where, who, alpha, client_for):
    host = PUBLIC_HOST if where == "public" else alpha.host
    client = client_for(getattr(alpha, who), host)

    for url in ("/admin/", "/admin/workspace/site/", "/admin/accounts/account/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_platform_admin_names_each_app_once_and_plainly(staff, client_for):
    """allauth's app was called "Accounts" beside ours ("Accounts and workspaces"): two names
    for what read as one thing. Each section now says what it holds."""
    page = client_for(staff, PUBLIC_HOST).get("/admin/")

    assert page.status_code == 200
    captions = re.findall(r'class="section"[^>]*>([^<]+)</a>', page.content.decode())
    assert "Workspaces and users" in captions
    assert "Sign-in email addresses" in captions
    assert "Accounts" not in captions
    assert len(captions) == len(set(captions))
