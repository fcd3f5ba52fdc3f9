"""The job queue's broker under 8 workers: how soon a job starts, and what it costs PostgreSQL.

Both of django-q2's brokers the app can run on are measured in one run, on the same workload:

- **orm** (the default): the queue is a table (`django_q_ormq`) in the public schema that each
  cluster's pusher polls every `Q_CLUSTER['poll']` seconds (our leased broker,
  `igny8/queue_broker.py`);
- **redis** (`IGNY8_QUEUE_REDIS_URL`): the queue is a Redis list, `RPUSH` to queue, `BLPOP`
  to take; a private Debian `redis-server` on a unix socket, started and stopped by this
  script (`bench/broker_redis.py`).

Each broker is measured in a process of its own started with that broker's settings (the
environment an operator would set), against the same bench database and workspaces. It starts
real workers (`manage.py qcluster`, 8 worker processes in all, as one cluster of 8 or two of
4, which compete for the same queue the way two worker hosts do) and queues a job that does
nothing (`bench/broker_job.py`) through the real path (`igny8.jobs.enqueue`: a Job row in
the workspace, then the queue entry). For each layout it prints:

- **idle**: the load the waiting workers put on PostgreSQL (transactions per second, reads
  of the queue table, CPU of the PostgreSQL processes) and on Redis (commands, CPU) with
  nothing queued;
- **paced**: 2,000 jobs queued one by one at a steady rate below what the workers can do
  (40 a second by default), spread over four workspaces: dispatch latency, queued
  (`Job.created`) to started (`Job.started`), p50 / p95 / p99 / max; transactions and
  PostgreSQL CPU per job; what of it was the queue table (rows inserted, updated, deleted
  and reads of it, from `pg_stat_user_tables`); Redis commands per job;
- **burst**: 2,000 jobs queued at once (`enqueue_each`, as the schedulers do): jobs per
  second until the queue is empty, queued → started (mostly waiting in line), and the same
  load figures.

At the end it prints the two brokers side by side, with Redis ÷ ORM for each figure.

Transactions are `pg_stat_database.xact_commit + xact_rollback` of the bench database: in
autocommit every statement is a transaction of its own, so this is close to statements sent
(django-tenants' `SET search_path` included). CPU is read from /proc for the server's
postmaster and its children (ended backends are added to the postmaster's children's time),
so it needs the server on this machine: the embedded one, or a local DATABASE_URL.

The Redis broker needs Debian's `redis-server` and the `redis` Python package, which is not
installed in the project's virtualenv (it is the optional extra `igny8[redis]`): install it
aside and name the folder with `--redis-pythonpath` (or put it on PYTHONPATH). Without either,
the script measures the ORM broker and says what is missing.

It works in its own database, `igny8_bench_broker`, on the same server as the project
database (the embedded one when DATABASE_URL is unset), dropped at the end unless `--keep`.
Run it from the repository root:

    .venv/bin/pip install --target /tmp/redis-py redis     # once, outside the virtualenv
    .venv/bin/python bench/broker.py --redis-pythonpath /tmp/redis-py   # both brokers, 1x8
                                                            # and 2x4, 2,000 jobs (~15-30 min)
    .venv/bin/python bench/broker.py --quick ...            # 1x8 only, 500 jobs (~5 min)
    .venv/bin/python bench/broker.py --broker orm --layout 1x8 --jobs 2000 --rate 40
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import provision  # the sibling script: how a bench database is found, made and dropped

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DB = "igny8_bench_broker"
provision.BENCH_DB = BENCH_DB

WORKSPACES = 4
IDLE_SECONDS = 15.0
JOB_PATH = "broker_job.noop"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def row(label: str, value: str) -> None:
    print(f"  {label:<50} {value}", flush=True)


# --- what PostgreSQL did ---------------------------------------------------------------------


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state is [0], ppid [1])."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def postmaster_pid() -> int | None:
    """The server's postmaster: the parent of this connection's backend, if it is local."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    fields = _proc_stat(backend)
    return int(fields[1]) if fields else None


