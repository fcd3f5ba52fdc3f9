"""Stage 7's one hand-over: an article the pipeline finished goes to review, and (in automatic
mode, when its on-page score is high enough) is approved and handed to publishing.

`_to_publishing` hands the approved article to the publisher's schedule (automation may import
the publisher's services; those never import automation, only the publisher's pages borrow
automation's form field and clock helper).
"""

from __future__ import annotations

from apps.automation.models import ApprovalMode, AutomationConfig
from apps.writer.models import Content, EditorialStatus
from apps.writer.services.content import Actor, content_approve, content_submit

IN_REVIEW_MODE = "the approval mode is review: a person approves it"


def below_gate(score: int | None, minimum: int) -> str:
    shown = "not scored yet" if score is None else f"{score}"
    return (
        f"its on-page score is {shown}, below the minimum of {minimum} for automatic approval; "
        "improve it in the optimizer, or approve it yourself"
    )


def content_handover(*, content: Content, config: AutomationConfig, user=None) -> str:  # noqa: ANN001
    """Move a finished article on as the site's approval mode says: submit a draft for review,
    then in automatic mode approve it when its on-page score reaches `config.min_score` and
    hand it to publishing. Returns "" when it was approved, else why it stays in review.

    Uses the writer's own review flow (`content_submit`, `content_approve`), acting for the
    automation the site's configuration allows; `user` is who started the run (None when the
    schedule did), recorded as submitter and approver.
    """
    actor = Actor(user=user, can_edit=True, can_approve=True)
    if content.status == EditorialStatus.DRAFT:
        content_submit(content=content, actor=actor)
    if config.approval_mode != ApprovalMode.AUTO:
        return IN_REVIEW_MODE
    content.refresh_from_db(fields=["score", "status"])
    if content.score is None or content.score < config.min_score:
        return below_gate(content.score, config.min_score)
    if content.status != EditorialStatus.APPROVED:
        content_approve(content=content, actor=actor)
    _to_publishing(content)
    return ""


def _to_publishing(content: Content) -> None:
    """Where the publisher takes over: approved → scheduled, in the next free slot of the
    site's schedule when the site is connected and its schedule is on (otherwise the article
    waits, approved, for a person or for the schedule to be switched on)."""
    from apps.publisher.services.schedule import slots_assign

    slots_assign(site=content.site)
    content.refresh_from_db(fields=["publishing_status"])
