"""Publishing to WordPress: a site's connection, its publishing schedule, one publication per
article (where and when it goes, the remote post), every attempt, and the sync log.

The editorial status of an article stays the writer's (`Content.status`); its publishing status
(`Content.publishing_status`: not_published → scheduled → publishing → published / failed) is
moved only by the publisher's services, which keep `Publication` beside it. Writer and planner
never import this app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.workspace.models import Site
from apps.writer.models import Content


class Adapter(models.TextChoices):
    PLUGIN = "plugin", "IGNY8 Bridge plugin"
    CORE = "core", "WordPress REST API (Application Password)"


class ConnectionStatus(models.TextChoices):
    NEW = "new", "Not tested yet"
    CONNECTED = "connected", "Connected"
    ERROR = "error", "Not reachable"
    REVOKED = "revoked", "Key revoked"


class Connection(models.Model):
    """How one site's WordPress is reached. The key (plugin adapter) is shown once: we keep its
    sha256 (to find incoming calls) and an encrypted copy (to sign our calls); the Application
    Password (core adapter) only encrypted, and only ever sent to `secret_url`."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="wp_connection")
    adapter = models.CharField(max_length=8, choices=Adapter.choices, default=Adapter.PLUGIN)
    wp_url = models.URLField(max_length=300, help_text="The WordPress site's address.")
    # Plugin adapter: the connection key.
    key_id = models.CharField(max_length=12, blank=True, db_index=True)
    key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    key_secret = models.TextField(blank=True)  # igny8.ai.crypto.encrypt(key)
    key_created = models.DateTimeField(null=True, blank=True)
    # Core adapter: a WordPress user and one of its Application Passwords.
    wp_user = models.CharField(max_length=100, blank=True)
    app_password = models.TextField(blank=True)  # encrypted
    # Secrets go only to the address they were saved with (igny8/egress.py's rule).
    secret_url = models.URLField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=ConnectionStatus.choices, default=ConnectionStatus.NEW
    )
    last_error = models.TextField(blank=True)
    # What the WordPress side last reported (test connection, structure push).
    plugin_version = models.CharField(max_length=20, blank=True)
    wp_version = models.CharField(max_length=20, blank=True)
    php_version = models.CharField(max_length=20, blank=True)
    seo_plugin = models.CharField(max_length=40, blank=True)
    post_types = models.JSONField(default=list, blank=True)  # [{"name", "label"}]
    taxonomies = models.JSONField(default=list, blank=True)  # [{"name", "label"}]
    categories = models.JSONField(default=list, blank=True)  # [{"id", "name", "slug"}]
    tags = models.JSONField(default=list, blank=True)
    structure_at = models.DateTimeField(null=True, blank=True)
    tested_at = models.DateTimeField(null=True, blank=True)
    outbound_ok_at = models.DateTimeField(null=True, blank=True)  # we reached WordPress
    inbound_ok_at = models.DateTimeField(null=True, blank=True)  # WordPress reached us
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.site} → {self.wp_url}"


class PublishSchedule(models.Model):
    """When a site publishes on its own: weekdays, time slots, a daily cap. Times are wall
    clock in `time_zone` (blank: the workspace's timezone)."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="publish_schedule")
    enabled = models.BooleanField(default=False)
    weekdays = models.JSONField(default=list, blank=True)  # [0..6], Monday = 0
    slots = models.JSONField(default=list, blank=True)  # ["09:00", "14:30"], sorted
    daily_cap = models.PositiveSmallIntegerField(default=1)
    time_zone = models.CharField(max_length=64, blank=True)
    post_status = models.CharField(
        max_length=8,
        choices=[("publish", "Published"), ("draft", "Draft")],
        default="publish",
        help_text="How a scheduled article arrives in WordPress.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"schedule of {self.site}"


class Publication(models.Model):
    """One article's way to WordPress: when it publishes, the remote post once it exists (a
    retry updates that post, never makes another), the retry state."""

    content = models.OneToOneField(Content, on_delete=models.CASCADE, related_name="publication")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="publications")
    publish_at = models.DateTimeField(null=True, blank=True)  # the slot; None = not scheduled
    slotted = models.BooleanField(default=False)  # placed by the schedule (vs. by a person)
    post_status = models.CharField(max_length=10, default="publish")  # asked of WordPress
    remote_id = models.PositiveBigIntegerField(null=True, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    remote_status = models.CharField(max_length=12, blank=True)  # publish/draft/future/trash…
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["site", "publish_at"], name="publication_site_when"),
            models.Index(fields=["remote_id"], name="publication_remote"),
        ]

    def __str__(self) -> str:
        return f"{self.content} at {self.publish_at}"


class AttemptOutcome(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "Published"
    FAILED = "failed", "Failed"


class PublishAttempt(models.Model):
    """Every try, kept: when, by what adapter, what came back."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField()
    adapter = models.CharField(max_length=8, choices=Adapter.choices)
    outcome = models.CharField(
        max_length=8, choices=AttemptOutcome.choices, default=AttemptOutcome.RUNNING
    )
    remote_id = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    wp_ms = models.PositiveIntegerField(default=0)  # time spent waiting on WordPress
    started = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "number"], name="attempt_number")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.publication_id}: {self.outcome}"


class Direction(models.TextChoices):
    OUT = "out", "To WordPress"
    IN = "in", "From WordPress"


class SyncEvent(models.Model):
    """The sync log: every exchange between a site's WordPress and us, in plain words."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sync_events")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    # test, publish, unpublish, structure, status, permalink, ack, pull
    kind = models.CharField(max_length=20)
    object_type = models.CharField(max_length=20, blank=True)  # content, site, post
    object_id = models.CharField(max_length=40, blank=True)
    ok = models.BooleanField(default=True)
    summary = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["site", "-created"], name="sync_site_recent")]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.object_type} {self.object_id}"
