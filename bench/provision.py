"""How long it takes to create a workspace, and to migrate many of them.

Prints the median seconds per workspace when it is cloned from the template schema
(`workspace_create`) and when its schema is built by running every tenant migration (what
django-tenants does without a template), the ratio, and the time of a no-op deploy migration
(every schema already current) at several workspace counts: before (django-tenants'
`migrate_schemas`) and after (`migrate_workspaces`), and a real migration as schemas/minute.

It works in its own database, `igny8_bench`, on the same server as the project database, and
drops it at the end unless `--keep` is given. Run it from the repository root:

    .venv/bin/python bench/provision.py            # 15 clones, 5 migrations, 100 and 500
    .venv/bin/python bench/provision.py --thousand # ... and 1,000 (about 10 minutes more)
    .venv/bin/python bench/provision.py --quick    # 5 clones, 3 migrations, 20 and 50
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DB = "igny8_bench"
SLUG_PREFIX = "bench"
GOAL_CLONE_SECONDS = 0.5
GOAL_RATIO = 20.0
GOAL_NOOP_SECONDS = 5.0  # a no-op migrate_workspaces over 1,000 workspaces
# The real migration: every workspace is taken back before this one (and what depends on
# it), then brought forward again.
REAL_MIGRATION_BEFORE = ("planner", "0002_keyword_list_indexes")


@dataclass(frozen=True)
class Plan:
    clones: int
    migrations: int
    checkpoints: tuple[int, ...]


FULL = Plan(clones=15, migrations=5, checkpoints=(100, 500))
QUICK = Plan(clones=5, migrations=3, checkpoints=(20, 50))


@dataclass(frozen=True)
class Server:
    """Where the bench database lives: libpq keyword arguments without a database name."""

    params: dict[str, str]
    bench_url: str


# --- the bench database (before Django starts) ----------------------------------------------


def server_locate() -> Server:
    """The project's PostgreSQL server, and a DATABASE_URL for the bench database on it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        from igny8 import embedded_db

        data_dir = Path(os.environ.get("IGNY8_DATA_DIR", BASE_DIR / ".data")) / "pg"
        db = embedded_db.ensure_running(data_dir)
        params = {"host": str(db["HOST"]), "port": str(db["PORT"]), "user": str(db["USER"])}
        # The socket directory goes in the host part, percent-encoded: dj_database_url then
        # sets HOST (a `?host=` query would land in OPTIONS instead).
        host = quote(params["host"], safe="")
        return Server(params, f"postgresql://{params['user']}@{host}:{params['port']}/{BENCH_DB}")

    import dj_database_url

    parsed = dj_database_url.parse(url)
    if parsed["NAME"] == BENCH_DB:
        sys.exit(f"DATABASE_URL already names {BENCH_DB}; point it at the project database.")
    params = {
        key: str(parsed[name])
        for key, name in (("host", "HOST"), ("port", "PORT"), ("user", "USER"))
        if parsed.get(name)
    }
    if parsed.get("PASSWORD"):
        params["password"] = str(parsed["PASSWORD"])
    params.update({key: str(value) for key, value in parsed.get("OPTIONS", {}).items()})
    parts = urlsplit(url)
    return Server(params, urlunsplit(parts._replace(path=f"/{BENCH_DB}")))


def bench_db_recreate(server: Server) -> None:
    """A fresh bench database, so every run starts from the same empty state."""
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **server.params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


@contextmanager
def bench_db_kept_or_dropped(server: Server, *, keep: bool) -> Iterator[None]:
    """Around a bench's run: its database is dropped at the end (whatever happened) unless
    `--keep` asked to keep it for a look."""
    try:
        yield
    finally:
        if keep:
            print(f"\nKept database {BENCH_DB}.")
        else:
            bench_db_drop(server)


