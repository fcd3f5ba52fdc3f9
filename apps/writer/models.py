"""The writer's tables (tenant schema): tasks, contents with their versions, images and
internal-link suggestions.

Statuses follow SPEC §1: a task is `queued → in_progress → completed / failed`; content has an
editorial status (`draft → review → approved`, reject sends it back to draft) kept apart from its
publishing status, which only the publisher drives.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.planner.models import MAX_KEYWORD_LENGTH, Cluster, Idea, SoftDeleteQuerySet
from apps.workspace.models import Sector, Site

CONTENT_TYPES = [
    ("post", "Blog post"),
    ("page", "Page"),
    ("product", "Product page"),
    ("taxonomy", "Category page"),
]
STRUCTURES = [
    ("article", "Article"),
    ("guide", "Guide"),
    ("comparison", "Comparison"),
    ("review", "Review"),
    ("listicle", "Listicle"),
    ("how_to", "How-to"),
    ("faq", "FAQ"),
    ("news", "News"),
]
META_TITLE_MAX = 60
META_DESCRIPTION_MAX = 160


class TaskStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    IN_PROGRESS = "in_progress", "Writing"
    COMPLETED = "completed", "Written"
    FAILED = "failed", "Failed"


class Task(models.Model):
    """One article to write: what it is about and how it should be built."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="tasks")
    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="tasks")
    idea = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    brief = models.TextField(blank=True, help_text="Free notes for the writer.")
    outline = models.JSONField(default=list, blank=True, help_text="[{heading, level, points}]")
    content_type = models.CharField(max_length=20, choices=CONTENT_TYPES, default="post")
    structure = models.CharField(max_length=20, choices=STRUCTURES, default="article")
    primary_keyword = models.CharField(max_length=MAX_KEYWORD_LENGTH)
    secondary_keywords = models.JSONField(default=list, blank=True)
    target_words = models.PositiveIntegerField(default=1200)
    prompt_override = models.TextField(
        blank=True, help_text="Replaces the workspace's writing prompt for this task only."
    )
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.QUEUED)
    error = models.TextField(blank=True)
    # Set when the near-duplicate guard held the task: the content it resembles.
    duplicate_of = models.ForeignKey(
        "Content", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The user confirmed "write it anyway" after the guard held it.
    allow_duplicate = models.BooleanField(default=False)
    job = models.ForeignKey(
        "workspace.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # "Queue to writer" twice must not make two tasks for one idea.
            models.UniqueConstraint(
                fields=["idea"],
                condition=models.Q(deleted_at__isnull=True, idea__isnull=False),
                name="task_one_live_per_idea",
            )
        ]
        indexes = [models.Index(fields=["site", "status"], name="task_site_status")]

    def __str__(self) -> str:
        return self.title


class EditorialStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    APPROVED = "approved", "Approved"


class PublishingStatus(models.TextChoices):
    NOT_PUBLISHED = "not_published", "Not published"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


class Content(models.Model):
    """An article. Its text changes only through the content services, which keep a
    ContentVersion of every change."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="contents")
    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="contents")
    # One task writes one content; re-running the task makes a new version of it.
    task = models.OneToOneField(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="content"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=True, blank=True)
    html = models.TextField(blank=True)
    excerpt = models.TextField(blank=True)
    meta_title = models.CharField(max_length=200, blank=True)
    meta_description = models.CharField(max_length=400, blank=True)
    primary_keyword = models.CharField(max_length=MAX_KEYWORD_LENGTH, blank=True)
    secondary_keywords = models.JSONField(default=list, blank=True)
    word_count = models.PositiveIntegerField(default=0)
    target_words = models.PositiveIntegerField(default=1200)
    content_type = models.CharField(max_length=20, choices=CONTENT_TYPES, default="post")
    structure = models.CharField(max_length=20, choices=STRUCTURES, default="article")
    status = models.CharField(
        max_length=10, choices=EditorialStatus.choices, default=EditorialStatus.DRAFT
    )
    publishing_status = models.CharField(
        max_length=14, choices=PublishingStatus.choices, default=PublishingStatus.NOT_PUBLISHED
    )
    planned_for = models.DateField(null=True, blank=True)
    # Provenance: who wrote what is there now.
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    human_edited = models.BooleanField(default=False)
    # The on-page score of the current text (0–100), kept by the content services.
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    review_note = models.TextField(blank=True, help_text="The last reviewer's note on a reject.")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The last "write image prompts" job, so the images panel can follow it until it ends
    # (images do not exist yet while their prompts are being written).
    image_prompts_job = models.ForeignKey(
        "workspace.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-updated", "-id"]
        indexes = [models.Index(fields=["site", "status"], name="content_site_status")]

    def __str__(self) -> str:
        return self.title


class VersionSource(models.TextChoices):
    WRITTEN = "written", "Written by AI"
    EDITED = "edited", "Edited"
    AUTOSAVED = "autosaved", "Autosaved"
    RESTORED = "restored", "Restored"
    OPTIMIZED = "optimized", "Optimized by AI"
    FIXED = "fixed", "Fixed by the optimizer's rules"
    LINKED = "linked", "Internal link added"
    IMAGES = "images", "Images placed"


# The fields a version keeps (everything a person edits on the editor page).
VERSIONED_FIELDS = (
    "title",
    "slug",
    "html",
    "excerpt",
    "meta_title",
    "meta_description",
    "primary_keyword",
    "secondary_keywords",
)


class ContentVersion(models.Model):
    """A full copy of the editable fields after one save: who, when, what changed."""

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=VersionSource.choices)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=True, blank=True)
    html = models.TextField(blank=True)
    excerpt = models.TextField(blank=True)
    meta_title = models.CharField(max_length=200, blank=True)
    meta_description = models.CharField(max_length=400, blank=True)
    primary_keyword = models.CharField(max_length=MAX_KEYWORD_LENGTH, blank=True)
    secondary_keywords = models.JSONField(default=list, blank=True)
    word_count = models.PositiveIntegerField(default=0)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    changed = models.JSONField(default=list, help_text="Names of the fields this save changed.")
    note = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["content", "number"], name="version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.content_id} v{self.number}"


class ImageKind(models.TextChoices):
    FEATURED = "featured", "Featured"
    IN_ARTICLE = "in_article", "In article"


class ImageStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    GENERATING = "generating", "Generating"
    GENERATED = "generated", "Ready"
    FAILED = "failed", "Failed"


def image_upload_to(instance: Image, filename: str) -> str:
    """Files live under the workspace's own prefix: `<schema>/images/<content>/<name>`."""
    from django.db import connection

    return f"{connection.schema_name}/images/{instance.content_id}/{filename}"


class Image(models.Model):
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="images")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="images")
    kind = models.CharField(max_length=12, choices=ImageKind.choices)
    position = models.PositiveSmallIntegerField(default=0, help_text="0 for featured, 1… inside")
    heading = models.CharField(max_length=200, blank=True, help_text="The section it illustrates")
    prompt = models.TextField(blank=True)
    alt = models.CharField(max_length=300, blank=True)
    caption = models.CharField(max_length=300, blank=True, help_text="Shown under the picture")
    size = models.CharField(max_length=12, default="1200x630")
    format = models.CharField(max_length=4, default="webp")
    file = models.FileField(upload_to=image_upload_to, max_length=300, blank=True)
    uploaded = models.BooleanField(default=False, help_text="Replaced by a person's upload")
    status = models.CharField(
        max_length=10, choices=ImageStatus.choices, default=ImageStatus.PENDING
    )
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "workspace.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["content", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content", "position"], name="image_unique_position_per_content"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} image {self.position} of content {self.content_id}"


class LinkStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class LinkSuggestion(models.Model):
    """An internal link the linker proposes from one content to another. A dismissed pair is
    remembered and never proposed again; an accepted one is in the source's HTML."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="link_suggestions")
    source = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="links_in")
    anchor = models.CharField(max_length=200)
    confidence = models.FloatField()
    status = models.CharField(
        max_length=10, choices=LinkStatus.choices, default=LinkStatus.SUGGESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-confidence", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="link_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="link_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} ({self.anchor})"