def cpu_seconds(*, root: int, children_of: bool) -> float:
    """CPU seconds of `root` (with the time of its reaped children) and of the live processes
    that are its children (`children_of`) or in its session (not `children_of`)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _proc_stat(int(entry))
        if fields is None:
            continue
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        if int(entry) == root:
            total += utime + stime + cutime + cstime
        elif (int(fields[1]) if children_of else int(fields[3])) == root:
            total += utime + stime
    return total / CLK_TCK


# The public tables the job machinery touches: the queue, the results django-q2 keeps
# (`save_limit` of them), and the database cache its clusters write their heartbeat to.
TABLES = {"django_q_ormq": "queue", "django_q_task": "results", "igny8_cache": "cache"}


@dataclass
class Counters:
    at: float
    xacts: int
    # per table: statements that looked rows up (sequential or index scans), rows read by
    # sequential scans, rows written (inserted + updated + deleted)
    tables: dict[str, tuple[int, int, int]]
    pg_cpu: float | None
    worker_cpu: float
    redis_commands: int | None = None
    redis_cpu: float | None = None


def counters(pm: int | None, workers: list[subprocess.Popen], probe=None) -> Counters:  # noqa: ANN001
    """A snapshot of what PostgreSQL (and Redis, given its `RedisProbe`) have done so far."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        xacts = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, coalesce(seq_scan, 0) + coalesce(idx_scan, 0), "
            "coalesce(seq_tup_read, 0), n_tup_ins + n_tup_upd + n_tup_del "
            "FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = ANY(%s)",
            [list(TABLES)],
        )
        tables = {name: (scans, read, written) for name, scans, read, written in cursor}
    return Counters(
        at=time.monotonic(),
        xacts=xacts,
        tables=tables,
        pg_cpu=cpu_seconds(root=pm, children_of=True) if pm else None,
        worker_cpu=sum(cpu_seconds(root=w.pid, children_of=False) for w in workers),
        redis_commands=probe.commands() if probe else None,
        redis_cpu=probe.cpu_seconds() if probe else None,
    )


def settle() -> None:
    """A backend sends its statistics at most once a second, and one that has gone idle
    sends what it still holds only 10 s later (PostgreSQL's PGSTAT_IDLE_INTERVAL)."""
    time.sleep(11)


def load_rows(before: Counters, after: Counters, *, jobs: int = 0) -> dict:
    """Print what PostgreSQL did between two snapshots: per second when idle, per job else."""
    seconds = after.at - before.at
    xacts = after.xacts - before.xacts
    per, unit = (jobs, "job") if jobs else (seconds, "s")
    figures: dict = {"seconds": seconds, "xacts_per_s": xacts / seconds}
    row("transactions / s (every statement in autocommit)", f"{xacts / seconds:8.1f}")
    if jobs:
        figures["xacts_per_job"] = xacts / jobs
        row("transactions per job", f"{xacts / jobs:8.1f}")
    for table, what in TABLES.items():
        b, a = before.tables.get(table, (0, 0, 0)), after.tables.get(table, (0, 0, 0))
        scans, read, written = (a[i] - b[i] for i in range(3))
        figures[what] = {"scans": scans / per, "rows_read": read / per, "written": written / per}
        row(
            f"{what} table per {unit}: lookups / rows scanned / written",
            f"{scans / per:6.2f} / {read / per:7.1f} / {written / per:6.2f}",
        )
    if after.pg_cpu is not None and before.pg_cpu is not None:
        pg = after.pg_cpu - before.pg_cpu
        figures["pg_cpu_pct"] = 100 * pg / seconds
        row("PostgreSQL CPU (% of one core)", f"{100 * pg / seconds:8.1f}")
        if jobs:
            figures["pg_cpu_ms_per_job"] = 1000 * pg / jobs
            row("PostgreSQL CPU ms per job", f"{1000 * pg / jobs:8.2f}")
    else:
        row("PostgreSQL CPU", "not measured (the server is not on this machine)")
    if after.redis_commands is not None and before.redis_commands is not None:
        commands = after.redis_commands - before.redis_commands
        redis_cpu = after.redis_cpu - before.redis_cpu
        figures["redis_commands"] = commands / per
        figures["redis_cpu_pct"] = 100 * redis_cpu / seconds
        row(f"Redis commands per {unit}", f"{commands / per:8.1f}")
        row("Redis CPU (% of one core)", f"{100 * redis_cpu / seconds:8.1f}")
    worker = after.worker_cpu - before.worker_cpu
    figures["worker_cpu_pct"] = 100 * worker / seconds
    row("workers' CPU, every process (% of one core)", f"{100 * worker / seconds:8.1f}")
    return figures


