"""Publishing: what the every-minute dispatcher costs per tick, with 10,000 scheduled articles
across 1,000 workspaces.

One function per measurement; `main` sets up a bench database, runs each and prints them
(`bench/publish.py`, the CLIENT's, prints the WordPress side and may call `dispatcher_tick`):

- **dispatcher cost per tick** (`dispatcher_tick`): `apps.publisher.dispatch.dispatch` with
  1,000 workspaces in the public index (one site each, ten scheduled articles each), `DUE` of
  them due in the tick. Wall milliseconds per tick (median and p95), the tick with nothing
  due, and the queries of one tick counted with 100 and with 1,000 index rows: they must not
  grow with the rows (and articles) that are not due. Goal: ≤ 100 ms per tick.
- **site job** (`site_job`): what each due site then costs in its own workspace (a worker's
  job, not the tick): place waiting articles in slots, take the due ones, queue one publish
  job each, set the site's next time in the index. Median ms per site.

About the 1,000 workspaces: the dispatcher reads only the public index (and the account rows
it joins), never a workspace schema, to find what is due; it enters a schema only to queue a
due site's job there. So the `DUE` workspaces that are due are real (cloned from the
template, a connected site, ten approved articles placed in slots by the real schedule
service), and the others are account rows whose index row stands for a site with ten
scheduled articles: nothing is due in them, so nothing would ever enter them. Making 1,000
real schemas would take many minutes and measure nothing more (`--real 1000` does it).

It works in its own database, `igny8_bench_publish`, on the same server as the project
database, and drops it at the end unless `--keep` is given. Run it from the repository root:

    .venv/bin/python bench/publish_dispatch.py            # 30 ticks, 100 due
    .venv/bin/python bench/publish_dispatch.py --quick    # 10 ticks
    .venv/bin/python bench/publish_dispatch.py --due 200  # a busier minute
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import provision  # the sibling script: how a bench database is found, made and dropped

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DB = "igny8_bench_publish"
WORKSPACES = 1_000
ARTICLES_PER_SITE = 10
DUE = 100
SMALL_INDEX = 200
GOAL_TICK_MS = 100.0


@dataclass
class Bench:
    real: list  # (Account, site id) with a schema, due in each timed tick
    options: argparse.Namespace
    results: dict


def row(label: str, value: str) -> None:
    print(f"  {label:<56} {value}", flush=True)


# --- set-up (Django is set up) ---------------------------------------------------------------


def real_workspaces(count: int) -> list[tuple]:
    """`count` cloned workspaces, each with a connected site whose schedule (weekdays, two
    slots, two a day) placed its ten approved articles through the real service."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.accounts.provisioning import workspace_create
    from apps.billing.models import Plan
    from apps.billing.plans import plan_assign
    from apps.catalog.models import Industry
    from apps.publisher.models import Connection
    from apps.publisher.services.schedule import schedule_save
    from apps.workspace.models import Sector
    from apps.workspace.services.workspace import site_create
    from apps.writer.models import Content, EditorialStatus

    owner = User.objects.create_user("bench-dispatch@example.com", None, name="Owner")
    industry = Industry.objects.order_by("pk").first()
    chosen = industry.sectors.order_by("pk").first()
    plan = Plan.objects.get(slug="scale")
    made = []
    for n in range(count):
        account = workspace_create(name=f"Bench {n:04d}", slug=f"bench-{n:04d}", owner=owner)
        plan_assign(account=account, plan=plan)
        with schema_context(account.schema_name):
            site = site_create(
                account=account,
                name=f"Site {n:04d}",
                url="https://bench.example",
                industry=industry,
                language="en",
            )
            sector = Sector.objects.create(site=site, industry_sector=chosen, name=chosen.name)
            Connection.objects.create(
                site=site, wp_url="https://wp.bench.example", status="connected"
            )
            now = timezone.now()
            Content.objects.bulk_create(
                Content(
                    site=site,
                    sector=sector,
                    title=f"Article {k} of site {n}",
                    html="<p>Body.</p>",
                    status=EditorialStatus.APPROVED,
                    approved_at=now,
                )
                for k in range(ARTICLES_PER_SITE)
            )
            schedule_save(
                site=site,
                data={
                    "enabled": True,
                    "weekdays": list(range(7)),
                    "slots": ["09:00", "15:00"],
                    "daily_cap": 2,
                },
                user=owner,
            )
        made.append((account, site.pk))
    return made