def bench_db_drop(server: Server) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(dbname="postgres", autocommit=True, **server.params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


# --- measurements (Django is set up) ---------------------------------------------------------


def platform_make() -> None:
    """The public schema of a bench database: shared tables, the public tenant, the template
    workspace, the keyword library and the plans."""
    from django.core.management import call_command

    from apps.accounts.provisioning import public_tenant_ensure, template_ensure
    from apps.billing.seed import seed as billing_seed
    from apps.catalog.models import Industry
    from apps.catalog.services import library_load

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    public_tenant_ensure()
    template_ensure()
    if not Industry.objects.exists():
        library_load()
    billing_seed()


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank: the smallest value with at least pct % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


class Workspaces:
    """Makes bench workspaces with unique slugs, by clone or by migration."""

    def __init__(self) -> None:
        from apps.accounts.models import User

        self.owner = User.objects.create_user("bench-owner@example.com", None)
        self.made = 0

    def _next_slug(self) -> str:
        self.made += 1
        return f"{SLUG_PREFIX}-{self.made:04d}"

    def by_clone(self) -> float:
        from apps.accounts.provisioning import workspace_create

        slug = self._next_slug()
        return timed(lambda: workspace_create(name=f"Bench {slug}", slug=slug, owner=self.owner))

    def by_migration(self) -> float:
        """What django-tenants does without a template: CREATE SCHEMA, then every migration."""
        from django.core.management import call_command
        from django.db import connection

        from apps.accounts.models import Account, Domain, Membership, Role
        from apps.accounts.provisioning import domain_for_slug, schema_for_slug, slug_validate

        slug = self._next_slug()

        def create() -> None:
            account = Account.objects.create(
                name=f"Bench {slug}", slug=slug_validate(slug), schema_name=schema_for_slug(slug)
            )
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{account.schema_name}"')
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=account.schema_name,
                interactive=False,
                verbosity=0,
            )
            connection.set_schema_to_public()
            Domain.objects.create(domain=domain_for_slug(slug), tenant=account, is_primary=True)
            Membership.objects.create(user=self.owner, account=account, role=Role.OWNER)

        return timed(create)


def workspace_count() -> int:
    from apps.accounts.models import Account

    return Account.objects.filter(is_system=False).count()


def migrate_noop(executor: str) -> float:
    """The whole `migrate_schemas` (public, template and every workspace) with nothing to do."""
    from django.core.management import call_command
    from django.db import connections

    seconds = timed(
        lambda: call_command("migrate_schemas", interactive=False, verbosity=0, executor=executor)
    )
    connections.close_all()
    return seconds


def migrate_workspaces() -> float:
    """The whole `migrate_workspaces` (public, template and every workspace)."""
    from django.core.management import call_command
    from django.db import connections

    seconds = timed(lambda: call_command("migrate_workspaces", verbosity=0))
    connections.close_all()
    return seconds


