"""How fast the keywords page stays with 50,000 keywords in a site.

Prints p50/p95 server time of the full keywords page, a filtered partial (an HTMX request),
a sort and a few harder cases, each next to a bare view measured in the same run through the
same middleware (the same host, session, membership and plan checks), and the SQL queries of
each request. Goals: at most 3x the bare view, and at most 10 queries besides the schema
switch.

It works in its own database, `igny8_bench_pages`, on the same server as the project
database, and drops it at the end unless `--keep` is given. Run it from the repository root:

    .venv/bin/python bench/planner_pages.py              # 50,000 keywords, 200 requests each
    .venv/bin/python bench/planner_pages.py --quick      # 50,000 keywords, 50 requests each
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

import provision  # noqa: E402  the sibling script: how a bench database is found, made, dropped

BENCH_DB = "igny8_bench_pages"
# The provision bench's helpers, pointed at this bench's own database.
provision.BENCH_DB = BENCH_DB
SLUG = "benchpages"
KEYWORDS = 50_000
CLUSTERS = 40
GOAL_RATIO = 3.0
GOAL_QUERIES = 10
BARE_PATH = "/bench/bare/"
BARE_PAGE_PATH = "/bench/bare-page/"


@dataclass(frozen=True)
class Case:
    label: str
    path: str
    htmx: bool
    goal: bool  # one of the three the issue names; the others are for information


CASES = [
    Case("full page (default sort: volume)", "/planner/keywords/", htmx=False, goal=True),
    Case(
        "filtered partial (status, intent, volume)",
        "/planner/keywords/?status=new&intent=commercial&volume_min=500",
        htmx=True,
        goal=True,
    ),
    Case(
        "sort by difficulty (partial)", "/planner/keywords/?sort=difficulty", htmx=True, goal=True
    ),
    Case("search “running” (partial)", "/planner/keywords/?q=running", htmx=True, goal=False),
    Case(
        "sort by CPC, highest first (partial)",
        "/planner/keywords/?sort=-cpc",
        htmx=True,
        goal=False,
    ),
    Case("sort by intent (partial)", "/planner/keywords/?sort=intent", htmx=True, goal=False),
    Case("sort by cluster (partial)", "/planner/keywords/?sort=cluster", htmx=True, goal=False),
    Case(
        "sort by text, descending (page)", "/planner/keywords/?sort=-text", htmx=False, goal=False
    ),
    Case("page 500 of 1,000 (partial)", "/planner/keywords/?page=500", htmx=True, goal=False),
]


# --- data -------------------------------------------------------------------------------------

_HEADS = [
    "running shoes",
    "trail shoes",
    "hiking boots",
    "yoga mat",
    "rain jacket",
    "tent",
    "sleeping bag",
    "water bottle",
    "backpack",
    "bike helmet",
    "road bike",
    "ski goggles",
    "climbing rope",
    "camping stove",
    "headlamp",
    "trekking poles",
    "swim goggles",
    "gym bag",
    "protein powder",
    "fitness tracker",
    "kayak paddle",
    "fishing rod",
    "golf balls",
    "tennis racket",
    "running socks",
]
_BEFORE = [
    "best",
    "cheap",
    "lightweight",
    "waterproof",
    "women's",
    "men's",
    "kids",
    "used",
    "vegan",
    "wide",
    "winter",
    "summer",
    "budget",
    "premium",
    "ultralight",
    "durable",
]
_AFTER = [
    "for beginners",
    "for flat feet",
    "near me",
    "review",
    "vs",
    "sale",
    "2025",
    "size guide",
    "on amazon",
    "for travel",
    "under 100",
    "for running",
    "how to clean",
    "how to choose",
    "with pockets",
    "for rain",
    "uk",
    "australia",
    "discount code",
    "repair",
]
_INTENTS = ["informational", "commercial", "transactional", "navigational", ""]


def keyword_texts(count: int, rng: random.Random) -> list[str]:
    """Distinct, realistic-looking keyword phrases."""
    seen: set[str] = set()
    texts: list[str] = []
    while len(texts) < count:
        parts = [rng.choice(_HEADS)]
        if rng.random() < 0.7:
            parts.insert(0, rng.choice(_BEFORE))
        if rng.random() < 0.8:
            parts.append(rng.choice(_AFTER))
        if rng.random() < 0.5:
            parts.append(rng.choice(_AFTER))
        text = " ".join(parts)
        if text in seen:
            text = f"{text} {len(texts)}"
        seen.add(text)
        texts.append(text)
    return texts


def workspace_make():
    """A workspace on the Scale plan with one site, two sectors, clusters and keywords."""
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.accounts.provisioning import public_tenant_ensure, template_ensure, workspace_create
    from apps.billing.models import Plan
    from apps.billing.plans import plan_assign
    from apps.billing.seed import seed as billing_seed
    from apps.catalog.models import Industry
    from apps.catalog.services import library_load
    from apps.planner.models import Cluster, Keyword, KeywordStatus, normalize_keyword
    from apps.workspace.models import Sector, Site

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    public_tenant_ensure()
    template_ensure()
    if not Industry.objects.exists():
        library_load()
    billing_seed()
    owner = User.objects.create_user("bench-owner@example.com", "bench-password", name="Owner")
    account = workspace_create(name="Bench pages", slug=SLUG, owner=owner)
    plan_assign(account=account, plan=Plan.objects.get(slug="scale"))
    industry = next(
        i for i in Industry.objects.prefetch_related("sectors") if i.sectors.count() >= 2
    )

    rng = random.Random(8)
    started = time.perf_counter()
    with schema_context(account.schema_name):
        site = Site.objects.create(name="Bench site", url="https://example.com", industry=industry)
        sectors = [
            Sector.objects.create(site=site, industry_sector=s, name=s.name)
            for s in industry.sectors.all()[:2]
        ]
        clusters = [
            Cluster.objects.create(site=site, sector=sectors[i % 2], name=f"Cluster {i + 1:02d}")
            for i in range(CLUSTERS)
        ]
        rows = []
        for i, text in enumerate(keyword_texts(KEYWORDS, rng)):
            sector = sectors[i % 2]
            # A quarter of the keywords sit in a cluster of their own sector (status mapped).
            cluster = clusters[(i // 2) % CLUSTERS] if i % 4 == 0 else None
            if cluster is not None and cluster.sector_id != sector.pk:
                cluster = clusters[((i // 2) + 1) % CLUSTERS]
            rows.append(
                Keyword(
                    site=site,
                    sector=sector,
                    text=text,
                    normalized=normalize_keyword(text),
                    volume=int(rng.paretovariate(1.2) * 40),
                    difficulty=rng.randint(0, 100),
                    intent=rng.choice(_INTENTS),
                    cpc=round(rng.uniform(0.1, 9.0), 2) if rng.random() < 0.8 else None,
                    status=KeywordStatus.MAPPED if cluster else KeywordStatus.NEW,
                    disabled=rng.random() < 0.03,
                    cluster=cluster,
                    source="csv",
                )
            )
        Keyword.objects.bulk_create(rows, batch_size=5000)
        from apps.planner.services.clusters import clusters_recount

        clusters_recount(cluster_ids=[c.pk for c in clusters])
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # steady state: what autovacuum leaves
    connection.set_schema_to_public()
    return account, owner, time.perf_counter() - started


# --- the bare views (bench only) --------------------------------------------------------------


def bench_urlconf() -> str:
    """The product's workspace URLs plus two bare views, as a module made at run time: the
    product's own URL modules stay free of bench code."""
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.urls import include, path

    def bare(request):
        return HttpResponse("ok", content_type="text/plain")

    def bare_page(request):
        # The page chrome every workspace page pays for: base.html and its context processors.
        return render(request, "base.html", {})

    module = types.ModuleType("bench_pages_urls")
    module.urlpatterns = [
        path(BARE_PATH.strip("/") + "/", bare),
        path(BARE_PAGE_PATH.strip("/") + "/", bare_page),
        path("", include("igny8.urls_tenant")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Figures:
    times: list[float]  # seconds per request, through the whole middleware stack
    sql: list[float]  # seconds of it spent waiting for SQL (the schema switches included)
    queries: int  # SQL statements of one request, the schema switches left out
    switches: int  # `SET search_path` statements of that request

    def pct(self, p: float, samples: list[float] | None = None) -> float:
        ordered = sorted(self.times if samples is None else samples)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def one_request(client, path: str, htmx: bool):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "keywords"} if htmx else {}
    response = client.get(path, **headers)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    return response


def statements_of(client, path: str, htmx: bool) -> tuple[int, int]:
    """(queries, schema switches) of one request, as CaptureQueriesContext sees them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        one_request(client, path, htmx)
    switches = sum(
        q["sql"].lstrip().upper().startswith("SET SEARCH_PATH") for q in captured.captured_queries
    )
    return len(captured.captured_queries) - switches, switches


def measure(client, paths: list[tuple[str, bool]], rounds: int) -> list[Figures]:
    """Time every path `rounds` times, interleaved, so that a noisy moment of the machine
    touches them all alike."""
    from django.db import connection

    times: list[list[float]] = [[] for _ in paths]
    sql: list[list[float]] = [[] for _ in paths]
    waited = [0.0]

    def timer(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            waited[0] += time.perf_counter() - started

    with connection.execute_wrapper(timer):
        for _ in range(rounds):
            for i, (path, htmx) in enumerate(paths):
                waited[0] = 0.0
                started = time.perf_counter()
                one_request(client, path, htmx)
                times[i].append(time.perf_counter() - started)
                sql[i].append(waited[0])
    return [
        Figures(t, q, *statements_of(client, path, htmx))
        for (path, htmx), t, q in zip(paths, times, sql, strict=True)
    ]


HEADER = (
    f"  {'':<44} {'p50 ms':>7} {'p95 ms':>7} {'x bare':>7} {'x page':>7} {'SQL ms':>7}"
    f" {'queries':>8}"
)


def row(label: str, value: str) -> None:
    print(f"  {label:<44} {value}", flush=True)


def line(label: str, f: Figures, bare: Figures | None = None, page: Figures | None = None) -> None:
    ratios = " ".join(
        f"{f.pct(50) / b.pct(50):6.1f}x" if b is not None else f"{'':>7}" for b in (bare, page)
    )
    print(
        f"  {label:<44} {f.pct(50):7.2f} {f.pct(95):7.2f} {ratios} {f.pct(50, f.sql):7.2f} "
        f"{f.queries:>4} +{f.switches:>2}",
        flush=True,
    )


def baseline(case: Case, bare: Figures, bare_page: Figures) -> Figures:
    """What a case is held against: a partial against the bare view, a whole page against
    the bare page (the same base.html and context processors, with nothing in it)."""
    return bare if case.htmx else bare_page


def run(rounds: int, build_seconds: Callable[[], float]) -> bool:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    account, owner, seconds = build_seconds()
    host = f"{SLUG}.{settings.IGNY8_BASE_DOMAIN}"
    print("Machine")
    for label, value in provision.machine_context():
        row(label, value)
    print("\nSet-up")
    row("keywords in the site", f"{KEYWORDS:,} (2 sectors, {CLUSTERS} clusters)")
    row("made in", f"{seconds:.1f} s (bulk_create)")
    row("requests per measurement", str(rounds))
    row("DEBUG", str(settings.DEBUG))

    # Static URLs without a collectstatic manifest (production reads one; the cost is alike).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # In-process requests over http: production's redirect to https would answer 301.
    with override_settings(
        ROOT_URLCONF=bench_urlconf(), STORAGES=storages, SECURE_SSL_REDIRECT=False
    ):
        client = Client(HTTP_HOST=host)
        client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
        paths = [(BARE_PATH, False), (BARE_PAGE_PATH, False)] + [(c.path, c.htmx) for c in CASES]
        measure(client, paths, rounds=max(5, rounds // 10))  # warm-up: caches, plans, imports
        figures = measure(client, paths, rounds=rounds)

    bare, bare_page, cases = figures[0], figures[1], figures[2:]
    print("\nPer request. x bare / x page: p50 over the p50 of the bare view / the bare page;")
    print("SQL ms: p50 time waiting for SQL; queries: statements + the `SET search_path`")
    print("statements of the request (the schema switches, igny8/db/backend).")
    print(HEADER)
    line("bare view (plain “ok”)", bare)
    line("bare page (base.html, no content)", bare_page, bare)
    goal_cases = [(c, f) for c, f in zip(CASES, cases, strict=True) if c.goal]
    for case, f in zip(CASES, cases, strict=True):
        line(("* " if case.goal else "  ") + case.label, f, bare, bare_page)
    ratio = max(f.pct(50) / baseline(c, bare, bare_page).pct(50) for c, f in goal_cases)
    most = max(f.queries for _, f in goal_cases)
    ok = ratio <= GOAL_RATIO and most <= GOAL_QUERIES
    print("\nGoals (the * rows; a partial against the bare view, a page against the bare page)")
    row(
        f"p50 <= {GOAL_RATIO:.0f}x the bare view",
        f"{'met' if ratio <= GOAL_RATIO else 'NOT met'} (worst {ratio:.1f}x)",
    )
    row(
        f"<= {GOAL_QUERIES} queries plus the schema switch",
        f"{'met' if most <= GOAL_QUERIES else 'NOT met'} (most {most}, of which "
        f"{bare.queries} are the middleware's, as in the bare view)",
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 requests per measurement")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    args = parser.parse_args()

    server = provision.server_locate()
    provision.bench_db_recreate(server)
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    os.environ.setdefault("DEBUG", "false")  # as in production: no query log, cached templates
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    with provision.bench_db_kept_or_dropped(server, keep=args.keep):
        ok = run(50 if args.quick else 200, workspace_make)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
