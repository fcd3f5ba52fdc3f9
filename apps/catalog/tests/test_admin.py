"""Platform staff edit the keyword library in the admin on the public host."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from apps.catalog.models import Industry, IndustrySector, SeedKeyword
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(workspaces):
    return make_user(is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "path",
    ["/admin/catalog/industry/", "/admin/catalog/industrysector/", "/admin/catalog/seedkeyword/"],
)
def test_staff_open_the_catalog_admin_on_the_public_host(path, staff, client_for):
    response = client_for(staff).get(path)
    assert response.status_code == 200


def test_staff_see_industries_listed(staff, client_for):
    industry = Industry.objects.filter(is_active=True).first()
    response = client_for(staff).get("/admin/catalog/industry/")
    assert industry.name in response.content.decode()


def test_staff_find_a_seed_keyword(staff, client_for):
    keyword = SeedKeyword.objects.select_related("sector").first()
    response = client_for(staff).get("/admin/catalog/seedkeyword/", {"q": keyword.keyword})
    assert response.status_code == 200
    assert keyword.keyword in response.content.decode()


def keyword_form(keyword: SeedKeyword, **overrides) -> dict:
    data = {
        "sector": keyword.sector_id,
        "keyword": keyword.keyword,
        "volume": keyword.volume,
        "difficulty": keyword.difficulty,
        "intent": keyword.intent,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_staff_edit_a_seed_keyword(staff, client_for):
    keyword = SeedKeyword.objects.first()
    client = client_for(staff)
    page = client.get(f"/admin/catalog/seedkeyword/{keyword.pk}/change/")
    assert page.status_code == 200
    assert f'value="{escape(keyword.keyword)}"' in page.content.decode()
    response = client.post(
        f"/admin/catalog/seedkeyword/{keyword.pk}/change/",
        keyword_form(keyword, volume=12345, difficulty=42),
    )
    assert response.status_code == 302
    keyword.refresh_from_db()
    assert (keyword.volume, keyword.difficulty) == (12345, 42)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"difficulty": 150}, "less than or equal to 100"),
        ({"intent": "curious"}, "Select a valid choice"),
        ({"volume": -5}, "greater than or equal to 0"),
    ],
)
def test_admin_refuses_a_bad_seed_keyword(overrides, message, staff, client_for):
    keyword = SeedKeyword.objects.first()
    before = (keyword.volume, keyword.difficulty, keyword.intent)
    response = client_for(staff).post(
        f"/admin/catalog/seedkeyword/{keyword.pk}/change/", keyword_form(keyword, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    keyword.refresh_from_db()
    assert (keyword.volume, keyword.difficulty, keyword.intent) == before


def test_staff_deactivate_a_sector(staff, client_for):
    sector = IndustrySector.objects.filter(is_active=True).first()
    response = client_for(staff).post(
        f"/admin/catalog/industrysector/{sector.pk}/change/",
        {
            "industry": sector.industry_id,
            "name": sector.name,
            "slug": sector.slug,
            "description": sector.description,
        },
    )
    assert response.status_code == 302
    sector.refresh_from_db()
    assert sector.is_active is False


@pytest.mark.parametrize("who", ["anonymous", "workspace owner"])
def test_non_staff_are_sent_to_the_admin_login(who, alpha, client_for):
    user = None if who == "anonymous" else alpha.owner
    response = client_for(user).get("/admin/catalog/industry/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/catalog/industry/"


def test_non_staff_cannot_change_the_library(alpha, client_for):
    keyword = SeedKeyword.objects.first()
    response = client_for(alpha.owner).post(
        f"/admin/catalog/seedkeyword/{keyword.pk}/change/", keyword_form(keyword, volume=1)
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert SeedKeyword.objects.get(pk=keyword.pk).volume == keyword.volume
