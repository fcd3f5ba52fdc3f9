"""Notifications the workspace sends on events of the public side: credits running low (a
billing signal) and an invitation accepted (called by apps.accounts.services).

Each runs inside the workspace's schema and inside a savepoint, and never lets its own
failure undo what happened (a charge, a new member): it is logged and the event stands.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Account, Invitation, Role, User
from apps.workspace.models import NotificationKind
from apps.workspace.notifications import notify, workspace_managers

log = logging.getLogger(__name__)

# Under this share of the plan's monthly credits, the workspace is told (once per period).
LOW_CREDITS_PERCENT = 10


def credits_low_key(account: Account) -> tuple[str, int] | None:
    """The once-per-period key and the plan's monthly grant, or None when there is none."""
    from apps.billing.plans import subscription_for

    subscription = subscription_for(account)
    grant = subscription.plan.monthly_credits
    if not grant:
        return None
    # Without a period (none recorded yet), the calendar month stands in for it.
    start = subscription.current_period_start or timezone.now().replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return f"credits_low:{start:%Y%m%d%H%M%S}", grant


def credits_low_check(sender=None, *, account: Account, balance, **kwargs) -> None:
    """Receiver of `apps.billing.signals.credits_spent`: below 10 % of the plan's monthly
    credits, tell the owners and admins, once in each billing period."""
    if account is None or account.is_system:
        return
    total = balance.total
    try:
        with schema_context(account.schema_name), transaction.atomic():
            found = credits_low_key(account)
            if found is None:
                return
            key, grant = found
            if total * 100 >= grant * LOW_CREDITS_PERCENT:
                return
            notify(
                kind=NotificationKind.CREDITS_LOW,
                title=f"Credits are running low: {total:,} left",
                body=(
                    f"The workspace has {total:,} credits left, less than {LOW_CREDITS_PERCENT} % "
                    f"of the {grant:,} its plan grants each month. AI work that costs credits "
                    "stops when they run out: buy a credit pack or upgrade the plan in Billing."
                ),
                link="/billing/",
                key=key,
            )
    except Exception:
        log.exception("credits-low notification for %s failed", account.schema_name)


def invitation_accepted_notify(*, invitation: Invitation, user: User) -> None:
    """Tell whoever sent the invitation, and the owners and admins, that someone joined."""
    account = invitation.account
    who = user.name or user.email
    role = Role(invitation.role).label.lower()
    inviter = invitation.invited_by
    sent_by = f" {inviter.display_name} sent" if inviter and inviter.pk != user.pk else ""
    try:
        with schema_context(account.schema_name), transaction.atomic():
            recipients = [invitation.invited_by_id, *workspace_managers(account)]
            notify(
                kind=NotificationKind.INVITATION_ACCEPTED,
                title=f"{who} joined {account.name}",
                body=(
                    f"{who} ({user.email}) accepted the invitation{sent_by} and joined as "
                    f"{role}. Their role and sites can be changed on the Team page."
                ),
                link="/team/",
                users=[pk for pk in recipients if pk != user.pk],
                managers=False,
            )
    except Exception:
        log.exception("invitation-accepted notification for %s failed", account.schema_name)
