"""Background jobs of the accounts app."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from igny8.jobs import job


@job(kind="invitation_email", time_limit=60)
def send_invitation_email(record, invitation_id: int) -> dict:
    """Email an invitation link. Safe to run twice: it re-sends the same link."""
    from apps.accounts.models import Invitation

    invitation = Invitation.objects.select_related("account", "invited_by").get(pk=invitation_id)
    if not invitation.is_open:
        return {"message": "Invitation no longer open; nothing sent."}
    url = f"{settings.IGNY8_PUBLIC_URL}/invite/{invitation.token}/"
    context = {"invitation": invitation, "accept_url": url}
    send_mail(
        subject=f"[IGNY8] You're invited to {invitation.account.name}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return {"message": f"Invitation sent to {invitation.email}"}
