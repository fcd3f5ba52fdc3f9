"""Migrating every schema in time that does not grow with the number of workspaces.

Stock `migrate_schemas` runs Django's whole `migrate` command per schema: a new connection,
the migration files read again, `has_table()` listing every table of the catalog (tens of
thousands of rows with hundreds of schemas, so the run grows with the square of the count),
a project state rendered and `post_migrate` sent even when there is nothing to do.

Here a schema left current by this module gets a `SchemaFingerprint` in the public schema:
the hash of the migration graph on disk (`target`) and of its own django_migrations rows
(`applied`). A run reads every fingerprint in one query, checks in one more (a UNION ALL
over every candidate's django_migrations) that nobody changed the rows outside this module,
and skips those schemas. The others are migrated on one connection with the migration files
read once, the table checked with `to_regclass`, and `post_migrate` sent only when a
migration ran. A schema that fails is retried once at the end; if it fails again it is named
in the result, never skipped in silence.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ModelState
from django_tenants.signals import schema_migrated, schema_pre_migration
from django_tenants.utils import get_public_schema_name

from apps.accounts.change_log import watch_schema
from apps.accounts.models import SchemaFingerprint

log = logging.getLogger(__name__)

# The same expression hashes the rows when a fingerprint is written and when it is checked,
# so the two agree whatever the collation.
_APPLIED_SQL = (
    "SELECT %s::text AS schema_name, "
    "md5(coalesce(string_agg(app || '.' || name, ',' ORDER BY app, name), '')) AS applied "
    'FROM "{schema}".django_migrations'
)


@dataclass
class Outcome:
    """What a run did: schemas skipped, migrated (with how many migrations) and failed."""

    skipped: list[str] = field(default_factory=list)
    migrated: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    retried: list[str] = field(default_factory=list)
    check_seconds: float = 0.0
    migrate_seconds: float = 0.0

    @property
    def schemas_per_minute(self) -> float:
        ran = [name for name, count in self.migrated.items() if count]
        if not ran or not self.migrate_seconds:
            return 0.0
        return 60 * len(ran) / self.migrate_seconds


class Migrator:
    """Brings schemas to the migrations on disk; build once, use for any number of schemas."""

    def __init__(self, *, verify: bool = True, write: Callable[[str], None] | None = None) -> None:
        self.verify = verify
        self.write = write or (lambda line: None)
        # The files are read once; each schema's graph is then built from this copy.
        self.disk = MigrationLoader(None, ignore_no_migrations=True)
        self.target = graph_fingerprint(self.disk)

    # --- which schemas need work -------------------------------------------------------------

    def stale(self, schemas: Sequence[str]) -> list[str]:
        """The schemas of `schemas` that are not known to be current, in the given order.

        Two queries whatever the count: the fingerprints, then (when verifying) the live
        django_migrations of every schema that claims to be current.
        """
        if not schemas or not _fingerprint_table_exists():
            return list(schemas)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT f.schema_name, f.applied FROM accounts_schemafingerprint f "
                "WHERE f.schema_name = ANY(%s) AND f.target = %s "
                "AND to_regclass(quote_ident(f.schema_name) || '.django_migrations') IS NOT NULL",
                [list(schemas), self.target],
            )
            claimed = dict(cursor.fetchall())
        if claimed and self.verify:
            live = applied_fingerprints(list(claimed))
            claimed = {name: h for name, h in claimed.items() if live.get(name) == h}
        return [name for name in schemas if name not in claimed]

    # --- migrating ---------------------------------------------------------------------------

    def run(self, schemas: Sequence[str]) -> Outcome:
        """Migrate every schema of `schemas` that is behind; retry failures once at the end."""
        outcome = Outcome()
        with _recorder_uses_to_regclass():
            started = time.perf_counter()
            todo = self.stale(schemas)
            outcome.check_seconds = time.perf_counter() - started
            behind = set(todo)
            outcome.skipped = [name for name in schemas if name not in behind]
            started = time.perf_counter()
            failed: dict[str, str] = {}
            for name in todo:
                self._one(name, outcome, failed)
            # A failure may pass (a lock timeout, a dropped connection): one more try after
            # the others, so one bad schema never holds up the rest of the deploy.
            for name in list(failed):
                outcome.retried.append(name)
                again: dict[str, str] = {}
                self._one(name, outcome, again)
                if name in again:
                    failed[name] = again[name]
                else:
                    del failed[name]
            outcome.failed = failed
            outcome.migrate_seconds = time.perf_counter() - started
        connection.set_schema_to_public()
        return outcome

    def _one(self, name: str, outcome: Outcome, failed: dict[str, str]) -> None:
        try:
            outcome.migrated[name] = self.migrate_schema(name)
        except Exception as error:  # noqa: BLE001 - every failure is reported by name
            failed[name] = f"{type(error).__name__}: {error}".strip()
            log.warning("schema %s failed to migrate: %s", name, failed[name])
            self.write(f"  {name}: FAILED ({failed[name].splitlines()[0]})")
            _connection_recover()
            SchemaFingerprint.objects.filter(schema_name=name).delete()

    def migrate_schema(self, schema: str) -> int:
        """Apply what `schema` lacks; fingerprint it. Returns the number of migrations run."""
        schema_pre_migration.send(Migrator, schema_name=schema)
        # The recorder must look in this schema alone: with public on the path its
        # django_migrations would answer for a schema that has none yet.
        connection.set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema)
        executor = self._executor()
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        if plan:
            self.write(f"  {schema}: applying {len(plan)} migration(s)")
            state = executor._create_project_state(with_applied_migrations=True)
            emit_pre_migrate_signal(0, False, connection.alias, apps=state.apps, plan=plan)
            state = executor.migrate(targets, plan=plan, state=state.clone())
            _post_migrate(state, plan)
        connection.set_schema_to_public()
        if plan and schema != get_public_schema_name():
            watch_schema(schema)  # tables this run added get the change trigger too
        self._fingerprint(schema)
        connection.set_schema_to_public()
        schema_migrated.send(Migrator, schema_name=schema)
        return len(plan)

    def _executor(self) -> MigrationExecutor:
        executor = MigrationExecutor(None)
        executor.connection = connection
        executor.recorder = MigrationRecorder(connection)
        executor.loader = _SchemaLoader(connection, self.disk)
        return executor

    def _fingerprint(self, schema: str) -> None:
        if not _fingerprint_table_exists():
            return  # the public schema's first run, before accounts' migrations made it
        applied = applied_fingerprints([schema])[schema]
        SchemaFingerprint.objects.update_or_create(
            schema_name=schema, defaults={"target": self.target, "applied": applied}
        )


class _SchemaLoader(MigrationLoader):
    """A loader whose migration files come from one already read, not from disk again."""

    def __init__(self, conn, disk: MigrationLoader) -> None:
        self._disk = disk
        super().__init__(conn)

    def load_disk(self) -> None:
        self.disk_migrations = dict(self._disk.disk_migrations)
        self.unmigrated_apps = set(self._disk.unmigrated_apps)
        self.migrated_apps = set(self._disk.migrated_apps)


def graph_fingerprint(loader: MigrationLoader) -> str:
    """md5 of every migration on disk (app, name and what it replaces)."""
    keys = sorted(
        f"{app}.{name}<{','.join(f'{a}.{n}' for a, n in migration.replaces)}"
        for (app, name), migration in loader.disk_migrations.items()
    )
    return hashlib.md5("\n".join(keys).encode(), usedforsecurity=False).hexdigest()


def applied_fingerprints(schemas: Sequence[str]) -> dict[str, str]:
    """Each schema's django_migrations hashed, in one UNION ALL (about 0.1 ms a schema)."""
    if not schemas:
        return {}
    parts = [_APPLIED_SQL.format(schema=name.replace('"', '""')) for name in schemas]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), list(schemas))
        return dict(cursor.fetchall())


