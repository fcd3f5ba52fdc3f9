"""Platform staff open a workspace's own admin on its host; it shows that workspace only."""

from __future__ import annotations

import pytest

from tests.factories import make_site, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(workspaces):
    return make_user(is_staff=True, is_superuser=True)


def test_staff_see_the_workspaces_sites_in_its_admin(alpha, beta, staff, client_for):
    site = make_site(alpha.account, "Alpha Garden", sectors=2)
    make_site(beta.account, "Beta Kitchen")
    client = client_for(staff, alpha.host)
    listing = client.get("/admin/workspace/site/")
    assert listing.status_code == 200
    assert "Alpha Garden" in listing.content.decode()
    assert "Beta Kitchen" not in listing.content.decode()
    change = client.get(f"/admin/workspace/site/{site.pk}/change/")
    assert change.status_code == 200
    assert "Alpha Garden" in change.content.decode()


def test_workspace_tables_are_not_offered_on_the_public_admin(staff, client_for):
    index = client_for(staff).get("/admin/")
    assert index.status_code == 200
    assert "/admin/workspace/" not in index.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/workspace/site/",
        "/admin/workspace/site/add/",
        "/admin/workspace/site/1/change/",
        "/admin/workspace/site/1/delete/",
        "/admin/workspace/siteaccess/",
        "/admin/workspace/job/",
        "/admin/workspace/job/1/history/",
    ],
)
def test_workspace_admin_pages_do_not_exist_on_the_public_host(path, staff, client_for):
    # Not registered there at all: the public schema has no workspace tables to show.
    assert client_for(staff).get(path).status_code == 404


def test_workspace_owner_is_not_let_into_the_admin(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/admin/workspace/site/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_see_every_site_on_the_workspace_pages(alpha, staff, client_for):
    make_site(alpha.account, "Alpha Garden")
    make_site(alpha.account, "Alpha Kitchen", grant=[alpha.editor])
    response = client_for(staff, alpha.host).get("/sites/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha Garden" in html and "Alpha Kitchen" in html
    assert "Platform staff" in client_for(staff, alpha.host).get("/").content.decode()
