"""Optimize: the AI engine's `optimize_content` rewrites an article to fix what the on-page
score found, and the answer becomes a new version with the score before and after.

    optimize_input(content) -> dict                  what the AI is asked (fixes included)
    content_optimize_estimate(*, content) -> Price   the cost, shown before it runs
    content_optimize_enqueue(*, content, user) -> Job
    content_optimize(*, content, user, job=None, run_key="") -> OptimizeOutcome

Decisions:
- The AI may change the body, the meta title and the meta description; title, slug and
  keywords stay as the person set them.
- The fixes sent are the current score's fix texts, costliest first, so the AI works on what
  loses the most points.
- An answer that changes nothing keeps no version and costs nothing (the hold is released);
  the job says so. With the offline writer every run is free.
- Idempotent per run key (a job's key is its id): when that run already settled, a second
  delivery reports the version it made instead of running and charging again.
- The editorial status is left alone: an optimized draft stays a draft, an article in review
  stays in review with its new version for the reviewer to see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection

from apps.accounts.models import Account
from apps.billing import credits
from apps.billing.errors import InsufficientCredits
from apps.billing.models import Reservation, ReservationStatus
from apps.workspace.models import AIUsage, Job
from apps.writer import scoring
from apps.writer.models import Content, ContentVersion, VersionSource
from apps.writer.services.versions import content_save
from igny8 import jobs
from igny8.ai import costs

FUNCTION = "optimize_content"
MIN_WORDS, MAX_WORDS = 200, 6000  # what optimize_content accepts as a target


def current_score(content: Content) -> scoring.Score:
    return scoring.score(scoring.score_input_for(content))


def optimize_input(content: Content, score: scoring.Score | None = None) -> dict:
    """The request for `optimize_content`. Raises ValidationError when the article cannot be
    optimized yet (no text, no primary keyword)."""
    if not content.html.strip():
        raise ValidationError(
            "There is no article text to optimize yet. Write or paste the article first."
        )
    if not content.primary_keyword.strip():
        raise ValidationError(
            "Choose a primary keyword first (in the editor): the optimizer works the article "
            "around it."
        )
    score = score or current_score(content)
    return {
        "title": content.title,
        "html": content.html,
        "primary_keyword": content.primary_keyword.strip(),
        "secondary_keywords": [k.strip() for k in content.secondary_keywords or [] if k.strip()],
        "target_words": max(MIN_WORDS, min(MAX_WORDS, content.target_words or 1200)),
        "meta_title": content.meta_title,
        "meta_description": content.meta_description,
        "fixes": [c.fix for c in score.fixes if c.fix],
    }


def content_optimize_estimate(*, content: Content) -> costs.Price:
    """What an optimization of this article costs (shown before it starts)."""
    from igny8.ai import engine

    return engine.price(FUNCTION, optimize_input(content))


def content_optimize_enqueue(
    *,
    content: Content,
    user,  # noqa: ANN001
    shown: int | None = None,
) -> Job:
    """Queue the optimization. Raises ValidationError when the article cannot be optimized,
    CostChanged when `shown` (the credits the page showed) is no longer the price and
    InsufficientCredits when the workspace cannot pay it."""
    needed = content_optimize_estimate(content=content)
    costs.check_shown(shown, needed, "optimizing")
    account = Account.objects.get(schema_name=connection.schema_name)
    available = credits.balance_for(account).total
    if available < needed.credits:
        raise InsufficientCredits(
            f"Optimizing costs {needed} and the workspace has {available:,}. "
            "Buy a credit pack or upgrade the plan."
        )
    return jobs.enqueue(
        "apps.writer.jobs_optimize.optimize_content",
        content.pk,
        label=f"Optimize “{content.title[:150]}”",
        user=user,
    )


@dataclass
class OptimizeOutcome:
    content_id: int
    before: int
    after: int
    version: int | None = None  # the new version's number; None when nothing changed
    credits: int = 0
    offline: bool = False
    changes: list[str] = field(default_factory=list)

    def message(self) -> str:
        if self.version is None:
            return (
                f"The optimizer found nothing to change; the score stays {self.before}. "
                "Nothing was charged."
            )
        spent = costs.spent_words(self.credits, offline=self.offline)
        return (
            f"Optimized: score {self.before} → {self.after}, saved as version {self.version} "
            f"({spent})."
        )

    def as_result(self) -> dict:
        return {
            "message": self.message(),
            "content": self.content_id,
            "before": self.before,
            "after": self.after,
            "version": self.version,
            "credits": self.credits,
            "spent": costs.spent_words(self.credits, offline=self.offline),
            "changes": self.changes[:20],
        }


def _already_done(content: Content, run_key: str) -> OptimizeOutcome | None:
    """The outcome of a run with this key that already settled (a job delivered twice)."""
    reservation = Reservation.objects.filter(key=run_key).first()
    if reservation is None or reservation.status == ReservationStatus.RESERVED:
        return None
    if reservation.status == ReservationStatus.RELEASED and not (
        # Released after a run that succeeded: it changed nothing (a failure is not "done").
        AIUsage.objects.filter(reservation_key=run_key, status="succeeded").exists()
    ):
        return None
    version = (
        content.versions.filter(source=VersionSource.OPTIMIZED, created__gte=reservation.created)
        .order_by("number")
        .first()
    )
    outcome = OptimizeOutcome(content_id=content.pk, before=0, after=0, credits=reservation.charged)
    if version is not None:
        previous = content.versions.filter(number__lt=version.number).order_by("-number").first()
        outcome.version = version.number
        outcome.after = version.score or 0
        outcome.before = (previous.score or 0) if previous is not None else outcome.after
    else:
        outcome.before = outcome.after = current_score(content).total
    return outcome


def content_optimize(
    *,
    content: Content,
    user=None,  # noqa: ANN001  (who asked; the version's author)
    job: Job | None = None,
    run_key: str = "",
) -> OptimizeOutcome:
    """Run `optimize_content` on the article and keep the answer as a new version (source
    "optimized", provenance of the AI run, note "Optimized: score 54 → 78"). Credits are
    reserved before and settled after, in the same transaction as the save."""
    from igny8.ai import engine

    if run_key:
        done = _already_done(content, run_key)
        if done is not None:
            return done
    score = current_score(content)
    data = optimize_input(content, score)
    outcome = OptimizeOutcome(content_id=content.pk, before=score.total, after=score.total)

    def save(output: dict, run: engine.RunResult) -> ContentVersion | None:
        version = content_save(
            content=content,
            changes={
                "html": output["html"],
                "meta_title": output["meta_title"],
                "meta_description": output["meta_description"],
            },
            author=user,
            source=VersionSource.OPTIMIZED,
            provenance={
                "provider": run.provider,
                "model": run.model,
                "prompt_version": run.prompt_version,
            },
            note="Optimized",
        )
        if version is not None:
            # The score after is what content_save computed on the cleaned text.
            version.note = f"Optimized: score {outcome.before} → {version.score}"
            version.save(update_fields=["note"])
        else:
            run.changed = False  # nothing to keep: nothing is charged
        return version

    result = engine.run(
        FUNCTION,
        site=content.site,
        input=data,
        key=run_key or f"{connection.schema_name}:optimize:{content.pk}:{uuid.uuid4().hex}",
        sector=content.sector.name,
        save=save,
        job=job,
    )
    version = result.saved
    outcome.credits = result.credits
    outcome.offline = result.provider == "offline"
    outcome.changes = [str(c) for c in result.output.get("changes", [])]
    if version is not None:
        outcome.version = version.number
        outcome.after = version.score if version.score is not None else score.total
    return outcome
