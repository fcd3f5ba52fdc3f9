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
import re
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

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
    """Register a job function. Its time limit must stay within the queue's timeout (a worker
    keeps the entries it took locked, `igny8.queue_broker`, so `retry` may be shorter)."""
    if time_limit > settings.JOBS_MAX_TIMEOUT:
        raise ValueError(f"time limit of {kind} must be at most JOBS_MAX_TIMEOUT")

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

    Returns the Job row. The Job row and its queue entry are written in one transaction
    (`_hand_over`): a worker never looks for a Job row that does not exist yet, and a process
    that dies half-way leaves no job queued with nothing to run it.
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
    task_id = uuid4().hex
    # A synchronous job (tests) runs outside any transaction of ours: what it did stays done
    # even when it dies halfway, as a worker's would.
    with nullcontext() if settings.JOBS_SYNC else transaction.atomic():
        record = Job.objects.create(
            kind=kind.kind,
            label=label[:200],
            request_id=request_id if request_id != "-" else "",
            created_by_id=getattr(user, "pk", None),
            task_id=task_id,
        )
        call = (schema, record.pk, path, request_id, list(args), kwargs)
        if settings.JOBS_SYNC:
            _submit(call, kind, sync=True)
            record.refresh_from_db()
        else:
            _hand_over([(call, task_id)], kind)
    return record


def enqueue_each(func: Callable | str, calls: Sequence[tuple[str, tuple]], *, label: str = ""):
    """Queue `func(job, *args)` once for each `(schema, args)` in `calls`, each inside its own
    workspace schema: what `enqueue` does for one call, for many at once (the scheduler starts
    many workspaces' runs in one tick). Returns the Job rows, in the order of `calls`.

    The cost does not grow by round trips per call or per workspace: every Job row, in every
    schema, is inserted by one statement, and after commit every queue entry by one more, each
    carrying the task id its Job row already holds. With synchronous jobs (tests) each job
    runs at once, as with `enqueue`.
    """
    from apps.workspace.models import Job

    path = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    if path not in _REGISTRY:
        import_string(path)
    kind = _REGISTRY[path]
    request_id = request_id_var.get()
    request_id = request_id if request_id != "-" else ""
    by_schema: dict[str, list[int]] = {}
    for index, (schema, _args) in enumerate(calls):
        if schema == get_public_schema_name():
            raise RuntimeError("Jobs belong to a workspace; give each call a workspace schema.")
        by_schema.setdefault(schema, []).append(index)
    records = [
        Job(kind=kind.kind, label=label[:200], request_id=request_id, task_id=uuid4().hex)
        for _ in calls
    ]
    with nullcontext() if settings.JOBS_SYNC else transaction.atomic():
        _insert_in_schemas({schema: [records[i] for i in idx] for schema, idx in by_schema.items()})
        packed = [
            ((schema, record.pk, path, request_id, list(args), {}), record.task_id)
            for (schema, args), record in zip(calls, records, strict=True)
        ]
        if settings.JOBS_SYNC:
            for call, _task_id in packed:
                _submit(call, kind, sync=True)
            for (schema, _args), record in zip(calls, records, strict=True):
                with schema_context(schema):
                    record.refresh_from_db()
        elif packed:
            _hand_over(packed, kind)
    return records


def _queue_is_this_database() -> bool:
    """Whether the queue is django-q2's ORM broker on the database the Job rows are in."""
    from django_q.brokers import get_broker
    from django_q.brokers.orm import ORM
    from django_q.conf import Conf

    return isinstance(get_broker(), ORM) and connection.alias == Conf.ORM


def _hand_over(packed: list[tuple[tuple, str]], kind: JobKind) -> None:
    """Hand the jobs to the queue, called inside the transaction that made their Job rows.

    With the ORM broker (the default) the queue entries are written in that same transaction:
    a web process killed between the two can leave neither or both, never a Job row that says
    "queued" with nothing in the queue to run it (it waited a day for the sweeper). A worker
    sees the entries only once the rows it looks for are committed. Another broker (Redis)
    cannot share the transaction: its entries go in after commit."""
    if _queue_is_this_database():
        _push_each(packed, kind)
    else:
        transaction.on_commit(lambda: _push_each(packed, kind))


