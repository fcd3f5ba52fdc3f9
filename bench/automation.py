"""Automation: what the scheduler costs per tick, and how soon a queued job starts.

One function per measurement; `main` sets up a bench database, runs each and prints them:

- **dispatcher cost per tick** (`dispatcher_tick`): the every-minute dispatcher
  (`apps.schedule.dispatch`) with 1,000 workspaces in the index, 50 of them due. Wall
  milliseconds per tick (median and p95 of many ticks), and the queries of one tick counted
  at 100 and at 1,000 index rows, to show they do not grow with the rows that are not due.
  Goal: ≤ 50 ms per tick.
- **dispatch latency** (`dispatch_latency`): from a job being queued (the dispatcher's
  `start_scheduled` job, `Job.created`) to a real worker (`manage.py qcluster`, one worker)
  starting it (`Job.started`). Goal: p95 ≤ 1 s. The ORM broker polls the queue every
  `Q_CLUSTER['poll']` seconds, which bounds it from below.
- **pipeline wall time** (`pipeline_wall_time`): 100 keywords on a fresh site become
  approved articles with their images in one automation run (automatic approval), served by
  the offline provider and worked on by one real worker. Wall time from "run now" to the
  run's end, with each stage's time, items and what it made. Goal: ≤ 60 s.

About the 1,000 workspaces: the dispatcher reads only the public index (and the account
rows it joins), never a workspace schema, to find what is due; it enters a schema only to
queue a due site's job there. So the 50 workspaces with a due site are real (cloned from the
template, a site with automation switched on through the real settings service), and the
other 950 are account rows with an index row each but no schema: nothing is due in them, so
nothing would ever enter them. Making 1,000 real schemas would take minutes and measure
nothing more.

It works in its own database, `igny8_bench_automation`, on the same server as the project
database (the embedded one when DATABASE_URL is unset), and drops it at the end unless
`--keep` is given. Run it from the repository root:

    .venv/bin/python bench/automation.py            # 30 ticks, 40 latency samples
    .venv/bin/python bench/automation.py --quick    # 10 ticks, 15 samples
    .venv/bin/python bench/automation.py --only pipeline_wall_time
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import provision  # the sibling script: how a bench database is found, made and dropped

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DB = "igny8_bench_automation"
provision.BENCH_DB = BENCH_DB

WORKSPACES = 1_000
DUE = 50
SMALL_INDEX = 100
GOAL_TICK_MS = 50.0
GOAL_LATENCY_P95_S = 1.0
PIPELINE_KEYWORDS = 100
GOAL_PIPELINE_S = 60.0
# Twenty subjects, five keywords each, that the offline clustering groups by subject.
PIPELINE_TOPICS = [
    "drain cleaning",
    "roof repair",
    "lawn care",
    "tree trimming",
    "carpet cleaning",
    "window replacement",
    "solar panel installation",
    "kitchen remodeling",
    "pest control",
    "water heater repair",
    "fence installation",
    "pool maintenance",
    "gutter guards",
    "chimney sweeping",
    "deck staining",
    "mold removal",
    "garage door repair",
    "septic tank pumping",
    "driveway paving",
    "home inspection",
]
PIPELINE_PATTERNS = [
    "{t}",
    "{t} services",
    "best {t} company",
    "{t} cost",
    "how much does {t} cost",
]


@dataclass
class Bench:
    """What the measurements share: the real workspaces with a due site, and the index."""

    real: list  # Account rows with a schema, one automated site each
    options: argparse.Namespace
    results: dict


def row(label: str, value: str) -> None:
    print(f"  {label:<52} {value}", flush=True)


# --- set-up (Django is set up) ---------------------------------------------------------------


def real_workspaces(count: int) -> list:
    """`count` cloned workspaces, each with one site whose automation is switched on (daily
    at 03:00) through the real settings service, which puts it in the index."""
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.accounts.provisioning import workspace_create
    from apps.automation.services import config_save
    from apps.catalog.models import Industry
    from apps.workspace.services.workspace import site_create

    owner = User.objects.create_user("bench-owner@example.com", None, name="Owner")
    industry = Industry.objects.order_by("pk").first()
    made = []
    for n in range(count):
        account = workspace_create(name=f"Bench {n:03d}", slug=f"bench-{n:03d}", owner=owner)
        with schema_context(account.schema_name):
            site = site_create(
                account=account,
                name=f"Site {n:03d}",
                url="https://bench.example",
                industry=industry,
                language="en",
            )
            config_save(
                site=site,
                data={"enabled": True, "frequency": "daily", "hour": 3},
                user=owner,
            )
        made.append(account)
    return made


def index_only_workspaces(count: int, *, start: int) -> None:
    """Account rows (no schema) with one index row each, never due within the bench."""
    from django.utils import timezone

    from apps.accounts.models import Account
    from apps.schedule.models import SiteSchedule

    accounts = Account.objects.bulk_create(
        [
            Account(name=f"Index {n:04d}", slug=f"index-{n:04d}", schema_name=f"ws_index_{n:04d}")
            for n in range(start, start + count)
        ]
    )
    later = timezone.now() + timedelta(days=1)
    SiteSchedule.objects.bulk_create(
        [
            SiteSchedule(
                account=a, site_id=1, next_run_at=later + timedelta(seconds=n), hour=(n % 24)
            )
            for n, a in enumerate(accounts)
        ]
    )


def make_due(accounts: list) -> None:
    from django.utils import timezone

    from apps.schedule.models import SiteSchedule

    SiteSchedule.objects.filter(account__in=accounts).update(
        next_run_at=timezone.now() - timedelta(seconds=30)
    )


def queue_clear() -> None:
    """Between ticks: the queued tasks and Job rows go, so every tick starts alike."""
    from django_q.models import OrmQ
    from django_tenants.utils import schema_context

    from apps.accounts.models import Account
    from apps.workspace.models import Job

    OrmQ.objects.all().delete()
    for schema in Account.objects.filter(slug__startswith="bench-").values_list(
        "schema_name", flat=True
    ):
        with schema_context(schema):
            Job.objects.all().delete()


# --- measurements ----------------------------------------------------------------------------


def _tick_queries(bench: Bench) -> tuple[int, int, int]:
    """One tick with 50 due, queries counted: (all, reads of the index, SET search_path).

    django-tenants sends a SET search_path before the first query on each new cursor; the
    Job rows of the 50 workspaces are inserted with schema-qualified names, not by switching."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.schedule.dispatch import dispatch

    make_due(bench.real)
    with CaptureQueriesContext(connection) as captured:
        report = dispatch()
    assert report.queued == DUE, report
    sqls = [q["sql"] for q in captured.captured_queries]
    index_reads = sum(
        1 for s in sqls if s.lstrip().upper().startswith("SELECT") and "schedule_siteschedule" in s
    )
    switches = sum(1 for s in sqls if s.lstrip().upper().startswith("SET SEARCH_PATH"))
    queue_clear()
    return len(sqls), index_reads, switches


