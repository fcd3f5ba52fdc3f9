"""A workspace's own tables (one copy per tenant schema): sites, sectors, grants and jobs.

Links to public-schema rows (users, catalog) carry no database constraint: a constraint
across schemas would tie every workspace to public rows and break schema cloning and
user deletion. The services keep those links valid instead.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("sv", "Swedish"),
    ("da", "Danish"),
    ("no", "Norwegian"),
    ("fi", "Finnish"),
    ("pl", "Polish"),
    ("cs", "Czech"),
    ("ro", "Romanian"),
    ("tr", "Turkish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("ar", "Arabic"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("ur", "Urdu"),
    ("id", "Indonesian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
]

MAX_SECTORS_PER_SITE = 5


class Site(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=300)
    industry = models.ForeignKey(
        "catalog.Industry",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en")
    is_active = models.BooleanField(default=True)
    # Content settings: every AI prompt for this site carries them.
    brand_voice = models.CharField(
        max_length=300,
        default="Clear, friendly and knowledgeable",
        help_text="How articles should sound, e.g. “warm, practical, no jargon”.",
    )
    audience = models.CharField(
        max_length=300, blank=True, help_text="Who reads the site, e.g. “first-time homeowners”."
    )
    default_word_count = models.PositiveIntegerField(
        default=1200, validators=[MinValueValidator(300), MaxValueValidator(5000)]
    )
    extra_instructions = models.TextField(
        blank=True,
        help_text="Appended to every prompt, e.g. “Use US spelling. Never mention competitors.”",
    )
    images_per_article = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(8)],
        help_text="In-article images (0–8), besides the featured image.",
    )
    image_style = models.CharField(max_length=200, default="Clean editorial illustration")
    brand_color = models.CharField(
        max_length=7,
        default="#4f46e5",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4f46e5.")],
        help_text="Used on generated title-card images.",
    )
    # Writer settings.
    editors_can_approve = models.BooleanField(
        default=False,
        help_text="Let editors approve content. Owners and admins always can.",
    )
    links_per_content = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text="At most this many internal-link suggestions per article (0–20).",
    )
    duplicate_threshold = models.PositiveSmallIntegerField(
        # Measured (bench/duplicate_threshold.py): ideas of one cluster reach 77 %,
        # near-equal titles start at 83 %.
        default=80,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
        help_text="Hold a task whose title and outline are at least this similar (%) to an "
        "existing article (50–100; 100 turns the guard off).",
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # Case-insensitive: "Garden" and "garden" would be one site to a person.
            models.UniqueConstraint(Lower("name"), name="site_unique_name_ci")
        ]

    def __str__(self) -> str:
        return self.name


class Sector(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sectors")
    industry_sector = models.ForeignKey(
        "catalog.IndustrySector",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "industry_sector"], name="sector_unique_per_site"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SiteAccess(models.Model):
    """Grants an editor or viewer one site. Owners and admins see every site without one."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "site access"
        constraints = [models.UniqueConstraint(fields=["site", "user"], name="site_access_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.site}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Job(models.Model):
    """One background job of this workspace, as its owner sees it (progress, outcome)."""

    kind = models.CharField(max_length=60)
    label = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveIntegerField(default=0, help_text="Items to process, when known.")
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "-created"], name="job_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}


class AIProviderSettings(models.Model):
    """This workspace's own AI provider (one row). Without it the platform default is used."""

    enabled = models.BooleanField(default=True, help_text="Use this provider for the workspace.")
    base_url = models.URLField(max_length=300, help_text="e.g. https://api.openai.com/v1")
    # Encrypted at rest (igny8.ai.crypto); only the last characters are ever shown again.
    api_key_encrypted = models.TextField(blank=True)
    api_key_hint = models.CharField(max_length=12, blank=True)
    text_model = models.CharField(max_length=100)
    image_model = models.CharField(max_length=100, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "AI provider settings"
        verbose_name_plural = "AI provider settings"

    def __str__(self) -> str:
        return f"{self.base_url} ({self.text_model})"


class PromptOverride(models.Model):
    """A workspace's own prompt template for one AI function (reset = delete the row)."""

    function = models.CharField(max_length=40, unique=True)
    template = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"prompt override: {self.function}"


class AIUsage(models.Model):
    """One AI call as it happened: what it cost and how it went. Credits link to the billing
    ledger by `reservation_key` (the ledger lives with billing in the public schema)."""

    function = models.CharField(max_length=40)
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=100, blank=True)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    credits = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10)  # succeeded | failed
    error = models.TextField(blank=True)
    reservation_key = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "AI usage record"

    def __str__(self) -> str:
        return f"{self.function} via {self.provider} ({self.status})"


class NotificationKind(models.TextChoices):
    """What a notification is about; people choose on their profile which kinds to get by
    email. The labels are those choices' words."""

    RUN_FINISHED = "run_finished", "An automation run finished"
    RUN_FAILED = "run_failed", "An automation run failed or stopped"
    CREDITS_LOW = "credits_low", "Credits are running low"
    INVITATION_ACCEPTED = "invitation_accepted", "Someone accepted an invitation"
    PUBLISH_FAILED = "publish_failed", "Publishing an article failed"
    PUBLISH_DONE = "publish_done", "An article was published"


class Notification(models.Model):
    """Something one member should know, in plain words, with the page to look at.

    Made by `apps.workspace.notifications.notify` only. `link` is a path on this workspace's
    host. `key` (optional) names a once-only event ("credits low in the period from …"): a
    second notify with the same key sends nothing.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=120, blank=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created"], name="notification_recipient"),
            # The bell counts unread rows on every page and every HTMX answer.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
