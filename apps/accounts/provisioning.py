"""Creating workspaces: slug rules, the public tenant, the template schema and fast clones.

A new workspace is a copy of `ws_template`, a schema that `migrate_schemas` keeps current
(it is an Account row like any other, so every migration run reaches it). Copying a
migrated schema takes a fraction of a second; running every tenant migration takes seconds.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.text import slugify
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

from apps.accounts.models import Account, Domain, Membership, Role, User

log = logging.getLogger(__name__)

RESERVED_SLUGS = frozenset(
    """
    www admin administrator api app apps public static media assets cdn mail email smtp imap
    pop ftp ssh blog help support docs doc status billing pay payments stripe webhook webhooks
    account accounts login logout signup register auth oauth sso dashboard demo-template
    template templates system root test staging dev prod production igny8 ws internal
    security abuse postmaster hostmaster webmaster noreply no-reply
    """.split()
)
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$")


def slug_validate(slug: str) -> str:
    """Return the slug if it can be a new workspace subdomain, else raise ValidationError."""
    # Refused rather than lower-cased: people should get exactly the address they typed.
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or "--" in slug:
        raise ValidationError(
            "Use 3–30 lowercase letters, digits and single hyphens, starting with a letter "
            "(for example “acme-marketing”).",
            code="invalid",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            f"“{slug}” is reserved. Please choose another address.", code="reserved"
        )
    if Account.objects.filter(slug=slug).exists() or schema_exists(schema_for_slug(slug)):
        raise ValidationError(
            f"“{slug}” is already taken. Please choose another address.", code="taken"
        )
    return slug


def slug_suggest(name: str) -> str:
    """A free, valid slug derived from a workspace name ("Acme Co." → "acme-co")."""
    base = slugify(name or "")[:24].strip("-") or "workspace"
    if not base[0].isalpha():
        base = f"ws-{base}"[:24]
    if len(base) < 3:
        base = f"{base}-ws"
    candidate, n = base, 1
    while True:
        try:
            return slug_validate(candidate)
        except ValidationError:
            n += 1
            candidate = f"{base}-{n}"
            if n > 500:
                raise


def schema_for_slug(slug: str) -> str:
    return "ws_" + slug.replace("-", "_")


def domain_for_slug(slug: str) -> str:
    return f"{slug}.{settings.IGNY8_BASE_DOMAIN}"


def public_tenant_ensure() -> Account:
    """The public schema's Account row and the base domain (get-or-create)."""
    account, _ = Account.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={"name": "IGNY8 platform", "slug": "public", "is_system": True},
    )
    Domain.objects.get_or_create(
        domain=settings.IGNY8_BASE_DOMAIN, defaults={"tenant": account, "is_primary": True}
    )
    return account


def template_ensure(verbosity: int = 0) -> Account:
    """The template workspace schema exists and is fully migrated (get-or-create)."""
    template, created = Account.objects.get_or_create(
        schema_name=settings.IGNY8_TEMPLATE_SCHEMA,
        defaults={"name": "Workspace template", "slug": "template", "is_system": True},
    )
    if created or not schema_exists(template.schema_name):
        if not schema_exists(template.schema_name):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template.schema_name}"')
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=template.schema_name,
            interactive=False,
            verbosity=verbosity,
        )
        connection.set_schema_to_public()
    return template


# Objects the catalog copy in `_schema_copy` does not reproduce (views, functions, triggers,
# rules, policies, own types, grants and other owners, serial sequences, inheritance, unlogged
# tables, comments on indexes or constraints). Django migrations make none of them unless a
# RunSQL does; a template holding any is copied by django-tenants' clone function instead.
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
  + (SELECT count(*) FROM pg_trigger g JOIN rel ON rel.oid = g.tgrelid WHERE NOT g.tgisinternal)
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


def _schema_copy(cursor, template_schema: str, new_schema: str) -> bool:
    """Rebuild the template's tables, keys, indexes and rows in a new schema, from the catalog.

    Keeps every constraint and index name (migrations drop them by name; the clone function
    renames unique constraints to PostgreSQL defaults) and sends the whole copy as one batch.
    Returns False, doing nothing, when the template holds objects it does not copy.
    """
    cursor.execute(_UNCOPYABLE_SQL, {"schema": template_schema})
    if cursor.fetchone()[0]:
        return False
    cursor.execute("SELECT current_setting('search_path')")
    search_path = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('search_path', quote_ident(%s), true)", [template_schema])
    cursor.execute(_COPY_STATEMENTS_SQL, {"schema": template_schema})
    statements = [row[0] for row in cursor.fetchall()]
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
            return
        log.warning("template %s holds objects the fast copy skips; cloning it", template_schema)
        _clone_function_ensure(cursor)
        cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [template_schema, new_schema])


@transaction.atomic
def workspace_create(*, name: str, slug: str, owner: User | None) -> Account:
    """Create a workspace: account row, schema cloned from the template, domain, owner.

    All or nothing: schema DDL is transactional in PostgreSQL, so a failure leaves no trace.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the workspace a name.", code="required")
    slug = slug_validate(slug)
    template = Account.objects.filter(schema_name=settings.IGNY8_TEMPLATE_SCHEMA).first()
    if template is None or not schema_exists(template.schema_name):
        template = template_ensure()
    account = Account.objects.create(name=name[:100], slug=slug, schema_name=schema_for_slug(slug))
    schema_clone(template.schema_name, account.schema_name)
    Domain.objects.create(domain=domain_for_slug(slug), tenant=account, is_primary=True)
    if owner is not None:
        Membership.objects.create(user=owner, account=account, role=Role.OWNER)
    log.info("workspace %s created for %s", slug, owner)
    return account


def workspace_delete(*, account: Account) -> None:
    """Delete a workspace and drop its schema. System accounts are refused."""
    account.delete(force_drop=True)


def workspace_url(account: Account, request=None, path: str = "/") -> str:
    """Absolute URL of a page in a workspace, keeping the scheme and port of this request."""
    scheme = "https" if request is not None and request.is_secure() else "http"
    if request is None:
        scheme = settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL
    port = ""
    if request is not None:
        host = request.get_host()
        if ":" in host:
            port = ":" + host.rsplit(":", 1)[1]
    domain = account.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    return f"{scheme}://{domain or domain_for_slug(account.slug)}{port}{path}"


def public_url(request=None, path: str = "/") -> str:
    """Absolute URL on the public host (login, signup, chooser)."""
    scheme = "https" if request is not None and request.is_secure() else "http"
    port = ""
    if request is not None:
        host = request.get_host()
        if ":" in host:
            port = ":" + host.rsplit(":", 1)[1]
    return f"{scheme}://{settings.IGNY8_BASE_DOMAIN}{port}{path}"