def dispatcher_tick(bench: Bench) -> bool:
    """Wall time per tick with 1,000 workspaces (50 due), and queries at 100 vs 1,000 rows."""
    from django.db import connection

    from apps.schedule.dispatch import dispatch
    from apps.schedule.models import SiteSchedule

    print("\nDispatcher: one tick (every minute)")
    # First the small index: the 50 real workspaces plus 50 index-only ones.
    index_only_workspaces(SMALL_INDEX - DUE, start=0)
    small = _tick_queries(bench)
    index_only_workspaces(WORKSPACES - SMALL_INDEX, start=SMALL_INDEX - DUE)
    assert SiteSchedule.objects.count() == WORKSPACES
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE schedule_siteschedule; ANALYZE accounts_account")
    large = _tick_queries(bench)

    row(
        f"queries per tick, {SMALL_INDEX} rows ({DUE} due)",
        f"{small[0]} (index reads {small[1]}; {small[2]} of them SET search_path)",
    )
    row(
        f"queries per tick, {WORKSPACES:,} rows ({DUE} due)",
        f"{large[0]} (index reads {large[1]}; {large[2]} of them SET search_path)",
    )
    constant = small == large
    row("queries grow with the rows not due", "no" if constant else "YES")

    # Timed ticks: no query capture (DEBUG off), the queue emptied between ticks.
    ticks = []
    for _ in range(bench.options.ticks):
        make_due(bench.real)
        started = time.perf_counter()
        report = dispatch()
        ticks.append((time.perf_counter() - started) * 1000)
        assert report.queued == DUE, report
        queue_clear()
    idle = []
    for _ in range(bench.options.ticks):
        started = time.perf_counter()
        dispatch()
        idle.append((time.perf_counter() - started) * 1000)
    median, p95 = statistics.median(ticks), provision.percentile(ticks, 95)
    row(
        f"tick, {WORKSPACES:,} workspaces, {DUE} due: median / p95",
        f"{median:6.1f} ms / {p95:6.1f} ms  (n={len(ticks)}, {median / DUE:.2f} ms per due site)",
    )
    row(
        "tick with nothing due: median / p95",
        f"{statistics.median(idle):6.2f} ms / {provision.percentile(idle, 95):6.2f} ms",
    )
    bench.results["tick_ms_median"] = median
    met = median <= GOAL_TICK_MS and constant
    row(f"goal: <= {GOAL_TICK_MS:.0f} ms, constant queries", "met" if met else "NOT met")
    return met


