"""Sites: the list (scoped by role and grants), adding a site and editing one."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.catalog.models import Industry
from apps.workspace.models import Sector, Site
from apps.workspace.tests.pages import field_errors, switcher, text
from tests.factories import industry_with_sectors, make_site

pytestmark = pytest.mark.django_db


def site_names(account) -> set[str]:
    with schema_context(account.schema_name):
        return set(Site.objects.values_list("name", flat=True))


def other_industry(industry: Industry) -> Industry:
    return Industry.objects.filter(is_active=True).exclude(pk=industry.pk).first()


# The list -------------------------------------------------------------------------------


def test_owner_sees_every_site(alpha, client_for):
    make_site(alpha.account, "Garden Blog")
    make_site(alpha.account, "Kitchen Blog")
    response = client_for(alpha.owner, alpha.host).get("/sites/")
    assert response.status_code == 200
    assert "Garden Blog" in text(response) and "Kitchen Blog" in text(response)
    assert "Add a site" in text(response)


def test_sites_are_listed_by_name(alpha, client_for):
    for name in ("maple Blog", "Alder Blog", "Zinnia Blog", "birch Blog"):
        make_site(alpha.account, name)
    html = text(client_for(alpha.owner, alpha.host).get("/sites/")).split("<tbody>", 1)[1]
    names = ["Alder Blog", "birch Blog", "maple Blog", "Zinnia Blog"]
    assert sorted(names, key=html.index) == names


def test_admin_sees_every_site(alpha, admin_member, client_for):
    make_site(alpha.account, "Garden Blog")
    response = client_for(admin_member, alpha.host).get("/sites/")
    assert response.status_code == 200
    assert "Garden Blog" in text(response)


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_lesser_member_sees_only_granted_sites(role, alpha, viewer, client_for):
    member = alpha.editor if role == "editor" else viewer
    make_site(alpha.account, "Granted Blog", grant=[member])
    make_site(alpha.account, "Secret Blog")
    response = client_for(member, alpha.host).get("/sites/")
    assert response.status_code == 200
    assert "Granted Blog" in text(response)
    assert "Secret Blog" not in text(response)
    assert "Add a site" not in text(response)
    assert set(switcher(response)) == {"Granted Blog"}


def test_outsider_gets_403(alpha, outsider, client_for):
    make_site(alpha.account, "Garden Blog")
    response = client_for(outsider, alpha.host).get("/sites/")
    assert response.status_code == 403
    assert "Garden Blog" not in text(response)


def test_anonymous_is_sent_to_login(alpha, client_for):
    response = client_for(None, alpha.host).get("/sites/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fsites%2F"


def test_empty_state_for_a_manager_says_how_to_add_a_site(alpha, no_sites, client_for):
    response = client_for(alpha.owner, alpha.host).get("/sites/")
    assert response.status_code == 200
    assert "No sites yet" in text(response)
    assert "Add your first site" in text(response)
    assert 'href="/sites/new/"' in text(response)


def test_empty_state_for_an_editor_without_grants_says_whom_to_ask(alpha, client_for):
    make_site(alpha.account, "Secret Blog")
    response = client_for(alpha.editor, alpha.host).get("/sites/")
    assert response.status_code == 200
    assert "No site has been shared with you yet" in text(response)
    assert "Ask an owner or admin" in text(response)
    assert 'href="/sites/new/"' not in text(response)
    assert "Secret Blog" not in text(response)


def test_list_counts_active_sectors_and_marks_paused_sites(alpha, client_for):
    make_site(alpha.account, "Garden Blog", sectors=3)
    paused = make_site(alpha.account, "Old Blog")
    with schema_context(alpha.schema):
        Site.objects.filter(pk=paused.pk).update(is_active=False)
    html = text(client_for(alpha.owner, alpha.host).get("/sites/")).split("<tbody>", 1)[1]
    garden_row = html.split("Garden Blog", 1)[1].split("</tr>", 1)[0]
    old_row = html.split("Old Blog", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">3</td>' in garden_row and "Active" in garden_row
    assert "Paused" in old_row


# Adding a site ----------------------------------------------------------------------------


def site_post(**overrides) -> dict:
    data = {
        "name": "Garden Blog",
        "url": "https://garden.example.com",
        "industry": industry_with_sectors().pk,
        "language": "en",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_manager_adds_a_site_and_goes_on_to_its_sectors(role, alpha, admin_member, client_for):
    user = alpha.owner if role == "owner" else admin_member
    industry = industry_with_sectors()
    client = client_for(user, alpha.host)
    assert client.get("/sites/new/").status_code == 200
    response = client.post("/sites/new/", site_post(industry=industry.pk, language="de"))
    with schema_context(alpha.schema):
        site = Site.objects.get(name="Garden Blog")
    assert (site.url, site.industry_id, site.language) == (
        "https://garden.example.com",
        industry.pk,
        "de",
    )
    assert response.status_code == 303
    assert response["Location"] == f"/sites/{site.pk}/sectors/"
    page = client.get(response["Location"])
    assert "Site “Garden Blog” added. Now choose its sectors." in text(page)


def test_new_site_becomes_the_current_site(alpha, client_for):
    make_site(alpha.account, "Alder Blog")  # sorts first: the default current site
    client = client_for(alpha.owner, alpha.host)
    assert switcher(client.get("/"))["Alder Blog"] is True
    client.post("/sites/new/", site_post(name="Zinnia Blog"))
    dashboard = client.get("/")
    assert "Site: <strong>Zinnia Blog</strong>" in text(dashboard)
    assert switcher(dashboard) == {"Alder Blog": False, "Zinnia Blog": True}


def test_address_without_scheme_is_saved_as_https(alpha, client_for):
    client_for(alpha.owner, alpha.host).post("/sites/new/", site_post(url="garden.example.com"))
    with schema_context(alpha.schema):
        assert Site.objects.get(name="Garden Blog").url == "https://garden.example.com"


def test_htmx_add_redirects_the_browser(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).post(
        "/sites/new/", site_post(), HTTP_HX_REQUEST="true"
    )
    with schema_context(alpha.schema):
        site = Site.objects.get(name="Garden Blog")
    assert response["HX-Redirect"] == f"/sites/{site.pk}/sectors/"


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_lesser_member_cannot_add_a_site(role, alpha, viewer, client_for):
    client = client_for(alpha.editor if role == "editor" else viewer, alpha.host)
    assert client.get("/sites/new/").status_code == 403
    response = client.post("/sites/new/", site_post())
    assert response.status_code == 403
    assert "Only an owner or admin can do this" in text(response)
    assert "Garden Blog" not in site_names(alpha.account)


def test_outsider_cannot_add_a_site(alpha, outsider, client_for):
    response = client_for(outsider, alpha.host).post("/sites/new/", site_post())
    assert response.status_code == 403
    assert "Garden Blog" not in site_names(alpha.account)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": None}, "name", "Give the site a name"),
        ({"name": "   "}, "name", "Give the site a name"),
        ({"url": None}, "url", "Enter the site's address"),
        ({"url": "not a web address"}, "url", "Enter a full website address"),
        ({"url": "ftp://garden.example.com"}, "url", "Enter a full website address"),
        ({"industry": 987654321}, "industry", "Choose an industry from the list."),
        ({"industry": "garden"}, "industry", "Choose an industry from the list."),
        ({"industry": None}, "industry", "Choose the site's industry."),
        ({"language": "xx"}, "language", "Choose a language from the list."),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(overrides, field, message, alpha, client_for):
    before = site_names(alpha.account)
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", site_post(**overrides))
    assert response.status_code == 400
    assert message in field_errors(response)[field]
    assert "Please fix the 1 problem below." in text(response)
    assert site_names(alpha.account) == before


def test_inactive_industry_cannot_be_chosen(alpha, client_for):
    industry = industry_with_sectors()
    Industry.objects.filter(pk=industry.pk).update(is_active=False)
    response = client_for(alpha.owner, alpha.host).post(
        "/sites/new/", site_post(industry=industry.pk)
    )
    assert response.status_code == 400
    assert "Choose an industry from the list." in field_errors(response)["industry"]
    assert "Garden Blog" not in site_names(alpha.account)


def test_duplicate_name_is_refused_whatever_its_case(alpha, client_for):
    make_site(alpha.account, "Garden Blog")
    response = client_for(alpha.owner, alpha.host).post(
        "/sites/new/", site_post(name=" garden blog ")
    )
    assert response.status_code == 400
    assert "A site named “garden blog” already exists" in field_errors(response)["name"]
    with schema_context(alpha.schema):
        assert Site.objects.filter(name__iexact="garden blog").count() == 1


def test_the_form_keeps_what_was_typed_after_an_error(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).post(
        "/sites/new/", site_post(url="nope", name="Typed Name")
    )
    assert response.status_code == 400
    assert 'value="Typed Name"' in text(response)


# Editing a site ---------------------------------------------------------------------------


def edit_post(site: Site, **overrides) -> dict:
    data = {
        "name": site.name,
        "url": site.url,
        "industry": site.industry_id,
        "language": site.language,
        "is_active": "on" if site.is_active else None,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def reload(account, site: Site) -> Site:
    with schema_context(account.schema_name):
        return Site.objects.get(pk=site.pk)


def sector_count(account, site: Site) -> int:
    with schema_context(account.schema_name):
        return Sector.objects.filter(site_id=site.pk).count()


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_manager_edits_a_site(role, alpha, admin_member, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=2)
    client = client_for(alpha.owner if role == "owner" else admin_member, alpha.host)
    form = client.get(f"/sites/{site.pk}/edit/")
    assert form.status_code == 200
    assert 'value="Garden Blog"' in text(form)
    response = client.post(
        f"/sites/{site.pk}/edit/",
        edit_post(site, name="Garden Journal", url="https://journal.example.com", language="fr"),
    )
    assert response.status_code == 303
    assert response["Location"] == "/sites/"
    saved = reload(alpha.account, site)
    assert (saved.name, saved.url, saved.language) == (
        "Garden Journal",
        "https://journal.example.com",
        "fr",
    )
    assert sector_count(alpha.account, site) == 2, "same industry: sectors are kept"
    assert "Site “Garden Journal” saved." in text(client.get("/sites/"))


def test_unticking_active_pauses_the_site(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog")
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/edit/", edit_post(site, is_active=None)
    )
    assert response.status_code == 303
    assert reload(alpha.account, site).is_active is False


def test_changing_the_industry_removes_the_old_sectors(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=3)
    new_industry = other_industry(site.industry)
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/edit/", edit_post(site, industry=new_industry.pk)
    )
    assert response.status_code == 303
    assert reload(alpha.account, site).industry_id == new_industry.pk
    assert sector_count(alpha.account, site) == 0


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_lesser_member_cannot_edit_even_a_granted_site(role, alpha, viewer, client_for):
    member = alpha.editor if role == "editor" else viewer
    site = make_site(alpha.account, "Garden Blog", grant=[member])
    client = client_for(member, alpha.host)
    assert client.get(f"/sites/{site.pk}/edit/").status_code == 403
    response = client.post(f"/sites/{site.pk}/edit/", edit_post(site, name="Hijacked"))
    assert response.status_code == 403
    assert "Only an owner or admin can do this" in text(response)
    assert reload(alpha.account, site).name == "Garden Blog"


def test_outsider_cannot_edit(alpha, outsider, client_for):
    site = make_site(alpha.account, "Garden Blog")
    response = client_for(outsider, alpha.host).post(
        f"/sites/{site.pk}/edit/", edit_post(site, name="Hijacked")
    )
    assert response.status_code == 403
    assert reload(alpha.account, site).name == "Garden Blog"


def test_editing_a_missing_site_is_404(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/sites/987654321/edit/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Give the site a name"),
        ({"url": "not a web address"}, "url", "Enter a full website address"),
        ({"industry": 987654321}, "industry", "Choose an industry from the list."),
    ],
)
def test_bad_edit_is_refused_and_nothing_changes(overrides, field, message, alpha, client_for):
    site = make_site(alpha.account, "Garden Blog", sectors=2)
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/edit/", edit_post(site, language="fr", **overrides)
    )
    assert response.status_code == 400
    assert message in field_errors(response)[field]
    saved = reload(alpha.account, site)
    assert (saved.name, saved.url, saved.language) == ("Garden Blog", site.url, "en")
    assert sector_count(alpha.account, site) == 2


def test_renaming_to_another_sites_name_is_refused(alpha, client_for):
    make_site(alpha.account, "Kitchen Blog")
    site = make_site(alpha.account, "Garden Blog", sectors=2)
    new_industry = other_industry(site.industry)
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/edit/", edit_post(site, name="KITCHEN BLOG", industry=new_industry.pk)
    )
    assert response.status_code == 400
    assert "A site named “KITCHEN BLOG” already exists" in field_errors(response)["name"]
    saved = reload(alpha.account, site)
    assert (saved.name, saved.industry_id) == ("Garden Blog", site.industry_id)
    assert sector_count(alpha.account, site) == 2
    assert "Edit Garden Blog" in text(response)


def test_a_site_keeps_its_own_name_when_saved_unchanged(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog")
    response = client_for(alpha.owner, alpha.host).post(f"/sites/{site.pk}/edit/", edit_post(site))
    assert response.status_code == 303


def test_an_empty_submission_shows_every_missing_field(alpha, client_for):
    before = site_names(alpha.account)
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", {})
    assert response.status_code == 400
    errors = field_errors(response)
    assert "Give the site a name" in errors["name"]
    assert "Enter the site's address" in errors["url"]
    assert "Choose the site's industry." in errors["industry"]
    assert site_names(alpha.account) == before
