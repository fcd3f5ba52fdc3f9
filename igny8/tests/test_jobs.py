"""igny8.jobs: a job belongs to the workspace it was queued in, runs there, and records how it
went; a second delivery changes nothing."""

from __future__ import annotations

import importlib
import importlib.util
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django_tenants.utils import schema_context

from apps.workspace.models import Job, JobStatus, Site
from igny8 import jobs
from igny8.logging import request_id_var
from igny8.tests import sample_jobs
from igny8.tests.support import rows_by_schema

pytestmark = pytest.mark.django_db

SITE_CREATE = "igny8.tests.sample_jobs.site_create"


def _marker() -> str:
    return f"m-{uuid.uuid4().hex[:12]}"


def test_job_row_is_made_in_the_workspace_and_the_job_runs_there(alpha, beta):
    name = _marker()
    with schema_context(alpha.schema):
        record = jobs.enqueue(sample_jobs.site_create, name, label=name, user=alpha.owner)

    assert rows_by_schema("workspace_job", "label", name) == {alpha.schema: 1}
    assert rows_by_schema("workspace_site", "name", name) == {alpha.schema: 1}
    assert record.result["schema"] == alpha.schema
    with schema_context(beta.schema):
        assert not Job.objects.filter(label=name).exists()
        assert not Site.objects.filter(name=name).exists()


def test_succeeded_job_records_its_outcome(alpha):
    name = _marker()
    with schema_context(alpha.schema):
        record = jobs.enqueue(sample_jobs.site_create, name, user=alpha.owner)
        record = Job.objects.get(pk=record.pk)

    assert record.kind == "test_site_create"
    assert record.status == JobStatus.SUCCEEDED
    assert record.progress == 100
    assert record.message == f"Site {name} ready"
    assert record.started is not None and record.finished is not None
    assert record.started <= record.finished
    assert record.error == ""
    assert record.attempts == 1
    assert record.created_by_id == alpha.owner.pk
    # progress() reported along the way and the counts stay for the page to show.
    assert (record.done, record.total) == (1, 2)


def test_failed_job_records_the_error(alpha):
    with schema_context(alpha.schema):
        record = jobs.enqueue(sample_jobs.explode, "the printer is on fire")
        record = Job.objects.get(pk=record.pk)

    assert record.status == JobStatus.FAILED
    assert record.message == "Failed"
    # People read a sentence and what to do; the class and its words are kept for staff.
    assert record.error == (
        "Something went wrong on our side and this job stopped. Try again; if it happens "
        f"again, tell support the job number (#{record.pk})."
    )
    assert record.result["error_detail"] == "ValueError: the printer is on fire"
    assert record.progress < 100
    assert record.finished is not None


def test_enqueue_by_dotted_path_runs_the_same_job(alpha):
    name = _marker()
    with schema_context(alpha.schema):
        record = jobs.enqueue(SITE_CREATE, name)
        assert Site.objects.filter(name=name).count() == 1
    assert record.status == JobStatus.SUCCEEDED


def test_enqueue_outside_a_workspace_is_refused(workspaces, db):
    with pytest.raises(RuntimeError, match="inside a workspace schema"):
        jobs.enqueue(sample_jobs.where_am_i, "public")


def test_second_delivery_of_a_finished_job_changes_nothing(alpha):
    name = _marker()
    with schema_context(alpha.schema):
        record = jobs.enqueue(sample_jobs.site_create, name)
        before = Job.objects.filter(pk=record.pk).values().get()

    again = jobs.run(alpha.schema, record.pk, SITE_CREATE, "", [name], {})

    with schema_context(alpha.schema):
        assert Job.objects.filter(pk=record.pk).values().get() == before
        assert Site.objects.filter(name=name).count() == 1
    assert again == before["result"]


def test_second_delivery_of_a_failed_job_does_not_run_it_again(alpha):
    with schema_context(alpha.schema):
        record = jobs.enqueue(sample_jobs.explode, "once")
        before = Job.objects.filter(pk=record.pk).values().get()

    jobs.run(alpha.schema, record.pk, "igny8.tests.sample_jobs.explode", "", ["twice"], {})

    with schema_context(alpha.schema):
        after = Job.objects.filter(pk=record.pk).values().get()
    assert after == before
    assert after["result"]["error_detail"] == "ValueError: once"


def test_redelivery_after_a_crash_finishes_the_job_without_duplicates(alpha):
    name = _marker()
    with schema_context(alpha.schema):
        record = jobs.enqueue(sample_jobs.site_create, name)
        # The worker died mid-run: the row still says running when the queue delivers again.
        Job.objects.filter(pk=record.pk).update(status=JobStatus.RUNNING, finished=None)

    jobs.run(alpha.schema, record.pk, SITE_CREATE, "", [name], {})

    with schema_context(alpha.schema):
        record.refresh_from_db()
        assert Site.objects.filter(name=name).count() == 1
    assert record.status == JobStatus.SUCCEEDED
    assert record.attempts == 2


