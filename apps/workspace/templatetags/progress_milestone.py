"""`{% milestone status percent label %}`: the words a progress region announces (see
apps/workspace/milestones.py); pages put them in `data-milestone` on the polled element."""

from __future__ import annotations

from django import template

from apps.workspace.milestones import progress_milestone

register = template.Library()


@register.simple_tag
def milestone(status: str, percent: int | None, label: str, number: int | None = None) -> str:
    """`number` names one of several (`Automation run #12`)."""
    named = f"{label} #{number}" if number is not None else str(label)
    return progress_milestone(label=named, status=str(status), percent=percent)
