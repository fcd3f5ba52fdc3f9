"""The workspace's answers to what accounts asks (apps.accounts.hooks), registered at ready().

Accounts runs in the public schema: each answer enters the account's schema itself.
"""

from __future__ import annotations

from django_tenants.utils import schema_context

from apps.accounts.models import Account, Invitation, User
from apps.workspace.models import NotificationKind, Site, SiteAccess
from apps.workspace.notification_triggers import invitation_accepted_notify
from apps.workspace.services.workspace import site_access_grant as grant


def site_ids_existing(account: Account, site_ids: list[int]) -> list[int]:
    with schema_context(account.schema_name):
        return list(Site.objects.filter(pk__in=site_ids).values_list("pk", flat=True))


def site_access_grant(account: Account, user: User, site_ids: list[int]) -> None:
    with schema_context(account.schema_name):
        grant(user=user, site_ids=site_ids)


def site_access_revoke(account: Account, user: User) -> None:
    with schema_context(account.schema_name):
        SiteAccess.objects.filter(user_id=user.pk).delete()


def invitation_accepted(invitation: Invitation, user: User) -> None:
    invitation_accepted_notify(invitation=invitation, user=user)


def notification_kinds() -> list[tuple[str, str]]:
    return list(NotificationKind.choices)
