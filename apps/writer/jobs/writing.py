"""Background jobs of the writer: thin entry points into the services."""

from __future__ import annotations

from apps.workspace.models import Job
from apps.writer.models import Task, TaskStatus
from apps.writer.services.writing import task_write
from igny8 import jobs
from igny8.errors import UserFacingError


class WriteFailed(UserFacingError):
    """The task could not be written; its reason is on the task (and in the job's error, in
    the same words, with the cause's detail for staff)."""

    def __init__(
        self,
        message: str,
        *,
        reason: str = "",
        detail: str = "",
        provider_failure: bool = False,
        skipped: bool = False,
        batch: str = "",
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail
        self.provider_failure = provider_failure
        self.skipped = skipped
        # Kept in the failed job's result, beside the reason (igny8.jobs.failure_words).
        self.result = {"batch": batch} if batch else {}


@jobs.job(kind="write", time_limit=900)
def write_task(record: Job, task_id: int, batch: str = "") -> dict:
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        return {"message": "The task no longer exists; nothing written.", "batch": batch}
    outcome = task_write(task, record, batch=batch)
    if outcome.status == TaskStatus.FAILED:
        # The job ends "failed" too, so that whoever follows jobs sees it; the task keeps the
        # reason in plain words for the tasks page.
        raise WriteFailed(
            outcome.message,
            reason=outcome.reason,
            detail=outcome.detail,
            provider_failure=outcome.provider_failure,
            skipped=outcome.skipped,
            batch=batch,
        )
    return {**outcome.as_result(), "batch": batch}
