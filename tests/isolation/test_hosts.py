"""Host → workspace: members get in, outsiders get 403, anonymous users are sent to login."""

import pytest

pytestmark = pytest.mark.django_db


def test_owner_sees_own_dashboard(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get("/")
    assert response.status_code == 200
    assert "Alpha Inc." in response.content.decode()


def test_member_of_other_workspace_gets_403(alpha, outsider, client_for):
    response = client_for(outsider, alpha.host).get("/")
    assert response.status_code == 403
    assert "not a member of Alpha Inc." in response.content.decode()


def test_anonymous_is_sent_to_login_keeping_next(alpha, client_for):
    response = client_for(None, alpha.host).get("/sites/?x=1")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fsites%2F%3Fx%3D1"


def test_unknown_workspace_host_shows_friendly_404(db, workspaces, client_for):
    response = client_for(None, "nobody.igny8.localhost").get("/")
    assert response.status_code == 404
    assert "There is no workspace at nobody.igny8.localhost" in response.content.decode()
