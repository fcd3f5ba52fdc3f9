"""Copying the template schema into a new workspace schema, fast and faithfully.

django-tenants' clone function renames unique constraints to PostgreSQL's defaults and widens
integer identity sequences, so a later migration that drops a constraint by name would work on
the template and fail on every workspace. This copy rebuilds the template from the catalog
under the same names, as one batch in one transaction. The statements depend only on the
template's structure, so they are computed once per migration state and reused.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

from apps.accounts import change_log

log = logging.getLogger(__name__)

# Objects the catalog copy in `_schema_copy` does not reproduce (views, functions, triggers,
# rules, policies, own types, grants and other owners, serial sequences, inheritance, unlogged
# tables, comments on indexes or constraints). Django migrations make none of them unless a
# RunSQL does; a template holding any is copied by django-tenants' clone function instead.
# The change-log triggers (apps/accounts/change_log.py) are the exception: `schema_clone` puts
# them on the copy's tables afterwards, as on any new table.
_UNCOPYABLE_SQL = """
WITH src AS (SELECT * FROM pg_namespace WHERE nspname = %(schema)s),
me AS (SELECT oid FROM pg_roles WHERE rolname = current_user),
rel AS (SELECT c.* FROM pg_class c JOIN src ON c.relnamespace = src.oid)
SELECT
  (SELECT count(*) FROM src WHERE nspacl IS NOT NULL OR nspowner <> (SELECT oid FROM me))
  + (SELECT count(*) FROM pg_default_acl a JOIN src ON a.defaclnamespace = src.oid)
  + (SELECT count(*) FROM rel
    WHERE relkind NOT IN ('r', 'i', 'S') OR relpersistence <> 'p' OR relrowsecurity
      OR relispartition OR relacl IS NOT NULL
      OR relowner <> (SELECT oid FROM me)
      OR (relkind = 'S' AND NOT EXISTS (
        SELECT 1 FROM pg_depend d
        WHERE d.classid = 'pg_class'::regclass AND d.objid = rel.oid AND d.deptype = 'i')))
  + (SELECT count(*) FROM pg_inherits i JOIN rel ON rel.oid IN (i.inhrelid, i.inhparent))
  + (SELECT count(*) FROM pg_proc p JOIN src ON p.pronamespace = src.oid)
  + (SELECT count(*) FROM pg_type t JOIN src ON t.typnamespace = src.oid
      WHERE NOT EXISTS (SELECT 1 FROM rel WHERE rel.reltype IN (t.oid, t.typelem)))
  + (SELECT count(*) FROM pg_trigger g JOIN rel ON rel.oid = g.tgrelid
      WHERE NOT g.tgisinternal AND g.tgname <> 'igny8_changes')
  + (SELECT count(*) FROM pg_rewrite r JOIN rel ON rel.oid = r.ev_class)
  + (SELECT count(*) FROM pg_policy p JOIN rel ON rel.oid = p.polrelid)
  + (SELECT count(*) FROM pg_description d JOIN rel ON rel.oid = d.objoid
      WHERE d.classoid = 'pg_class'::regclass AND rel.relkind <> 'r')
  + (SELECT count(*) FROM pg_description d JOIN pg_constraint k ON k.oid = d.objoid
      JOIN src ON k.connamespace = src.oid WHERE d.classoid = 'pg_constraint'::regclass)
