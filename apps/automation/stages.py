"""The seven stages: what each one finds pending, what it costs, and how it handles one item,
always through the planner's and the writer's own services.

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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.automation.models import ApprovalMode
from apps.billing import credits
from apps.billing.errors import AccountLapsed, InsufficientCredits
from apps.billing.models import Reservation, ReservationStatus
from apps.planner.models import Cluster, ClusterStatus, Idea, IdeaStatus, Keyword
from apps.workspace.models import Job, JobStatus, Site
from apps.writer.models import (
    Content,
    EditorialStatus,
    Image,
    ImageStatus,
    PublishingStatus,
    Task,
    TaskStatus,
)
from igny8.ai import costs
from igny8.ai.errors import AIError, reason_of

if TYPE_CHECKING:
    from apps.automation.models import AutomationConfig, AutomationRun

# Ideas asked for each cluster: what "generate ideas" offers by default.
IDEAS_PER_CLUSTER = 3
REVIEW_BATCH = 50  # stage 7 has no batch size of its own: it only moves statuses
BUSY_JOB = (JobStatus.QUEUED, JobStatus.RUNNING)

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


def _charged_images(ctx: Context, ids: list[int]) -> int:
    """What this run paid for these pictures (the image service keys them by job and image;
    a picture is made once, so those made since the run started are the run's)."""
    from django.db import connection
    from django.db.models import Q

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


def _charged_before(ctx: Context, what: str, pk: int) -> int:
    """What this run paid for an item that an earlier job of the run did (its key names
    that job, so it is found by the run and the item)."""
    from django.db import connection

    rows = Reservation.objects.filter(
        key__startswith=f"{connection.schema_name}:job:",
        key__endswith=f":automation:{ctx.run.pk}:{what}:{pk}",
        status=ReservationStatus.SETTLED,
    )
    return sum(rows.values_list("charged", flat=True))


def _balance() -> int:
    from django.db import connection

    from apps.accounts.models import Account

    return credits.balance_for(Account.objects.get(schema_name=connection.schema_name)).total


def _short_of(price: costs.Price) -> str:
    """Why the run stops before this item, or "" when the workspace can pay for it."""
    have = _balance()
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


# --- 1. keywords → clusters ---------------------------------------------------------------


class Keywords(Stage):
    number = 1
    per_item = False

    def pending(self, site, config):
        from apps.planner.services.clusters import eligible_keywords

        return eligible_keywords(site=site)

    def handle(self, ctx, unit, *, resumed):
        from apps.planner.services.clusters import keywords_cluster

        keywords_cluster(site=ctx.site, keyword_ids=unit.ids, run_key=f"{ctx.key}:clusters")
        outcome = Outcome()
        # Read back, not from the service's counts: a batch taken again after a worker died
        # counts what the first try grouped too.
        outcome.processed = Keyword.objects.filter(pk__in=unit.ids, cluster__isnull=False).count()
        left = len(unit.ids) - outcome.processed
        if left:
            outcome.skip(NO_MATCH, left)
        outcome.lines.append(
            f"grouped {outcome.processed} of {len(unit.ids)} keywords into clusters"
        )
        return outcome


# --- 2. clusters → ideas ------------------------------------------------------------------


class Clusters(Stage):
    number = 2

    def pending(self, site, config):
        return Cluster.objects.alive().filter(
            site=site, status=ClusterStatus.NEW, disabled=False, keyword_count__gt=0
        )

    def price(self, site, config, limit):
        from apps.planner.services.ideas import ideas_estimate

        clusters = list(self.pending(site, config).order_by("pk")[:limit])
        return ideas_estimate(clusters=clusters, per_cluster=IDEAS_PER_CLUSTER, structure=None)

    def handle(self, ctx, unit, *, resumed):
        from apps.planner.services.ideas import ideas_estimate, ideas_generate

        outcome = Outcome()
        (pk,) = unit.ids
        cluster = Cluster.objects.alive().filter(pk=pk, site=ctx.site).first()
        run_key = f"{ctx.key}:ideas"
        if cluster is None:
            outcome.skip(GONE)
            return outcome
        if Idea.objects.alive().filter(cluster=cluster).exists():
            outcome.processed = 1  # done before (a try that a dead worker did not record)
            outcome.credits = _charged_before(ctx, "ideas", pk)
            return outcome
        if cluster.disabled or not cluster.keyword_count:
            outcome.skip(GONE)
            return outcome
        price = ideas_estimate(clusters=[cluster], per_cluster=IDEAS_PER_CLUSTER, structure=None)
        outcome.stop = _short_of(price)
        if outcome.stop:
            return outcome
        try:
            result = ideas_generate(
                site=ctx.site,
                cluster_ids=[pk],
                per_cluster=IDEAS_PER_CLUSTER,
                structure=None,
                run_key=run_key,
            )
        except (InsufficientCredits, AccountLapsed) as exc:
            outcome.stop = exc.message
            return outcome
        except AIError as exc:
            outcome.fail(reason_of(exc))
            outcome.provider_failure = bool(getattr(exc, "provider_failure", False))
            outcome.lines.append(f"ideas for “{cluster.name}” failed: {exc.message}")
            return outcome
        outcome.provider_ok = True
        if result.ideas:
            outcome.processed = 1
        else:
            outcome.skip("no ideas came back for it")
        outcome.credits = result.credits
        outcome.lines.append(
            f"{result.ideas} ideas for “{cluster.name}” "
            f"({costs.spent_words(result.credits, offline=result.offline)})"
        )
        return outcome


# --- 3. ideas → tasks ---------------------------------------------------------------------


class Ideas(Stage):
    number = 3
    per_item = False

    def pending(self, site, config):
        live_task = Task.objects.alive().filter(idea=OuterRef("pk"))
        return (
            Idea.objects.alive()
            .filter(site=site, status=IdeaStatus.NEW, disabled=False)
            .filter(~Exists(live_task))
        )

    def handle(self, ctx, unit, *, resumed):
        from apps.writer.services.tasks import tasks_from_ideas

        ideas = Idea.objects.filter(site=ctx.site, pk__in=unit.ids)
        result = tasks_from_ideas(site=ctx.site, ideas=ideas, user=ctx.user)
        outcome = Outcome()
        outcome.processed = (
            Task.objects.alive().filter(idea_id__in=unit.ids).values("idea_id").distinct().count()
        )
        left = len(unit.ids) - outcome.processed
        if left:
            outcome.skip(GONE, left)
        outcome.lines.append(f"queued {len(result.queued)} ideas to the writer (free)")
        return outcome


# --- 4. tasks → articles ------------------------------------------------------------------


class Tasks(Stage):
    number = 4

    def pending(self, site, config):
        return Task.objects.alive().filter(site=site, status=TaskStatus.QUEUED)

    def price(self, site, config, limit):
        from apps.writer.services.writing import tasks_write_estimate

        return tasks_write_estimate(tasks=list(self.pending(site, config).order_by("pk")[:limit]))

    def handle(self, ctx, unit, *, resumed):
        from apps.writer.services.tasks import tasks_retry
        from apps.writer.services.writing import task_estimate, task_write

        outcome = Outcome()
        (pk,) = unit.ids
        run_key = f"{ctx.key}:write:{pk}"
        task = Task.objects.alive().filter(pk=pk, site=ctx.site).first()
        if task is None:
            outcome.skip(GONE)
            return outcome
        if task.status == TaskStatus.COMPLETED:
            outcome.processed = 1  # written before (a try that a dead worker did not record)
            outcome.credits = _charged_before(ctx, "write", pk)
            return outcome
        if task.status == TaskStatus.FAILED and resumed:
            # The try a dead worker made ended before it could be recorded.
            self._failed(outcome, _clause(task.error), duplicate=task.duplicate_of_id is not None)
            return outcome
        if task.status != TaskStatus.QUEUED and not resumed:
            outcome.skip(GONE)
            return outcome
        outcome.stop = _short_of(task_estimate(task))
        if outcome.stop:
            return outcome
        result = task_write(task, None, run_key=run_key)
        if result.status == TaskStatus.COMPLETED:
            outcome.processed = 1
            outcome.provider_ok = True
            outcome.credits = result.credits
            outcome.lines.append(result.message)
            return outcome
        if result.reason in (OUT_OF_CREDITS, LAPSED):
            # Not the task's fault: it goes back to the queue for the next run.
            tasks_retry(site=ctx.site, tasks=[task])
            outcome.stop = result.message
            return outcome
        task.refresh_from_db(fields=["duplicate_of"])
        reason = result.reason or _clause(result.message)
        self._failed(outcome, reason, duplicate=task.duplicate_of_id is not None)
        outcome.provider_failure = result.provider_failure
        outcome.lines.append(f"“{task.title}” not written: {result.message}")
        return outcome

    @staticmethod
    def _failed(outcome: Outcome, reason: str, *, duplicate: bool) -> None:
        if duplicate:
            outcome.skip(DUPLICATE)
        else:
            outcome.fail(reason)


def _clause(message: str) -> str:
    """A failure message as a short reason: its first sentence, without the full stop."""
    first = (message or "of a problem described on the item").split(". ")[0].strip()
    return first.rstrip(".")[:200]


# --- 5. articles → image prompts ----------------------------------------------------------


def _open_content(site: Site) -> QuerySet:
    """Articles the pipeline still works on: live, not approved, not published."""
    return Content.objects.alive().filter(
        site=site,
        status__in=[EditorialStatus.DRAFT, EditorialStatus.REVIEW],
        publishing_status=PublishingStatus.NOT_PUBLISHED,
    )


class Prompts(Stage):
    number = 5

    def pending(self, site, config):
        return _open_content(site).filter(~Exists(Image.objects.filter(content=OuterRef("pk"))))

    def price(self, site, config, limit):
        from apps.writer.services.images import prompts_cost

        n = self.count(site, config)
        return prompts_cost() * (n if limit is None else min(n, limit))

    def handle(self, ctx, unit, *, resumed):
        from apps.writer.services.images import image_prompts_write, prompts_estimate

        outcome = Outcome()
        (pk,) = unit.ids
        run_key = f"{ctx.key}:prompts:{pk}"
        content = (
            Content.objects.alive()
            .select_related("site", "sector")
            .filter(pk=pk, site=ctx.site)
            .first()
        )
        if content is None:
            outcome.skip(GONE)
            return outcome
        if content.images.exists():
            outcome.processed = 1  # prompts written before
            outcome.credits = _charged_before(ctx, "prompts", pk)
            return outcome
        outcome.stop = _short_of(prompts_estimate(content))
        if outcome.stop:
            return outcome
        try:
            result = image_prompts_write(content=content, run_key=run_key)
        except (InsufficientCredits, AccountLapsed) as exc:
            outcome.stop = exc.message
            return outcome
        except AIError as exc:
            outcome.fail(reason_of(exc))
            outcome.provider_failure = bool(getattr(exc, "provider_failure", False))
            outcome.lines.append(f"image prompts for “{content.title}” failed: {exc.message}")
            return outcome
        outcome.processed = 1
        outcome.provider_ok = True
        outcome.credits = result.credits
        outcome.lines.append(f"image prompts for “{content.title}”: {result.message()}")
        return outcome


# --- 6. image prompts → images ------------------------------------------------------------


def _waiting_images(job: Job | None = None) -> Q:
    """Images a run makes: waiting with a prompt and in no other live job, or left
    "generating" by a job that is over (its worker died)."""
    free = Q(job__isnull=True) | ~Q(job__status__in=BUSY_JOB)
    if job is not None:
        free |= Q(job=job)
    waiting = Q(status=ImageStatus.PENDING) & free
    interrupted = Q(status=ImageStatus.GENERATING) & free
    return Q(prompt__gt="") & (waiting | interrupted)


class Images(Stage):
    """An item is one image; the images of one article are made in one call (one new version
    of the article, as when a person generates them), so a batch takes whole articles."""

    number = 6

    def size_of(self, ids):
        return len(ids)

    def pending(self, site, config):
        return Image.objects.filter(_waiting_images(), content__in=_open_content(site))

    def price(self, site, config, limit):
        from apps.writer.services.images import per_image_cost

        n = self.count(site, config)
        return per_image_cost() * (n if limit is None else min(n, limit))

    def batch(self, ctx, *, after, limit):
        waiting = Image.objects.filter(
            _waiting_images(ctx.job), content__in=_open_content(ctx.site), content_id__gt=after
        )
        articles = list(
            waiting.order_by("content_id").values_list("content_id", flat=True).distinct()[:limit]
        )
        rows = (
            waiting.filter(content_id__in=articles)
            .order_by("content_id", "position", "pk")
            .values_list("content_id", "pk")
        )
        units: list[Unit] = []
        for content_id, pk in rows:
            if units and units[-1].cursor == content_id:
                units[-1].ids.append(pk)
                units[-1].size += 1
            else:
                units.append(Unit(cursor=content_id, ids=[pk]))
        taken, batch = 0, []
        for unit in units:
            if batch and taken + unit.size > limit:
                break
            batch.append(unit)
            taken += unit.size
        return batch

    def handle(self, ctx, unit, *, resumed):
        from apps.writer.services.images import images_generate, per_image_cost

        outcome = Outcome()
        images = list(Image.objects.filter(pk__in=unit.ids, content__site=ctx.site))
        done = [i for i in images if i.status == ImageStatus.GENERATED and i.file]
        todo = [i.pk for i in images if i not in done and i.status != ImageStatus.FAILED]
        if not todo:
            outcome.processed = len(done)
            failed = len(images) - len(done)
            if failed:
                outcome.fail("the picture could not be made", failed)
            outcome.credits = _charged_images(ctx, unit.ids)
            return outcome
        outcome.stop = _short_of(per_image_cost() * len(todo))
        if outcome.stop:
            return outcome
        job = ctx.job or _inline_job(ctx)
        try:
            result = images_generate(image_ids=unit.ids, job=job)
        except (InsufficientCredits, AccountLapsed) as exc:
            outcome.stop = exc.message
        except AIError as exc:
            outcome.provider_failure = bool(getattr(exc, "provider_failure", False))
            outcome.lines.append(f"images failed: {exc.message}")
        else:
            if result.stopped and result.failures is not None and not result.failures.stopped:
                outcome.stop = result.stopped  # out of credits, or the plan lapsed
            if result.generated:
                outcome.provider_ok = True
        after = list(Image.objects.filter(pk__in=unit.ids))
        made = sum(1 for i in after if i.status == ImageStatus.GENERATED and i.file)
        outcome.processed = made
        for image in after:
            if image.status == ImageStatus.FAILED and not outcome.stop:
                outcome.fail(_clause(image.error) or "the picture could not be made")
        outcome.credits = _charged_images(ctx, unit.ids)
        title = Content.objects.filter(pk=unit.cursor).values_list("title", flat=True).first()
        outcome.lines.append(f"{made} of {len(after)} images made for “{title}”")
        return outcome


def _inline_job(ctx: Context) -> Job:
    """A Job row for images made outside a job (a run driven inline, in tests or the shell):
    the image service records which job made each picture."""
    if ctx.job is None:
        ctx.job = Job.objects.create(
            kind="automation", label=f"Automation run #{ctx.run.pk}", status=JobStatus.RUNNING
        )
    return ctx.job


# --- 7. review → approved → publishing ----------------------------------------------------


class Review(Stage):
    number = 7

    def pending(self, site, config):
        drafts = Q(status=EditorialStatus.DRAFT, human_edited=False)
        wanted = drafts
        if config.approval_mode == ApprovalMode.AUTO:
            wanted |= Q(status=EditorialStatus.REVIEW)
        ready = _open_content(site).filter(wanted).exclude(html="")
        # An article is ready once the stages before have done their part: it has image
        # prompts (when stage 5 is on) and no picture still waiting (when stage 6 is on).
        images = Image.objects.filter(content=OuterRef("pk"))
        if config.stage_on(5):
            ready = ready.filter(Exists(images))
        if config.stage_on(6):
            busy = images.filter(status__in=[ImageStatus.PENDING, ImageStatus.GENERATING])
            ready = ready.filter(~Exists(busy))
        return ready

    def handle(self, ctx, unit, *, resumed):
        from apps.automation.handover import content_handover

        outcome = Outcome()
        (pk,) = unit.ids
        content = Content.objects.alive().filter(pk=pk, site=ctx.site).first()
        if content is None:
            outcome.skip(GONE)
            return outcome
        if content.status == EditorialStatus.APPROVED:
            outcome.processed = 1  # approved before
            return outcome
        try:
            why = content_handover(content=content, config=ctx.config, user=ctx.user)
        except (ValidationError, PermissionDenied) as exc:
            outcome.fail(_clause(" ".join(getattr(exc, "messages", [str(exc)]))))
            return outcome
        content.refresh_from_db(fields=["status", "score"])
        if not why:
            outcome.lines.append(f"“{content.title}” approved (on-page score {content.score})")
        elif ctx.config.approval_mode == ApprovalMode.REVIEW:
            outcome.lines.append(f"“{content.title}” submitted for review")
        else:
            outcome.lines.append(f"“{content.title}” left in review: {why}")
            outcome.skip(why_key(why, ctx.config))
            return outcome
        outcome.processed = 1
        return outcome


def why_key(why: str, config: AutomationConfig) -> str:
    """Reasons are counted per kind: the score of each article is in the log, not the key."""
    if why.startswith("its on-page score"):
        return f"on-page score below the minimum of {config.min_score}: left in review"
    return why


STAGE_CLASSES: dict[int, Stage] = {
    s.number: s for s in (Keywords(), Clusters(), Ideas(), Tasks(), Prompts(), Images(), Review())
}


def stage(number: int) -> Stage:
    return STAGE_CLASSES[int(number)]
