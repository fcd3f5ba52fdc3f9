"""Accounts (the tenants), their domains, users, memberships and invitations.

These live in the public schema: a user belongs to many workspaces through Membership.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin


def timezone_validate(value: str) -> None:
    """An IANA timezone name this machine knows; a plain sentence otherwise."""
    from igny8.zones import zone_valid

    if not zone_valid(value or ""):
        raise ValidationError(
            f"“{value}” is not a timezone we know. Use a name from the list, such as "
            "“Europe/Paris” or “America/New_York”, or “UTC”.",
            code="invalid_timezone",
        )


class Account(TenantMixin):
    """A customer workspace. One account is one PostgreSQL schema and one subdomain."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=40, unique=True, help_text="The workspace subdomain.")
    created = models.DateTimeField(default=timezone.now)
    is_system = models.BooleanField(
        default=False, help_text="Platform-owned (public, template). Cannot be deleted."
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive workspaces can be read but not changed (402)."
    )
    # What "every day at 09:00" means for this workspace's automation schedules.
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[timezone_validate],
        help_text="IANA timezone name, e.g. Europe/Paris. Automation schedules follow it.",
    )

    # Schemas are cloned from the template by apps.accounts.provisioning, never on save().
    auto_create_schema = False
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def delete(self, *args, **kwargs):
        if self.is_system:
            raise SystemAccountError(f"{self.name} is a system account and cannot be deleted.")
        return super().delete(*args, **kwargs)


class SystemAccountError(Exception):
    """Raised when something tries to delete a system account."""


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with an email address; belongs to workspaces via Membership."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Platform staff: admin access.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The notification kinds (apps.workspace.models.NotificationKind) this person also wants
    # by email, in every workspace they belong to. Opt-in: none until chosen on the profile.
    notification_emails = models.JSONField(default=list, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return (self.name.split(" ")[0] if self.name else "") or self.email.split("@")[0]

    @property
    def display_name(self) -> str:
        return self.get_full_name()


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# Higher ranks can do everything lower ranks can.
ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3, Role.OWNER: 4}


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.account} ({self.role})"

    def has_role(self, at_least: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(at_least)]

    @property
    def is_manager(self) -> bool:
        """Owners and admins manage the team, sites, billing and settings."""
        return self.has_role(Role.ADMIN)


def _new_token() -> str:
    # Also named by migration 0001 (the old default of the plain token column).
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of an invitation token: its SHA-256 (the token is 32 random bytes, so
    a plain hash is enough; no salt or slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _unknown_token_digest() -> str:
    # The digest of a token nobody has: the link works once the email job mints a real one.
    return token_digest(_new_token())


def _default_expiry():
    return timezone.now() + timedelta(days=7)


class Invitation(models.Model):
    """An invitation to join a workspace. Editors and viewers get the sites listed in site_ids."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    # Sites live in the workspace schema, so the grant travels as ids until it is accepted.
    site_ids = models.JSONField(default=list, blank=True)
    # Only a digest: the token itself is in the emailed link and nowhere else, so reading the
    # database (a backup, a log of queries) is no way into a workspace.
    token_hash = models.CharField(
        max_length=64, unique=True, default=_unknown_token_digest, editable=False
    )
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=_default_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.account}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"


class SchemaFingerprint(models.Model):
    """What a schema's migrations were the last time `migrate_workspaces` left it current.

    A deploy skips every schema whose row names the migrations on disk (`target`) and whose
    django_migrations rows still hash to `applied`: one query for all of them instead of a
    migration plan per schema (see apps.accounts.migrating). A cache: losing it costs one slow
    run, never a wrong skip.
    """

    schema_name = models.CharField(max_length=63, primary_key=True)
    target = models.CharField(max_length=32, help_text="md5 of the migration graph on disk.")
    applied = models.CharField(max_length=32, help_text="md5 of the schema's django_migrations.")
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.schema_name
