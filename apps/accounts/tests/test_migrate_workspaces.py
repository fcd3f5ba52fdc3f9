"""Deploy migrations: current schemas skipped in constant queries, the rest migrated and
fingerprinted, changes made behind the command's back caught, failures named and retried."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext
from django_tenants.signals import schema_pre_migration

from apps.accounts import provisioning
from apps.accounts.migrating import Migrator, applied_fingerprints, tenant_schemas
from apps.accounts.models import SchemaFingerprint

pytestmark = pytest.mark.django_db

LEAF = ("planner", "0003_keyword_count_index")
BEFORE_LEAF = ("planner", "0002_keyword_list_indexes")


def _workspace(slug: str) -> str:
    return provisioning.workspace_create(name=slug.title(), slug=slug, owner=None).schema_name


def _current(schemas: list[str]) -> None:
    """Every schema fingerprinted, as after a deploy."""
    outcome = Migrator().run(schemas)
    assert not outcome.failed


def _unapply_leaf(schema: str) -> int:
    """Take the schema back before LEAF (and what depends on it), the way someone outside the
    command would. Returns how many migrations that undid."""
    connection.set_schema(schema)
    executor = MigrationExecutor(connection)
    undone = len(executor.migration_plan([BEFORE_LEAF]))
    executor.migrate([BEFORE_LEAF])
    connection.set_schema_to_public()
    return undone


def _applied(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


def _reads(captured: CaptureQueriesContext) -> list[str]:
    # The schema switches are the tenancy layer's business, not this command's.
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET ")]


@pytest.fixture
def post_migrate_calls():
    calls: list[str] = []

    def receiver(sender, **kwargs):
        calls.append(connection.schema_name)

    post_migrate.connect(receiver, weak=False, dispatch_uid="test-post-migrate-calls")
    yield calls
    post_migrate.disconnect(dispatch_uid="test-post-migrate-calls")


def test_a_noop_run_skips_every_schema_in_the_same_few_queries(workspaces, post_migrate_calls):
    _current(tenant_schemas())
    schemas = tenant_schemas()
    with CaptureQueriesContext(connection) as few:
        small = Migrator().run(schemas)
    assert not small.migrated
    for slug in ("noop-a", "noop-b", "noop-c", "noop-d"):
        _workspace(slug)
    schemas = tenant_schemas()
    with CaptureQueriesContext(connection) as more:
        large = Migrator().run(schemas)

    assert large.skipped == schemas and not large.migrated and not large.failed
    assert {"ws_noop_a", "ws_noop_d"} <= set(large.skipped)
    # Four more workspaces, not one query more: no per-schema plan, recorder or catalog list.
    assert len(_reads(more)) == len(_reads(few)) <= 3
    assert not any("pg_class" in sql for sql in _reads(more))
    assert post_migrate_calls == []


def test_a_schema_behind_the_code_is_migrated_then_fingerprinted(workspaces, post_migrate_calls):
    behind = _workspace("behind")
    _current(tenant_schemas())
    undone = _unapply_leaf(behind)
    # A deploy of newer code: every fingerprint names an older set of migrations.
    SchemaFingerprint.objects.update(target="older code")

    out = StringIO()
    call_command("migrate_workspaces", tenant=True, stdout=out)

    assert LEAF in _applied(behind)
    assert f"1 migrated ({undone} migrations" in out.getvalue()
    assert set(post_migrate_calls) == {behind}  # sent where migrations ran, nowhere else
    row = SchemaFingerprint.objects.get(schema_name=behind)
    assert row.target == Migrator().target
    assert row.applied == applied_fingerprints([behind])[behind]
    assert not Migrator().stale(tenant_schemas())  # the next deploy skips them all


def test_a_schema_changed_outside_the_command_is_caught(workspaces):
    changed = _workspace("changed")
    _current(tenant_schemas())
    undone = _unapply_leaf(changed)

    assert Migrator(verify=False).stale(tenant_schemas()) == []  # trusting misses it
    outcome = Migrator().run(tenant_schemas())

    assert outcome.migrated == {changed: undone}
    assert LEAF in _applied(changed)


def test_a_clone_gets_the_template_fingerprint_and_is_skipped(workspaces):
    _current(tenant_schemas())

    schema = _workspace("fresh-clone")

    template = SchemaFingerprint.objects.get(schema_name="ws_template")
    clone = SchemaFingerprint.objects.get(schema_name=schema)
    assert (clone.target, clone.applied) == (template.target, template.applied)
    assert schema in Migrator().run(tenant_schemas()).skipped


def test_a_failing_schema_is_named_retried_and_fails_the_command(workspaces):
    broken = _workspace("broken")
    _current(tenant_schemas())
    # The migration is forgotten but its tables are still there: applying it again fails.
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{broken}".django_migrations WHERE app = %s AND name = %s',
            ["publisher", "0001_initial"],
        )
    attempts: list[str] = []

    def count(sender, schema_name, **kwargs):
        attempts.append(schema_name)

    schema_pre_migration.connect(count, weak=False, dispatch_uid="test-count-attempts")
    err = StringIO()
    try:
        with pytest.raises(CommandError, match=broken) as failure:
            call_command("migrate_workspaces", tenant=True, stdout=StringIO(), stderr=err)
    finally:
        schema_pre_migration.disconnect(dispatch_uid="test-count-attempts")

    assert attempts == [broken, broken]  # tried, then once more at the end
    assert "second try" in str(failure.value)
    assert broken in err.getvalue() and "already exists" in err.getvalue()
    assert not SchemaFingerprint.objects.filter(schema_name=broken).exists()
    assert broken in Migrator().stale(tenant_schemas())


def test_a_passing_failure_succeeds_on_the_retry(workspaces):
    flaky = _workspace("flaky")
    _current(tenant_schemas())
    undone = _unapply_leaf(flaky)
    failures = [flaky]

    def fail_once(sender, schema_name, **kwargs):
        if schema_name in failures:
            failures.remove(schema_name)
            raise RuntimeError("connection lost")

    schema_pre_migration.connect(fail_once, weak=False, dispatch_uid="test-fail-once")
    try:
        outcome = Migrator().run(tenant_schemas())
    finally:
        schema_pre_migration.disconnect(dispatch_uid="test-fail-once")

    assert outcome.retried == [flaky] and not outcome.failed
    assert outcome.migrated[flaky] == undone


def test_migrate_schemas_still_works_and_its_changes_are_seen(workspaces):
    stock = _workspace("stock")
    _current(tenant_schemas())
    _unapply_leaf(stock)

    call_command("migrate_schemas", tenant=True, schema_name=stock, interactive=False, verbosity=0)

    assert LEAF in _applied(stock)
    assert stock not in Migrator().stale(tenant_schemas())  # back to what it was fingerprinted