def _insert_in_schemas(objs_by_schema: dict[str, list]) -> None:
    """Insert each schema's unsaved model objects into that schema's table, all of them in
    ONE statement (a data-modifying CTE per schema), and set their primary keys.

    Switching the search path per workspace would cost two round trips each; naming the
    schema in the statement costs none. Django prepares every value (defaults, field
    preparation) as for `bulk_create`; only the table is qualified with the schema.
    """
    if not objs_by_schema:
        return
    if not _insert_unnested(objs_by_schema):
        _insert_per_schema(objs_by_schema)


def _insert_compiled(model, fields: list, objs: list) -> tuple[str, tuple]:  # noqa: ANN001
    from django.db.models.sql import InsertQuery

    query = InsertQuery(model)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [model._meta.pk]
    ((sql, params),) = compiler.as_sql()
    return sql, tuple(params)


def _set_pks(objs_by_schema: dict[str, list], by_part: dict[int, list[int]]) -> None:
    for n, objs in enumerate(objs_by_schema.values()):
        # A sequence hands out ascending ids in the order the rows are inserted.
        for obj, pk in zip(objs, sorted(by_part.get(n, [])), strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias


def _insert_unnested(objs_by_schema: dict[str, list]) -> bool:
    """The usual case, in one compile: Django turns every row of every schema into one
    column array each (its `UNNEST` bulk insert); the statement unnests them once with the
    schema's number beside each row, and each schema's INSERT takes its own rows, in order.
    Its length and its parameters barely grow with the schemas (a tick of the scheduler
    starts fifty workspaces' runs). False, having done nothing, when Django does not bulk
    insert these rows through arrays (one row, or a field that cannot be unnested)."""
    schemas = list(objs_by_schema)
    objs = [obj for schema in schemas for obj in objs_by_schema[schema]]
    if len(objs) < 2:
        return False
    model = objs[0].__class__
    meta, quote = model._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql, params = _insert_compiled(model, fields, objs)
    shape = re.fullmatch(
        rf"INSERT INTO {re.escape(table)} \((?P<cols>[^()]*)\) SELECT \* FROM "
        r"UNNEST\((?P<arrays>.*)\) (?P<returning>RETURNING [^()%]*)",
        sql,
        flags=re.S,
    )
    if shape is None or shape["arrays"].count("%s") != len(params):
        return False
    cols = shape["cols"]
    parts = [n for n, schema in enumerate(schemas) for _ in objs_by_schema[schema]]
    # The unnested rows are named v(<the table's columns>, part, ord): `part` says whose.
    inserts = [
        f"s{n} AS (INSERT INTO {quote(schema)}.{table} ({cols}) SELECT {cols} FROM v "
        f"WHERE igny8_part = {n} ORDER BY igny8_ord {shape['returning']})"
        for n, schema in enumerate(schemas)
    ]
    selects = [
        f"SELECT {n} AS part, {quote(meta.pk.column)} AS pk FROM s{n}" for n in range(len(schemas))
    ]
    statement = (
        f"WITH v AS (SELECT * FROM UNNEST({shape['arrays']}, (%s)::integer[]) WITH ORDINALITY "
        f"AS v({cols}, igny8_part, igny8_ord)), "
        + ", ".join(inserts)
        + " "
        + " UNION ALL ".join(selects)
    )
    by_part: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, parts])
        for part, pk in cursor.fetchall():
            by_part.setdefault(part, []).append(pk)
    _set_pks(objs_by_schema, by_part)
    return True


