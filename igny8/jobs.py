"""Background jobs that know which workspace they belong to.

django-q2 knows nothing of tenants and its workers start in `public`, so `enqueue` records
the current schema and the request id, and `run` re-enters that schema before calling the
job function. Every job gets a `Job` row in its workspace (kind, status, progress, outcome)
that a page can poll.

Job functions are registered with `@job(kind=..., time_limit=...)` and receive the Job row
as their first argument. They must be idempotent: the queue delivers at least once.

A job runs under a deadline (`igny8.deadlines`) a little short of its time limit, so that the
outbound calls inside it (AI providers) give up in time for the job to record its outcome and
refund what it reserved, before the queue kills it. A job whose worker died anyway (killed,
out of memory, a machine gone) is marked failed, and its credits released, by the sweeper
(`igny8.job_sweeper`).

A failed job keeps a sentence a person understands in `error` (the exception's own message
when it is an error meant for users, else a plain "something went wrong"), and the technical
detail for staff in `result["error_detail"]`, with `result["reason"]` (a clause after
"failed because") for summaries over many jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name, schema_context

from igny8 import deadlines
from igny8.errors import UserFacingError
from igny8.logging import request_id_var, schema_var

log = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 600


@dataclass(frozen=True)
class JobKind:
    kind: str
    path: str
    time_limit: int


_REGISTRY: dict[str, JobKind] = {}


def job(*, kind: str, time_limit: int = DEFAULT_TIME_LIMIT) -> Callable:
    """Register a job function. Its time limit must stay under the cluster's `retry`."""
    if time_limit >= settings.Q_CLUSTER["retry"]:
        raise ValueError(f"time limit of {kind} must be below Q_CLUSTER['retry']")

    def decorate(func: Callable) -> Callable:
        path = f"{func.__module__}.{func.__qualname__}"
        _REGISTRY[path] = JobKind(kind=kind, path=path, time_limit=time_limit)
        func.job_kind = _REGISTRY[path]
        return func

    return decorate


def time_limits() -> dict[str, int]:
    return {k.kind: k.time_limit for k in _REGISTRY.values()}


def deadline_margin(time_limit: float) -> float:
    """Seconds kept back from a job's time limit to record its outcome and refund."""
    return min(30.0, time_limit / 10)


def failure_words(exc: BaseException, job_id: int) -> dict[str, Any]:
    """What a failed job records: the sentence people read, and for staff the detail."""
    from igny8.ai.errors import detail_of, reason_of

    if isinstance(exc, UserFacingError):
        error = exc.message
    elif isinstance(exc, ValidationError):  # services refuse in plain words this way too
        error = " ".join(exc.messages)
    else:
        error = (
            "Something went wrong on our side and this job stopped. Try again; if it happens "
            f"again, tell support the job number (#{job_id})."
        )
    return {
        "error": error,
        "result": {
            "error_detail": detail_of(exc)[:2000],
            "reason": reason_of(exc),
            "provider_failure": bool(getattr(exc, "provider_failure", False)),
            "skipped": bool(getattr(exc, "skipped", False)),
            **(getattr(exc, "result", None) or {}),
        },
    }


def enqueue(func: Callable | str, *args: Any, label: str = "", user=None, **kwargs: Any):
    """Queue `func(job, *args, **kwargs)` to run in the current workspace's schema.

    Returns the Job row. Inside a transaction the task is handed to the queue only after
    commit, so a worker never looks for a Job row that does not exist yet.
    """
    from apps.workspace.models import Job

    path = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    if path not in _REGISTRY:
        import_string(path)  # registration happens at import
    kind = _REGISTRY[path]
    schema = connection.schema_name
    if schema == get_public_schema_name():
        raise RuntimeError("Jobs belong to a workspace; enqueue them inside a workspace schema.")
    request_id = request_id_var.get()
    record = Job.objects.create(
        kind=kind.kind,
        label=label[:200],
        request_id=request_id if request_id != "-" else "",
        created_by_id=getattr(user, "pk", None),
    )
    call = (schema, record.pk, path, request_id, list(args), kwargs)

    if settings.JOBS_SYNC:
        _submit(call, kind, sync=True)
        record.refresh_from_db()
    else:
        transaction.on_commit(lambda: _submit(call, kind, sync=False))
    return record


def _submit(call: tuple, kind: JobKind, *, sync: bool) -> None:
    from django_q.tasks import async_task

    schema, job_id = call[0], call[1]
    task_id = async_task(
        "igny8.jobs.run",
        *call,
        timeout=kind.time_limit,
        sync=sync,
        task_name=f"{kind.kind}:{schema}:{job_id}",
        group=kind.kind,
    )
    if not sync:
        with schema_context(schema):
            from apps.workspace.models import Job

            Job.objects.filter(pk=job_id).update(task_id=task_id or "")


def run(
    schema: str, job_id: int, path: str, request_id: str, args: list, kwargs: dict
) -> dict | None:
    """Worker entry point: run one job inside its workspace schema, recording the outcome."""
    from apps.workspace.models import Job, JobStatus

    token_rid = request_id_var.set(request_id or "-")
    token_schema = schema_var.set(schema)
    try:
        with schema_context(schema):
            record = Job.objects.filter(pk=job_id).first()
            if record is None:
                log.warning("job %s vanished before it ran", job_id)
                return None
            if record.is_finished:
                # Delivered twice: the first delivery already did the work.
                return record.result
            Job.objects.filter(pk=job_id).update(
                status=JobStatus.RUNNING,
                started=timezone.now(),
                attempts=record.attempts + 1,
                message="Running…",
            )
            record.refresh_from_db()
            func = import_string(path)
            limit = _REGISTRY[path].time_limit if path in _REGISTRY else DEFAULT_TIME_LIMIT
            try:
                with deadlines.within(limit - deadline_margin(limit)):
                    result = func(record, *args, **kwargs)
            except Exception as exc:
                log.exception("job %s (%s) failed", job_id, record.kind)
                words = failure_words(exc, job_id)
                Job.objects.filter(pk=job_id).update(
                    status=JobStatus.FAILED,
                    finished=timezone.now(),
                    error=words["error"][:2000],
                    result=words["result"],
                    message="Failed",
                )
                if settings.JOBS_SYNC:
                    return None
                raise
            result = result if isinstance(result, dict) else {}
            Job.objects.filter(pk=job_id).update(
                status=JobStatus.SUCCEEDED,
                finished=timezone.now(),
                progress=100,
                result=result,
                message=(result.get("message") or "Done")[:300],
            )
            return result
    finally:
        request_id_var.reset(token_rid)
        schema_var.reset(token_schema)


def progress(record, *, done: int, total: int, message: str = "") -> None:
    """Report progress from inside a job ("312 of 1,000 keywords")."""
    from apps.workspace.models import Job

    pct = int(done * 100 / total) if total else 0
    Job.objects.filter(pk=record.pk).update(
        done=done, total=total, progress=min(pct, 99), message=message[:300]
    )
    record.done, record.total, record.progress = done, total, min(pct, 99)