def workspaces_back_one_migration() -> int:
    """Every workspace and the template taken back before REAL_MIGRATION_BEFORE's successor.
    Returns how many migrations each one now lacks."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from apps.accounts.migrating import tenant_schemas

    undone = 0
    for schema in tenant_schemas():
        connection.set_schema(schema)
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan([REAL_MIGRATION_BEFORE])
        executor.migrate([REAL_MIGRATION_BEFORE], plan=plan)
        undone = len(plan)
    connection.set_schema_to_public()
    return undone


def real_migration(schemas: int) -> None:
    """One migration step (a few migrations) over every workspace, before and after."""
    undone = workspaces_back_one_migration()
    stock = migrate_noop("standard")
    row(
        f"{schemas} schemas x {undone} migrations, migrate_schemas",
        f"{stock:7.2f} s  ({60 * schemas / stock:.0f} schemas/minute)",
    )
    workspaces_back_one_migration()
    ours = migrate_workspaces()
    row(
        f"{schemas} schemas x {undone} migrations, migrate_workspaces",
        f"{ours:7.2f} s  ({60 * schemas / ours:.0f} schemas/minute)",
    )


def tenant_table_count(schema: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return int(cursor.fetchone()[0])


def machine_context() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        sync_commit = cursor.fetchone()[0]
    return [
        ("machine", f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}"),
        ("python", platform.python_version()),
        ("postgresql", f"{pg_version} (synchronous_commit={sync_commit})"),
    ]


# --- report ----------------------------------------------------------------------------------


def row(label: str, value: str) -> None:
    print(f"  {label:<48} {value}", flush=True)


def median_line(samples: list[float]) -> str:
    return (
        f"{statistics.median(samples):7.3f} s  "
        f"(min {min(samples):.3f}, max {max(samples):.3f}, n={len(samples)})"
    )


def per_schema_line(seconds: float, schemas: int) -> str:
    return f"{seconds:7.2f} s  ({1000 * seconds / schemas:.0f} ms per schema)"


def run(plan: Plan, *, stock_max: int, parallel: bool, real: bool) -> bool:
    """Run the measurements and print them. Returns whether the goals are met."""
    from django.conf import settings
    from django.core.management import call_command

    from apps.accounts.provisioning import public_tenant_ensure, template_ensure

    setup_seconds = timed(
        lambda: call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    )
    public_tenant_ensure()
    template_seconds = timed(template_ensure)

    print("Machine")
    for label, value in machine_context():
        row(label, value)
    print("\nSet-up")
    row("tables in a workspace schema", str(tenant_table_count(settings.IGNY8_TEMPLATE_SCHEMA)))
    row("set-up: migrate public schema", f"{setup_seconds:7.3f} s")
    row("set-up: migrate template schema", f"{template_seconds:7.3f} s")

    workspaces = Workspaces()
    print("\nCreating one workspace")
    # The first clone runs with cold caches: set it apart from the median.
    first_clone = workspaces.by_clone()
    row("first clone (cold)", f"{first_clone:7.3f} s")
    clones = [workspaces.by_clone() for _ in range(plan.clones)]
    row("by clone (workspace_create), median", median_line(clones))
    migrations = [workspaces.by_migration() for _ in range(plan.migrations)]
    row("by migration (CREATE SCHEMA + migrate), median", median_line(migrations))
    clone_median = statistics.median(clones)
    ratio = statistics.median(migrations) / clone_median
    row("ratio migration / clone", f"{ratio:7.1f} x")

    # The workspaces made by migration have no fingerprint yet: the first run gives them one
    # (as the first deploy after this change would), so the figures below are steady state.
    first = migrate_workspaces()
    row("first migrate_workspaces (fingerprints all)", f"{first:7.3f} s")

    print("\nNo-op deploy migration (public + template + every workspace)")
    processes = getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)
    fill: list[float] = []
    noop_at: dict[int, float] = {}
    for n, target in enumerate(plan.checkpoints):
        while workspace_count() < target:
            fill.append(workspaces.by_clone())
        schemas = target + 2  # and the public and template schemas
        if target <= stock_max:
            standard = migrate_noop("standard")
            row(f"{target} workspaces, before: migrate_schemas", per_schema_line(standard, schemas))
            if parallel:
                multi = migrate_noop("multiprocessing")
                row(
                    f"{target} workspaces, before: migrate_schemas, {processes} processes",
                    per_schema_line(multi, schemas),
                )
        else:
            row(
                f"{target} workspaces, before: migrate_schemas",
                f"not run (--stock-max {stock_max})",
            )
        noop_at[target] = min(migrate_workspaces() for _ in range(2))
        row(
            f"{target} workspaces, after: migrate_workspaces",
            f"{noop_at[target]:7.3f} s  ({1000 * noop_at[target] / schemas:.2f} ms per schema)",
        )
        if n == 0 and real:
            print(f"\nA real migration at {target} workspaces (template included)")
            real_migration(target + 1)
            print()
    if fill:
        row("clones made to get there, median", median_line(fill))

    clone_ok = clone_median <= GOAL_CLONE_SECONDS
    ratio_ok = ratio >= GOAL_RATIO
    print("\nGoals")
    row(f"clone median <= {GOAL_CLONE_SECONDS} s", "met" if clone_ok else "NOT met")
    row(f"clone >= {GOAL_RATIO:.0f}x faster than migration", "met" if ratio_ok else "NOT met")
    noop_ok = True
    if 1000 in noop_at:
        noop_ok = noop_at[1000] <= GOAL_NOOP_SECONDS
        label = f"no-op migrate_workspaces at 1,000 <= {GOAL_NOOP_SECONDS:.0f} s"
        row(label, "met" if noop_ok else "NOT met")
    return clone_ok and ratio_ok and noop_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer of everything")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument(
        "--thousand",
        action="store_true",
        help="also 1,000 workspaces (500 more clones: several minutes more)",
    )
    parser.add_argument(
        "--stock-max",
        type=int,
        default=1000,
        help="time the stock migrate_schemas only up to this many workspaces "
        "(it takes minutes at 1,000)",
    )
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="also time migrate_schemas --executor=multiprocessing",
    )
    parser.add_argument(
        "--no-real",
        action="store_true",
        help="skip the real migration (four migrations over every workspace, twice)",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.thousand:
        plan = Plan(plan.clones, plan.migrations, (*plan.checkpoints, 1000))

    server = server_locate()
    bench_db_recreate(server)
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    # Keep the per-workspace log lines of workspace_create out of the figures.
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    with bench_db_kept_or_dropped(server, keep=args.keep):
        goals_met = run(
            plan, stock_max=args.stock_max, parallel=args.parallel, real=not args.no_real
        )
    return 0 if goals_met else 1


if __name__ == "__main__":
    sys.exit(main())
