"""How a run is named to people: who started it, and the refusal of a second run.

Shared by the preview (why a run may not start now) and the run services (the same refusal
raised as RunActive), which is why it is neither's.
"""

from __future__ import annotations

from django.utils.timesince import timesince

from apps.automation.models import AutomationRun, RunStatus, RunTrigger


def who(user_id: int | None) -> str:
    from apps.accounts.models import User

    if not user_id:
        return "the schedule"
    user = User.objects.filter(pk=user_id).first()
    return (user.get_full_name() or user.email) if user else "a former member"


def active_words(run: AutomationRun) -> str:
    """The refusal of a second run, naming the active one."""
    when = timesince(run.started or run.created)
    state = {
        RunStatus.QUEUED: "is waiting for a worker",
        RunStatus.RUNNING: f"is at stage {run.stage} ({run.stage_name})",
        RunStatus.PAUSED: f"is paused at stage {run.stage} ({run.stage_name})",
    }.get(run.status, "is active")
    starter = (
        "started by the schedule"
        if run.trigger == RunTrigger.SCHEDULED
        else (f"started by {who(run.started_by_id)}")
    )
    return (
        f"Run #{run.pk} on {run.site.name} ({starter} {when} ago) {state}. A site runs one "
        "automation at a time: wait for it to finish, or pause or cancel it first."
    )
