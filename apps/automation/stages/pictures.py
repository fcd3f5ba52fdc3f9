"""Stages 5 and 6: image prompts for the articles, then their pictures."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from apps.automation.stages.base import (
    BUSY_JOB,
    GONE,
    Context,
    Outcome,
    Stage,
    Unit,
    charged_before,
    charged_images,
    clause,
    open_content,
    short_of,
)
from apps.billing.errors import AccountLapsed, InsufficientCredits
from apps.workspace.models import Job, JobStatus
from apps.writer.models import Content, Image, ImageStatus
from igny8.ai.errors import AIError

# --- 5. articles → image prompts ----------------------------------------------------------


class Prompts(Stage):
    number = 5

    def pending(self, site, config):
        return open_content(site).filter(~Exists(Image.objects.filter(content=OuterRef("pk"))))

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
            outcome.credits = charged_before(ctx, "prompts", pk)
            return outcome
        outcome.stop = short_of(prompts_estimate(content))
        if outcome.stop:
            return outcome
        result = outcome.ai_call(
            f"image prompts for “{content.title}”",
            lambda: image_prompts_write(content=content, run_key=run_key),
        )
        if result is None:
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
        return Image.objects.filter(_waiting_images(), content__in=open_content(site))

    def price(self, site, config, limit):
        from apps.writer.services.images import per_image_cost

        n = self.count(site, config)
        return per_image_cost() * (n if limit is None else min(n, limit))

    def batch(self, ctx, *, after, limit):
        waiting = Image.objects.filter(
            _waiting_images(ctx.job), content__in=open_content(ctx.site), content_id__gt=after
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
            outcome.credits = charged_images(ctx, unit.ids)
            return outcome
        outcome.stop = short_of(per_image_cost() * len(todo))
        if outcome.stop:
            return outcome
        job = ctx.job or _inline_job(ctx)
        try:
            result = images_generate(image_ids=todo, job=job)
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
                outcome.fail(clause(image.error) or "the picture could not be made")
        outcome.credits = charged_images(ctx, unit.ids)
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