def index_only_workspaces(count: int, *, start: int) -> None:
    """Account rows (no schema) with one index row each, due tomorrow or later."""
    from django.utils import timezone

    from apps.accounts.models import Account
    from apps.schedule.models import PublishIndex

    accounts = Account.objects.bulk_create(
        [
            Account(name=f"Index {n:04d}", slug=f"index-{n:04d}", schema_name=f"ws_index_{n:04d}")
            for n in range(start, start + count)
        ]
    )
    later = timezone.now() + timedelta(days=1)
    PublishIndex.objects.bulk_create(
        [
            PublishIndex(account=a, site_id=1, next_due_at=later + timedelta(minutes=n))
            for n, a in enumerate(accounts)
        ]
    )


def make_due(real: list[tuple]) -> None:
    from django.utils import timezone

    from apps.schedule.models import PublishIndex

    PublishIndex.objects.filter(account__in=[a for a, _ in real]).update(
        next_due_at=timezone.now() - timedelta(seconds=30)
    )


def queue_clear(real: list[tuple]) -> None:
    """Between ticks: the queued tasks and Job rows go, so every tick starts alike."""
    from django_q.models import OrmQ
    from django_tenants.utils import schema_context

    from apps.workspace.models import Job

    OrmQ.objects.all().delete()
    for account, _ in real:
        with schema_context(account.schema_name):
            Job.objects.all().delete()


# --- measurements ----------------------------------------------------------------------------


def _tick_queries(real: list[tuple]) -> tuple[int, int, str]:
    """One tick with `real` due, queries counted: (all, reads of the index, what they are)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.publisher.dispatch import dispatch

    make_due(real)
    connection.queries_log.clear()  # a full log (DEBUG on for long) would hide the new ones
    with CaptureQueriesContext(connection) as captured:
        report = dispatch()
    assert report.queued == len(real), report
    sqls = [q["sql"] for q in captured.captured_queries]
    reads = sum(1 for s in sqls if s.lstrip().upper().startswith("SELECT") and "publishindex" in s)
    queue_clear(real)
    return len(sqls), reads, _kinds(sqls)


def _kinds(sqls: list[str]) -> str:
    """What the statements are: "1 SELECT index, 1 UPDATE lease, …"."""
    counted: dict[str, int] = {}
    for sql in sqls:
        head = sql.lstrip().split(None, 1)[0].upper()
        if head == "SELECT" and "publishindex" in sql:
            head = "SELECT index"
        elif head == "UPDATE" and "publishindex" in sql:
            head = "UPDATE lease"
        elif head == "WITH":
            head = "INSERT jobs (every due schema, one statement)"
        elif head == "INSERT" and "django_q_ormq" in sql:
            head = "INSERT queue"
        counted[head] = counted.get(head, 0) + 1
    return ", ".join(f"{n} {name}" for name, n in counted.items())


def dispatcher_tick(bench: Bench) -> bool:
    """Wall time per tick with 1,000 workspaces, and queries at 200 vs 1,000 index rows."""
    from django.db import connection

    from apps.publisher.dispatch import dispatch
    from apps.schedule.models import PublishIndex

    due = len(bench.real)
    print("\nPublishing dispatcher: one tick (every minute)")
    small_n = max(SMALL_INDEX, due)
    others = PublishIndex.objects.exclude(account__in=[a for a, _ in bench.real]).count()
    index_only_workspaces(small_n - due - others, start=0)
    small = _tick_queries(bench.real)
    index_only_workspaces(WORKSPACES - small_n, start=small_n - due - others)
    assert PublishIndex.objects.count() == WORKSPACES
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE schedule_publishindex; ANALYZE accounts_account")
    large = _tick_queries(bench.real)
    one = _tick_queries(bench.real[:1])
    articles = WORKSPACES * ARTICLES_PER_SITE
    row(
        "index",
        f"{WORKSPACES:,} workspaces, one site each, {articles:,} scheduled articles "
        f"({due * ARTICLES_PER_SITE:,} of them in real schemas)",
    )
    row(
        f"queries per tick, {small_n:,} index rows ({due} due)",
        f"{small[0]} ({small[1]} index read)",
    )
    row(
        f"queries per tick, {WORKSPACES:,} index rows ({due} due)",
        f"{large[0]} ({large[1]} index read)",
    )
    row("  of which", large[2])
    row(f"queries per tick, {WORKSPACES:,} index rows (1 due)", f"{one[0]} ({one[1]} index read)")
    constant = small[:2] == large[:2] == one[:2]
    row("queries grow with the rows (due or not)", "no" if constant else "YES")

    ticks = []
    for _ in range(bench.options.ticks):
        make_due(bench.real)
        started = time.perf_counter()
        report = dispatch()
        ticks.append((time.perf_counter() - started) * 1000)
        assert report.queued == due, report
        queue_clear(bench.real)
    idle = []
    for _ in range(bench.options.ticks):
        started = time.perf_counter()
        dispatch()
        idle.append((time.perf_counter() - started) * 1000)
    median, p95 = statistics.median(ticks), provision.percentile(ticks, 95)
    row(
        f"tick, {WORKSPACES:,} workspaces, {due} due: median / p95",
        f"{median:6.1f} ms / {p95:6.1f} ms  (n={len(ticks)}, {median / due:.2f} ms per due site)",
    )
    row(
        "tick with nothing due: median / p95",
        f"{statistics.median(idle):6.2f} ms / {provision.percentile(idle, 95):6.2f} ms",
    )
    bench.results["tick_ms_median"] = median
    bench.results["tick_ms_p95"] = p95
    bench.results["queries_small"], bench.results["queries_large"] = small[0], large[0]
    met = median <= GOAL_TICK_MS and constant
    row(f"goal: <= {GOAL_TICK_MS:.0f} ms, constant queries", "met" if met else "NOT met")
    return met


def site_job(bench: Bench) -> bool:
    """The worker's part for one due site: two articles due, each gets a publish job."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from apps.publisher.jobs import publish_site_due
    from apps.publisher.models import Publication
    from apps.writer.models import Content

    print("\nPublishing: the job each due site gets (in its workspace, on a worker)")
    samples = []
    for account, site_id in bench.real[: bench.options.ticks]:
        with schema_context(account.schema_name):
            first = list(Publication.objects.filter(site_id=site_id).order_by("publish_at")[:2])
            Publication.objects.filter(pk__in=[p.pk for p in first]).update(
                publish_at=timezone.now() - timedelta(seconds=10)
            )
            started = time.perf_counter()
            result = publish_site_due(None, site_id)
            samples.append((time.perf_counter() - started) * 1000)
            assert len(result["due"]) == 2, result
            # Back as they were, for a later run of the tick.
            Content.objects.filter(pk__in=result["due"]).update(publishing_status="scheduled")
    queue_clear(bench.real)
    row(
        "site job, 2 due of 10 scheduled: median / p95",
        f"{statistics.median(samples):6.1f} ms / {provision.percentile(samples, 95):6.1f} ms "
        f"(n={len(samples)})",
    )
    return True