# --- set-up and the workers ------------------------------------------------------------------


def platform_make() -> list[str]:
    """Public schema, template, library and plans; `WORKSPACES` cloned workspaces."""
    from django.core.management import call_command

    from apps.accounts.provisioning import public_tenant_ensure, template_ensure, workspace_create
    from apps.billing.seed import seed as billing_seed

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)  # the clusters' heartbeat goes there
    public_tenant_ensure()
    template_ensure()
    billing_seed()
    return [
        workspace_create(name=f"Broker {n}", slug=f"bench-broker-{n}", owner=None).schema_name
        for n in range(WORKSPACES)
    ]


def workers_start(clusters: int, per_cluster: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "IGNY8_WORKERS": str(per_cluster),
        "IGNY8_JOBS_SYNC": "false",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH_DIR), os.environ.get("PYTHONPATH")])),
    }
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(clusters)
    ]


def workers_stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
            worker.wait()


def _union(schemas: list[str], select: str) -> str:
    return " UNION ALL ".join(select.format(schema=f'"{s}"') for s in schemas)


def wait_finished(
    schemas: list[str], label: str, jobs: int, queued: Callable[[], int], timeout: float = 900
) -> float:
    """Until every job of `label` is finished, the queue is empty (`queued()`: rows of the
    queue table, or the Redis list's length) and the results of the 20 jobs that finished last
    are saved by the clusters' monitors (which may lag behind the workers; with the ORM broker
    the queue row goes only after that, with Redis the list empties as soon as tasks are
    taken); one check a second. Returns when that was first seen (monotonic)."""
    from django.db import connection

    sql = _union(
        schemas,
        "SELECT count(*) AS n FROM {schema}.workspace_job "
        "WHERE label = %s AND status IN ('succeeded', 'failed', 'cancelled')",
    )
    last = _union(
        schemas,
        "SELECT task_id, finished FROM {schema}.workspace_job WHERE label = %s",
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT sum(n) FROM ({sql}) t", [label] * len(schemas))
            finished = cursor.fetchone()[0] or 0
            if finished >= jobs and queued() == 0:
                cursor.execute(
                    f"SELECT count(*) FROM (SELECT task_id FROM ({last}) j "
                    "ORDER BY finished DESC LIMIT 20) j "
                    "WHERE NOT EXISTS (SELECT 1 FROM django_q_task t WHERE t.id = j.task_id)",
                    [label] * len(schemas),
                )
                if cursor.fetchone()[0] == 0:
                    return time.monotonic()
        time.sleep(1)
    raise SystemExit(f"The workers did not finish the {label} jobs in {timeout:.0f} s.")


def job_times(schemas: list[str], label: str) -> list[tuple]:
    """(created, started, finished, status) of every job of `label`."""
    from django.db import connection

    sql = _union(
        schemas,
        "SELECT created, started, finished, status FROM {schema}.workspace_job WHERE label = %s",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [label] * len(schemas))
        return cursor.fetchall()


def order_rows(times: list[tuple]) -> None:
    """Were jobs queued at once started in the order they were queued, and at what pace?"""
    by_queued = sorted(times, key=lambda t: t[0])
    start_rank = {id(t): rank for rank, t in enumerate(sorted(by_queued, key=lambda t: t[1]))}
    n = len(by_queued)
    # Spearman's rank correlation between queue position and start position: 1 is first in,
    # first out (8 workers starting neighbours together barely lower it), 0 is no order at all.
    d2 = sum((rank - start_rank[id(t)]) ** 2 for rank, t in enumerate(by_queued))
    rho = 1 - 6 * d2 / (n * (n * n - 1)) if n > 1 else 1.0
    row("order: queue position vs start position (Spearman)", f"{rho:8.2f}  (1 = FIFO)")
    first = by_queued[0][0]
    span = max(t[1] for t in times) - first
    tenths = [0] * 10
    for _created, started, _f, _s in times:
        tenths[min(9, int(10 * (started - first) / span))] += 1
    row("jobs started in each tenth of that time", " ".join(str(n) for n in tenths))


def latency_rows(times: list[tuple]) -> dict:
    waits = [(started - created).total_seconds() * 1000 for created, started, _f, _s in times]
    failed = sum(1 for *_rest, status in times if status != "succeeded")
    p50, p95, p99 = (provision.percentile(waits, p) for p in (50, 95, 99))
    row(
        "queued → started ms: p50 / p95 / p99 / max",
        f"{p50:7.0f} / {p95:7.0f} / {p99:7.0f} / {max(waits):7.0f}  (n={len(waits)})",
    )
    if failed:
        row("jobs that did not succeed", str(failed))
    return {"p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": max(waits), "failed": failed}


# --- the measurements ------------------------------------------------------------------------


def enqueue_paced(schemas: list[str], label: str, jobs: int, rate: float) -> float:
    """`jobs` jobs one by one at `rate` a second, round robin over the workspaces; returns the
    rate achieved."""
    from django_tenants.utils import schema_context

    from igny8.jobs import enqueue

    started = time.monotonic()
    for n in range(jobs):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with schema_context(schemas[n % len(schemas)]):
            enqueue(JOB_PATH, label=label)
    return jobs / (time.monotonic() - started)


def warm_up(schemas: list[str], workers: int, label: str, queued: Callable[[], int]) -> None:
    """Every worker process imports the code on its first job: not part of what is measured."""
    enqueue_paced(schemas, label, workers * 3, rate=200)
    wait_finished(schemas, label, workers * 3, queued, timeout=180)


@dataclass
class Queue:
    """The broker this process runs on (from its settings), and how to see its length."""

    name: str
    queued: Callable[[], int]
    probe: object | None = None  # broker_redis.RedisProbe with the Redis broker


def queue_of_settings() -> Queue:
    from django.conf import settings
    from django.db import connection
    from django_q.brokers import get_broker

    if not settings.QUEUE_REDIS_URL:

        def rows() -> int:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM django_q_ormq")
                return cursor.fetchone()[0]

        return Queue("ORM", rows)
    from broker_redis import RedisProbe

    probe = RedisProbe(settings.QUEUE_REDIS_URL)
    key = get_broker().list_key
    return Queue(f"Redis {probe.version}", lambda: probe.queue_length(key), probe)


def measure_layout(schemas: list[str], options: argparse.Namespace, layout: str) -> dict:
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    from igny8.jobs import enqueue_each

    queue = queue_of_settings()
    clusters, per_cluster = (int(v) for v in layout.split("x"))
    print(
        f"\n{queue.name} broker, {clusters} cluster(s) x {per_cluster} workers ({layout})",
        flush=True,
    )
    workers = workers_start(clusters, per_cluster)
    pm = postmaster_pid()
    tag = f"{queue.name.split()[0].lower()}-{layout}"
    results: dict = {}
    try:
        warm_up(schemas, clusters * per_cluster, f"warm-{tag}", queue.queued)

        print(f" idle, {IDLE_SECONDS:.0f} s, nothing queued")
        settle()
        before = counters(pm, workers, queue.probe)
        time.sleep(IDLE_SECONDS)
        results["idle"] = load_rows(before, counters(pm, workers, queue.probe))

        label = f"paced-{tag}"
        print(f" paced: {options.jobs} jobs queued one by one at {options.rate:.0f}/s")
        before = counters(pm, workers, queue.probe)
        achieved = enqueue_paced(schemas, label, options.jobs, options.rate)
        wait_finished(schemas, label, options.jobs, queue.queued)
        settle()
        after = counters(pm, workers, queue.probe)
        row("rate achieved by the queuing side", f"{achieved:8.1f} jobs/s")
        row("load average (1 min), other work on the machine", f"{os.getloadavg()[0]:8.2f}")
        results["paced"] = latency_rows(job_times(schemas, label))
        results["paced"].update(load_rows(before, after, jobs=options.jobs))

        label = f"burst-{tag}"
        print(f" burst: {options.jobs} jobs queued at once (enqueue_each)")
        before = counters(pm, workers, queue.probe)
        connection.set_schema(get_public_schema_name())
        queued_at = time.monotonic()
        enqueue_each(
            JOB_PATH, [(schemas[n % len(schemas)], ()) for n in range(options.jobs)], label=label
        )
        saved_at = wait_finished(schemas, label, options.jobs, queue.queued)
        settle()
        after = counters(pm, workers, queue.probe)
        times = job_times(schemas, label)
        first = min(t[0] for t in times)
        last = max(t[2] for t in times)
        drain = (last - first).total_seconds()
        row("queued → last job finished", f"{drain:8.1f} s  ({options.jobs / drain:.0f} jobs/s)")
        row("queued → every result saved (±1 s)", f"{saved_at - queued_at:8.1f} s")
        row("load average (1 min), other work on the machine", f"{os.getloadavg()[0]:8.2f}")
        results["burst"] = latency_rows(times)
        order_rows(times)
        results["burst"]["jobs_per_s"] = options.jobs / drain
        results["burst"]["saved_s"] = saved_at - queued_at
        results["burst"].update(load_rows(before, after, jobs=options.jobs))
        results["load_end"] = os.getloadavg()[0]
    finally:
        workers_stop(workers)
    return results


# --- one process per broker, and the comparison ----------------------------------------------


def child_main(options: argparse.Namespace) -> int:
    """Measure the broker this process's settings name, on the parent's bench database."""
    import django

    django.setup()
    import broker_job  # noqa: F401 - registers the job kind with igny8.jobs

    schemas = options.schemas.split(",")
    results = {layout: measure_layout(schemas, options, layout) for layout in options.layout}
    from django.db import connections

    connections.close_all()
    Path(options.results).write_text(json.dumps(results))
    return 0


def redis_missing(pythonpath: str | None) -> str:
    """What the Redis broker needs that this machine lacks, in a sentence; "" if nothing."""
    import shutil

    missing = []
    if pythonpath:
        sys.path.insert(0, pythonpath)
    if importlib.util.find_spec("redis") is None:
        missing.append(
            "the `redis` Python package is not importable (install it aside, "
            "`.venv/bin/pip install --target /tmp/redis-py redis`, and pass "
            "`--redis-pythonpath /tmp/redis-py`)"
        )
    if shutil.which("redis-server") is None:
        missing.append("Debian's `redis-server` is not installed")
    return "; ".join(missing)


def run_child(broker: str, schemas: list[str], options: argparse.Namespace, env: dict) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        results = Path(handle.name)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", "--results", str(results)]
    argv += ["--schemas", ",".join(schemas), "--jobs", str(options.jobs)]
    argv += ["--rate", str(options.rate)]
    for layout in options.layout:
        argv += ["--layout", layout]
    try:
        code = subprocess.call(argv, cwd=BASE_DIR, env=env)
        if code != 0:
            raise SystemExit(f"The {broker} measurement failed (exit {code}).")
        return json.loads(results.read_text())
    finally:
        results.unlink(missing_ok=True)


# (label, phase, key, scale, format)
COMPARED = [
    ("idle: transactions / s", "idle", "xacts_per_s", 1, "{:.1f}"),
    ("idle: PostgreSQL CPU, % of one core", "idle", "pg_cpu_pct", 1, "{:.2f}"),
    ("idle: Redis commands / s", "idle", "redis_commands", 1, "{:.1f}"),
    ("paced: queued → started p50, ms", "paced", "p50_ms", 1, "{:.0f}"),
    ("paced: queued → started p95, ms", "paced", "p95_ms", 1, "{:.0f}"),
    ("paced: queued → started p99, ms", "paced", "p99_ms", 1, "{:.0f}"),
    ("paced: transactions per job", "paced", "xacts_per_job", 1, "{:.1f}"),
    ("paced: PostgreSQL CPU per job, ms", "paced", "pg_cpu_ms_per_job", 1, "{:.2f}"),
    ("paced: Redis commands per job", "paced", "redis_commands", 1, "{:.1f}"),
    ("burst: jobs / s until the last finished", "burst", "jobs_per_s", 1, "{:.0f}"),
    ("burst: queued → started p50, s", "burst", "p50_ms", 0.001, "{:.1f}"),
    ("burst: queued → started p95, s", "burst", "p95_ms", 0.001, "{:.1f}"),
    ("burst: queued → every result saved, s", "burst", "saved_s", 1, "{:.0f}"),
    ("burst: transactions per job", "burst", "xacts_per_job", 1, "{:.1f}"),
    ("burst: PostgreSQL CPU per job, ms", "burst", "pg_cpu_ms_per_job", 1, "{:.2f}"),
]


def compare(orm: dict, redis: dict) -> None:
    for layout in orm:
        print(f"\nORM against Redis, {layout}")
        print(f"  {'':<50} {'ORM':>9} {'Redis':>9} {'Redis/ORM':>10}")
        for label, phase, key, scale, fmt in COMPARED:
            a = orm[layout][phase].get(key)
            b = redis[layout][phase].get(key)
            cells = [fmt.format(v * scale) if v is not None else "-" for v in (a, b)]
            ratio = f"{b / a:.2f}" if a and b is not None else "-"
            print(f"  {label:<50} {cells[0]:>9} {cells[1]:>9} {ratio:>10}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2000, help="jobs per measurement")
    parser.add_argument("--rate", type=float, default=40.0, help="jobs a second when paced")
    parser.add_argument(
        "--layout",
        action="append",
        help="clusters x workers, e.g. 1x8 (may be given more than once; default 1x8 and 2x4)",
    )
    parser.add_argument(
        "--broker", choices=["orm", "redis", "both"], default="both", help="default: both"
    )
    parser.add_argument(
        "--redis-pythonpath", help="a folder holding the `redis` package (pip install --target)"
    )
    parser.add_argument("--quick", action="store_true", help="1x8 only, 500 jobs")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--schemas", help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.quick:
        options.jobs, options.layout = 500, options.layout or ["1x8"]
    options.layout = options.layout or ["1x8", "2x4"]
    if options.child:
        return child_main(options)

    server = provision.server_locate()
    provision.bench_db_recreate(server)
    os.environ.pop("IGNY8_QUEUE_REDIS_URL", None)  # set up, and the ORM side, on the default
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    os.environ["IGNY8_JOBS_SYNC"] = "false"
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    brokers = ["orm", "redis"] if options.broker == "both" else [options.broker]
    missing = redis_missing(options.redis_pythonpath) if "redis" in brokers else ""

    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    results: dict = {}
    with provision.bench_db_kept_or_dropped(server, keep=options.keep):
        print("Machine")
        for label, value in provision.machine_context():
            row(label, value)
        row(
            "load average at start (1 / 5 / 15 min)",
            " / ".join(f"{v:.2f}" for v in os.getloadavg()),
        )
        q = settings.Q_CLUSTER
        row(
            "Q_CLUSTER poll / bulk / queue_limit",
            f"{q['poll']} s / {q['bulk']} / {q['queue_limit']}",
        )
        started = time.perf_counter()
        schemas = platform_make()
        row("set-up", f"{WORKSPACES} workspaces in {time.perf_counter() - started:.0f} s")
        connections.close_all()
        for broker in brokers:
            env = dict(os.environ)
            if broker == "orm":
                results["orm"] = run_child("orm", schemas, options, env)
                continue
            if missing:
                print("\nRedis broker")
                row("not measured", f"{missing}.")
                continue
            from broker_redis import RedisServer

            server_redis = RedisServer()
            try:
                env["IGNY8_QUEUE_REDIS_URL"] = server_redis.url
                env["PYTHONPATH"] = os.pathsep.join(
                    filter(None, [options.redis_pythonpath, env.get("PYTHONPATH")])
                )
                results["redis"] = run_child("redis", schemas, options, env)
            finally:
                server_redis.stop()
        if "orm" in results and "redis" in results:
            compare(results["orm"], results["redis"])
        row("load average at end (1 / 5 / 15 min)", " / ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