def fingerprint_copy(*, source: str, dest: str) -> None:
    """`dest` was cloned from `source`: it is as current as `source` (no fingerprint if
    `source` has none, so the next deploy looks at it)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_schemafingerprint WHERE schema_name = %s", [dest])
        cursor.execute(
            "INSERT INTO accounts_schemafingerprint (schema_name, target, applied, updated) "
            "SELECT %s, target, applied, now() FROM accounts_schemafingerprint "
            "WHERE schema_name = %s",
            [dest, source],
        )


def _fingerprint_table_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.accounts_schemafingerprint') IS NOT NULL")
        return bool(cursor.fetchone()[0])


def _post_migrate(state, plan) -> None:
    """What Django's migrate sends after a run: content types and permissions of new models."""
    state.clear_delayed_apps_cache()
    post_apps = state.apps
    with post_apps.bulk_update():
        model_keys = []
        for model_state in post_apps.real_models:
            model_key = model_state.app_label, model_state.name_lower
            model_keys.append(model_key)
            post_apps.unregister_model(*model_key)
    post_apps.render_multiple(
        [ModelState.from_model(global_apps.get_model(*model)) for model in model_keys]
    )
    emit_post_migrate_signal(0, False, connection.alias, apps=post_apps, plan=plan)


def _connection_recover() -> None:
    """After a failure: out of any broken transaction, or a fresh connection if it is gone."""
    # Inside an atomic block (a caller's transaction) the failed migration's own savepoint
    # has already been rolled back; outside one, end whatever transaction is left open.
    if not connection.in_atomic_block:
        # A dead connection fails here too; it is closed and opened again below.
        with suppress(Exception):
            connection.rollback()
    if connection.connection is not None and not connection.is_usable():
        connection.close()
    connection.set_schema_to_public()


def _has_table_by_regclass(self: MigrationRecorder) -> bool:
    # Stock has_table() lists every table of every schema (introspection.table_names); one
    # lookup of the qualified name costs the same at 10 schemas or 10,000.
    if self._has_table:
        return True
    schema = getattr(self.connection, "schema_name", None) or settings.PUBLIC_SCHEMA_NAME
    qualified = '"{}".{}'.format(schema.replace('"', '""'), self.Migration._meta.db_table)
    with self.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [qualified])
        self._has_table = bool(cursor.fetchone()[0])
    return self._has_table


@contextmanager
def _recorder_uses_to_regclass() -> Iterator[None]:
    # The loader makes its own recorder inside build_graph, so the method is swapped for the
    # run rather than the recorder handed in.
    stock = MigrationRecorder.has_table
    MigrationRecorder.has_table = _has_table_by_regclass
    try:
        yield
    finally:
        MigrationRecorder.has_table = stock


def tenant_schemas() -> list[str]:
    """Every workspace schema (the template too), in the order accounts were made."""
    from apps.accounts.models import Account

    return list(
        Account.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .order_by("pk")
        .values_list("schema_name", flat=True)
    )
