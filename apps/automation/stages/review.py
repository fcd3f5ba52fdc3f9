"""Stage 7: review → approved → handed to publishing (`apps.automation.handover`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q

from apps.automation.models import ApprovalMode
from apps.automation.stages.base import GONE, Outcome, Stage, clause, open_content
from apps.writer.models import Content, EditorialStatus, Image, ImageStatus

if TYPE_CHECKING:
    from apps.automation.models import AutomationConfig

# --- 7. review → approved → publishing ----------------------------------------------------


class Review(Stage):
    number = 7

    def pending(self, site, config):
        drafts = Q(status=EditorialStatus.DRAFT, human_edited=False)
        wanted = drafts
        if config.approval_mode == ApprovalMode.AUTO:
            wanted |= Q(status=EditorialStatus.REVIEW)
        ready = open_content(site).filter(wanted).exclude(html="")
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
            outcome.fail(clause(" ".join(getattr(exc, "messages", [str(exc)]))))
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
