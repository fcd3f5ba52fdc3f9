"""Inviting people to a workspace (team page) and accepting on the public host."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Account, Invitation, Membership, Role, User, token_digest
from apps.accounts.services import invitation_token_new
from apps.workspace.models import Job, JobStatus, SiteAccess
from tests.factories import PASSWORD, make_member, make_site, make_user

pytestmark = pytest.mark.django_db

INVITEE = "invitee@example.com"


def _invite(client, **data):
    return client.post("/team/invite/", {"email": INVITEE, "role": Role.EDITOR, **data})


def _link_path(message) -> str:
    found = re.search(r"https?://[^/\s]+(/invite/[\w-]+/)", message.body)
    assert found, message.body
    return found.group(1)


def _open_invitation(account: Account, **fields) -> Invitation:
    """An invitation as its email left it: `.token` is the token of its link (only the
    digest is in the database)."""
    fields.setdefault("email", INVITEE)
    fields.setdefault("role", Role.EDITOR)
    invitation = Invitation.objects.create(account=account, **fields)
    invitation.token = invitation_token_new(invitation=invitation)
    return invitation


# --- inviting -------------------------------------------------------------------------------


def test_owner_invites_an_editor_with_sites_and_the_email_goes_out_as_a_job(alpha, client_for):
    site = make_site(alpha.account)
    client = client_for(alpha.owner, alpha.host)

    response = _invite(client, email="Invitee@Example.com", sites=[site.pk])

    assert response.status_code == 303
    assert f"Invitation sent to {INVITEE}." in client.get(response["Location"]).content.decode()
    invitation = Invitation.objects.get(account=alpha.account, email=INVITEE)
    assert invitation.role == Role.EDITOR
    assert invitation.site_ids == [site.pk]
    assert invitation.invited_by == alpha.owner
    assert invitation.sent_at is not None
    with schema_context(alpha.schema):
        job = Job.objects.get(kind="invitation_email")
    assert job.status == JobStatus.SUCCEEDED
    assert job.created_by_id == alpha.owner.pk
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [INVITEE]
    assert "Alpha Inc." in message.subject
    token = _link_path(message).split("/")[2]
    assert invitation.token_hash == token_digest(token)


def test_pending_invitation_is_listed_on_the_team_page(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    _invite(client, role=Role.VIEWER)

    html = client.get("/team/").content.decode()

    assert f'data-invitation="{INVITEE}"' in html
    assert "Viewer" in html


def test_admin_invites_an_admin_without_site_grants(alpha, admin, client_for):
    site = make_site(alpha.account)

    _invite(client_for(admin, alpha.host), role=Role.ADMIN, sites=[site.pk])

    invitation = Invitation.objects.get(account=alpha.account, email=INVITEE)
    assert invitation.role == Role.ADMIN
    assert invitation.site_ids == []  # admins see every site anyway


def test_admin_cannot_invite_an_owner(alpha, admin, client_for):
    response = _invite(client_for(admin, alpha.host), role=Role.OWNER)

    assert response.status_code == 400
    assert "Only an owner can invite another owner." in response.content.decode()
    assert not Invitation.objects.filter(email=INVITEE).exists()
    assert len(mail.outbox) == 0


def test_inviting_an_existing_member_is_refused(alpha, client_for):
    response = _invite(client_for(alpha.owner, alpha.host), email=alpha.editor.email)

    assert response.status_code == 400
    assert f"{alpha.editor.email} is already a member of this workspace." in (
        response.content.decode()
    )
    assert not Invitation.objects.filter(email=alpha.editor.email).exists()
    assert len(mail.outbox) == 0


def test_inviting_someone_with_a_pending_invitation_is_refused(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    _invite(client)

    response = _invite(client, role=Role.VIEWER)

    assert response.status_code == 400
    assert "already has a pending invitation. Resend it instead." in response.content.decode()
    assert Invitation.objects.filter(email=INVITEE).count() == 1
    assert len(mail.outbox) == 1
    with schema_context(alpha.schema):
        assert Job.objects.filter(kind="invitation_email").count() == 1


def test_an_expired_invitation_can_be_replaced_by_a_new_one(alpha, client_for):
    old = _open_invitation(alpha.account, expires_at=timezone.now() - timedelta(days=1))

    response = _invite(client_for(alpha.owner, alpha.host))

    assert response.status_code == 303
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert Invitation.objects.get(email=INVITEE, revoked_at__isnull=True).pk != old.pk


@pytest.mark.parametrize("email", ["not-an-email", "", "a@b@c.com"])
def test_bad_email_is_refused(alpha, client_for, email):
    response = _invite(client_for(alpha.owner, alpha.host), email=email)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html or "This field is required." in html
    assert not Invitation.objects.filter(account=alpha.account).exists()
    assert len(mail.outbox) == 0


def test_unknown_role_is_refused(alpha, client_for):
    response = _invite(client_for(alpha.owner, alpha.host), role="emperor")

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Invitation.objects.filter(account=alpha.account).exists()


@pytest.mark.parametrize("who", ["editor", "viewer", "outsider"])
def test_lesser_members_and_outsiders_cannot_invite(alpha, viewer, outsider, client_for, who):
    user = {"editor": alpha.editor, "viewer": viewer, "outsider": outsider}[who]

    response = _invite(client_for(user, alpha.host))

    assert response.status_code == 403
    assert not Invitation.objects.filter(email=INVITEE).exists()
    assert len(mail.outbox) == 0


def test_anonymous_cannot_invite(alpha, client_for):
    response = _invite(client_for(None, alpha.host))

    assert response.status_code == 302
    assert not Invitation.objects.filter(email=INVITEE).exists()


# --- resend and revoke ----------------------------------------------------------------------


def test_resend_sends_a_new_link_that_replaces_the_old_one_and_extends_the_expiry(
    alpha, client_for
):
    client = client_for(alpha.owner, alpha.host)
    _invite(client)
    first_link = _link_path(mail.outbox[0])
    invitation = Invitation.objects.get(email=INVITEE)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + timedelta(hours=1)
    )

    response = client.post(f"/team/invitations/{invitation.pk}/resend/")

    assert (
        f"Invitation to {INVITEE} sent again with a new link; the link in the earlier email no "
        "longer works." in client.get(response["Location"]).content.decode()
    )
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert len(mail.outbox) == 2
    second_link = _link_path(mail.outbox[1])
    assert second_link != first_link
    # Only a digest is stored, so the old link cannot be sent again: the new one replaces it.
    assert client_for(None).get(first_link).status_code == 404
    assert "Join Alpha Inc." in client_for(None).get(second_link).content.decode()
    with schema_context(alpha.schema):
        assert Job.objects.filter(kind="invitation_email", status=JobStatus.SUCCEEDED).count() == 2


def test_revoke_closes_the_invitation_and_the_link_says_so(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    _invite(client)
    link = _link_path(mail.outbox[0])
    invitation = Invitation.objects.get(email=INVITEE)

    response = client.post(f"/team/invitations/{invitation.pk}/revoke/")

    team = client.get(response["Location"]).content.decode()
    assert f"Invitation to {INVITEE} withdrawn." in team
    assert f'data-invitation="{INVITEE}"' not in team
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not invitation.is_open
    accept = client_for(None).get(link)
    assert accept.status_code == 400
    assert "This invitation was withdrawn. Ask the workspace owner for a new one." in (
        accept.content.decode()
    )


def test_a_revoked_invitation_cannot_be_resent(alpha, client_for):
    invitation = _open_invitation(alpha.account, revoked_at=timezone.now())
    client = client_for(alpha.owner, alpha.host)

    response = client.post(f"/team/invitations/{invitation.pk}/resend/")

    assert "This invitation is no longer open; send a new one." in (
        client.get(response["Location"]).content.decode()
    )
    assert len(mail.outbox) == 0


def test_editor_cannot_resend_or_revoke(alpha, client_for):
    invitation = _open_invitation(alpha.account)
    client = client_for(alpha.editor, alpha.host)

    assert client.post(f"/team/invitations/{invitation.pk}/resend/").status_code == 403
    assert client.post(f"/team/invitations/{invitation.pk}/revoke/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.is_open
    assert len(mail.outbox) == 0


def test_invitation_of_another_workspace_is_not_found(alpha, beta, client_for):
    invitation = _open_invitation(beta.account)

    response = client_for(alpha.owner, alpha.host).post(
        f"/team/invitations/{invitation.pk}/revoke/"
    )

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- accepting ------------------------------------------------------------------------------


def test_anonymous_visitor_of_a_new_address_is_offered_signup(alpha, client_for):
    invitation = _open_invitation(alpha.account, invited_by=alpha.owner)

    page = client_for(None).get(f"/invite/{invitation.token}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Join Alpha Inc." in html
    assert INVITEE in html
    assert "Create account and accept" in html
    assert "I already have an account" in html


def test_anonymous_visitor_with_an_account_is_offered_sign_in(alpha, client_for):
    make_user(INVITEE)
    invitation = _open_invitation(alpha.account)

    page = client_for(None).get(f"/invite/{invitation.token}/")

    assert page.status_code == 200
    assert "Sign in to accept" in page.content.decode()


def test_new_user_signs_up_through_the_invitation_and_joins_with_site_grants(alpha, client_for):
    site = make_site(alpha.account)
    make_site(alpha.account)  # not in the invitation: stays out of reach
    invitation = _open_invitation(alpha.account, role=Role.VIEWER, site_ids=[site.pk])
    accounts_before = Account.objects.count()
    client = client_for(None)
    client.get(f"/invite/{invitation.token}/")

    form = client.get(f"/accounts/signup/?email={INVITEE}")
    signed_up = client.post(
        "/accounts/signup/", {"name": "Ivy Invitee", "email": INVITEE, "password1": PASSWORD}
    )
    confirm = client.get(signed_up["Location"])
    accepted = client.post(f"/invite/{invitation.token}/")

    html = form.content.decode()
    assert 'type="hidden" name="workspace_name"' in html
    assert 'type="hidden" name="workspace_slug"' in html
    assert signed_up.status_code == 302
    assert signed_up["Location"] == f"/invite/{invitation.token}/"
    assert "Accept invitation" in confirm.content.decode()
    assert accepted.status_code == 303
    assert accepted["Location"] == f"http://{alpha.host}/"
    user = User.objects.get(email=INVITEE)
    assert Account.objects.count() == accounts_before  # joined a workspace, made none
    assert Membership.objects.filter(user=user).count() == 1
    assert Membership.objects.get(user=user, account=alpha.account).role == Role.VIEWER
    with schema_context(alpha.schema):
        assert set(SiteAccess.objects.filter(user_id=user.pk).values_list("site", flat=True)) == {
            site.pk
        }
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    # Following the emailed link proved the address.
    assert EmailAddress.objects.get(user=user, email=INVITEE).verified
    dashboard = client.get("/", HTTP_HOST=alpha.host)
    assert dashboard.status_code == 200
    assert "Welcome to Alpha Inc.!" in dashboard.content.decode()


def test_existing_user_signs_in_through_the_invitation_and_joins(alpha, beta, client_for):
    user = make_member(beta.account, Role.OWNER, email=INVITEE)
    invitation = _open_invitation(alpha.account, role=Role.ADMIN)
    client = client_for(None)
    client.get(f"/invite/{invitation.token}/")

    signed_in = client.post("/accounts/login/", {"login": INVITEE, "password": PASSWORD})
    accepted = client.post(signed_in["Location"])

    assert signed_in["Location"] == f"/invite/{invitation.token}/"
    assert accepted.status_code == 303
    assert Membership.objects.get(user=user, account=alpha.account).role == Role.ADMIN
    assert Membership.objects.get(user=user, account=beta.account).role == Role.OWNER


def test_signed_in_as_someone_else_is_refused_with_a_way_out(alpha, outsider, client_for):
    invitation = _open_invitation(alpha.account)
    client = client_for(outsider)

    page = client.get(f"/invite/{invitation.token}/")
    posted = client.post(f"/invite/{invitation.token}/")

    assert page.status_code == 400
    html = page.content.decode()
    assert f"This invitation is for {INVITEE}, but you are signed in as {outsider.email}." in html
    assert f'name="next" value="/invite/{invitation.token}/"' in html  # sign out, come back
    assert posted.status_code == 400
    assert not Membership.objects.filter(user=outsider, account=alpha.account).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None

    signed_out = client.post("/accounts/logout/", {"next": f"/invite/{invitation.token}/"})
    assert signed_out["Location"] == f"/invite/{invitation.token}/"


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("expired", "This invitation has expired. Ask the workspace owner to resend it."),
        ("revoked", "This invitation was withdrawn. Ask the workspace owner for a new one."),
        ("used", "This invitation has already been used."),
    ],
)
def test_closed_invitation_shows_a_clear_error_and_creates_nothing(
    alpha, client_for, state, message
):
    user = make_user(INVITEE)
    fields = {
        "expired": {"expires_at": timezone.now() - timedelta(minutes=1)},
        "revoked": {"revoked_at": timezone.now()},
        "used": {"accepted_at": timezone.now(), "accepted_by": alpha.editor},
    }[state]
    invitation = _open_invitation(alpha.account, **fields)
    client = client_for(user)

    page = client.get(f"/invite/{invitation.token}/")
    posted = client.post(f"/invite/{invitation.token}/")
    anonymous = client_for(None).get(f"/invite/{invitation.token}/")

    for response in (page, posted, anonymous):
        assert response.status_code == 400
        assert message in response.content.decode()
        assert "Accept invitation" not in response.content.decode()
    assert "Create account and accept" not in anonymous.content.decode()
    assert not Membership.objects.filter(user=user, account=alpha.account).exists()


def test_signup_after_following_a_dead_link_still_creates_a_workspace(alpha, client_for):
    invitation = _open_invitation(alpha.account, revoked_at=timezone.now())
    client = client_for(None)
    client.get(f"/invite/{invitation.token}/")

    form = client.get("/accounts/signup/")
    client.post(
        "/accounts/signup/",
        {
            "email": INVITEE,
            "password1": PASSWORD,
            "workspace_name": "Own Shop",
            "workspace_slug": "own-shop",
        },
    )

    assert 'type="hidden" name="workspace_slug"' not in form.content.decode()
    user = User.objects.get(email=INVITEE)
    assert Membership.objects.get(user=user, account__slug="own-shop").role == Role.OWNER
    assert not Membership.objects.filter(user=user, account=alpha.account).exists()


def test_following_the_link_again_after_accepting_goes_to_the_workspace(alpha, client_for):
    user = make_member(alpha.account, Role.EDITOR, email=INVITEE)
    invitation = _open_invitation(alpha.account, accepted_at=timezone.now(), accepted_by=user)

    response = client_for(user).get(f"/invite/{invitation.token}/")

    assert response.status_code == 303
    assert response["Location"] == f"http://{alpha.host}/"


def test_unknown_token_is_not_found(workspaces, client_for):
    assert client_for(None).get("/invite/no-such-token/").status_code == 404


def test_signing_in_after_the_invitation_was_withdrawn_goes_to_the_usual_place(
    alpha, beta, client_for
):
    make_member(beta.account, Role.EDITOR, email=INVITEE)
    invitation = _open_invitation(alpha.account)
    client = client_for(None)
    client.get(f"/invite/{invitation.token}/")
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())

    signed_in = client.post("/accounts/login/", {"login": INVITEE, "password": PASSWORD})

    assert signed_in["Location"] == f"http://{beta.host}/"


# --- tokens at rest -------------------------------------------------------------------------


def test_the_database_keeps_only_a_digest_of_the_emailed_token(alpha, client_for):
    from django_q.models import OrmQ, Task

    _invite(client_for(alpha.owner, alpha.host))
    token = _link_path(mail.outbox[0]).split("/")[2]

    row = Invitation.objects.filter(email=INVITEE).values().get()
    assert token not in {str(value) for value in row.values()}
    assert row["token_hash"] == token_digest(token)
    # Nor did the token travel through the job queue (its arguments are stored).
    with schema_context(alpha.schema):
        job = Job.objects.values().get(kind="invitation_email")
    assert token not in str(job)
    assert not any(token in str(task.args) for task in Task.objects.all())
    assert not any(token in str(item.task) for item in OrmQ.objects.all())


def test_a_token_that_is_only_the_digest_opens_nothing(alpha, client_for):
    invitation = _open_invitation(alpha.account)

    assert client_for(None).get(f"/invite/{invitation.token_hash}/").status_code == 404
    assert client_for(None).get(f"/invite/{invitation.token}/").status_code == 200


def test_invitations_emailed_before_hashing_keep_working(alpha, client_for):
    """Migration 0002 hashes the plain tokens in place: links already sent still open."""
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    Invitation.objects.all().delete()
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0002_invitation_token_hash")])  # plain tokens again
    old_apps = executor.loader.project_state(("accounts", "0002_invitation_token_hash")).apps
    OldInvitation = old_apps.get_model("accounts", "Invitation")
    OldInvitation.objects.create(
        account_id=alpha.account.pk, email=INVITEE, role=Role.VIEWER, token="sent-before-hashing"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER TABLE

    migration = importlib.import_module("apps.accounts.migrations.0002_invitation_token_hash")
    migration.hash_tokens(old_apps, None)
    executor.loader.build_graph()
    # Forward to the latest of every app (later migrations, and apps that depend on them,
    # were unapplied by the step back).
    executor.migrate(executor.loader.graph.leaf_nodes())

    invitation = Invitation.objects.get(email=INVITEE)
    assert invitation.token_hash == token_digest("sent-before-hashing")
    page = client_for(None).get("/invite/sent-before-hashing/")
    assert page.status_code == 200
    assert "Join Alpha Inc." in page.content.decode()
