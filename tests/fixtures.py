"""pytest fixtures: the public tenant and two workspaces made once per session, three actors
per workspace (owner, editor, outsider), host-aware clients and a return to `public` after
every test."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists

from apps.accounts.models import Account, Membership, Role, User
from apps.workspace import page_cache


@dataclass
class Workspace:
    account: Account
    owner: User
    editor: User
    host: str

    @property
    def schema(self) -> str:
        return self.account.schema_name


def ensure_workspace(slug: str, name: str) -> Account:
    """Get-or-create a workspace; safe with --reuse-db and after a live-server flush."""
    from apps.accounts import provisioning

    account = Account.objects.filter(slug=slug).first()
    if account is not None and schema_exists(account.schema_name):
        return account
    schema = provisioning.schema_for_slug(slug)
    if schema_exists(schema):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
    if account is not None:
        account.delete(force_drop=True)
    return provisioning.workspace_create(name=name, slug=slug, owner=None)


def ensure_member(account: Account, email: str, role: str) -> User:
    from allauth.account.models import EmailAddress

    from tests.factories import PASSWORD

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, PASSWORD, name=email.split("@")[0].title())
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    Membership.objects.update_or_create(user=user, account=account, defaults={"role": role})
    return user


def ensure_platform() -> None:
    from django.core.management import call_command

    from apps.accounts import provisioning
    from apps.billing.seed import seed as billing_seed
    from apps.catalog.models import Industry
    from apps.catalog.services import library_load

    # Never write test rows into a developer's own database.
    assert connection.settings_dict["NAME"].startswith("test_"), "not on the test database"
    connection.set_schema_to_public()
    call_command("createcachetable", verbosity=0)
    provisioning.public_tenant_ensure()
    provisioning.template_ensure()
    if not Industry.objects.exists():
        library_load()
    billing_seed()


def ensure_plan(account: Account, slug: str) -> None:
    from apps.billing.models import Plan
    from apps.billing.plans import plan_assign, subscription_for

    if subscription_for(account).plan.slug != slug:
        plan_assign(account=account, plan=Plan.objects.get(slug=slug))


@pytest.fixture(scope="session")
def workspaces(django_db_setup, django_db_blocker) -> dict[str, Workspace]:
    with django_db_blocker.unblock():
        ensure_platform()
        result = {}
        for slug in ("alpha", "beta"):
            account = ensure_workspace(slug, f"{slug.title()} Inc.")
            # Roomy plan limits, so tests about other rules do not trip over them; the limit
            # tests make Free workspaces of their own.
            ensure_plan(account, "scale")
            result[slug] = Workspace(
                account=account,
                owner=ensure_member(account, f"owner@{slug}.test", Role.OWNER),
                editor=ensure_member(account, f"editor@{slug}.test", Role.EDITOR),
                host=f"{slug}.{settings.IGNY8_BASE_DOMAIN}",
            )
        connection.set_schema_to_public()
    return result


@pytest.fixture
def alpha(workspaces, db) -> Workspace:
    # The session object outlives each test's rollback: re-read what the database says.
    workspaces["alpha"].account.refresh_from_db()
    return workspaces["alpha"]


@pytest.fixture
def beta(workspaces, db) -> Workspace:
    workspaces["beta"].account.refresh_from_db()
    return workspaces["beta"]


@pytest.fixture
def outsider(beta) -> User:
    """Signed-in, but a member of another workspace only (beta's owner, seen from alpha)."""
    return beta.owner


@pytest.fixture(autouse=True)
def _back_to_public_and_fresh_cache():
    yield
    connection.set_schema_to_public()
    cache.clear()
    page_cache.store.clear()


PUBLIC_HOST = settings.IGNY8_BASE_DOMAIN


@pytest.fixture
def client_for():
    """`client_for(user, host)` → a test client signed in as user, talking to host."""

    def make(user: User | None = None, host: str = PUBLIC_HOST) -> Client:
        client = Client(HTTP_HOST=host)
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def private_egress(settings):
    """Open private addresses to the egress guard for one test, as an operator with a
    self-hosted provider would: the wire fakes listen on 127.0.0.1. Tests run closed
    (DEBUG is off under pytest), as production does."""
    settings.IGNY8_EGRESS_ALLOW_PRIVATE = True
    return settings


@pytest.fixture
def paid_ai(monkeypatch):
    """A real AI provider in force, for tests about credits: runs are priced as a provider's
    runs are (the offline writer's are free), and a stand-in answers with what the offline
    writer would write, so no network is needed. The wire-level tests use FakeOpenAI."""
    from igny8.ai import costs, engine
    from igny8.ai.config import AIConfig
    from igny8.ai.providers.offline import OfflineProvider

    class StandIn(OfflineProvider):
        name = "stand-in"
        label = "Stand-in provider (tests)"

    config = AIConfig(
        source="workspace",
        base_url="https://ai.test/v1",
        text_model="stand-in-text",
        image_model="stand-in-image",
    )
    real = engine.provider_for
    monkeypatch.setattr(costs, "in_force", lambda: config)
    monkeypatch.setattr(engine, "provider_for", lambda c: real(c) if c.is_offline else StandIn())
    return config
