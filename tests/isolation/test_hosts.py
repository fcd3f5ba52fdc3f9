"""Host → workspace: members get in, outsiders get 403, anonymous users are sent to login."""

import pytest

pytestmark = pytest.mark.django_db


def test_owner_sees_own_dashboard(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/")
    assert response.status_code == 200
    assert "Alpha Inc." in response.content.decode()


def test_member_of_other_workspace_gets_403_that_tells_nothing_about_the_workspace(
    alpha, outsider, client_for
):
    response = client_for(outsider, alpha.host).get("/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "You are not a member of this workspace" in html
    assert "ask one of its owners to invite you" in html
    assert "/workspaces/" in html  # the way back to their own workspaces
    # Not its name (page, title), its plan, its people or its sites.
    for secret in ("Alpha Inc.", "alpha", "Scale", alpha.owner.email, alpha.editor.email):
        assert secret not in html.replace(alpha.host, ""), secret


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_members_see_the_workspace_name(alpha, client_for, who):
    user = {"owner": alpha.owner, "editor": alpha.editor}[who]

    response = client_for(user, alpha.host).get("/")

    assert response.status_code == 200
    assert "Alpha Inc." in response.content.decode()


def test_anonymous_is_sent_to_login_keeping_next(alpha, client_for):
    response = client_for(None, alpha.host).get("/sites/?x=1")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fsites%2F%3Fx%3D1"


def test_unknown_workspace_host_shows_friendly_404(db, workspaces, client_for):
    response = client_for(None, "nobody.igny8.localhost").get("/")
    assert response.status_code == 404
    assert "There is no workspace at nobody.igny8.localhost" in response.content.decode()


def test_www_of_the_public_host_redirects_permanently_to_it(workspaces, client_for):
    response = client_for(None, "www.igny8.localhost").get("/accounts/login/?next=/workspaces/")

    assert response.status_code == 301
    assert response["Location"] == "http://igny8.localhost/accounts/login/?next=/workspaces/"


@pytest.mark.parametrize("who", ["owner", "editor", "outsider", "anonymous"])
def test_www_of_a_workspace_host_serves_nothing_and_redirects_to_it(
    alpha, outsider, client_for, who
):
    user = {"owner": alpha.owner, "editor": alpha.editor, "outsider": outsider}.get(who)

    response = client_for(user, f"www.{alpha.host}").get("/sites/?page=2")

    assert response.status_code == 301
    assert response["Location"] == f"http://{alpha.host}/sites/?page=2"
    assert b"Alpha Inc." not in response.content


@pytest.mark.parametrize(
    "host", ["www.nobody.igny8.localhost", "www.www.alpha.igny8.localhost", "ALPHA.igny8.localhost"]
)
def test_no_other_spelling_of_a_host_serves_a_workspace(alpha, client_for, host):
    response = client_for(alpha.owner, host).get("/")

    assert response.status_code == 404
    assert "There is no workspace at" in response.content.decode()
    assert "Alpha Inc." not in response.content.decode()
