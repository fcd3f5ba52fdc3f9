"""The header's site switcher: offers the sites a member may see and scopes the pages to one."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.workspace.models import SiteAccess
from apps.workspace.tests.pages import switcher, text
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def test_owner_switches_the_current_site(alpha, client_for):
    make_site(alpha.account, "Alder Blog")
    birch = make_site(alpha.account, "Birch Blog")
    client = client_for(alpha.owner, alpha.host)
    assert switcher(client.get("/")) == {"Alder Blog": True, "Birch Blog": False}
    response = client.post("/sites/switch/", {"site": birch.pk, "next": "/sites/?page=2"})
    assert response.status_code == 303
    assert response["Location"] == "/sites/?page=2"
    dashboard = client.get("/")
    assert "Site: <strong>Birch Blog</strong>" in text(dashboard)
    assert switcher(dashboard) == {"Alder Blog": False, "Birch Blog": True}
    sites_page = text(client.get("/sites/")).split("<tbody>", 1)[1]
    birch_row = sites_page.split("Birch Blog", 1)[1].split("</tr>", 1)[0]
    alder_row = sites_page.split("Alder Blog", 1)[1].split("</tr>", 1)[0]
    assert "current" in birch_row.split("</td>", 1)[0]
    assert "current" not in alder_row.split("</td>", 1)[0]


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_lesser_member_switches_to_a_granted_site(role, alpha, viewer, client_for):
    member = alpha.editor if role == "editor" else viewer
    make_site(alpha.account, "Alder Blog", grant=[member])
    birch = make_site(alpha.account, "Birch Blog", grant=[member])
    make_site(alpha.account, "Cedar Blog")
    client = client_for(member, alpha.host)
    response = client.post("/sites/switch/", {"site": birch.pk})
    assert response.status_code == 303
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert "Site: <strong>Birch Blog</strong>" in text(dashboard)
    assert switcher(dashboard) == {"Alder Blog": False, "Birch Blog": True}


def test_editor_without_a_grant_gets_404_and_keeps_the_current_site(alpha, client_for):
    make_site(alpha.account, "Alder Blog", grant=[alpha.editor])
    secret = make_site(alpha.account, "Secret Blog")
    client = client_for(alpha.editor, alpha.host)
    response = client.post("/sites/switch/", {"site": secret.pk})
    assert response.status_code == 404
    assert "Secret Blog" not in text(response)
    dashboard = client.get("/")
    assert "Site: <strong>Alder Blog</strong>" in text(dashboard)
    assert "Secret Blog" not in text(dashboard)


@pytest.mark.parametrize("value", ["", "abc", "987654321"])
def test_unknown_site_is_404(value, alpha, client_for):
    response = client_for(alpha.owner, alpha.host).post("/sites/switch/", {"site": value})
    assert response.status_code == 404


def test_outsider_cannot_switch(alpha, outsider, client_for):
    site = make_site(alpha.account, "Alder Blog")
    response = client_for(outsider, alpha.host).post("/sites/switch/", {"site": site.pk})
    assert response.status_code == 403


def test_switching_needs_a_post(alpha, client_for):
    site = make_site(alpha.account, "Alder Blog")
    response = client_for(alpha.owner, alpha.host).get(f"/sites/switch/?site={site.pk}")
    assert response.status_code == 405


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"]
)
def test_switch_never_sends_the_browser_off_the_workspace(target, alpha, client_for):
    site = make_site(alpha.account, "Alder Blog")
    response = client_for(alpha.owner, alpha.host).post(
        "/sites/switch/", {"site": site.pk, "next": target}
    )
    assert response.status_code == 303
    assert response["Location"] == "/"


def test_htmx_switch_redirects_the_browser(alpha, client_for):
    site = make_site(alpha.account, "Alder Blog")
    response = client_for(alpha.owner, alpha.host).post(
        "/sites/switch/", {"site": site.pk, "next": "/sites/"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == "/sites/"


def test_revoked_grant_drops_the_site_from_the_switcher(alpha, client_for):
    make_site(alpha.account, "Alder Blog", grant=[alpha.editor])
    birch = make_site(alpha.account, "Birch Blog", grant=[alpha.editor])
    client = client_for(alpha.editor, alpha.host)
    client.post("/sites/switch/", {"site": birch.pk})
    with schema_context(alpha.schema):
        SiteAccess.objects.filter(site_id=birch.pk, user_id=alpha.editor.pk).delete()
    dashboard = client.get("/")
    assert "Site: <strong>Alder Blog</strong>" in text(dashboard)
    assert switcher(dashboard) == {"Alder Blog": True}


def test_no_switcher_without_sites(alpha, no_sites, client_for):
    response = client_for(alpha.owner, alpha.host).get("/")
    assert 'id="site-switcher"' not in text(response)
    assert "No site yet" in text(response)


def test_showing_a_message_leaves_the_session_alone_so_another_tab_keeps_its_site(
    alpha, client_for
):
    # Two tabs share one session. When a page that shows a message rewrote the session
    # (messages kept in it), a tab that loaded the session before another tab switched site
    # saved its stale copy afterwards and undid the switch. Messages now travel in a cookie:
    # showing one writes nothing to the session.
    from django.contrib.sessions.models import Session

    make_site(alpha.account, "Alder Blog")
    birch = make_site(alpha.account, "Birch Blog")
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": birch.pk})
    flashed = client.post("/notifications/read-all/")
    assert flashed.status_code in (302, 303)
    key = client.cookies["igny8_session"].value
    before = Session.objects.get(session_key=key).session_data
    page = client.get("/notifications/")
    assert "Nothing was unread." in text(page)
    assert Session.objects.get(session_key=key).session_data == before
    assert "Nothing was unread." not in text(client.get("/notifications/"))  # shown once
    assert "Site: <strong>Birch Blog</strong>" in text(client.get("/"))