def _start_worker() -> subprocess.Popen:
    env = {**os.environ, "IGNY8_WORKERS": "1", "IGNY8_JOBS_SYNC": "false"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def _one_dispatch_latency(account, deadline_s: float = 30) -> float:  # noqa: ANN001
    """Make the site due, run a tick, wait for the worker to start its job: seconds from
    the job being queued to it starting."""
    from django_tenants.utils import schema_context

    from apps.schedule.dispatch import dispatch
    from apps.workspace.models import Job

    make_due([account])
    report = dispatch()
    ((schema, _site_id, job_id),) = report.jobs
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        with schema_context(schema):
            job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return (job.started - job.created).total_seconds()
        time.sleep(0.02)
    raise SystemExit(f"The worker did not run job {job_id} in {deadline_s:.0f} s.")


def dispatch_latency(bench: Bench) -> bool:
    """Queued → started, with one real worker polling the ORM broker."""
    from django.conf import settings

    print("\nDispatch latency: queued → started, one worker (qcluster)")
    poll = settings.Q_CLUSTER.get("poll")
    row("Q_CLUSTER['poll'] (the ORM broker's polling interval)", f"{poll} s")
    queue_clear()
    worker = _start_worker()
    try:
        # Warm-up: the cluster starts its worker and pusher; the first job loads the code.
        _one_dispatch_latency(bench.real[0], deadline_s=60)
        samples = []
        rng = random.Random(12)
        for n in range(bench.options.samples):
            # At random moments against the broker's polling, as a schedule's ticks would be.
            time.sleep(rng.uniform(0, 0.6))
            samples.append(_one_dispatch_latency(bench.real[1 + n % (len(bench.real) - 1)]))
    finally:
        _stop_worker(worker)
    p50, p95 = statistics.median(samples), provision.percentile(samples, 95)
    row(
        "queued → started: median / p95 / max",
        f"{p50:5.2f} s / {p95:5.2f} s / {max(samples):5.2f} s  (n={len(samples)})",
    )
    bench.results["latency_p95_s"] = p95
    met = p95 <= GOAL_LATENCY_P95_S
    row(f"goal: p95 <= {GOAL_LATENCY_P95_S:.0f} s", "met" if met else "NOT met")
    return met


def _pipeline_site():  # noqa: ANN202
    """A fresh workspace with one site, 100 keywords and automation set to approve."""
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.accounts.provisioning import workspace_create
    from apps.automation.services import config_save
    from apps.billing.models import Plan
    from apps.billing.plans import plan_assign
    from apps.catalog.models import Industry
    from apps.planner.models import Keyword, normalize_keyword
    from apps.workspace.models import Sector
    from apps.workspace.services.workspace import site_create

    owner = User.objects.create_user("bench-pipeline@example.com", None, name="Pipeline owner")
    account = workspace_create(name="Bench pipeline", slug="bench-pipeline", owner=owner)
    plan_assign(account=account, plan=Plan.objects.get(slug="scale"))
    industry = Industry.objects.order_by("pk").first()
    texts = [p.format(t=t) for t in PIPELINE_TOPICS for p in PIPELINE_PATTERNS]
    with schema_context(account.schema_name):
        site = site_create(
            account=account,
            name="Pipeline site",
            url="https://pipeline.example",
            industry=industry,
            language="en",
        )
        chosen = industry.sectors.order_by("pk").first()
        sector = Sector.objects.create(site=site, industry_sector=chosen, name=chosen.name)
        Keyword.objects.bulk_create(
            Keyword(site=site, sector=sector, text=t, normalized=normalize_keyword(t), volume=100)
            for t in texts[:PIPELINE_KEYWORDS]
        )
        # Every item of the run (the defaults otherwise: 5 per AI batch, 2 in-article images
        # besides the featured one, no delay between items).
        config_save(site=site, data={"approval_mode": "auto", "max_items": 1000}, user=owner)
    return account, site, owner


def _wait_until_started(worker: subprocess.Popen, account) -> None:  # noqa: ANN001
    """A trivial job through the queue: the worker is up and polling once it has run."""
    from django_tenants.utils import schema_context

    from apps.workspace.models import Job
    from igny8 import jobs
    from igny8.tests import sample_jobs

    with schema_context(account.schema_name):
        job = jobs.enqueue(sample_jobs.where_am_i, "warm-up", label="warm-up")
        deadline = time.monotonic() + 60
        while not Job.objects.get(pk=job.pk).is_finished:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("The worker did not start.")
            time.sleep(0.1)


def pipeline_wall_time(bench: Bench) -> bool:
    """100 keywords → approved articles with images: one run, offline provider, one worker."""
    from django_tenants.utils import schema_context

    from apps.automation.models import STAGE_NAMES, AutomationRun, StageResult
    from apps.automation.selectors import run_log_text
    from apps.automation.services import run_start
    from apps.planner.models import Cluster, Idea, Keyword
    from apps.writer.models import Content, EditorialStatus, Image, ImageStatus

    print(f"\nPipeline: {PIPELINE_KEYWORDS} keywords → approved articles with images")
    row("provider", "offline (the built-in writer and title cards)")
    row("workers", "1 (manage.py qcluster, IGNY8_WORKERS=1)")
    account, site, owner = _pipeline_site()
    worker = _start_worker()
    try:
        _wait_until_started(worker, account)
        with schema_context(account.schema_name):
            started = time.perf_counter()
            run = run_start(site=site, user=owner)
            deadline = time.monotonic() + 15 * 60
            while run.status in ("queued", "running"):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"The run did not end (status {run.status}).")
                time.sleep(0.1)
                run.refresh_from_db()
            wall = time.perf_counter() - started
            stages = {r.stage: r for r in StageResult.objects.filter(run=run)}
            made = {
                "keywords in clusters": Keyword.objects.filter(cluster__isnull=False).count(),
                "clusters": Cluster.objects.count(),
                "ideas": Idea.objects.count(),
                "articles": Content.objects.count(),
                "approved": Content.objects.filter(status=EditorialStatus.APPROVED).count(),
                "images": Image.objects.filter(status=ImageStatus.GENERATED).count(),
            }
            run = AutomationRun.objects.get(pk=run.pk)
            log_lines = len(run_log_text(run).splitlines())
    finally:
        _stop_worker(worker)
    if run.status != "completed":
        row("run", f"{run.status}: {run.reason}")
        return False
    row("made", ", ".join(f"{n:,} {what}" for what, n in made.items()))
    row("queued → started", f"{(run.started - run.created).total_seconds():5.2f} s")
    for number in sorted(stages):
        result = stages[number]
        span = (result.finished - result.started).total_seconds() if result.finished else 0
        row(
            f"stage {number}: {STAGE_NAMES[number]}",
            f"{span:6.2f} s  ({result.processed:,} done, {result.skipped:,} skipped, "
            f"{result.failed:,} failed)",
        )
    row("run log", f"{log_lines:,} lines")
    row(f"wall time, {PIPELINE_KEYWORDS} keywords → approved articles", f"{wall:6.1f} s")
    bench.results["pipeline_s"] = wall
    met = wall <= GOAL_PIPELINE_S and made["approved"] == made["articles"] > 0
    row(f"goal: <= {GOAL_PIPELINE_S:.0f} s", "met" if met else "NOT met")
    return met


