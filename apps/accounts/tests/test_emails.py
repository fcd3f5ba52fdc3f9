"""The emails people get are ours: each names IGNY8 and what to do, in the subject and the
body, never allauth's stock "Hello from igny8.localhost:8101!"."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from apps.accounts.models import Role
from apps.accounts.tests.conftest import signup_data
from tests.factories import make_member

pytestmark = pytest.mark.django_db

STOCK = ("Hello from", "Thank you for using", "You're receiving this email because user")


def assert_ours(message, *, subject: str, says: list[str], link: str) -> None:
    assert message.subject == subject
    for words in STOCK:
        assert words not in message.body, message.body
    assert "IGNY8" in message.body
    for words in says:
        assert words in message.body, message.body
    assert re.search(rf"^https?://\S+{link}\S*$", message.body, re.M), message.body


def test_the_signup_email_welcomes_and_asks_to_confirm_the_address(workspaces, client_for):
    client_for(None).post("/accounts/signup/", signup_data())

    (message,) = mail.outbox
    assert_ours(
        message,
        subject="[IGNY8] Welcome! Confirm your email address",
        says=["Hello Nora New,", "Welcome to IGNY8", "confirm that nora@example.com is your"],
        link="/accounts/confirm-email/",
    )


def test_confirming_another_address_later_has_its_own_words(alpha, client_for):
    user = make_member(alpha.account, Role.EDITOR, email="two@example.com", name="Tess Two")
    client = client_for(user)

    client.post("/accounts/email/", {"action_add": "", "email": "second@example.com"})

    (message,) = mail.outbox
    assert_ours(
        message,
        subject="[IGNY8] Confirm your email address",
        says=["Hello Tess Two,", "confirm that second@example.com is your address for IGNY8"],
        link="/accounts/confirm-email/",
    )


def test_the_password_reset_email_says_what_it_is_for(alpha, client_for):
    make_member(alpha.account, Role.EDITOR, email="forgot@example.com", name="Fay Forgot")

    client_for(None).post("/accounts/password/reset/", {"email": "forgot@example.com"})

    (message,) = mail.outbox
    assert_ours(
        message,
        subject="[IGNY8] Reset your password",
        says=[
            "Hello Fay Forgot,",
            "reset the password of the IGNY8 account for forgot@example.com",
            "If you did not ask for a new password, ignore this email",
        ],
        link="/accounts/password/reset/key/",
    )


def test_the_invitation_names_the_workspace_the_inviter_and_the_action(alpha, client_for):
    client_for(alpha.owner, alpha.host).post(
        "/team/invite/", {"email": "new@example.com", "role": Role.EDITOR}
    )

    (message,) = mail.outbox
    assert_ours(
        message,
        subject="[IGNY8] You're invited to Alpha Inc.",
        says=['to join the workspace "Alpha Inc." on IGNY8 as editor', "Accept the invitation"],
        link="/invite/",
    )
