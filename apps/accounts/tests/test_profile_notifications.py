"""The profile's notification emails: a person ticks which kinds they also want by email."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.workspace.notifications import notify

pytestmark = pytest.mark.django_db

PUBLIC = "igny8.localhost"


@pytest.mark.parametrize("where", ["public", "workspace"])
def test_the_profile_offers_every_kind_unticked_until_chosen(alpha, client_for, where):
    host = alpha.host if where == "workspace" else PUBLIC
    html = client_for(alpha.editor, host).get("/profile/").content.decode()
    assert "Email me when" in html
    for label in (
        "an automation run finished",
        "an automation run failed or stopped",
        "credits are running low",
        "someone accepted an invitation",
        "publishing an article failed",
    ):
        assert label in html
    assert "checked" not in html.split('id="notification-emails"')[1].split("</form>")[0]


@pytest.mark.parametrize("where", ["public", "workspace"])
def test_choices_are_saved_and_shown_ticked(alpha, client_for, where):
    host = alpha.host if where == "workspace" else PUBLIC
    client = client_for(alpha.editor, host)

    saved = client.post("/profile/notifications/", {"kinds": ["run_failed", "run_finished"]})

    assert saved.status_code == 303 and saved["Location"] == "/profile/"
    assert User.objects.get(pk=alpha.editor.pk).notification_emails == [
        "run_finished",
        "run_failed",
    ]
    page = client.get("/profile/").content.decode()
    assert "Saved: you will get emails about what you ticked." in page
    assert page.count('name="kinds" value="run_f') == 2
    assert 'value="run_failed" id="id_kinds_1" checked' in page

    client.post("/profile/notifications/", {})
    assert User.objects.get(pk=alpha.editor.pk).notification_emails == []


def test_an_unknown_kind_is_refused_and_nothing_changes(alpha, client_for):
    client = client_for(alpha.editor)
    refused = client.post("/profile/notifications/", {"kinds": ["run_failed", "everything"]})
    assert refused.status_code == 400
    assert "Tick only the kinds listed." in refused.content.decode()
    assert User.objects.get(pk=alpha.editor.pk).notification_emails == []


def test_anonymous_and_get_are_refused(client_for):
    assert client_for(None).post("/profile/notifications/", {}).status_code == 302
    assert client_for(None).get("/profile/notifications/").status_code in (302, 405)


def test_the_choice_decides_which_notifications_are_emailed(alpha, client_for):
    client_for(alpha.owner).post("/profile/notifications/", {"kinds": ["run_failed"]})
    with schema_context(alpha.schema):
        notify(kind="run_finished", title="The run finished")
        notify(kind="run_failed", title="The run failed")
    assert [m.subject for m in mail.outbox] == ["[IGNY8] The run failed"]