# The measurements, in the order they are printed. Each takes the Bench and returns whether
# its goal is met.
MEASUREMENTS: list[Callable[[Bench], bool]] = [
    dispatcher_tick,
    dispatch_latency,
    pipeline_wall_time,
]
# The measurements that need the 50 due workspaces made first.
NEEDS_DUE_WORKSPACES = {dispatcher_tick, dispatch_latency}


def run(options: argparse.Namespace) -> bool:
    print("Machine")
    started = time.perf_counter()
    provision.platform_make()
    for label, value in provision.machine_context():
        row(label, value)
    chosen = [m for m in MEASUREMENTS if not options.only or m.__name__ in options.only]
    real = []
    if NEEDS_DUE_WORKSPACES & set(chosen):
        real = real_workspaces(DUE)
        row(
            "set-up",
            f"{DUE} real workspaces with an automated site, in "
            f"{time.perf_counter() - started:.0f} s",
        )
    bench = Bench(real=real, options=options, results={})
    return all([measure(bench) for measure in chosen])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer ticks and samples")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument(
        "--only",
        action="append",
        choices=[m.__name__ for m in MEASUREMENTS],
        help="run only this measurement (may be given more than once)",
    )
    options = parser.parse_args()
    options.ticks = 10 if options.quick else 30
    options.samples = 15 if options.quick else 40

    server = provision.server_locate()
    provision.bench_db_recreate(server)
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    os.environ["IGNY8_JOBS_SYNC"] = "false"
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    with provision.bench_db_kept_or_dropped(server, keep=options.keep):
        goals_met = run(options)
    return 0 if goals_met else 1


if __name__ == "__main__":
    sys.exit(main())
