"""Workspace A's data never reaches workspace B: not on B's pages, not in B's schema, not by id."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.workspace.models import Job, Sector, Site, SiteAccess
from tests.factories import industry_with_sectors, make_site

pytestmark = pytest.mark.django_db


def no_site_with_pk(account, pk: int) -> bool:
    with schema_context(account.schema_name):
        return not Site.objects.filter(pk=pk).exists()


def test_sites_of_a_never_show_on_bs_pages(alpha, beta, client_for):
    make_site(alpha.account, "Alpha Secret Garden", sectors=2, grant=[alpha.editor])
    make_site(beta.account, "Beta Kitchen")
    beta_client = client_for(beta.owner, beta.host)
    for path in ("/", "/sites/"):
        page = beta_client.get(path).content.decode()
        assert "Alpha Secret Garden" not in page
        assert "Beta Kitchen" in page
    alpha_page = client_for(alpha.owner, alpha.host).get("/sites/").content.decode()
    assert "Alpha Secret Garden" in alpha_page
    assert "Beta Kitchen" not in alpha_page


def test_queries_in_bs_schema_cannot_see_as_rows(alpha, beta):
    site = make_site(alpha.account, "Alpha Secret Garden", sectors=2, grant=[alpha.editor])
    with schema_context(alpha.schema):
        assert Site.objects.filter(name="Alpha Secret Garden").exists()
        assert Sector.objects.filter(site_id=site.pk).count() == 2
    with schema_context(beta.schema):
        assert not Site.objects.filter(name="Alpha Secret Garden").exists()
        assert not Sector.objects.filter(site__name="Alpha Secret Garden").exists()
        assert not SiteAccess.objects.filter(site__name="Alpha Secret Garden").exists()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM workspace_site WHERE name = %s", ["Alpha Secret Garden"]
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute("SELECT current_schema()")
            assert cursor.fetchone()[0] == beta.schema
    with schema_context("public"), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name = 'workspace_site'"
        )
        assert cursor.fetchone()[0] == 0, "workspace tables never live in the public schema"


def test_cached_workspace_data_stays_in_its_schema_but_rate_limits_are_shared(alpha, beta):
    from django.core.cache import cache

    with schema_context(alpha.schema):
        cache.set("links:vectors:1", "alpha's vectors")
        cache.set("allauth:rl:allauth.account:login:30/60/ip:ip:10.0.0.1", [1.0])
    with schema_context(beta.schema):
        assert cache.get("links:vectors:1") is None
        assert cache.get("allauth:rl:allauth.account:login:30/60/ip:ip:10.0.0.1") == [1.0]


def test_a_site_id_of_b_is_404_on_as_host(alpha, beta, client_for):
    beta_site = make_site(beta.account, "Beta Kitchen", sectors=1)
    assert no_site_with_pk(alpha.account, beta_site.pk)
    client = client_for(alpha.owner, alpha.host)
    assert client.post("/sites/switch/", {"site": beta_site.pk}).status_code == 404
    assert client.get(f"/sites/{beta_site.pk}/edit/").status_code == 404
    assert client.get(f"/sites/{beta_site.pk}/sectors/").status_code == 404
    industry = industry_with_sectors()
    response = client.post(
        f"/sites/{beta_site.pk}/edit/",
        {
            "name": "Taken over",
            "url": "https://x.example",
            "industry": industry.pk,
            "language": "en",
        },
    )
    assert response.status_code == 404
    with schema_context(beta.schema):
        assert Site.objects.get(pk=beta_site.pk).name == "Beta Kitchen"


def test_editor_without_a_grant_gets_404_on_a_site(alpha, client_for):
    site = make_site(alpha.account, "Alpha Secret Garden")
    response = client_for(alpha.editor, alpha.host).post("/sites/switch/", {"site": site.pk})
    assert response.status_code == 404
    assert "Alpha Secret Garden" not in response.content.decode()


def test_member_of_a_gets_403_on_every_page_of_b(alpha, beta, client_for):
    beta_site = make_site(beta.account, "Beta Kitchen")
    client = client_for(alpha.owner, beta.host)
    for path in ("/", "/sites/", "/sites/new/", f"/sites/{beta_site.pk}/edit/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Beta Kitchen" not in response.content.decode()
    response = client.post("/sites/switch/", {"site": beta_site.pk})
    assert response.status_code == 403


def test_a_job_of_b_is_404_on_as_host(alpha, beta, client_for):
    with schema_context(beta.schema):
        job = Job.objects.create(kind="demo", label="Beta import", created_by_id=beta.owner.pk)
    with schema_context(alpha.schema):
        assert not Job.objects.filter(pk=job.pk).exists()
    response = client_for(alpha.owner, alpha.host).get(f"/jobs/{job.pk}/")
    assert response.status_code == 404
    assert "Beta import" not in response.content.decode()


def test_a_session_current_site_does_not_leak_between_workspaces(alpha, beta, client_for):
    """One login serves both hosts; the chosen site is remembered per workspace."""
    from apps.accounts.models import Membership, Role

    person = alpha.owner
    Membership.objects.create(user=person, account=beta.account, role=Role.OWNER)
    make_site(alpha.account, "Alpha Alder")
    alpha_birch = make_site(alpha.account, "Alpha Birch")
    make_site(beta.account, "Beta Kitchen")
    alpha_client = client_for(person, alpha.host)
    alpha_client.post("/sites/switch/", {"site": alpha_birch.pk})
    beta_client = client_for(None, beta.host)
    beta_client.cookies = alpha_client.cookies
    page = beta_client.get("/").content.decode()
    assert "Site: <strong>Beta Kitchen</strong>" in page
    assert "Alpha Alder" not in page and "Alpha Birch" not in page
    assert "Site: <strong>Alpha Birch</strong>" in alpha_client.get("/").content.decode()
