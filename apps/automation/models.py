"""Automation: one configuration per site, its runs, and what each stage of a run did.

A run goes through seven stages in order (`STAGES`); each stage calls the planner's and the
writer's own services. At most one run per site is active (queued, running or paused): a
partial unique index says so, so two "run now" at the same moment cannot both start one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.workspace.models import Site

# (number, name, what one item is): the seven stages, in the order a run takes them.
STAGES: list[tuple[int, str, str]] = [
    (1, "Keywords → clusters", "keyword"),
    (2, "Clusters → ideas", "cluster"),
    (3, "Ideas → tasks", "idea"),
    (4, "Tasks → articles", "task"),
    (5, "Articles → image prompts", "article"),
    (6, "Image prompts → images", "image"),
    (7, "Review → approved", "article"),
]
STAGE_NUMBERS = [number for number, _, _ in STAGES]
STAGE_NAMES = {number: name for number, name, _ in STAGES}
STAGE_UNITS = {number: unit for number, _, unit in STAGES}
BATCHED_STAGES = [1, 2, 3, 4, 5, 6]  # stage 7 has no batch size: it only moves statuses

# Per-stage batch sizes: defaults and the largest allowed. Keywords are grouped many at a
# time (clustering is local and free); each AI stage takes a few items per batch.
DEFAULT_BATCH_SIZES = {1: 200, 2: 5, 3: 20, 4: 5, 5: 5, 6: 5}
MAX_BATCH_SIZES = {1: 2000, 2: 50, 3: 200, 4: 50, 5: 50, 6: 50}


def default_batch_sizes() -> dict[str, int]:
    return {str(stage): size for stage, size in DEFAULT_BATCH_SIZES.items()}


def default_stages_enabled() -> list[int]:
    return list(STAGE_NUMBERS)


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class ApprovalMode(models.TextChoices):
    REVIEW = "review", "Review: stop at review, a person approves"
    AUTO = "auto", "Automatic: approve when the on-page score is high enough"


class AutomationConfig(models.Model):
    """How automation runs on one site. Made with defaults the first time it is asked for
    (`services.config_for`); changed only through `config_save` / `config_reset`."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="automation")
    enabled = models.BooleanField(default=False, help_text="Run on the schedule below.")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    hour = models.PositiveSmallIntegerField(default=2, help_text="0–23, workspace time.")
    weekday = models.PositiveSmallIntegerField(default=0, help_text="0 = Monday … 6 = Sunday.")
    day_of_month = models.PositiveSmallIntegerField(default=1, help_text="1–28.")
    # {"1": keywords per batch, "2": clusters, "3": ideas, "4": tasks, "5": articles, "6": articles}
    batch_sizes = models.JSONField(default=default_batch_sizes)
    delay_seconds = models.PositiveIntegerField(default=0, help_text="Pause between items.")
    max_items = models.PositiveIntegerField(
        default=100, help_text="At most this many items per stage in one run (stages 2–7)."
    )
    approval_mode = models.CharField(
        max_length=10, choices=ApprovalMode.choices, default=ApprovalMode.REVIEW
    )
    min_score = models.PositiveSmallIntegerField(
        default=70, help_text="Automatic approval needs at least this on-page score (0–100)."
    )
    stages_enabled = models.JSONField(default=default_stages_enabled)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "automation configuration"

    def __str__(self) -> str:
        return f"Automation of {self.site}"

    def batch_size(self, stage: int) -> int:
        return int((self.batch_sizes or {}).get(str(stage), DEFAULT_BATCH_SIZES.get(stage, 1)))

    def stage_on(self, stage: int) -> bool:
        return int(stage) in {int(s) for s in self.stages_enabled or []}


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    STOPPED = "stopped", "Stopped"


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED)


class RunTrigger(models.TextChoices):
    MANUAL = "manual", "Run now"
    SCHEDULED = "scheduled", "Schedule"


class Request(models.TextChoices):
    """What a person asked of a running run; the run does it after the current item."""

    NONE = "", "Nothing"
    PAUSE = "pause", "Pause"
    CANCEL = "cancel", "Cancel"


class AutomationRun(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="automation_runs")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    stage = models.PositiveSmallIntegerField(default=1, help_text="The stage it is at (1–7).")
    item = models.PositiveIntegerField(default=0, help_text="Items done in that stage.")
    reason = models.TextField(blank=True, help_text="Why it stopped, failed or was cancelled.")
    requested = models.CharField(max_length=10, choices=Request.choices, blank=True, default="")
    # The configuration as it was when the run started: a run follows what it was started with.
    snapshot = models.JSONField(default=dict, blank=True)
    # The job working on it now (a run outlives jobs: each continues from the saved stage).
    job = models.ForeignKey(
        "workspace.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restarts = models.PositiveSmallIntegerField(default=0)
    request_id = models.CharField(max_length=64, blank=True)
    log_name = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # One active run per site, enforced by the database itself.
            models.UniqueConstraint(
                fields=["site"],
                condition=models.Q(status__in=["queued", "running", "paused"]),
                name="automation_one_active_run_per_site",
            )
        ]
        indexes = [models.Index(fields=["site", "-created"], name="automation_run_site_created")]

    def __str__(self) -> str:
        return f"Run #{self.pk} of {self.site_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def stage_name(self) -> str:
        return STAGE_NAMES.get(self.stage, "")

    @property
    def duration_seconds(self) -> int | None:
        if self.started is None:
            return None
        return int(((self.finished or timezone.now()) - self.started).total_seconds())


class StageStatus(models.TextChoices):
    PENDING = "pending", "Not reached"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Switched off"
    STOPPED = "stopped", "Stopped"


class StageResult(models.Model):
    """What one stage of one run did: counts, credits, time and why items were skipped."""

    run = models.ForeignKey(AutomationRun, on_delete=models.CASCADE, related_name="stages")
    stage = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=StageStatus.choices, default=StageStatus.PENDING
    )
    total = models.PositiveIntegerField(default=0, help_text="Items planned when it started.")
    processed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    credits = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveBigIntegerField(default=0)
    skip_reasons = models.JSONField(default=dict, blank=True)  # {reason: count}
    # Resuming: the last item (by id) fully handled, and the items being handled now.
    cursor = models.BigIntegerField(default=0)
    current = models.JSONField(default=list, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["run", "stage"], name="automation_stage_once_per_run")
        ]

    def __str__(self) -> str:
        return f"Stage {self.stage} of run #{self.run_id}"

    @property
    def name(self) -> str:
        return STAGE_NAMES.get(self.stage, "")

    @property
    def handled(self) -> int:
        return self.processed + self.skipped + self.failed