def test_request_id_is_kept_on_the_job_and_in_its_log_lines(alpha, log_file):
    name = _marker()
    request_id = f"req-{uuid.uuid4().hex[:10]}"
    log = log_file("igny8")
    token = request_id_var.set(request_id)
    try:
        with schema_context(alpha.schema):
            record = jobs.enqueue(sample_jobs.site_create, name)
    finally:
        request_id_var.reset(token)

    assert record.request_id == request_id
    lines = log.lines_with(f"job created site {name}")
    assert len(lines) == 1
    assert f"[{request_id} {alpha.schema}]" in lines[0]


def test_progress_updates_counts_and_percentage(alpha):
    with schema_context(alpha.schema):
        record = Job.objects.create(kind="test_progress")
        jobs.progress(record, done=312, total=1000, message="312 of 1,000 keywords")
        stored = Job.objects.get(pk=record.pk)

    assert (stored.done, stored.total, stored.progress) == (312, 1000, 31)
    assert stored.message == "312 of 1,000 keywords"
    assert (record.done, record.total, record.progress) == (312, 1000, 31)


def test_progress_stays_below_100_until_the_job_has_finished(alpha):
    with schema_context(alpha.schema):
        record = Job.objects.create(kind="test_progress")
        jobs.progress(record, done=10, total=10)
        assert Job.objects.get(pk=record.pk).progress == 99
        jobs.progress(record, done=0, total=0)
        assert Job.objects.get(pk=record.pk).progress == 0


def _import_every_jobs_module() -> None:
    for config in apps.get_app_configs():
        name = f"{config.name}.jobs"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def test_every_job_kind_has_a_time_limit_within_the_queue_timeout():
    _import_every_jobs_module()
    limits = jobs.time_limits()

    assert "invitation_email" in limits
    assert all(0 < limit <= settings.JOBS_MAX_TIMEOUT for limit in limits.values()), limits
    assert settings.Q_CLUSTER["timeout"] == settings.JOBS_MAX_TIMEOUT


def test_a_time_limit_above_the_queue_timeout_is_refused():
    with pytest.raises(ValueError, match="at most JOBS_MAX_TIMEOUT"):
        jobs.job(kind="too_slow", time_limit=settings.JOBS_MAX_TIMEOUT + 1)
    assert "too_slow" not in jobs.time_limits()


# --- many workspaces at once (the scheduler's way) -----------------------------------------


def test_enqueue_each_makes_each_job_in_its_own_schema_and_runs_it_there(alpha, beta):
    names = {alpha.schema: [_marker(), _marker()], beta.schema: [_marker()]}
    calls = [(schema, (name,)) for schema, batch in names.items() for name in batch]

    records = jobs.enqueue_each(SITE_CREATE, calls, label="many")

    assert [r.pk is not None for r in records] == [True, True, True]
    for (schema, (name,)), record in zip(calls, records, strict=True):
        assert record.status == JobStatus.SUCCEEDED, record.error
        assert record.result["schema"] == schema
        assert rows_by_schema("workspace_site", "name", name) == {schema: 1}
        with schema_context(schema):
            assert Job.objects.get(pk=record.pk).kind == "test_site_create"


def test_enqueue_each_queues_in_the_job_rows_transaction_with_their_task_ids(
    alpha, beta, settings, django_capture_on_commit_callbacks
):
    from django_q.models import OrmQ

    settings.JOBS_SYNC = False
    calls = [(alpha.schema, ("a",)), (beta.schema, ("b",)), (alpha.schema, ("c",))]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        records = jobs.enqueue_each(sample_jobs.where_am_i, calls, label="queued")
        # Written with the Job rows, in their transaction: nothing is left for after commit.
        assert OrmQ.objects.count() == 3
    assert callbacks == []

    queued = {q.task_id(): q.task for q in OrmQ.objects.all()}
    for (schema, args), record in zip(calls, records, strict=True):
        with schema_context(schema):
            stored = Job.objects.get(pk=record.pk)
        assert stored.status == JobStatus.QUEUED and stored.label == "queued"
        task = queued[stored.task_id]
        assert task["func"] == "igny8.jobs.run"
        assert task["args"][:3] == (schema, record.pk, "igny8.tests.sample_jobs.where_am_i")
        assert task["args"][4] == list(args)
        assert task["name"] == f"test_where_am_i:{schema}:{record.pk}"