MEASUREMENTS = [dispatcher_tick, site_job]


def dispatch_section(options: argparse.Namespace) -> bool:
    """The dispatcher's part, for `bench/publish.py`'s SECTIONS (Django is set up there, on
    the same bench database): set-up, then every measurement."""
    options.due = max(1, min(getattr(options, "due", DUE), WORKSPACES))
    options.ticks = getattr(options, "ticks", 30)
    options.only = getattr(options, "only", None)
    from django.test.utils import override_settings

    print(f"\nPublishing dispatcher: making {options.due} real workspaces…", flush=True)
    started = time.perf_counter()
    # Timed without Django's query log (DEBUG), as in production; counted with it on purpose.
    with override_settings(DEBUG=False):
        provision.platform_make()
        return _measure(options, started)


def run(options: argparse.Namespace) -> bool:
    print("Machine")
    started = time.perf_counter()
    provision.platform_make()
    for label, value in provision.machine_context():
        row(label, value)
    return _measure(options, started)


def _measure(options: argparse.Namespace, started: float) -> bool:
    real = real_workspaces(options.due)
    row(
        "set-up",
        f"{len(real)} real workspaces with a scheduled site, in "
        f"{time.perf_counter() - started:.0f} s",
    )
    bench = Bench(real=real, options=options, results={})
    chosen = [m for m in MEASUREMENTS if not options.only or m.__name__ in options.only]
    return all([measure(bench) for measure in chosen])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer ticks")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument("--due", type=int, default=DUE, help=f"due sites per tick ({DUE})")
    parser.add_argument(
        "--only", action="append", choices=[m.__name__ for m in MEASUREMENTS], help="one only"
    )
    options = parser.parse_args()
    options.due = max(1, min(options.due, WORKSPACES))
    options.ticks = 10 if options.quick else 30

    provision.BENCH_DB = BENCH_DB
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
