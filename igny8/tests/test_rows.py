"""igny8/db/rows.py: the per-request lookups read with one plain statement give the very
objects the ORM gave (every field, the related row attached), and nothing when no row
matches; the session store built on it loads live sessions only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Membership
from apps.accounts.selectors import membership_for
from apps.billing.models import Plan, Subscription
from apps.billing.plans import subscription_for
from igny8.db.rows import select_one
from igny8.sessions import SessionStore

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_row_is_the_orms_row(alpha):
    orm = Membership.objects.get(user=alpha.owner, account=alpha.account)
    plain = select_one(
        Membership, "t.user_id = %s AND t.account_id = %s", [alpha.owner.pk, alpha.account.pk]
    )
    assert type(plain) is Membership and fields(plain) == fields(orm)
    assert plain._state.adding is False and plain._state.db == "default"


def test_no_row_is_none(alpha, outsider):
    assert membership_for(user=outsider, account=alpha.account) is None
    assert select_one(Membership, "t.id = %s", [-1]) is None


def test_the_related_row_comes_attached(alpha):
    subscription_for(alpha.account)  # the Free plan on first use
    orm = Subscription.objects.select_related("plan").get(account=alpha.account)
    with CaptureQueriesContext(connection) as captured:
        plain = subscription_for(alpha.account)
        plan_name = plain.plan.name
    assert fields(plain) == fields(orm) and fields(plain.plan) == fields(orm.plan)
    assert plan_name == orm.plan.name and isinstance(plain.plan, Plan)
    assert len(captured.captured_queries) == 1


def test_membership_keeps_the_callers_account(alpha):
    found = membership_for(user=alpha.owner, account=alpha.account)
    with CaptureQueriesContext(connection) as captured:
        assert found.account is alpha.account
    assert captured.captured_queries == []


def test_sessions_load_when_live_and_never_when_expired():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    key = store.session_key
    assert SessionStore(key).load() == {"answer": 42}
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new session is made, never the expired one reused
    assert SessionStore("no-such-session-key-000000000000").load() == {}


def test_the_site_list_is_the_orms(alpha, client_for):
    """Every page's switcher: the sites an owner sees, or those granted to an editor, in the
    ORM's order and with the ORM's fields."""
    from types import SimpleNamespace

    from django_tenants.utils import schema_context

    from apps.workspace.selectors import sites_visible, sites_visible_list
    from tests.factories import make_site

    make_site(alpha.account, "beta blog")
    make_site(alpha.account, "Alpha Blog", grant=[alpha.editor])
    make_site(alpha.account, "Ärger", grant=[alpha.editor])
    owner = SimpleNamespace(
        user=alpha.owner, membership=membership_for(user=alpha.owner, account=alpha.account)
    )
    editor = SimpleNamespace(
        user=alpha.editor, membership=membership_for(user=alpha.editor, account=alpha.account)
    )
    with schema_context(alpha.account.schema_name):
        for request in (owner, editor):
            plain = sites_visible_list(request)
            orm = list(sites_visible(request))
            assert [fields(s) for s in plain] == [fields(s) for s in orm]
        assert len(sites_visible_list(editor)) == 2 < len(sites_visible_list(owner))
