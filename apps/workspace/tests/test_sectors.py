"""Choosing a site's sectors from its industry: up to five, only from that industry."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.catalog.models import IndustrySector
from apps.workspace.models import MAX_SECTORS_PER_SITE, Sector
from apps.workspace.tests.pages import field_errors, text
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def chosen(account, site) -> dict[int, int]:
    """The site's sectors: industry sector id → Sector row id."""
    with schema_context(account.schema_name):
        return dict(Sector.objects.filter(site_id=site.pk).values_list("industry_sector_id", "pk"))


def industry_sectors(site) -> list[IndustrySector]:
    return list(IndustrySector.objects.filter(industry_id=site.industry_id, is_active=True))


def test_page_lists_the_sectors_of_the_sites_industry(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=1)
    response = client_for(alpha.owner, alpha.host).get(f"/sites/{site.pk}/sectors/")
    assert response.status_code == 200
    html = text(response)
    assert f"Niches from {site.industry.name}" in html
    for sector in industry_sectors(site):
        assert f'value="{sector.pk}"' in html
        assert sector.keywords.count() > 0
        assert f"{sector.keywords.count()} seed keywords" in html
    foreign = IndustrySector.objects.exclude(industry_id=site.industry_id).first()
    assert f'value="{foreign.pk}"' not in html
    ticked = [s for s in industry_sectors(site) if f'value="{s.pk}" checked' in html]
    assert [s.pk for s in ticked] == list(chosen(alpha.account, site))


def test_owner_chooses_sectors(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog")
    picks = industry_sectors(site)[:2]
    client = client_for(alpha.owner, alpha.host)
    response = client.post(f"/sites/{site.pk}/sectors/", {"sectors": [s.pk for s in picks]})
    assert response.status_code == 303
    assert response["Location"] == "/sites/"
    assert set(chosen(alpha.account, site)) == {s.pk for s in picks}
    with schema_context(alpha.schema):
        names = set(Sector.objects.filter(site_id=site.pk).values_list("name", flat=True))
    assert names == {s.name for s in picks}
    assert "Sectors for “Garden Blog” saved." in text(client.get("/sites/"))


def test_admin_chooses_the_maximum(alpha, admin_member, client_for):
    site = make_site(alpha.account, "Garden Blog")
    picks = industry_sectors(site)[:MAX_SECTORS_PER_SITE]
    response = client_for(admin_member, alpha.host).post(
        f"/sites/{site.pk}/sectors/", {"sectors": [s.pk for s in picks]}
    )
    assert response.status_code == 303
    assert len(chosen(alpha.account, site)) == MAX_SECTORS_PER_SITE == 5


def test_saving_keeps_existing_sectors_and_removes_unticked_ones(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=2)
    before = chosen(alpha.account, site)
    first, second = sorted(before)
    newcomer = next(s.pk for s in industry_sectors(site) if s.pk not in before)
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/sectors/", {"sectors": [second, newcomer]}
    )
    assert response.status_code == 303
    after = chosen(alpha.account, site)
    assert set(after) == {second, newcomer}
    assert after[second] == before[second], "a kept sector is the same row, not a new one"


def test_six_sectors_are_refused_and_nothing_is_saved(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=1)
    before = chosen(alpha.account, site)
    picks = industry_sectors(site)[:6]
    assert len(picks) == 6
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/sectors/", {"sectors": [s.pk for s in picks]}
    )
    assert response.status_code == 400
    assert "A site can have at most 5 sectors; you chose 6." in field_errors(response)["sectors"]
    assert chosen(alpha.account, site) == before
    html = text(response)
    assert all(f'value="{s.pk}" checked' in html for s in picks), "the ticks are kept"


def test_no_sector_is_refused(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=2)
    before = chosen(alpha.account, site)
    response = client_for(alpha.owner, alpha.host).post(f"/sites/{site.pk}/sectors/", {})
    assert response.status_code == 400
    assert "Choose at least one sector." in field_errors(response)["sectors"]
    assert chosen(alpha.account, site) == before


@pytest.mark.parametrize("bad", ["foreign", "inactive", "garbage"])
def test_sector_outside_the_industry_is_refused(bad, alpha, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=1)
    before = chosen(alpha.account, site)
    own = industry_sectors(site)[1]
    if bad == "foreign":
        wrong = IndustrySector.objects.exclude(industry_id=site.industry_id).first().pk
    elif bad == "inactive":
        wrong = industry_sectors(site)[2].pk
        IndustrySector.objects.filter(pk=wrong).update(is_active=False)
    else:
        wrong = "abc"
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/sectors/", {"sectors": [own.pk, wrong]}
    )
    assert response.status_code == 400
    assert "Choose sectors from this site's industry." in field_errors(response)["sectors"]
    assert chosen(alpha.account, site) == before


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_lesser_member_cannot_choose_sectors(role, alpha, viewer, client_for):
    member = alpha.editor if role == "editor" else viewer
    site = make_site(alpha.account, "Garden Blog", sectors=1, grant=[member])
    before = chosen(alpha.account, site)
    client = client_for(member, alpha.host)
    assert client.get(f"/sites/{site.pk}/sectors/").status_code == 403
    response = client.post(
        f"/sites/{site.pk}/sectors/", {"sectors": [s.pk for s in industry_sectors(site)[2:4]]}
    )
    assert response.status_code == 403
    assert "Only an owner or admin can do this" in text(response)
    assert chosen(alpha.account, site) == before


def test_outsider_cannot_choose_sectors(alpha, outsider, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=1)
    before = chosen(alpha.account, site)
    response = client_for(outsider, alpha.host).post(
        f"/sites/{site.pk}/sectors/", {"sectors": [industry_sectors(site)[3].pk]}
    )
    assert response.status_code == 403
    assert chosen(alpha.account, site) == before


def test_sectors_of_a_missing_site_is_404(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/sites/987654321/sectors/")
    assert response.status_code == 404


def test_sectors_are_listed_alphabetically(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog")
    html = text(client_for(alpha.owner, alpha.host).get(f"/sites/{site.pk}/sectors/"))
    positions = {s.name: html.index(f'value="{s.pk}"') for s in industry_sectors(site)}
    assert sorted(positions, key=positions.get) == sorted(positions, key=str.lower)
