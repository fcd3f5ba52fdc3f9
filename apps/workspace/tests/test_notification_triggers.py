"""Notifications the workspace sends by itself: credits running low (once per billing period)
and an invitation accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Invitation, Role
from apps.accounts.services import invitation_accept, invitation_token_new
from apps.billing import credits
from apps.billing.models import Pool, Subscription
from apps.workspace.models import Notification
from tests.factories import make_member, make_user

pytestmark = pytest.mark.django_db

# Alpha is on Scale: 25,000 credits a month, so "low" is under 2,500.
GRANT = 25_000


def set_total(account, total: int) -> None:
    now = credits.balance_for(account)
    if now.bonus_credits:
        credits.adjust(
            account=account, pool=Pool.BONUS, delta=-now.bonus_credits, actor=None, note="test"
        )
    delta = total - credits.balance_for(account).plan_credits
    if delta:
        credits.adjust(account=account, pool=Pool.PLAN, delta=delta, actor=None, note="test")


def spend(account, amount: int, key: str) -> None:
    """An AI run that held `amount` credits and used them all (images cost 5 each)."""
    held = credits.reserve(
        account=account, operation="image_generation", units=amount // 5, key=key
    )
    credits.settle(reservation=held, actual_units=amount // 5)


def low_notes(ws) -> list[Notification]:
    with schema_context(ws.schema):
        return list(Notification.objects.filter(kind="credits_low"))


def test_credits_below_a_tenth_of_the_grant_tell_the_managers_once_per_period(alpha):
    admin = make_member(alpha.account, Role.ADMIN)
    set_total(alpha.account, 2_600)

    spend(alpha.account, 50, "run-1")  # 2,550 left: still above a tenth
    assert low_notes(alpha) == []

    spend(alpha.account, 100, "run-2")  # 2,450 left
    notes = low_notes(alpha)
    assert {n.recipient_id for n in notes} == {alpha.owner.pk, admin.pk}
    assert notes[0].title == "Credits are running low: 2,450 left"
    assert "less than 10 % of the 25,000" in notes[0].body and notes[0].link == "/billing/"

    spend(alpha.account, 100, "run-3")
    spend(alpha.account, 5, "run-4")
    assert len(low_notes(alpha)) == 2  # not again in this period

    # A new period (the monthly reset): the next drop below a tenth is told again.
    Subscription.objects.filter(account=alpha.account).update(
        current_period_start=timezone.now() + timedelta(seconds=1)
    )
    spend(alpha.account, 5, "run-5")
    assert len(low_notes(alpha)) == 4


def test_a_free_run_or_a_balance_above_a_tenth_says_nothing(alpha):
    set_total(alpha.account, 3_000)
    spend(alpha.account, 100, "run-a")
    held = credits.reserve(
        account=alpha.account, operation="image_generation", units=1, key="free", credits=0
    )
    credits.settle(reservation=held, actual_units=1)
    assert low_notes(alpha) == []


def test_the_notice_is_emailed_to_managers_who_asked_for_it(alpha):
    alpha.owner.notification_emails = ["credits_low"]
    alpha.owner.save(update_fields=["notification_emails"])
    set_total(alpha.account, 2_505)
    spend(alpha.account, 10, "run-e")
    spend(alpha.account, 10, "run-f")
    (message,) = mail.outbox
    assert message.subject == "[IGNY8] Credits are running low: 2,495 left"
    assert "/billing/" in message.body and alpha.account.name in message.body


def test_an_accepted_invitation_tells_the_inviter_and_the_managers(alpha, client_for):
    inviter_admin = make_member(alpha.account, Role.ADMIN, name="Ada Admin")
    other_admin = make_member(alpha.account, Role.ADMIN)
    invitee = make_user("nora@example.com", name="Nora New")
    invitation = Invitation.objects.create(
        account=alpha.account, email=invitee.email, role=Role.EDITOR, invited_by=inviter_admin
    )
    token = invitation_token_new(invitation=invitation)

    accepted = client_for(invitee).post(f"/invite/{token}/")
    assert accepted.status_code == 303

    with schema_context(alpha.schema):
        notes = list(Notification.objects.filter(kind="invitation_accepted"))
    assert sorted(n.recipient_id for n in notes) == sorted(
        [inviter_admin.pk, other_admin.pk, alpha.owner.pk]
    )
    assert notes[0].title == "Nora New joined Alpha Inc."
    assert "accepted the invitation Ada Admin sent and joined as editor" in notes[0].body
    assert notes[0].link == "/team/"
    page = client_for(inviter_admin, alpha.host).get("/").content.decode()
    assert 'aria-label="Notifications, 1 unread"' in page

    # Accepting again (the link followed twice) tells nobody twice.
    invitation_accept(invitation=invitation, user=invitee)
    with schema_context(alpha.schema):
        assert Notification.objects.filter(kind="invitation_accepted").count() == 3
        assert not Notification.objects.filter(recipient_id=invitee.pk).exists()
