"""The global keyword library: industries → sectors → seed keywords (public schema)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Intent(models.TextChoices):
    INFORMATIONAL = "informational", "Informational"
    COMMERCIAL = "commercial", "Commercial"
    TRANSACTIONAL = "transactional", "Transactional"
    NAVIGATIONAL = "navigational", "Navigational"


class Industry(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "industries"

    def __str__(self) -> str:
        return self.name


class IndustrySector(models.Model):
    industry = models.ForeignKey(Industry, on_delete=models.CASCADE, related_name="sectors")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["industry__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["industry", "slug"], name="sector_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.industry.name} › {self.name}"


class SeedKeyword(models.Model):
    sector = models.ForeignKey(IndustrySector, on_delete=models.CASCADE, related_name="keywords")
    keyword = models.CharField(max_length=255)
    volume = models.PositiveIntegerField(default=0)
    difficulty = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    intent = models.CharField(max_length=20, choices=Intent.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-volume", "keyword"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "keyword"], name="seed_unique_keyword"),
            models.CheckConstraint(
                condition=models.Q(difficulty__gte=0, difficulty__lte=100),
                name="seed_difficulty_range",
            ),
        ]

    def __str__(self) -> str:
        return self.keyword
