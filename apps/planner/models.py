"""Keywords, clusters and ideas of a workspace (tenant schema)."""

from __future__ import annotations

import re
import unicodedata

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from apps.catalog.models import Intent
from apps.workspace.models import Sector, Site

MAX_KEYWORD_LENGTH = 255
_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def normalize_keyword(text: str) -> str:
    """The form keywords are compared in: case, spacing and punctuation do not matter."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def trashed(self):
        return self.filter(deleted_at__isnull=False)


class KeywordStatus(models.TextChoices):
    NEW = "new", "New"
    MAPPED = "mapped", "Mapped"


class KeywordSource(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    CSV = "csv", "CSV import"
    LIBRARY = "library", "Keyword library"


class ClusterStatus(models.TextChoices):
    NEW = "new", "New"
    MAPPED = "mapped", "Ideas generated"


class Cluster(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="clusters")
    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="clusters")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ClusterStatus.choices, default=ClusterStatus.NEW
    )
    disabled = models.BooleanField(default=False)
    # Kept current by the services (a count per row read would cost a query per cluster).
    keyword_count = models.PositiveIntegerField(default=0)
    total_volume = models.PositiveBigIntegerField(default=0)
    ideas_count = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-total_volume", "name"]
        constraints = [
            models.UniqueConstraint(
                "sector",
                models.functions.Lower("name"),
                condition=models.Q(deleted_at__isnull=True),
                name="cluster_unique_name_per_sector",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Keyword(models.Model):
    # No single-column index on site or cluster: the composite indexes below lead with them.
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="keywords", db_index=False
    )
    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="keywords")
    text = models.CharField(max_length=MAX_KEYWORD_LENGTH)
    normalized = models.CharField(max_length=MAX_KEYWORD_LENGTH)
    volume = models.PositiveIntegerField(default=0)
    difficulty = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    intent = models.CharField(max_length=20, choices=Intent.choices, blank=True)
    cpc = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=KeywordStatus.choices, default=KeywordStatus.NEW
    )
    disabled = models.BooleanField(default=False)
    cluster = models.ForeignKey(
        Cluster,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="keywords",
        db_index=False,
    )
    source = models.CharField(
        max_length=10, choices=KeywordSource.choices, default=KeywordSource.MANUAL
    )
    created = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-volume", "text"]
        constraints = [
            # A keyword in the trash still holds its place: restoring must not collide.
            models.UniqueConstraint(
                fields=["site", "sector", "normalized"], name="keyword_unique_per_sector"
            ),
            models.CheckConstraint(
                condition=models.Q(difficulty__lte=100), name="keyword_difficulty_range"
            ),
        ]
        indexes = [
            models.Index(fields=["site", "-volume"], name="keyword_site_volume"),
            models.Index(fields=["site", "status"], name="keyword_site_status"),
            models.Index(fields=["cluster"], name="keyword_cluster"),
            models.Index(fields=["site", "text"], name="keyword_site_text"),
            # Counts the live keywords of a site from the index alone (the list's total).
            models.Index(
                fields=["site"], condition=models.Q(deleted_at=None), name="keyword_live_site"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class IdeaStatus(models.TextChoices):
    NEW = "new", "New"
    QUEUED = "queued", "Queued"
    COMPLETED = "completed", "Completed"


class Idea(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="ideas")
    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="ideas")
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(max_length=200)
    outline = models.JSONField(default=list, help_text="[{heading, level, points}]")
    content_type = models.CharField(max_length=20, default="post")
    structure = models.CharField(max_length=20, default="article")
    primary_keyword = models.CharField(max_length=MAX_KEYWORD_LENGTH)
    secondary_keywords = models.JSONField(default=list)
    estimated_words = models.PositiveIntegerField(default=1200)
    status = models.CharField(max_length=10, choices=IdeaStatus.choices, default=IdeaStatus.NEW)
    disabled = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "title"]
        constraints = [
            models.UniqueConstraint(
                "site",
                models.functions.Lower("title"),
                condition=models.Q(deleted_at__isnull=True),
                name="idea_unique_title_per_site",
            )
        ]

    def __str__(self) -> str:
        return self.title
