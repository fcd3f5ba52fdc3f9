"""Team rules: invitations, roles, removing members, profiles. Every write lives here."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts import hooks
from apps.accounts.models import Account, Invitation, Membership, Role, User, token_digest

log = logging.getLogger(__name__)

INVITATION_DAYS = 7


class TeamError(ValidationError):
    """A team change that the rules refuse; the message says why and what to do."""


def _lock_owners(account: Account) -> int:
    owners = Membership.objects.select_for_update().filter(account=account, role=Role.OWNER)
    return len(list(owners))


def invitation_create(
    *, account: Account, email: str, role: str, site_ids: list[int], invited_by: User
) -> Invitation:
    """Invite someone by email. Refuses members and duplicate open invitations.

    The email goes out as a background job.
    """
    email = email.strip().lower()
    if role not in Role.values:
        raise TeamError("Choose a role for the new member.")
    if role == Role.OWNER and not _is_owner(account, invited_by):
        raise TeamError("Only an owner can invite another owner.")
    if Membership.objects.filter(account=account, user__email__iexact=email).exists():
        raise TeamError(f"{email} is already a member of this workspace.")
    if Invitation.objects.filter(
        account=account,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():
        raise TeamError(f"{email} already has a pending invitation. Resend it instead.")
    site_ids = _valid_site_ids(account, site_ids)
    with transaction.atomic():
        from apps.billing.plans import limit_check

        # Open invitations count as members: each becomes one when accepted.
        limit_check(account, "users", lock=True)
        # An expired, never-answered invitation may stand in the way of the unique rule.
        Invitation.objects.filter(
            account=account, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            account=account,
            email=email,
            role=role,
            site_ids=site_ids if role in (Role.EDITOR, Role.VIEWER) else [],
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        _send(invitation, invited_by)
    return invitation


def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """Send the invitation again with a fresh expiry date and a new link.

    Only a digest of the token is stored, so the old link cannot be sent again: the new email
    carries a new token and the link in the earlier email stops working.
    """
    if invitation.accepted_at or invitation.revoked_at:
        raise TeamError("This invitation is no longer open; send a new one.")
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["expires_at"])
    _send(invitation, by)
    return invitation


def invitation_token_new(*, invitation: Invitation) -> str:
    """Give the invitation a new token and return it, to be put in the emailed link.

    Only its digest is saved; any earlier link of this invitation stops working.
    """
    token = secrets.token_urlsafe(32)  # 256 random bits
    invitation.token_hash = token_digest(token)
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitation.token_hash)
    return token


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.accepted_at:
        raise TeamError("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _send(invitation: Invitation, by: User) -> None:
    from igny8.jobs import enqueue

    with schema_context(invitation.account.schema_name):
        enqueue(
            "apps.accounts.jobs.send_invitation_email",
            invitation.pk,
            label=f"Invitation email to {invitation.email}",
            user=by,
        )


def invitation_problem(*, invitation: Invitation, user: User | None) -> str:
    """Why `user` (None: not signed in yet) cannot accept the invitation now; "" if they can."""
    if invitation.revoked_at:
        return "This invitation was withdrawn. Ask the workspace owner for a new one."
    if invitation.accepted_at:
        return "This invitation has already been used."
    if invitation.is_expired:
        return "This invitation has expired. Ask the workspace owner to resend it."
    if user is not None and user.email.lower() != invitation.email.lower():
        return (
            f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
            "Sign out, then sign in (or sign up) with the invited address."
        )
    return ""


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the workspace. The invited address must be the user's; grants become SiteAccess."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at and invitation.accepted_by_id == user.pk:
        return Membership.objects.get(account=invitation.account, user=user)
    problem = invitation_problem(invitation=invitation, user=user)
    if problem:
        raise TeamError(problem)
    membership, created = Membership.objects.get_or_create(
        account=invitation.account, user=user, defaults={"role": invitation.role}
    )
    if invitation.site_ids and membership.role in (Role.EDITOR, Role.VIEWER):
        hooks.site_access_grant(invitation.account, user, invitation.site_ids)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _confirm_email(user, invitation.email)
    hooks.invitation_accepted(invitation, user)
    return membership


def _confirm_email(user: User, email: str) -> None:
    # Following the emailed link proves the address.
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user, email__iexact=email).update(verified=True)


def _valid_site_ids(account: Account, site_ids: list[int]) -> list[int]:
    return sorted(hooks.site_ids_existing(account, site_ids))


def _is_owner(account: Account, user: User) -> bool:
    return Membership.objects.filter(account=account, user=user, role=Role.OWNER).exists()


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, by: User) -> Membership:
    """Change a member's role. Only owners make or unmake owners; the last owner stays."""
    if role not in Role.values:
        raise TeamError("Choose one of the listed roles.")
    if (role == Role.OWNER or membership.role == Role.OWNER) and not _is_owner(
        membership.account, by
    ):
        raise TeamError("Only an owner can make someone an owner or change an owner's role.")
    demoting_owner = membership.role == Role.OWNER and role != Role.OWNER
    if demoting_owner and _lock_owners(membership.account) <= 1:
        raise TeamError("This is the workspace's only owner. Make someone else an owner first.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Remove a member and their site grants. The last owner cannot be removed."""
    if membership.role == Role.OWNER:
        if not _is_owner(membership.account, by):
            raise TeamError("Only an owner can remove another owner.")
        if _lock_owners(membership.account) <= 1:
            raise TeamError("This is the workspace's only owner. Make someone else an owner first.")
    hooks.site_access_revoke(membership.account, membership.user)
    membership.delete()


def profile_update(*, user: User, name: str) -> User:
    user.name = name.strip()[:150]
    user.save(update_fields=["name"])
    return user


def profile_notification_emails_set(*, user: User, kinds: list[str]) -> User:
    """Choose the notification kinds the person also gets by email (none: no emails)."""
    known = [value for value, _ in hooks.notification_kinds()]
    unknown = set(kinds) - set(known)
    if unknown:
        raise ValueError(f"Unknown notification kinds: {sorted(unknown)}")
    user.notification_emails = [k for k in known if k in kinds]
    user.save(update_fields=["notification_emails"])
    return user


@transaction.atomic
def account_timezone_set(*, account: Account, timezone_name: str) -> int:
    """Set the workspace's timezone (an IANA name) and re-time its automation schedules in
    it ("09:00" now means 09:00 there). Returns how many schedules were re-timed; a name the
    machine does not know is refused with a ValidationError on `timezone`."""
    from apps.accounts.models import timezone_validate

    name = (timezone_name or "").strip()
    try:
        timezone_validate(name)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.messages}) from exc
    locked = Account.objects.select_for_update().get(pk=account.pk)
    account.timezone = name
    if locked.timezone == name:
        return 0
    locked.timezone = name
    locked.save(update_fields=["timezone"])
    return hooks.timezone_changed(locked)


def account_delete_guard(account: Account) -> None:
    if account.is_system:
        raise PermissionDenied("System accounts cannot be deleted.")


def current_account() -> Account | None:
    return getattr(connection, "tenant", None)
