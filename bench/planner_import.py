"""How fast a keyword CSV imports: 10,000 and 100,000 rows, end to end.

Each measurement is what the import job does with an upload: decode and check the file
(`csv_open`), read its rows, check each one and write the good ones (`keywords_add`: one
duplicate query, one COPY), inside a real workspace schema. Prints rows per second, the split
between reading/checking and writing, a second import of the same file (every row a
duplicate), and the peak memory the process grew by. The goal: 100,000 rows in 10 s or less.

It works in its own database, `igny8_bench_import`, on the same server as the project
database (the embedded one when DATABASE_URL is unset), and drops it at the end unless
`--keep` is given. Run it from the repository root:

    .venv/bin/python bench/planner_import.py
    .venv/bin/python bench/planner_import.py --rows 10000 --rows 250000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

import provision  # the sibling script: how a bench database is found, made and dropped

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

BENCH_DB = "igny8_bench_import"
provision.BENCH_DB = BENCH_DB
GOAL_ROWS = 100_000
GOAL_SECONDS = 10.0
BAD_EVERY = 200  # one row in 200 has a bad number, one in 200 repeats an earlier row

WORDS = (
    "best cheap how to fix repair install replace cost price near me guide review vs top "
    "water heater drain pipe toilet faucet shower roof gutter solar panel attic insulation "
    "furnace boiler heat pump air conditioner duct filter thermostat garage door window "
    "kitchen bathroom basement deck patio fence lawn garden tree stump paint tile floor"
).split()
INTENTS = ("informational", "Commercial", "transactional", "N", "")


def make_csv(rows: int, seed: int) -> bytes:
    """A keyword-tool export: BOM, `;` delimiter, aliased headers, an extra column, quoted
    cells with the delimiter inside, thousands separators, a few bad and repeated rows."""
    rng = random.Random(seed)
    lines = ["\ufeffKeyword;Search Volume;KD %;Intent;CPC (USD);SERP features"]
    for n in range(rows):
        if n and n % BAD_EVERY == 0:
            lines.append(lines[-1])  # a repeat
            continue
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))
        keyword = f"{words} {n}"
        if n % 97 == 0:
            keyword = f'"{keyword}; {rng.choice(WORDS)}"'
        volume = "abc" if n % BAD_EVERY == 7 else f"{rng.randint(10, 200_000):,}"
        lines.append(
            f"{keyword};{volume};{rng.randint(0, 100)};{rng.choice(INTENTS)};"
            f"{rng.randint(0, 900) / 100:.2f};Featured snippet"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def workspace(slug: str):
    """A workspace on the Scale plan (100,000 keywords) with one site and one sector."""
    from django_tenants.utils import schema_context

    from apps.accounts import provisioning
    from apps.billing.models import Plan
    from apps.billing.plans import plan_assign
    from apps.catalog.models import Industry
    from apps.workspace.models import Sector, Site

    account = provisioning.workspace_create(name=f"Bench {slug}", slug=slug, owner=None)
    plan_assign(account=account, plan=Plan.objects.get(slug="scale"))
    industry = Industry.objects.prefetch_related("sectors").first()
    with schema_context(account.schema_name):
        site = Site.objects.create(name="Bench site", url="https://example.com", industry=industry)
        industry_sector = industry.sectors.first()
        sector = Sector.objects.create(
            site=site, industry_sector=industry_sector, name=industry_sector.name
        )
    return account, site, sector


def import_once(account, site, sector, data: bytes) -> tuple[float, float, object]:
    """Seconds for the whole import, seconds of it spent reading and checking, the report."""
    from django_tenants.utils import schema_context

    from apps.planner.importing import csv_open, csv_rows, row_check
    from apps.planner.models import normalize_keyword
    from apps.planner.services.keywords_add import keywords_add

    # Reading and checking alone, to show where the time goes.
    started = time.perf_counter()
    for row in csv_rows(csv_open(data)):
        row_check(row, normalize=normalize_keyword)
    checking = time.perf_counter() - started

    with schema_context(account.schema_name):
        started = time.perf_counter()
        report = keywords_add(
            account=account, site=site, sector=sector, rows=csv_rows(csv_open(data)), source="csv"
        )
        total = time.perf_counter() - started
    return total, checking, report


def row(label: str, value: str) -> None:
    print(f"  {label:<46} {value}", flush=True)


def run(sizes: list[int]) -> bool:
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from apps.accounts.provisioning import public_tenant_ensure, template_ensure
    from apps.billing.seed import seed as billing_seed
    from apps.catalog.services import library_load
    from apps.planner.models import Keyword

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    public_tenant_ensure()
    template_ensure()
    library_load()
    billing_seed()
    print("Machine")
    for label, value in provision.machine_context():
        row(label, value)

    goal_met = True
    for index, size in enumerate(sizes):
        account, site, sector = workspace(f"bench-import-{index}")
        data = make_csv(size, seed=index)
        rss_before = peak_rss_mb()
        seconds, checking, report = import_once(account, site, sector, data)
        rss_after = peak_rss_mb()
        again, _, second = import_once(account, site, sector, data)
        with schema_context(account.schema_name):
            stored = Keyword.objects.filter(sector=sector).count()
        print(f"\n{size:,} rows ({len(data) / 1024 / 1024:.1f} MB)")
        row("import, end to end", f"{seconds:6.2f} s  ({size / seconds:,.0f} rows/s)")
        row("  of which reading and checking rows", f"{checking:6.2f} s")
        row(
            "  of which writing (duplicates, COPY, commit)",
            f"{max(0.0, seconds - checking):6.2f} s",
        )
        row("report", report.summary)
        row("same file again (all duplicates)", f"{again:6.2f} s  ({second.summary})")
        row("peak memory growth", f"{max(0.0, rss_after - rss_before):6.0f} MB")
        row("keywords stored", f"{stored:,} (report says {report.added:,})")
        goal_met &= stored == report.added and second.added == 0
        if size == GOAL_ROWS:
            goal_met &= seconds <= GOAL_SECONDS
    print("\nGoal")
    row(f"{GOAL_ROWS:,} rows in <= {GOAL_SECONDS:.0f} s", "met" if goal_met else "NOT met")
    return goal_met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="rows per file (repeatable)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    args = parser.parse_args()
    sizes = args.rows or [10_000, GOAL_ROWS]

    server = provision.server_locate()
    provision.bench_db_recreate(server)
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "false")  # with DEBUG, Django keeps every query in memory

    import django

    django.setup()
    with provision.bench_db_kept_or_dropped(server, keep=args.keep):
        ok = run(sizes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
