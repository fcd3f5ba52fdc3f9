"""Background jobs of the accounts app."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from igny8.jobs import job


@job(kind="invitation_email", time_limit=60)
def send_invitation_email(record, invitation_id: int) -> dict:
    """Email an invitation link with a newly minted token.

    The token is made here, not handed over by the caller: job arguments are stored by the
    queue, and the token must exist only in the email. Run twice (a retry after a crash), it
    sends a second email whose link replaces the first one's.
    """
    from apps.accounts.models import Invitation
    from apps.accounts.services import invitation_token_new

    invitation = Invitation.objects.select_related("account", "invited_by").get(pk=invitation_id)
    if not invitation.is_open:
        return {"message": "Invitation no longer open; nothing sent."}
    token = invitation_token_new(invitation=invitation)
    url = f"{settings.IGNY8_PUBLIC_URL}/invite/{token}/"
    context = {"invitation": invitation, "accept_url": url}
    send_mail(
        subject=f"[IGNY8] You're invited to {invitation.account.name}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return {"message": f"Invitation sent to {invitation.email}"}
