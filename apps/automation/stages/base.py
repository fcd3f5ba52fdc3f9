"""What the seven stages share: an item of work (`Unit`), what handling it did (`Outcome`),
what a stage needs to know (`Context`), the base class, and the reasons counted per stage.

Every stage is idempotent, because the queue delivers at least once and a worker can die
mid-item. Three things make it so:
- an item is looked at from the database, not from memory: an item already done (a cluster
  that has ideas, a task that is written, an article with image prompts) counts as done and is
  not done again;
- what a run has handled is saved after each item (`StageResult.cursor`, the last item's id,
  and `current`, the item in hand), so a resumed run takes the item in hand again and goes on
  after the cursor;
- every AI call carries a credit key made of the job and the item: a job delivered again
  reuses its reservation instead of taking a second one, and a new job after a dead one gets
  fresh keys once the sweeper has released the dead job's holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Q, QuerySet

from apps.billing import credits
from apps.billing.errors import AccountLapsed, InsufficientCredits
from apps.billing.models import Reservation, ReservationStatus
from apps.workspace.models import Job, JobStatus, Site
from apps.writer.models import Content, EditorialStatus, PublishingStatus
from igny8.ai import costs
from igny8.ai.errors import AIError, reason_of

if TYPE_CHECKING:
    from apps.automation.models import AutomationConfig, AutomationRun

# Ideas asked for each cluster: what "generate ideas" offers by default.
IDEAS_PER_CLUSTER = 3
REVIEW_BATCH = 50  # stage 7 has no batch size of its own: it only moves statuses
BUSY_JOB = (JobStatus.QUEUED, JobStatus.RUNNING)
T = TypeVar("T")

# Skip and failure reasons, as a clause a page can show beside a count.
NO_MATCH = "no close match among the keywords (stays new for a later run)"
GONE = "it was removed or changed while the run went on"
DUPLICATE = "too close to an article the site already has (near-duplicate guard)"
OUT_OF_CREDITS = reason_of(InsufficientCredits(""))
LAPSED = reason_of(AccountLapsed(""))


@dataclass
class Unit:
    """One item of work: one call to a service. `cursor` is the id the stage goes on after;
    `size` is how many items it counts for (a batch of keywords, an article's images)."""

    cursor: int
    ids: list[int]
    size: int = 1


@dataclass
class Outcome:
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    credits: int = 0
    reasons: Counter = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)  # for the run's log
    stop: str = ""  # the run must stop here, and why (out of credits, plan lapsed)
    provider_failure: bool = False
    provider_ok: bool = False  # an AI call succeeded: the provider answers

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped += n
        self.reasons[reason] += n

    def fail(self, reason: str, n: int = 1) -> None:
        self.failed += n
        self.reasons[f"failed: {reason}"] += n

    def ai_call(self, what: str, call: Callable[[], T]) -> T | None:
        """One item's AI call. None when it did not happen: out of credits or a lapsed plan
        stops the run (`stop`); a provider error fails the item, with `what` in the log."""
        try:
            return call()
        except (InsufficientCredits, AccountLapsed) as exc:
            self.stop = exc.message
        except AIError as exc:
            self.fail(reason_of(exc))
            self.provider_failure = bool(getattr(exc, "provider_failure", False))
            self.lines.append(f"{what} failed: {exc.message}")
        return None


@dataclass
class Context:
    """What a stage needs to handle an item of a run."""

    run: AutomationRun
    job: Job | None
    site: Site
    config: AutomationConfig
    user: object = None  # the User who started the run, or None (scheduled)

    @property
    def key(self) -> str:
        """The prefix of every credit key of this job in this run (see the module notes)."""
        from django.db import connection

        job = self.job.pk if self.job is not None else "inline"
        return f"{connection.schema_name}:job:{job}:automation:{self.run.pk}"


def charged_images(ctx: Context, ids: list[int]) -> int:
    """What this run paid for these pictures (the image service keys them by job and image;
    a picture is made once, so those made since the run started are the run's)."""
    from django.db import connection

    ends = Q()
    for pk in ids:
        ends |= Q(key__endswith=f":image:{pk}")
    rows = Reservation.objects.filter(
        ends,
        key__startswith=f"{connection.schema_name}:job:",
        status=ReservationStatus.SETTLED,
        created__gte=ctx.run.started or ctx.run.created,
    )
    return sum(rows.values_list("charged", flat=True))


def charged_before(ctx: Context, what: str, pk: int) -> int:
    """What this run paid for an item that an earlier job of the run did (its key names
    that job, so it is found by the run and the item)."""
    from django.db import connection

    rows = Reservation.objects.filter(
        key__startswith=f"{connection.schema_name}:job:",
        key__endswith=f":automation:{ctx.run.pk}:{what}:{pk}",
        status=ReservationStatus.SETTLED,
    )
    return sum(rows.values_list("charged", flat=True))


def balance() -> int:
    from django.db import connection

    from apps.accounts.models import Account

    return credits.balance_for(Account.objects.get(schema_name=connection.schema_name)).total


def short_of(price: costs.Price) -> str:
    """Why the run stops before this item, or "" when the workspace can pay for it."""
    have = balance()
    if have >= price.credits:
        return ""
    return (
        f"The workspace ran out of credits: the next item costs {price} and the workspace has "
        f"{have:,}. Buy a credit pack or upgrade the plan, then run again for the rest."
    )


class Stage:
    number: int = 0
    per_item: bool = True  # False: a whole batch is one call (clustering, queueing ideas)

    def pending(self, site: Site, config: AutomationConfig) -> QuerySet:
        raise NotImplementedError

    def count(self, site: Site, config: AutomationConfig) -> int:
        return self.pending(site, config).count()

    def price(self, site: Site, config: AutomationConfig, limit: int | None) -> costs.Price:
        return costs.Price(credits=0)

    def size_of(self, ids: list[int]) -> int:
        """How many items a call over these ids counts for."""
        return 1 if self.per_item else len(ids)

    def batch(self, ctx: Context, *, after: int, limit: int) -> list[Unit]:
        ids = list(
            self.pending(ctx.site, ctx.config)
            .filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        if self.per_item:
            return [Unit(cursor=pk, ids=[pk]) for pk in ids]
        return [Unit(cursor=ids[-1], ids=ids, size=len(ids))]

    def handle(self, ctx: Context, unit: Unit, *, resumed: bool) -> Outcome:
        raise NotImplementedError


def clause(message: str) -> str:
    """A failure message as a short reason: its first sentence, without the full stop."""
    first = (message or "of a problem described on the item").split(". ")[0].strip()
    return first.rstrip(".")[:200]


def open_content(site: Site) -> QuerySet:
    """Articles the pipeline still works on: live, not approved, not published."""
    return Content.objects.alive().filter(
        site=site,
        status__in=[EditorialStatus.DRAFT, EditorialStatus.REVIEW],
        publishing_status=PublishingStatus.NOT_PUBLISHED,
    )