def test_enqueue_each_writes_every_schemas_rows_in_one_statement_that_stays_short(
    alpha, beta, settings
):
    """The scheduler starts many workspaces' runs in one tick: one INSERT statement for all
    their Job rows, whose parameters do not grow with the rows (column arrays), and each
    row gets its own id back, in its own schema."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.JOBS_SYNC = False
    few = [(alpha.schema, ("a",)), (beta.schema, ("b",)), (alpha.schema, ("c",))]
    many = [(s, (f"{s}-{n}",)) for n in range(20) for s in (alpha.schema, beta.schema)]
    lengths = []
    for calls in (few, many):
        with CaptureQueriesContext(connection) as captured:
            records = jobs.enqueue_each(sample_jobs.where_am_i, calls, label="one statement")
        inserts = [
            q["sql"] for q in captured if "INSERT INTO" in q["sql"] and "django_q" not in q["sql"]
        ]
        assert len(inserts) == 1, inserts
        assert "UNNEST" in inserts[0]
        lengths.append(inserts[0].count("::"))
        # Ids are per schema (each workspace has its own sequence): distinct per schema.
        ids = {(schema, r.pk) for (schema, _args), r in zip(calls, records, strict=True)}
        assert len(ids) == len(calls)
        for (schema, _args), record in zip(calls, records, strict=True):
            with schema_context(schema):
                stored = Job.objects.get(pk=record.pk)
            assert stored.task_id == record.task_id and stored.label == "one statement"
    assert lengths[0] == lengths[1]  # the same casts (one array per column), 3 rows or 40


def test_enqueue_each_refuses_the_public_schema(workspaces, db):
    with pytest.raises(RuntimeError):
        jobs.enqueue_each(SITE_CREATE, [("public", ("x",))])


@pytest.mark.parametrize("many", [False, True], ids=["enqueue", "enqueue_each"])
def test_a_process_that_fails_before_the_queue_entry_leaves_no_job_waiting_for_ever(
    alpha, settings, monkeypatch, many
):
    """A web host killed between committing a Job row and writing its queue entry left a job
    "queued" that no worker would ever run (the cluster test met it): the two are written in
    one transaction, so a failure in between leaves neither."""
    from django_q.models import OrmQ

    settings.JOBS_SYNC = False

    def host_dies(*args, **kwargs):  # noqa: ANN002, ANN003
        raise SystemExit("killed")

    monkeypatch.setattr(jobs, "_push_each", host_dies)
    with schema_context(alpha.schema):
        before = Job.objects.count()
        with pytest.raises(SystemExit):
            if many:
                jobs.enqueue_each(sample_jobs.where_am_i, [(alpha.schema, ("a",))] * 2)
            else:
                jobs.enqueue(sample_jobs.where_am_i, "a")
        assert Job.objects.count() == before
    assert not OrmQ.objects.exists()


def test_with_a_queue_outside_the_database_the_entries_go_in_after_commit(
    alpha, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.JOBS_SYNC = False
    pushed: list[list] = []
    monkeypatch.setattr(jobs, "_queue_is_this_database", lambda: False)
    monkeypatch.setattr(jobs, "_push_each", lambda packed, kind: pushed.append(packed))
    with schema_context(alpha.schema):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            record = jobs.enqueue(sample_jobs.where_am_i, "a")
            assert pushed == []  # not before commit
        assert len(callbacks) == 1
    ((call, task_id),) = pushed[0]
    assert call[:2] == (alpha.schema, record.pk) and task_id == record.task_id


@pytest.mark.parametrize("old,new", sorted(jobs.MOVED_JOB_MODULES.items()))
def test_a_task_queued_before_its_job_module_moved_still_finds_its_job(old, new):
    """A release moved the planner's and writer's job modules into packages; a task queued
    before it names the old module in the queue's payload, and must still run."""
    from django.utils.module_loading import import_string

    module = importlib.import_module(new)
    moved = [path for path in jobs._REGISTRY if path.rpartition(".")[0] == new]
    assert moved, f"no job registered in {new}"
    for path in moved:
        name = path.rpartition(".")[2]
        assert jobs.current_path(f"{old}.{name}") == path
        assert import_string(jobs.current_path(f"{old}.{name}")) is getattr(module, name)
    assert jobs.current_path(f"{new}.x") == f"{new}.x"  # a current path stays as it is


def test_a_job_queued_under_its_old_path_runs(alpha, tmp_path):
    from tests.factories import make_site

    site = make_site(alpha.account, "Old path", sectors=1)
    with schema_context(alpha.schema):
        sector = site.sectors.first()
        record = Job.objects.create(kind="keyword_import", label="old path")
        jobs.run(
            alpha.schema,
            record.pk,
            "apps.planner.jobs.keywords_import",  # where it was before the move
            "",
            [str(tmp_path / "missing.csv"), sector.pk],
            {},
        )
        record.refresh_from_db()
    assert record.status == JobStatus.FAILED and "no longer here" in record.error
    assert record.attempts == 1