"""

# The statements that rebuild the template under another name, in order. Run with the
# search_path set to the template alone, so definitions name the template's own tables
# unqualified (they then resolve in the new schema) and everything else with its schema.
_COPY_STATEMENTS_SQL = """
WITH tbl AS (
  SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = %(schema)s AND c.relkind = 'r'
), identity AS (
  SELECT tbl.relname, a.attname, a.attidentity, sc.oid AS seq_oid, sc.relname AS seq_name,
    q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle
  FROM tbl
  JOIN pg_attribute a ON a.attrelid = tbl.oid AND a.attidentity <> '' AND NOT a.attisdropped
  JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = tbl.oid
    AND d.refobjsubid = a.attnum AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
  JOIN pg_class sc ON sc.oid = d.objid
  JOIN pg_sequence q ON q.seqrelid = sc.oid
)
SELECT statement FROM (
  SELECT 1 AS step, relname::text AS name, format(
    'CREATE TABLE %%I (LIKE %%I.%%I INCLUDING ALL EXCLUDING INDEXES EXCLUDING IDENTITY)',
    relname, %(schema)s, relname
  ) AS statement FROM tbl
  UNION ALL
  SELECT 2, relname, format('COMMENT ON TABLE %%I IS %%L', relname, d.description)
  FROM tbl JOIN pg_description d
    ON d.objoid = tbl.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
  UNION ALL
  -- Identity columns as pg_dump writes them, keeping the sequence's name and type. LIKE
  -- would give an integer column a bigint sequence capped at 2^31, a cap that a later
  -- AutoField -> BigAutoField migration would not lift in the copies.
  SELECT 2, relname, format(
    'ALTER TABLE %%I ALTER COLUMN %%I ADD GENERATED %%s AS IDENTITY (SEQUENCE NAME %%I'
    ' START WITH %%s INCREMENT BY %%s MINVALUE %%s MAXVALUE %%s CACHE %%s %%sCYCLE)',
    relname, attname, CASE attidentity WHEN 'a' THEN 'ALWAYS' ELSE 'BY DEFAULT' END,
    seq_name, seqstart, seqincrement, seqmin, seqmax, seqcache,
    CASE WHEN seqcycle THEN '' ELSE 'NO ' END
  ) FROM identity
  UNION ALL
  SELECT 3, relname, format(
    'INSERT INTO %%I (%%s) OVERRIDING SYSTEM VALUE SELECT %%2$s FROM %%I.%%I',
    relname, columns, %(schema)s, relname
  ) FROM tbl CROSS JOIN LATERAL (
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS columns
    FROM pg_attribute a
    WHERE a.attrelid = tbl.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
  ) cols WHERE columns IS NOT NULL
  UNION ALL
  SELECT 4, relname, format('SELECT setval(%%L, %%s)', quote_ident(seq_name), last_value)
  FROM identity CROSS JOIN LATERAL pg_sequence_last_value(seq_oid) last_value
  WHERE last_value IS NOT NULL
  UNION ALL
  SELECT 5 + (k.contype = 'f')::int, k.conname, format(
    'ALTER TABLE %%s ADD CONSTRAINT %%I %%s',
    k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid, true)
  ) FROM pg_constraint k JOIN tbl ON tbl.oid = k.conrelid WHERE k.contype IN ('p', 'u', 'x', 'f')
  UNION ALL
  SELECT 5, c.relname, pg_get_indexdef(i.indexrelid, 0, true)
  FROM pg_index i JOIN tbl ON tbl.oid = i.indrelid JOIN pg_class c ON c.oid = i.indexrelid
  WHERE NOT EXISTS (
    SELECT 1 FROM pg_constraint k
    WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
) steps ORDER BY step, name
"""


# (template schema, migration state) -> statements, or None when the copy cannot be used.
_STATEMENTS_CACHE: dict[tuple[str, tuple], list[str] | None] = {}


def _migration_state(cursor, template_schema: str) -> tuple:
    quoted = connection.ops.quote_name(template_schema)
    cursor.execute(f"SELECT count(*), max(id), max(applied) FROM {quoted}.django_migrations")
    return tuple(cursor.fetchone())


def _copy_statements(cursor, template_schema: str) -> list[str] | None:
    """The statements that rebuild the template, cached until its migrations change."""
    key = (template_schema, _migration_state(cursor, template_schema))
    if key in _STATEMENTS_CACHE:
        return _STATEMENTS_CACHE[key]
    cursor.execute(_UNCOPYABLE_SQL, {"schema": template_schema})
    if cursor.fetchone()[0]:
        _STATEMENTS_CACHE[key] = None
        return None
    cursor.execute("SELECT current_setting('search_path')")
    search_path = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('search_path', quote_ident(%s), true)", [template_schema])
    cursor.execute(_COPY_STATEMENTS_SQL, {"schema": template_schema})
    statements = [row[0] for row in cursor.fetchall()]
    # Last, after the rows: the change-log trigger on every table (change_log.py), in the same
    # batch rather than by a catalog walk of the new schema afterwards.
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1",
        [template_schema],
    )
    statements += [
        change_log.TRIGGER_SQL.format(table=connection.ops.quote_name(row[0]))
        for row in cursor.fetchall()
    ]
    cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
    _STATEMENTS_CACHE.clear()
    _STATEMENTS_CACHE[key] = statements
    return statements


def _schema_copy(cursor, template_schema: str, new_schema: str) -> bool:
    """Rebuild the template's tables, keys, indexes and rows in a new schema, from the catalog.

    Keeps every constraint and index name (migrations drop them by name; the clone function
    renames unique constraints to PostgreSQL defaults) and sends the whole copy as one batch.
    Returns False, doing nothing, when the template holds objects it does not copy.
    """
    statements = _copy_statements(cursor, template_schema)
    if statements is None:
        return False
    cursor.execute("SELECT current_setting('search_path')")
    search_path = cursor.fetchone()[0]
    quoted = connection.ops.quote_name(new_schema)
    batch = [f"CREATE SCHEMA {quoted}", f"SET LOCAL search_path = {quoted}", *statements]
    cursor.execute(";\n".join(batch))
    # django-tenants tracks the search_path it set; hand the connection back as it was.
    cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
    return True


def _clone_function_ensure(cursor) -> None:
    # django-tenants re-creates its 4,000-line clone function on every call; once is enough.
    cursor.execute("SELECT 1 FROM pg_proc WHERE proname = 'clone_schema'")
    if cursor.fetchone() is None:
        CloneSchema()._create_clone_schema_function()


def schema_clone(template_schema: str, new_schema: str) -> None:
    """Copy the template's tables, sequences and rows (migrations, content types)."""
    connection.set_schema_to_public()
    if schema_exists(new_schema, case_sensitive=False):
        raise ValidationError("That workspace address is already in use.")
    # One transaction: the copy sets the search_path for itself only, and fails as a whole.
    with transaction.atomic(), connection.cursor() as cursor:
        if _schema_copy(cursor, template_schema, new_schema):
            change_log.note_change(new_schema)  # the copy put the triggers on
            return
        log.warning("template %s holds objects the fast copy skips; cloning it", template_schema)
        _clone_function_ensure(cursor)
        cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [template_schema, new_schema])
        # The clone function's copy may lack the change-log triggers: put them on.
        change_log.watch_schema(new_schema)