def _insert_per_schema(objs_by_schema: dict[str, list]) -> None:
    """The general case: Django compiles each schema's INSERT, one CTE each."""
    model = next(iter(objs_by_schema.values()))[0].__class__
    meta, quote = model._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    parts, params, selects = [], [], []
    for n, (schema, objs) in enumerate(objs_by_schema.items()):
        sql, sql_params = _insert_compiled(model, fields, objs)
        prefix = f"INSERT INTO {table} "
        if not sql.startswith(prefix):
            raise RuntimeError(f"unexpected INSERT for {meta.db_table}: {sql[:80]}")
        parts.append(f"s{n} AS (INSERT INTO {quote(schema)}.{table} {sql[len(prefix) :]})")
        params.extend(sql_params)
        selects.append(f"SELECT {n} AS part, {quote(meta.pk.column)} AS pk FROM s{n}")
    statement = "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(selects)
    by_part: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for part, pk in cursor.fetchall():
            by_part.setdefault(part, []).append(pk)
    _set_pks(objs_by_schema, by_part)


def _push_each(packed: list[tuple[tuple, str]], kind: JobKind) -> None:
    """The queue entries of `enqueue_each`, as django-q2's `async_task` makes them (the same
    task package, signed), written in one statement when the broker is the ORM's or Redis."""
    from django_q.brokers import get_broker
    from django_q.brokers.orm import ORM
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signals import pre_enqueue
    from django_q.signing import SignedPackage

    broker = get_broker()
    now = timezone.now()
    packages = []
    for call, task_id in packed:
        task = {
            "id": task_id,
            "name": f"{kind.kind}:{call[0]}:{call[1]}",
            "func": "igny8.jobs.run",
            "args": tuple(call),
            "group": kind.kind,
            "timeout": kind.time_limit,
        }
        if Conf.CACHED:
            task["cached"] = Conf.CACHED
        if Conf.ACK_FAILURES:
            task["ack_failure"] = Conf.ACK_FAILURES
        task["kwargs"] = {}
        task["started"] = now
        pre_enqueue.send(sender="django_q", task=task)
        packages.append(SignedPackage.dumps(task))
    if isinstance(broker, ORM):
        key = broker.list_key or Conf.CLUSTER_NAME
        OrmQ.objects.using(Conf.ORM).bulk_create(
            [OrmQ(key=key, payload=package, lock=now) for package in packages]
        )
    elif Conf.REDIS and hasattr(broker, "connection"):
        # django-q2's Redis broker pushes one task per RPUSH; RPUSH takes many values, in
        # order, so the whole batch is one round trip (in slices, to keep commands small).
        for start in range(0, len(packages), 500):
            broker.connection.rpush(broker.list_key, *packages[start : start + 500])
    else:
        for package in packages:
            broker.enqueue(package)


def _submit(call: tuple, kind: JobKind, *, sync: bool) -> None:
    """Run a job through django-q2 at once (`JOBS_SYNC`, the tests)."""
    from django_q.tasks import async_task

    schema, job_id = call[0], call[1]
    async_task(
        "igny8.jobs.run",
        *call,
        timeout=kind.time_limit,
        sync=sync,
        task_name=f"{kind.kind}:{schema}:{job_id}",
        group=kind.kind,
    )


# Job modules that moved: a task queued before the release that moved it names the old
# module in its payload, and still runs (issue 16 put the jobs rooms into packages).
MOVED_JOB_MODULES = {
    "apps.planner.jobs": "apps.planner.jobs.imports",
    "apps.planner.jobs_clusters": "apps.planner.jobs.clusters",
    "apps.writer.jobs": "apps.writer.jobs.writing",
    "apps.writer.jobs_images": "apps.writer.jobs.images",
    "apps.writer.jobs_optimize": "apps.writer.jobs.optimize",
}


def current_path(path: str) -> str:
    """Where a job function lives now, given the dotted path a queued task names."""
    module, _, name = path.rpartition(".")
    return f"{MOVED_JOB_MODULES[module]}.{name}" if module in MOVED_JOB_MODULES else path


def run(
    schema: str, job_id: int, path: str, request_id: str, args: list, kwargs: dict
) -> dict | None:
    """Worker entry point: run one job inside its workspace schema, recording the outcome."""
    from apps.workspace.models import Job, JobStatus

    path = current_path(path)
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
