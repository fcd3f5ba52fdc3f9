"""Notification emails: only for the kinds a person opted into, once each, our own words."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from apps.workspace.models import Job, Notification
from apps.workspace.notification_emails import send_notification_emails
from apps.workspace.notifications import notify
from igny8.jobs import run

pytestmark = pytest.mark.django_db


def opt_in(user, *kinds: str) -> None:
    user.notification_emails = list(kinds)
    user.save(update_fields=["notification_emails"])


def test_only_opted_in_people_get_an_email_for_that_kind(alpha, admin_member, settings):
    settings.IGNY8_PUBLIC_URL = "http://igny8.localhost:8123"
    opt_in(alpha.owner, "run_failed")
    opt_in(admin_member, "run_finished")
    with schema_context(alpha.schema):
        made = notify(
            kind="run_failed",
            title="The automation run on Shop stopped",
            body="It ran out of credits after 12 articles.",
            link="/automation/runs/7/",
        )
        (message,) = mail.outbox
        assert message.to == [alpha.owner.email]
        assert message.subject == "[IGNY8] The automation run on Shop stopped"
        assert message.body.startswith("Hello Owner,")
        assert "It ran out of credits after 12 articles." in message.body
        assert "IGNY8" in message.body and "Hello from" not in message.body
        assert alpha.account.name in message.body
        assert re.search(
            r"^http://alpha\.igny8\.localhost:8123/automation/runs/7/$", message.body, re.M
        ), message.body
        stamped = {
            n.recipient_id: n.emailed_at
            for n in Notification.objects.filter(pk__in=[m.pk for m in made])
        }
        assert stamped[alpha.owner.pk] is not None
        assert stamped[admin_member.pk] is None


def test_nobody_opted_in_means_no_email_and_no_job(alpha):
    with schema_context(alpha.schema):
        before = Job.objects.count()
        notify(kind="run_finished", title="Done")
        assert mail.outbox == []
        assert Job.objects.count() == before


def test_a_job_delivered_twice_sends_one_email(alpha):
    opt_in(alpha.owner, "credits_low")
    with schema_context(alpha.schema):
        made = notify(kind="credits_low", title="Credits are running low", managers=True)
        assert len(mail.outbox) == 1
        record = Job.objects.filter(kind="notification_email").latest("pk")
        # The queue hands the same task over again (at-least-once delivery): the Job row is
        # fresh again and the function runs once more, straight and through the job runner.
        Job.objects.filter(pk=record.pk).update(status="queued")
        path = f"{send_notification_emails.__module__}.{send_notification_emails.__qualname__}"
        run(alpha.schema, record.pk, path, "", [[n.pk for n in made]], {})
        send_notification_emails(record, [n.pk for n in made])
        assert len(mail.outbox) == 1
