"""Creating workspaces: slug rules, the public tenant, the template schema and fast clones.

A new workspace is a copy of `ws_template`, a schema that `migrate_workspaces` keeps current
(it is an Account row like any other, so every migration run reaches it); the copy inherits
its migration fingerprint, so the next deploy skips it like the template. Copying a
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
from django_tenants.utils import schema_exists

from apps.accounts.migrating import fingerprint_copy
from apps.accounts.models import Account, Domain, Membership, Role, User
from apps.accounts.schema_copy import schema_clone

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


def slug_from_name(name: str) -> str:
    """The address a workspace name suggests ("Acme Co." → "acme-co"), free or not.

    Depends on the name only, never on which workspaces exist: the signup form shows it to
    anyone, so it must not hint at taken addresses (slug_available says yes or no, no more).
    """
    base = re.sub(r"[^a-z0-9]+", "-", slugify(name or "")).strip("-")
    if not base:
        return ""
    if not base[0].isalpha():
        base = f"ws-{base}"
    base = base[:30].strip("-")
    return base if len(base) >= 3 else f"{base}-ws"


def slug_available(slug: str) -> bool:
    """Whether `slug` can be a new workspace's address (valid, not reserved, not taken)."""
    try:
        slug_validate(slug)
    except ValidationError:
        return False
    return True


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
        call_command("migrate_workspaces", schema_name=template.schema_name, verbosity=verbosity)
        connection.set_schema_to_public()
    return template


@transaction.atomic
def workspace_create(*, name: str, slug: str, owner: User | None, timezone: str = "UTC") -> Account:
    """Create a workspace: account row, schema cloned from the template, domain, owner.
    `timezone` (an IANA name; UTC when unknown) is what its automation schedules follow.

    All or nothing: schema DDL is transactional in PostgreSQL, so a failure leaves no trace.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the workspace a name.", code="required")
    slug = slug_validate(slug)
    template = Account.objects.filter(schema_name=settings.IGNY8_TEMPLATE_SCHEMA).first()
    if template is None or not schema_exists(template.schema_name):
        template = template_ensure()
    from igny8.zones import zone_valid

    account = Account.objects.create(
        name=name[:100],
        slug=slug,
        schema_name=schema_for_slug(slug),
        timezone=timezone if zone_valid(timezone) else "UTC",
    )
    schema_clone(template.schema_name, account.schema_name)
    fingerprint_copy(source=template.schema_name, dest=account.schema_name)
    Domain.objects.create(domain=domain_for_slug(slug), tenant=account, is_primary=True)
    if owner is not None:
        Membership.objects.create(user=owner, account=account, role=Role.OWNER)
    from apps.billing.plans import subscription_start_free

    subscription_start_free(account=account)
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
