"""Optimize: fix what the on-page score names. First the mechanical fixes (optimize_rules:
keyword placement, meta lengths, heading levels, alt text; no model, free), then, when
something is left that needs writing, the AI engine's `optimize_content` revises the prose and
the rules run again on its answer. Each step that changes the article is a new version with
the score before and after.

    optimize_plan(content) -> OptimizePlan           what a run will do, and its cost
    optimize_input(content, …) -> dict               what the AI is asked (fixes included)
    content_optimize_estimate(*, content) -> Price   the AI step's cost, shown before it runs
    content_optimize_enqueue(*, content, user, use_model=True, shown=None) -> Job
    content_optimize(*, content, user, job=None, run_key="", use_model=True) -> OptimizeOutcome

Decisions:
- The score never goes down: each rule is kept only if it does not lower the score, and an AI
  revision that scores lower than the fixed article is not kept (the run says so). Nor is one
  that drops most of the article (the score alone would reward a very short text).
- The AI runs only when a check that needs writing (length, readability) still loses points
  after the rules, and only with a primary keyword; otherwise the run is the free fixes alone
  and shows no cost. A person can also ask for the free fixes only.
- The AI may change the body, the meta title and the meta description; the rules may also put
  the keyword into the title. The slug and the keywords stay as the person set them.
- Alt texts the rules write for pictures go to the images too (the featured image is not in
  the body; an in-article image's figure and its image stay alike).
- An AI answer that changes nothing, or is not kept, costs nothing (the hold is released); with
  the offline writer every run is free.
- If the AI step fails after the free fixes were saved, the run still succeeds with them and
  says why the AI did not help; with nothing saved, the run fails as before.
- Idempotent per run key (a job's key is its id): when the AI step of that run already settled,
  a second delivery reports what it made instead of running and charging again; the rules find
  nothing left to change the second time.
- The editorial status is left alone: an optimized draft stays a draft, an article in review
  stays in review with its new version for the reviewer to see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from apps.accounts.models import Account
from apps.billing import credits
from apps.billing.errors import AccountLapsed, InsufficientCredits
from apps.billing.models import Reservation, ReservationStatus
from apps.workspace.models import AIUsage, Job
from apps.writer import optimize_rules as rules
from apps.writer import scoring
from apps.writer.html import sanitize, word_count
from apps.writer.models import Content, ContentVersion, Image, VersionSource
from apps.writer.services.versions import content_rescore, content_save
from igny8 import jobs
from igny8.ai import costs
from igny8.ai.errors import AIError

FUNCTION = "optimize_content"
MIN_WORDS, MAX_WORDS = 200, 6000  # what optimize_content accepts as a target
# Checks a model can improve by writing; internal links and images have panels of their own.
MODEL_CHECKS = ("length", "sentence_length", "paragraph_length", "flesch")
# An AI revision may cut an article down towards its target, not throw it away: it must keep
# 70% of the words, or 80% of the target when the article was far longer than that.
KEEP_WORDS, KEEP_TARGET = 0.7, 0.8
NO_TEXT = "There is no article text to optimize yet. Write or paste the article first."


def current_score(content: Content) -> scoring.Score:
    return scoring.score(scoring.score_input_for(content))


def pictures_of(content: Content) -> tuple[rules.Picture, ...]:
    return tuple(
        rules.Picture(
            id=image.pk,
            kind=image.kind,
            alt=image.alt,
            prompt=image.prompt,
            caption=image.caption,
            has_file=bool(image.file),
        )
        for image in content.images.order_by("position", "id")
    )


def _rules_on(content: Content, data: scoring.ScoreInput) -> rules.Fixed:
    return rules.fix(data, pictures=pictures_of(content), site_name=content.site.name)


@dataclass
class OptimizePlan:
    """What Optimize will do to an article now: the free fixes, then the AI or why not."""

    fixed: rules.Fixed
    model_checks: list[scoring.Check]  # what the AI would work on
    model_reason: str = ""  # why the AI will not run ("" when it will)
    estimate: costs.Price = field(default_factory=costs.Price)  # the AI step's (free without it)

    @property
    def model_runs(self) -> bool:
        return not self.model_reason

    @property
    def has_work(self) -> bool:
        return bool(self.fixed.changes) or self.model_runs

    @property
    def left(self) -> list[scoring.Check]:
        """Checks losing points that neither the rules nor the AI will fix here."""
        return [c for c in self.fixed.for_writing if c.key not in MODEL_CHECKS]


def optimize_plan(content: Content) -> OptimizePlan:
    """What a run would do now (pure reading: nothing is saved). Raises ValidationError when
    the article has no text."""
    if not content.html.strip():
        raise ValidationError(NO_TEXT)
    fixed = _rules_on(content, scoring.score_input_for(content))
    checks = [c for c in fixed.after.fixes if c.key in MODEL_CHECKS]
    plan = OptimizePlan(fixed=fixed, model_checks=checks)
    if not content.primary_keyword.strip():
        plan.model_reason = (
            "The AI revision needs a primary keyword to work the article around; choose one "
            "in the editor."
        )
    elif not checks:
        plan.model_reason = "Nothing is left that needs writing, so the AI is not needed."
    else:
        from igny8.ai import engine

        plan.estimate = engine.price(FUNCTION, optimize_input(content, fixed=fixed))
    return plan


def optimize_input(
    content: Content, score: scoring.Score | None = None, *, fixed: rules.Fixed | None = None
) -> dict:
    """The request for `optimize_content`: the article (after the free fixes, when given) and
    the fixes its score still asks for. Raises ValidationError when the article cannot be
    optimized by the AI (no text, no primary keyword)."""
    if not content.html.strip():
        raise ValidationError(NO_TEXT)
    if not content.primary_keyword.strip():
        raise ValidationError(
            "Choose a primary keyword first (in the editor): the optimizer works the article "
            "around it."
        )
    if fixed is not None:
        score = fixed.after
    score = score or current_score(content)
    source: Any = fixed or content
    return {
        "title": source.title,
        "html": source.html,
        "primary_keyword": content.primary_keyword.strip(),
        "secondary_keywords": [k.strip() for k in content.secondary_keywords or [] if k.strip()],
        "target_words": max(MIN_WORDS, min(MAX_WORDS, content.target_words or 1200)),
        "meta_title": source.meta_title,
        "meta_description": source.meta_description,
        "fixes": [c.fix for c in score.fixes if c.fix],
    }


def content_optimize_estimate(*, content: Content) -> costs.Price:
    """What an optimization of this article costs (shown before it starts): the AI step's
    price, or nothing when the run is the free fixes alone."""
    return optimize_plan(content).estimate


def content_optimize_enqueue(
    *,
    content: Content,
    user,  # noqa: ANN001
    use_model: bool = True,
    shown: int | None = None,
) -> Job:
    """Queue the optimization (`use_model=False`: the free fixes only). Raises ValidationError
    when there is nothing to do, CostChanged when `shown` (the credits the page showed) is no
    longer the price, and InsufficientCredits when the workspace cannot pay the AI step."""
    plan = optimize_plan(content)
    model = use_model and plan.model_runs
    if not plan.fixed.changes and not model:
        raise ValidationError(
            "There is nothing the optimizer can change now: every check it can fix passes. "
            + " ".join(reason for _, reason in plan.fixed.not_fixed[:2])
        )
    if model:
        costs.check_shown(shown, plan.estimate, "optimizing")
        account = Account.objects.get(schema_name=connection.schema_name)
        credits.require_affordable(
            account,
            plan.estimate,
            costing="Optimizing with the AI costs",
            otherwise="or apply only the free fixes",
        )
    return jobs.enqueue(
        "apps.writer.jobs.optimize.optimize_content",
        content.pk,
        use_model=model,
        label=f"Optimize “{content.title[:150]}”",
        user=user,
    )


@dataclass
class OptimizeOutcome:
    content_id: int
    before: int
    after: int
    version: int | None = None  # the last new version's number; None when nothing changed
    fixed_version: int | None = None  # the version of the free fixes
    credits: int = 0
    offline: bool = False  # the AI step was the offline writer's (free)
    changes: list[str] = field(default_factory=list)
    model: str = ""  # "ran", "kept" (ran, not kept), "failed", "skipped"
    model_note: str = ""  # what happened to the AI step, in words
    not_fixed: list[tuple[str, str]] = field(default_factory=list)  # (check, why)
    left: list[tuple[str, str]] = field(default_factory=list)  # (check, its fix)

    def message(self) -> str:
        if self.version is None:
            return (
                f"The optimizer found nothing to change; the score stays {self.before}. "
                "Nothing was charged."
            )
        return (
            f"Optimized: score {self.before} → {self.after}, saved as version {self.version} "
            f"({self.spent})."
        )

    @property
    def spent(self) -> str:
        return costs.spent_words(self.credits, offline=self.offline)

    def as_result(self) -> dict:
        return {
            "message": self.message(),
            "content": self.content_id,
            "before": self.before,
            "after": self.after,
            "version": self.version,
            "fixed_version": self.fixed_version,
            "credits": self.credits,
            "spent": self.spent,
            "changes": self.changes[:30],
            "model": self.model,
            "model_note": self.model_note,
            "not_fixed": [list(pair) for pair in self.not_fixed],
            "left": [list(pair) for pair in self.left],
        }


def _already_done(content: Content, run_key: str) -> OptimizeOutcome | None:
    """The outcome of a run with this key whose AI step already ended (a job delivered
    twice): settled, or released after an AI answer that changed nothing (a failure is not
    "done")."""
    reservation = Reservation.objects.filter(key=run_key).first()
    if reservation is None or reservation.status == ReservationStatus.RESERVED:
        return None
    if reservation.status == ReservationStatus.RELEASED and not (
        AIUsage.objects.filter(reservation_key=run_key, status="succeeded").exists()
    ):
        return None
    version = (
        content.versions.filter(source=VersionSource.OPTIMIZED, created__gte=reservation.created)
        .order_by("number")
        .first()
    )
    outcome = OptimizeOutcome(content_id=content.pk, before=0, after=0, credits=reservation.charged)
    outcome.model = "ran"
    if version is not None:
        previous = content.versions.filter(number__lt=version.number).order_by("-number").first()
        outcome.version = version.number
        outcome.after = version.score or 0
        outcome.before = (previous.score or 0) if previous is not None else outcome.after
    else:
        outcome.before = outcome.after = current_score(content).total
    return outcome


@transaction.atomic
def _save_fixes(
    content: Content, fixed: rules.Fixed, data: scoring.ScoreInput, user
) -> ContentVersion | None:  # noqa: ANN001
    # Alt texts first: the featured image's alt is part of the score content_save computes.
    for pk, alt in fixed.image_alts.items():
        Image.objects.filter(pk=pk, content=content, alt="").update(alt=alt[:300])
    version = content_save(
        content=content,
        changes=fixed.fields(data),
        author=user,
        source=VersionSource.FIXED,
        note="Fixed by the optimizer's rules",
    )
    if version is None:
        content_rescore(content=content)
    else:
        version.note = (
            f"Fixed by the optimizer's rules: score {fixed.before.total} → {version.score}"
        )
        version.save(update_fields=["note"])
    return version


def content_optimize(
    *,
    content: Content,
    user=None,  # noqa: ANN001  (who asked; the versions' author)
    job: Job | None = None,
    run_key: str = "",
    use_model: bool = True,
) -> OptimizeOutcome:
    """The free fixes, saved as a version (source "fixed"); then, when the plan calls for it,
    `optimize_content` on the fixed article, its answer fixed again by the rules and kept as a
    version (source "optimized", the AI run's provenance) only if it does not lower the score.
    The AI step's credits are reserved before and settled after, with its save."""
    if run_key:
        done = _already_done(content, run_key)
        if done is not None:
            return done
    plan = optimize_plan(content)
    before = plan.fixed.before.total
    outcome = OptimizeOutcome(content_id=content.pk, before=before, after=before)
    if plan.fixed.changes:
        version = _save_fixes(content, plan.fixed, scoring.score_input_for(content), user)
        outcome.changes.extend(plan.fixed.changes)
        if version is not None:
            outcome.version = outcome.fixed_version = version.number
    if not plan.model_runs:
        outcome.model, outcome.model_note = "skipped", plan.model_reason
    elif not use_model:
        outcome.model, outcome.model_note = "skipped", "You asked for the free fixes only."
    else:
        _model_step(content, user, job, run_key, outcome)
    content.refresh_from_db()
    final = _rules_on(content, scoring.score_input_for(content))
    outcome.after = final.before.total
    outcome.not_fixed = final.not_fixed
    outcome.left = [(c.label, c.fix) for c in final.for_writing]
    return outcome


def _model_step(
    content: Content,
    user,  # noqa: ANN001
    job: Job | None,
    run_key: str,
    outcome: OptimizeOutcome,
) -> None:
    from igny8.ai import engine

    content.refresh_from_db()
    fixed = _rules_on(content, scoring.score_input_for(content))
    data = optimize_input(content, fixed=fixed)
    floor = fixed.after.total  # what the fixed article scores: an answer below it is not kept
    target = content.target_words or 0

    def save(output: dict, run: engine.RunResult) -> ContentVersion | None:
        # The rules run on the answer too, so the AI can never undo a fix.
        answer = replace(
            scoring.score_input_for(content),
            html=sanitize(output["html"]),
            meta_title=output["meta_title"],
            meta_description=output["meta_description"],
        )
        refixed = _rules_on(content, answer)
        words = word_count(refixed.html)
        if words < min(KEEP_WORDS * word_count(fixed.html), KEEP_TARGET * target):
            outcome.model = "kept"
            outcome.model_note = (
                f"The AI's revision dropped most of the article ({words:,} words of "
                f"{word_count(fixed.html):,}), so it was not kept; nothing was charged for it."
            )
            run.changed = False
            return None
        if refixed.after.total < floor:
            outcome.model = "kept"
            outcome.model_note = (
                f"The AI's revision scored {refixed.after.total}, lower than the fixed article's "
                f"{floor}, so it was not kept; nothing was charged for it."
            )
            run.changed = False
            return None
        version = content_save(
            content=content,
            changes={
                "html": refixed.html,
                "meta_title": refixed.meta_title,
                "meta_description": refixed.meta_description,
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
            version.note = f"Optimized by AI: score {floor} → {version.score}"
            version.save(update_fields=["note"])
        else:
            run.changed = False  # nothing to keep: nothing is charged
        return version

    try:
        result = engine.run(
            FUNCTION,
            site=content.site,
            input=data,
            key=run_key or f"{connection.schema_name}:optimize:{content.pk}:{uuid.uuid4().hex}",
            sector=content.sector.name,
            save=save,
            job=job,
        )
    except (AIError, InsufficientCredits, AccountLapsed) as exc:
        if outcome.version is None:
            raise
        outcome.model = "failed"
        outcome.model_note = (
            f"The AI step did not run: {exc.message} The free fixes were saved; nothing was "
            "charged for the AI."
        )
        return
    outcome.credits = result.credits
    outcome.offline = result.provider == "offline"
    if result.saved is not None:
        outcome.changes.extend(str(c) for c in result.output.get("changes", []))
        outcome.version = result.saved.number
        outcome.model = "ran"
    elif outcome.model != "kept":
        outcome.model = "ran"
        outcome.model_note = "The AI's revision changed nothing; nothing was charged for it."
