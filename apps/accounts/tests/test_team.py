"""The team page of a workspace: who may open it, roles, removing members and site access."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, Role
from apps.workspace.models import SiteAccess
from tests.factories import make_member, make_site

pytestmark = pytest.mark.django_db

ROLE_REFUSAL = "Only an owner or admin can do this."
LAST_OWNER = "This is the workspace&#x27;s only owner. Make someone else an owner first."


def _follow_messages(client, response) -> str:
    """The page a redirect lands on, where the flash message shows."""
    assert response.status_code == 303
    return client.get(response["Location"]).content.decode()


# --- who may open the team page -----------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owner_and_admin_see_the_team(alpha, admin, client_for, who):
    user = alpha.owner if who == "owner" else admin

    page = client_for(user, alpha.host).get("/team/")

    assert page.status_code == 200
    html = page.content.decode()
    assert alpha.owner.email in html
    assert alpha.editor.email in html
    assert "Invite someone" in html


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editor_and_viewer_are_refused_with_a_message(alpha, viewer, client_for, who):
    user = alpha.editor if who == "editor" else viewer

    page = client_for(user, alpha.host).get("/team/")

    assert page.status_code == 403
    assert ROLE_REFUSAL in page.content.decode()
    assert alpha.owner.email not in page.content.decode()


def test_outsider_is_refused(alpha, outsider, client_for):
    page = client_for(outsider, alpha.host).get("/team/")

    assert page.status_code == 403
    assert alpha.editor.email not in page.content.decode()


def test_anonymous_is_sent_to_login(alpha, client_for):
    page = client_for(None, alpha.host).get("/team/")

    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/?next=%2Fteam%2F"


def test_team_page_lists_only_this_workspaces_members(alpha, beta, client_for):
    html = client_for(alpha.owner, alpha.host).get("/team/").content.decode()

    assert beta.owner.email not in html
    assert beta.editor.email not in html


# --- changing roles -----------------------------------------------------------------------


def test_owner_changes_a_members_role(alpha, client_for):
    member = make_member(alpha.account, Role.EDITOR)
    membership = Membership.objects.get(user=member, account=alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/team/members/{membership.pk}/role/", {"role": Role.ADMIN})

    assert f"{member.email} is now admin." in _follow_messages(client, response)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_owner_makes_another_owner_who_can_then_demote_the_first(alpha, client_for):
    member = make_member(alpha.account, Role.ADMIN)
    membership = Membership.objects.get(user=member, account=alpha.account)
    owner_membership = Membership.objects.get(user=alpha.owner, account=alpha.account)

    client_for(alpha.owner, alpha.host).post(
        f"/team/members/{membership.pk}/role/", {"role": Role.OWNER}
    )
    client_for(member, alpha.host).post(
        f"/team/members/{owner_membership.pk}/role/", {"role": Role.ADMIN}
    )

    membership.refresh_from_db()
    owner_membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert owner_membership.role == Role.ADMIN


def test_the_last_owner_cannot_be_demoted(alpha, client_for):
    owner_membership = Membership.objects.get(user=alpha.owner, account=alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/team/members/{owner_membership.pk}/role/", {"role": Role.ADMIN})

    assert LAST_OWNER in _follow_messages(client, response)
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_an_unknown_role_is_refused(alpha, client_for):
    membership = Membership.objects.get(user=alpha.editor, account=alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/team/members/{membership.pk}/role/", {"role": "emperor"})

    assert "Choose one of the listed roles." in _follow_messages(client, response)
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR


def test_admin_cannot_make_someone_an_owner(alpha, admin, client_for):
    membership = Membership.objects.get(user=alpha.editor, account=alpha.account)
    client = client_for(admin, alpha.host)

    response = client.post(f"/team/members/{membership.pk}/role/", {"role": Role.OWNER})

    assert "Only an owner can make someone an owner" in _follow_messages(client, response)
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR


def test_admin_cannot_demote_an_owner(alpha, admin, client_for):
    owner_membership = Membership.objects.get(user=alpha.owner, account=alpha.account)
    make_member(alpha.account, Role.OWNER)  # not the last owner: the refusal is about the role
    client = client_for(admin, alpha.host)

    response = client.post(f"/team/members/{owner_membership.pk}/role/", {"role": Role.VIEWER})

    assert "change an owner&#x27;s role" in _follow_messages(client, response)
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_editor_cannot_change_roles(alpha, client_for):
    membership = Membership.objects.get(user=alpha.editor, account=alpha.account)

    response = client_for(alpha.editor, alpha.host).post(
        f"/team/members/{membership.pk}/role/", {"role": Role.ADMIN}
    )

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR


def test_member_of_another_workspace_is_not_found(alpha, beta, client_for):
    beta_membership = Membership.objects.get(user=beta.editor, account=beta.account)

    response = client_for(alpha.owner, alpha.host).post(
        f"/team/members/{beta_membership.pk}/role/", {"role": Role.VIEWER}
    )

    assert response.status_code == 404
    beta_membership.refresh_from_db()
    assert beta_membership.role == Role.EDITOR


# --- removing members ---------------------------------------------------------------------


def test_owner_removes_a_member_and_their_site_access(alpha, client_for):
    member = make_member(alpha.account, Role.EDITOR)
    site = make_site(alpha.account, grant=[member, alpha.editor])
    membership = Membership.objects.get(user=member, account=alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/team/members/{membership.pk}/remove/")

    assert f"{member.email} was removed from the workspace." in _follow_messages(client, response)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    with schema_context(alpha.schema):
        assert not SiteAccess.objects.filter(user_id=member.pk).exists()
        assert SiteAccess.objects.filter(user_id=alpha.editor.pk, site=site).exists()
    assert client_for(member, alpha.host).get("/").status_code == 403


def test_the_last_owner_cannot_be_removed(alpha, client_for):
    owner_membership = Membership.objects.get(user=alpha.owner, account=alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/team/members/{owner_membership.pk}/remove/")

    assert LAST_OWNER in _follow_messages(client, response)
    assert Membership.objects.filter(pk=owner_membership.pk, role=Role.OWNER).exists()


def test_an_owner_removes_another_owner(alpha, client_for):
    second = make_member(alpha.account, Role.OWNER)
    membership = Membership.objects.get(user=second, account=alpha.account)

    client_for(alpha.owner, alpha.host).post(f"/team/members/{membership.pk}/remove/")

    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_admin_cannot_remove_an_owner(alpha, admin, client_for):
    make_member(alpha.account, Role.OWNER)  # not the last owner: the refusal is about the role
    owner_membership = Membership.objects.get(user=alpha.owner, account=alpha.account)
    client = client_for(admin, alpha.host)

    response = client.post(f"/team/members/{owner_membership.pk}/remove/")

    assert "Only an owner can remove another owner." in _follow_messages(client, response)
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_admin_removes_an_editor(alpha, admin, client_for):
    member = make_member(alpha.account, Role.EDITOR)
    membership = Membership.objects.get(user=member, account=alpha.account)

    client_for(admin, alpha.host).post(f"/team/members/{membership.pk}/remove/")

    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("who", ["editor", "outsider"])
def test_lesser_members_and_outsiders_cannot_remove(alpha, outsider, client_for, who):
    user = alpha.editor if who == "editor" else outsider
    membership = Membership.objects.get(user=alpha.owner, account=alpha.account)

    response = client_for(user, alpha.host).post(f"/team/members/{membership.pk}/remove/")

    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def remove_buttons(response) -> set[str]:
    """The members whose row offers "Remove", by email."""
    rows = re.findall(r'<tr data-member="([^"]+)">(.*?)</tr>', response.content.decode(), re.S)
    return {email for email, row in rows if "/remove/" in row and ">Remove<" in row}


def test_nobody_is_offered_remove_on_their_own_row(alpha, admin, client_for):
    owner_page = client_for(alpha.owner, alpha.host).get("/team/")
    admin_page = client_for(admin, alpha.host).get("/team/")

    assert alpha.owner.email not in remove_buttons(owner_page)  # the only owner, and oneself
    assert alpha.editor.email in remove_buttons(owner_page)
    assert admin.email in remove_buttons(owner_page)
    assert admin.email not in remove_buttons(admin_page)
    assert alpha.editor.email in remove_buttons(admin_page)


def test_an_owner_row_offers_remove_only_to_another_owner(alpha, admin, client_for):
    second = make_member(alpha.account, Role.OWNER, email="second-owner@alpha.test")

    owner_page = client_for(alpha.owner, alpha.host).get("/team/")
    admin_page = client_for(admin, alpha.host).get("/team/")

    assert second.email in remove_buttons(owner_page)
    assert alpha.owner.email not in remove_buttons(owner_page)
    assert {alpha.owner.email, second.email}.isdisjoint(remove_buttons(admin_page))


def test_the_server_still_refuses_removing_oneself_as_the_last_owner(alpha, client_for):
    """The page offers no button; a crafted post is refused the same way."""
    membership = Membership.objects.get(user=alpha.owner, account=alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/team/members/{membership.pk}/remove/")

    assert LAST_OWNER in _follow_messages(client, response)
    assert Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()


def test_removing_needs_a_post(alpha, client_for):
    membership = Membership.objects.get(user=alpha.editor, account=alpha.account)

    response = client_for(alpha.owner, alpha.host).get(f"/team/members/{membership.pk}/remove/")

    assert response.status_code == 405
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- site access ----------------------------------------------------------------------------


def test_owner_sets_an_editors_sites(alpha, client_for):
    member = make_member(alpha.account, Role.EDITOR)
    first, second = make_site(alpha.account), make_site(alpha.account, grant=[member])
    membership = Membership.objects.get(user=member, account=alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(
        f"/team/members/{membership.pk}/sites/", {"sites": [first.pk, second.pk + 1000]}
    )

    assert f"Site access for {member.email} saved." in _follow_messages(client, response)
    with schema_context(alpha.schema):
        granted = set(SiteAccess.objects.filter(user_id=member.pk).values_list("site", flat=True))
    assert granted == {first.pk}  # the unknown site is ignored, the unticked one taken away


def test_garbled_site_list_changes_nothing(alpha, client_for):
    member = make_member(alpha.account, Role.EDITOR)
    site = make_site(alpha.account, grant=[member])
    membership = Membership.objects.get(user=member, account=alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/team/members/{membership.pk}/sites/", {"sites": ["x"]})

    assert "site access was not changed" in _follow_messages(client, response)
    with schema_context(alpha.schema):
        assert SiteAccess.objects.filter(user_id=member.pk, site=site).exists()


def test_editor_cannot_grant_sites(alpha, client_for):
    site = make_site(alpha.account)
    membership = Membership.objects.get(user=alpha.editor, account=alpha.account)

    response = client_for(alpha.editor, alpha.host).post(
        f"/team/members/{membership.pk}/sites/", {"sites": [site.pk]}
    )

    assert response.status_code == 403
    with schema_context(alpha.schema):
        assert not SiteAccess.objects.filter(user_id=alpha.editor.pk, site=site).exists()
