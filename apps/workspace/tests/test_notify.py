"""notify(): who gets a notification, once each, and what it refuses."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import Role
from apps.workspace.models import Notification
from apps.workspace.notifications import notify
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def recipients(made) -> list[int]:
    return [n.recipient_id for n in made]


def test_owners_and_admins_get_it_and_lesser_members_only_when_named(alpha, admin_member, viewer):
    with schema_context(alpha.schema):
        made = notify(kind="run_finished", title="The run finished", link="/automation/")
        assert set(recipients(made)) == {alpha.owner.pk, admin_member.pk}
        assert alpha.editor.pk not in recipients(made) and viewer.pk not in recipients(made)

        made = notify(kind="run_failed", title="The run failed", users=[alpha.editor])
        assert set(recipients(made)) == {alpha.owner.pk, admin_member.pk, alpha.editor.pk}

        only = notify(kind="run_failed", title="Only you", users=[viewer], managers=False)
        assert recipients(only) == [viewer.pk]
        row = Notification.objects.get(pk=only[0].pk)
        assert (row.kind, row.title, row.read_at, row.emailed_at) == (
            "run_failed",
            "Only you",
            None,
            None,
        )


def test_a_person_named_twice_or_also_a_manager_gets_one(alpha, admin_member):
    with schema_context(alpha.schema):
        made = notify(
            kind="run_finished",
            title="Done",
            users=[alpha.owner, alpha.owner.pk, admin_member, None, alpha.editor, alpha.editor.pk],
        )
        assert sorted(recipients(made)) == sorted(
            {alpha.owner.pk, admin_member.pk, alpha.editor.pk}
        )
        assert Notification.objects.filter(title="Done").count() == 3


def test_people_outside_the_workspace_or_inactive_get_nothing(alpha, beta, outsider):
    gone = make_member(alpha.account, Role.EDITOR, is_active=False)
    with schema_context(alpha.schema):
        made = notify(kind="run_failed", title="x", users=[outsider, gone], managers=False)
        assert made == []
        assert not Notification.objects.filter(recipient_id__in=[outsider.pk, gone.pk]).exists()
    with schema_context(beta.schema):
        assert not Notification.objects.exists()


def test_a_once_only_key_sends_once(alpha):
    with schema_context(alpha.schema):
        first = notify(kind="credits_low", title="Low", key="credits_low:p1")
        again = notify(kind="credits_low", title="Low", key="credits_low:p1")
        other = notify(kind="credits_low", title="Low", key="credits_low:p2")
        assert first and again == [] and other


def test_unknown_kinds_and_links_off_the_workspace_are_refused(alpha):
    with schema_context(alpha.schema):
        for link in ("https://evil.example/", "//evil.example/x", "automation/"):
            with pytest.raises(ValueError):
                notify(kind="run_failed", title="x", link=link)
        with pytest.raises(ValueError):
            notify(kind="something_else", title="x")
    with pytest.raises(RuntimeError):
        notify(kind="run_failed", title="outside any workspace")
