"""Reads about accounts, memberships and invitations."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet

from apps.accounts.models import Account, Invitation, Membership, User, token_digest
from igny8.db.rows import select_one


def membership_for(*, user: User, account: Account) -> Membership | None:
    if not user.is_authenticated:
        return None
    # Read on every request (MembershipMiddleware): one plain statement (igny8/db/rows.py)
    # rather than the ORM's query building (~0.3 ms of CPU). One row at most (unique user +
    # account); `.first()` also sorted it by the model's ordering, joining two more tables.
    membership = select_one(
        Membership, "t.user_id = %s AND t.account_id = %s", [user.pk, account.pk]
    )
    if membership is None:
        return None
    membership.account = account  # the very row the caller holds: no query to read it
    return membership


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """The workspaces a user belongs to (for the chooser), system accounts excluded."""
    return (
        Membership.objects.filter(user=user, account__is_system=False)
        .select_related("account")
        .order_by("account__name")
    )


def team_members(*, account: Account) -> QuerySet[Membership]:
    return Membership.objects.filter(account=account).select_related("user").order_by("user__email")


def open_invitations(*, account: Account) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        account=account, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def invitation_by_token(*, token: str | None) -> Invitation | None:
    """The invitation behind a token from an accept link (only digests are stored)."""
    if not token:
        return None
    return (
        Invitation.objects.select_related("account", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )


def invitation_open_by_token(*, token: str | None) -> Invitation | None:
    """The invitation behind a token (an accept link, the session), if it can still be used."""
    invitation = invitation_by_token(token=token)
    return invitation if invitation is not None and invitation.is_open else None


def workspaces_all() -> QuerySet[Account]:
    return Account.objects.filter(is_system=False).exclude(
        schema_name__in=[settings.PUBLIC_SCHEMA_NAME, settings.IGNY8_TEMPLATE_SCHEMA]
    )


@dataclass(frozen=True)
class PlanState:
    can_write: bool
    code: str = ""
    message: str = ""
    # What the rule read to decide (billing: the Subscription with its plan), so a page of
    # the same request can show it without reading it again. None when nothing was read.
    subscription: object | None = field(default=None, compare=False, repr=False)


def account_plan_state(account: Account) -> PlanState:
    """Whether the workspace may change things. Billing replaces this with its real rules."""
    if account.is_active:
        return PlanState(can_write=True)
    return PlanState(
        can_write=False,
        code="account_inactive",
        message="This workspace is paused, so it can be read but not changed. "
        "An owner can reactivate it from Billing, or contact support.",
    )
