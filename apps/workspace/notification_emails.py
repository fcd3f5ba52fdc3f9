"""Emails for notifications, for the kinds each person opted into on their profile.

One job per `notify` call sends them. The queue delivers at least once, so each notification
is locked while its email goes out and `emailed_at` is set in the same transaction: a second
delivery of the job (or a second worker) finds it stamped and sends nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.models import Account, User
from apps.workspace.context import workspace_account
from apps.workspace.models import Notification, NotificationKind
from igny8.jobs import job


def workspace_link(account: Account, path: str) -> str:
    """An absolute URL of `path` on the workspace's host, with the scheme and port of
    IGNY8_PUBLIC_URL (emails have no request to read them from)."""
    from apps.accounts.provisioning import domain_for_slug

    public = urlsplit(settings.IGNY8_PUBLIC_URL)
    domain = account.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    port = f":{public.port}" if public.port else ""
    return f"{public.scheme}://{domain or domain_for_slug(account.slug)}{port}{path or '/'}"


def _opted_in(user_ids: set[int], kind: str) -> set[int]:
    users = User.objects.filter(pk__in=user_ids, is_active=True).values_list(
        "pk", "notification_emails"
    )
    return {pk for pk, kinds in users if isinstance(kinds, list) and kind in kinds}


def emails_enqueue(notifications: list[Notification]) -> None:
    """Queue the emails of freshly made notifications, if anyone wants them by email."""
    if not notifications:
        return
    kind = notifications[0].kind
    wanted = _opted_in({n.recipient_id for n in notifications}, kind)
    ids = [n.pk for n in notifications if n.recipient_id in wanted]
    if not ids:
        return
    from igny8.jobs import enqueue

    enqueue(send_notification_emails, ids, label=f"Notification emails ({len(ids)})")


@job(kind="notification_email", time_limit=120)
def send_notification_emails(record, notification_ids: list[int]) -> dict:
    """Email each notification once, to a recipient who still wants that kind by email."""
    account = workspace_account()
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update()
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if notification is None:
                continue  # already emailed (a second delivery), or gone
            user = User.objects.filter(pk=notification.recipient_id, is_active=True).first()
            if user is None or notification.kind not in (user.notification_emails or []):
                continue  # opted out since, or left
            _send(notification, user, account)
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return {"message": f"{sent} notification email{'s' if sent != 1 else ''} sent"}


def _send(notification: Notification, user: User, account: Account) -> None:
    context = {
        "notification": notification,
        "user": user,
        "account": account,
        "url": workspace_link(account, notification.link or "/notifications/"),
        "kind_label": NotificationKind(notification.kind).label,
        "profile_url": workspace_link(account, "/profile/"),
    }
    send_mail(
        subject=f"[IGNY8] {notification.title}",
        message=render_to_string("workspace/email/notification.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
