"""The workspace's notifications: what its members should know, in their bell and by email.

`notify` is the one way to make them (automation runs, credits running low, invitations
accepted, publishing failures). It runs inside the workspace's schema, like every write to a
workspace table. Reading and marking read are per person: a member only ever sees the rows
addressed to them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import Account, Membership, Role, User
from apps.workspace.context import workspace_account  # noqa: F401  (callers import it here too)
from apps.workspace.models import Notification, NotificationKind
from apps.workspace.notification_emails import emails_enqueue

KINDS = frozenset(NotificationKind.values)
TITLE_MAX = Notification._meta.get_field("title").max_length
LINK_MAX = Notification._meta.get_field("link").max_length


def _user_id(user: User | int | None) -> int | None:
    if user is None:
        return None
    return user if isinstance(user, int) else user.pk


def workspace_managers(account: Account) -> list[int]:
    """The ids of the workspace's owners and admins, oldest membership first."""
    return list(
        Membership.objects.filter(account=account, role__in=[Role.OWNER, Role.ADMIN])
        .order_by("created", "pk")
        .values_list("user_id", flat=True)
    )


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def notify(
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    users: Iterable[User | int | None] = (),
    managers: bool = True,
    key: str = "",
) -> list[Notification]:
    """Tell `users` (and, with `managers`, the workspace's owners and admins) about something.

    Each person gets one notification however often they are named; people who are not (or
    no longer) active members of the workspace get none. `title` and `body` are plain words
    shown as text; `link` is a path on the workspace's host ("/automation/runs/7/"). With
    `key`, the event is once-only in this workspace: when a notification with that key exists,
    nothing is sent. Those who opted into this kind on their profile are emailed by a job.
    Returns the notifications made, in the order their recipients were named.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}; use one of {sorted(KINDS)}.")
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX):
        raise ValueError(f"A notification links to a path on the workspace host, not {link!r}.")
    title = _shorten(title, TITLE_MAX)
    if not title:
        raise ValueError("A notification needs a title.")
    account = workspace_account()
    named = [_user_id(u) for u in users]
    wanted = list(dict.fromkeys([i for i in named if i is not None]))
    if managers:
        wanted = list(dict.fromkeys(wanted + workspace_managers(account)))
    if not wanted:
        return []
    members = set(
        Membership.objects.filter(
            account=account, user_id__in=wanted, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    recipients = [i for i in wanted if i in members]
    if not recipients:
        return []
    with transaction.atomic():
        if key:
            # Two workers reaching the same once-only event at once: one sends, one sees it.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))",
                    [f"notify:{connection.schema_name}:{key}"],
                )
            if Notification.objects.filter(key=key).exists():
                return []
        now = timezone.now()
        made = Notification.objects.bulk_create(
            Notification(
                recipient_id=user_id,
                kind=kind,
                title=title,
                body=body.strip(),
                link=link,
                key=key,
                created=now,
            )
            for user_id in recipients
        )
        emails_enqueue(made)
    return made


# --- reading and marking read (each person their own) ---------------------------------------


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The person's notifications in this workspace, newest first."""
    rows = Notification.objects.filter(recipient_id=user.pk)
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(user: User) -> int:
    """The bell's number, on every page: one plain statement, since building the same
    `COUNT(*)` through the ORM cost each page ~0.3 ms of CPU (the table is the workspace's,
    found through the search path, as the ORM's would be)."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE recipient_id = %s AND read_at IS NULL",
            [user.pk],
        )
        return cursor.fetchone()[0]


def notification_read(*, notification: Notification) -> Notification:
    """Mark one notification read (again: no change)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_read_all(*, user: User) -> int:
    """Mark every unread notification of the person read. Returns how many were unread."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
