"""Where `next=` may lead after signing in, signing up or signing out: paths, the public host
and workspaces of the signed-in user; never a stranger's workspace (anyone can make one)."""

from __future__ import annotations

import pytest

from apps.accounts.models import Membership, Role
from apps.accounts.tests.conftest import signup_data
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NOBODY = "http://nobody.igny8.localhost/"


def _login(client, email: str, next_url: str):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD, "next": next_url})


def test_sign_in_follows_next_to_a_workspace_of_the_user(alpha, client_for):
    response = _login(client_for(None), alpha.editor.email, f"http://{alpha.host}/sites/?page=2")

    assert response.status_code == 302
    assert response["Location"] == f"http://{alpha.host}/sites/?page=2"


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_sign_in_follows_next_to_the_public_host_and_to_paths(alpha, client_for, who):
    email = {"owner": alpha.owner.email, "editor": alpha.editor.email}[who]

    to_public = _login(client_for(None), email, "http://igny8.localhost/profile/")
    to_path = _login(client_for(None, alpha.host), email, "/sites/")

    assert to_public["Location"] == "http://igny8.localhost/profile/"
    assert to_path["Location"] == "/sites/"


@pytest.mark.parametrize(
    "target", ["http://beta.igny8.localhost/sites/", NOBODY, "https://evil.example/"]
)
def test_sign_in_ignores_next_to_a_workspace_the_user_is_not_in(alpha, beta, client_for, target):
    # alpha's editor, an outsider to beta: beta could be an attacker's own workspace.
    response = _login(client_for(None), alpha.editor.email, target)

    assert response.status_code == 302
    assert response["Location"] == f"http://{alpha.host}/"  # the usual place


@pytest.mark.parametrize(
    "target",
    [
        "http://evil.example@beta.igny8.localhost/",
        "http://beta.igny8.localhost:8443/",
        "//beta.igny8.localhost/",
        "/\\beta.igny8.localhost/",
        "javascript:alert(1)",
    ],
)
def test_sign_in_ignores_tricky_spellings_of_other_hosts(alpha, beta, client_for, target):
    response = _login(client_for(None), alpha.editor.email, target)

    assert response["Location"] == f"http://{alpha.host}/"


def test_staff_may_be_sent_to_any_existing_workspace(alpha, beta, client_for):
    staff = make_user("staff@igny8.example", is_staff=True)
    to_beta = _login(client_for(None), staff.email, f"http://{beta.host}/sites/")
    to_nobody = _login(client_for(None), staff.email, NOBODY)

    assert to_beta["Location"] == f"http://{beta.host}/sites/"
    assert to_nobody["Location"] == "/workspaces/"


def test_sign_up_ignores_next_to_someone_elses_workspace(alpha, client_for):
    response = client_for(None).post(
        "/accounts/signup/", {**signup_data(), "next": f"http://{alpha.host}/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "http://acme-co.igny8.localhost/?welcome=1"


def test_sign_out_ignores_next_to_a_workspace_the_user_is_not_in(alpha, beta, client_for):
    user = make_user("both@example.com")
    Membership.objects.create(user=user, account=alpha.account, role=Role.VIEWER)

    mine = client_for(user, alpha.host).post("/accounts/logout/", {"next": f"http://{alpha.host}/"})
    theirs = client_for(user, alpha.host).post(
        "/accounts/logout/", {"next": f"http://{beta.host}/"}
    )

    assert mine["Location"] == f"http://{alpha.host}/"
    assert theirs["Location"] == "http://igny8.localhost/accounts/login/"


def test_outsider_on_the_login_page_is_not_handed_a_link_to_a_strangers_workspace(
    alpha, outsider, client_for
):
    # Already signed in: allauth sends them on at once, so `next` is checked right there.
    response = client_for(outsider).get("/accounts/login/", {"next": f"http://{alpha.host}/"})

    assert response.status_code == 302
    assert alpha.host not in response["Location"]
