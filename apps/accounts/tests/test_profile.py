"""The profile page: a person's name and email, on the public host and in every workspace."""

from __future__ import annotations

import pytest

from apps.accounts.models import Role, User
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

PUBLIC = "igny8.localhost"


def _host(alpha, where: str) -> str:
    return alpha.host if where == "workspace" else PUBLIC


@pytest.mark.parametrize("where", ["public", "workspace"])
def test_profile_shows_name_email_and_links(alpha, client_for, where):
    page = client_for(alpha.editor, _host(alpha, where)).get("/profile/")

    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{alpha.editor.name}"' in html
    assert f'value="{alpha.editor.email}"' in html
    assert 'href="/accounts/password/change/"' in html
    assert 'href="/accounts/email/"' in html
    email_page = client_for(alpha.editor, _host(alpha, where)).get("/accounts/email/")
    assert email_page.status_code == 200
    assert alpha.editor.email in email_page.content.decode()


@pytest.mark.parametrize("where", ["public", "workspace"])
def test_profile_saves_the_name(alpha, client_for, where):
    client = client_for(alpha.editor, _host(alpha, where))

    response = client.post("/profile/", {"name": "  Eddie Editor  "})

    assert response.status_code == 303
    assert response["Location"] == "/profile/"
    assert "Profile saved." in client.get("/profile/").content.decode()
    assert User.objects.get(pk=alpha.editor.pk).name == "Eddie Editor"


def test_email_cannot_be_changed_from_the_profile_form(alpha, client_for):
    client = client_for(alpha.editor)

    client.post("/profile/", {"name": "Eddie", "email": "hijack@example.com"})

    # Addresses change through the verified email page, never by a plain form field.
    assert User.objects.get(pk=alpha.editor.pk).email == alpha.editor.email


def test_too_long_name_is_refused(alpha, client_for):
    response = client_for(alpha.editor).post("/profile/", {"name": "x" * 151})

    assert response.status_code == 400
    assert "Ensure this value has at most 150 characters" in response.content.decode()
    assert User.objects.get(pk=alpha.editor.pk).name == alpha.editor.name


def test_anonymous_is_sent_to_login_on_the_public_host(workspaces, client_for):
    response = client_for(None).get("/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/profile/"


def test_anonymous_is_sent_to_login_on_a_workspace_host(alpha, client_for):
    response = client_for(None, alpha.host).post("/profile/", {"name": "Nobody"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fprofile%2F"


def test_outsider_cannot_use_another_workspaces_profile_page(alpha, outsider, client_for):
    response = client_for(outsider, alpha.host).post("/profile/", {"name": "Intruder"})

    assert response.status_code == 403
    assert User.objects.get(pk=outsider.pk).name != "Intruder"


def test_change_password_page_changes_the_password(alpha, client_for):
    user = make_member(alpha.account, Role.EDITOR, email="changer@example.com")
    client = client_for(user)
    new = "another-long-secret-7"

    page = client.get("/accounts/password/change/")
    response = client.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-secret-7")
