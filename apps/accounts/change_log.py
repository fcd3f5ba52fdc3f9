"""Which workspace schemas changed: a version per schema that every write moves forward.

Every table of a workspace schema carries one statement-level trigger (`igny8_changes`). The
first statement of a transaction that writes a schema's table (INSERT, UPDATE, DELETE, COPY,
TRUNCATE; through the ORM, raw SQL, a worker or psql alike) adds a row for that schema to
`public.igny8_schema_change`, inside the same transaction: the row becomes visible exactly when
the write does, and a rolled-back write leaves none. A schema's version is the sum of its rows'
weights with the highest id: a committed write always makes it larger, whatever order
transactions commit in, and folding many rows into one (`compact`) keeps the sum.

What reads it: the page cache (apps/workspace/page_cache.py) keys answers by it.

Triggers are installed by the workspace migration that introduced them (existing schemas), by
`Migrator.migrate_schema` after any migration (tables a later migration adds) and after a schema
is cloned for a new workspace (apps/accounts/schema_copy.py). `unwatched_tables` lists any table
without one (a test checks there are none).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

TABLE = "public.igny8_schema_change"
TRIGGER = "igny8_changes"
# More rows than this for one schema and the reader folds them into one.
COMPACT_AFTER = 64

CREATE_SQL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    schema_name text NOT NULL,
    weight bigint NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS igny8_schema_change_schema ON {TABLE} (schema_name);

-- One row per schema per transaction: igny8.changed lists the schemas this transaction has
-- already noted (a transaction-local setting, undone with the savepoint that set it).
CREATE OR REPLACE FUNCTION public.igny8_note_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    noted text := coalesce(current_setting('igny8.changed', true), '');
BEGIN
    IF position('/' || TG_TABLE_SCHEMA || '/' IN noted) = 0 THEN
        INSERT INTO {TABLE} (schema_name) VALUES (TG_TABLE_SCHEMA);
        PERFORM set_config('igny8.changed', noted || '/' || TG_TABLE_SCHEMA || '/', true);
    END IF;
    RETURN NULL;
END $$;

-- Puts the trigger on every table of the schema that lacks it; returns how many it added.
CREATE OR REPLACE FUNCTION public.igny8_watch_schema(target text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    t record;
    added integer := 0;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = target AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND NOT EXISTS (
              SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = '{TRIGGER}')
    LOOP
        EXECUTE format(
            'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION public.igny8_note_change()',
            target, t.relname);
        added := added + 1;
    END LOOP;
    RETURN added;
END $$;
"""

# The trigger on one table (unqualified: the caller's search_path names the schema).
TRIGGER_SQL = (
    f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {{table}} "
    "FOR EACH STATEMENT EXECUTE FUNCTION public.igny8_note_change()"
)

DROP_SQL = f"""
DROP FUNCTION IF EXISTS public.igny8_watch_schema(text);
DROP FUNCTION IF EXISTS public.igny8_note_change() CASCADE;
DROP TABLE IF EXISTS {TABLE};
"""


def watch_schema(schema: str) -> int:
    """Put the change trigger on every table of `schema` that lacks one (idempotent)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('public.igny8_watch_schema(text)') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return 0  # the public schema's first migration has not made it yet
        cursor.execute("SELECT public.igny8_watch_schema(%s)", [schema])
        added = cursor.fetchone()[0]
    # A new or migrated schema is a change too: its pages may read differently now, and a
    # schema made again under an old name must not meet the old one's version.
    note_change(schema)
    return added


def note_change(schema: str) -> None:
    """Record a change of `schema` by hand (a new schema is born changed)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (schema_name) VALUES (%s)", [schema])


def unwatched_tables(schema: str) -> list[str]:
    """Tables of `schema` whose writes would not move its version (should be none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND NOT EXISTS (
                  SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = %s)
            ORDER BY 1
            """,
            [schema, TRIGGER],
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class Version:
    total: int  # sum of the weights: grows with every committed write
    last: int  # highest row id: tells apart states a truncated log would otherwise repeat
    rows: int


def compact(schema: str) -> None:
    """Fold the schema's rows into one with their summed weight (the version's order holds).
    Skipped when another session is compacting the same schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH lock AS (SELECT pg_try_advisory_xact_lock(hashtext('igny8_change:' || %s)) AS ok),
            gone AS (
                DELETE FROM {TABLE} c USING lock
                WHERE lock.ok AND c.schema_name = %s RETURNING c.weight
            )
            INSERT INTO {TABLE} (schema_name, weight)
            SELECT %s, sum(weight) FROM gone HAVING count(*) > 0
            """,
            [schema, schema, schema],
        )


COMPACT_ALL_EVERY_MINUTES = 10


def compact_all() -> int:
    """Fold every schema's rows into one each (the scheduled task, every few minutes): the log
    of a workspace whose pages nobody reads would otherwise only grow. Returns the schemas
    folded. Safe beside writers and other folders: rows a concurrent transaction adds are not
    yet visible and stay, rows another folder took are skipped, so every sum holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH lock AS (SELECT pg_try_advisory_xact_lock(hashtext('igny8_change:*')) AS ok),
            busy AS (
                SELECT schema_name FROM {TABLE} GROUP BY schema_name HAVING count(*) > 1
            ),
            gone AS (
                DELETE FROM {TABLE} c USING lock, busy
                WHERE lock.ok AND c.schema_name = busy.schema_name
                RETURNING c.schema_name, c.weight
            )
            INSERT INTO {TABLE} (schema_name, weight)
            SELECT schema_name, sum(weight) FROM gone GROUP BY schema_name
            """
        )
        return cursor.rowcount
