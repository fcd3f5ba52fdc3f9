"""The public index of scheduled automation: one row per site whose automation is on.

The sites and their automation settings live in each workspace's schema; the dispatcher must
find the due ones without visiting every schema, so the configuration service keeps a copy
of what it needs here, in `public`: which workspace, which site, when next, and the schedule
itself (so that a timezone change can re-time a workspace's rows without entering it).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from apps.schedule.timing import DAILY, FREQUENCIES


class SiteSchedule(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="site_schedules"
    )
    # The site lives in the account's schema: an id, no constraint across schemas.
    site_id = models.PositiveIntegerField()
    enabled = models.BooleanField(
        default=True, help_text="Staff can hold a site's schedule here without touching it."
    )
    next_run_at = models.DateTimeField(null=True, blank=True)
    frequency = models.CharField(
        max_length=8, choices=[(f, f.title()) for f in FREQUENCIES], default=DAILY
    )
    hour = models.PositiveSmallIntegerField(default=9, validators=[MaxValueValidator(23)])
    weekday = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(6)])
    day_of_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    last_dispatched_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_run_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "site_id"], name="schedule_one_per_site")
        ]
        indexes = [
            # The dispatcher's one question: which enabled rows are due. A partial index keeps
            # held rows out of it.
            models.Index(
                fields=["next_run_at"],
                condition=models.Q(enabled=True),
                name="schedule_due",
            )
        ]

    def __str__(self) -> str:
        return f"site {self.site_id} of {self.account_id} at {self.next_run_at}"


class PublishIndex(models.Model):
    """The public index of publishing: one row per site whose articles wait to go to WordPress.

    The publications live in each workspace's schema; the publishing dispatcher reads only this
    table to find the sites with something due (a scheduled article whose time came, a retry
    whose wait is over, a free slot for an approved article), so a tick costs the same with ten
    workspaces or ten thousand. The publisher's services keep it (`apps.publisher.services.
    index`): `next_due_at` is the earliest moment the site has work, or None when it has none.
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="publish_index"
    )
    # The site lives in the account's schema: an id, no constraint across schemas.
    site_id = models.PositiveIntegerField()
    next_due_at = models.DateTimeField(null=True, blank=True)
    last_dispatched_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "site_id"], name="publish_index_one_per_site"
            )
        ]
        indexes = [
            # The dispatcher's one question: which rows are due. Idle sites stay out of it.
            models.Index(
                fields=["next_due_at"],
                condition=models.Q(next_due_at__isnull=False),
                name="publish_index_due",
            )
        ]

    def __str__(self) -> str:
        return f"publishing of site {self.site_id} of {self.account_id} at {self.next_due_at}"
