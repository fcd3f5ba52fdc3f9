"""Python CPU and SQL queries per page, in-process: the figure behind bench/load.py's pages/s.

On a shared machine pages per second move with whatever else runs; the CPU time one request
costs this process moves much less. This script makes a few workspaces the way bench/load.py
does (template clone, 2,000 keywords, 20 clusters, 20 articles, a signed-in owner), then calls
the WSGI application itself (what gunicorn calls, with `DEBUG=false`, the collected static
manifest and the production middleware) for each page of the load's read mix, and prints per
page:

- **CPU ms**: `time.process_time()` of this process around one request (PostgreSQL runs in
  its own processes, so this is the Python side only): best and median of the rounds;
- **queries**: SQL statements of one request (the `SET search_path` included, since it is a
  round trip too);
- **x bare**: the median over the median of a bare view ("ok" as text/plain) measured in the
  same run through the same middleware, host, session, membership and plan checks: what the
  page itself costs above the stack every request pays;
- with `--compare FILE` (figures saved by `--save FILE`, e.g. from the same script run on
  older code), the ratio of each median to the saved one.

Every page is measured twice: made afresh (the page cache off, as right after a change), then
answered from memory (apps/workspace/page_cache.py), with the ratio of the two.

`--profile PATH` prints the functions that cost most (cProfile, cumulative) for one page.

    .venv/bin/python bench/cpu_per_request.py                      # 3 workspaces, 60 rounds
    .venv/bin/python bench/cpu_per_request.py --save /tmp/before.json
    .venv/bin/python bench/cpu_per_request.py --compare /tmp/before.json
    .venv/bin/python bench/cpu_per_request.py --profile /planner/keywords/
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import types
from dataclasses import asdict, dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

import provision  # noqa: E402  how a bench database is found, made, dropped

BENCH_DB = "igny8_bench_cpu"
provision.BENCH_DB = BENCH_DB
BARE_PATH = "/bench/bare/"
BARE_PAGE_PATH = "/bench/bare-page/"


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    htmx: bool


# The read mix of bench/load.py, and the bare view and page every page is held against.
PAGES = [
    Page("bare view (middleware only)", BARE_PATH, False),
    Page("bare page (base.html, empty)", BARE_PAGE_PATH, False),
    Page("dashboard", "/", False),
    Page("keywords page", "/planner/keywords/", False),
    Page("keywords partial (sort, page 2)", "/planner/keywords/?sort=difficulty&page=2", True),
    Page("clusters", "/planner/clusters/", False),
    Page("content list", "/writer/content/", False),
]


@dataclass
class Figures:
    label: str
    best_ms: float
    median_ms: float
    queries: int


class GcMeter:
    """CPU the cyclic garbage collector takes while it runs (part of the request's CPU)."""

    def __init__(self) -> None:
        import gc

        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.collections[info["generation"]] += 1


# --- requests straight into the WSGI application ---------------------------------------------


def environ_for(page: Page, host: str, session: str) -> dict:
    path, _, query = page.path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "HTTP_COOKIE": f"igny8_session={session}",
        "HTTP_ACCEPT": "text/html",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if page.htmx:
        environ["HTTP_HX_REQUEST"] = "true"
        environ["HTTP_HX_TARGET"] = "keywords"
    return environ


def call(app, page: Page, host: str, session: str) -> bytes:
    status: list[str] = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    body = app(environ_for(page, host, session), start_response)
    try:
        content = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    code = int(status[0].split()[0])
    if code != 200 or not content:
        raise SystemExit(f"{page.path} answered {status[0]} ({len(content)} bytes)")
    return content


def dump(app, host_sessions, folder: Path) -> None:
    """Each page's HTML, to compare the markup of two versions of the code (the CSP nonce and
    the CSRF token differ on every request)."""
    folder.mkdir(parents=True, exist_ok=True)
    host, session = host_sessions[0]
    for i, page in enumerate(PAGES):
        (folder / f"{i}.html").write_bytes(call(app, page, host, session))
    print(f"Pages written to {folder}")


def queries_of(app, page: Page, host: str, session: str) -> int:
    """Statements one request sends, the `SET search_path` included (it is sent on a driver
    cursor, under Django's wrappers, so it is counted from the driver's side here)."""
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    sets_before = _sets_sent()
    with connection.execute_wrapper(counter):
        call(app, page, host, session)
    return count[0] + (_sets_sent() - sets_before)


_SETS = [0]


def _count_sets() -> None:
    """Count `SET search_path` statements the backend sends on raw driver cursors."""
    from igny8.db.backend import base

    original = base.DatabaseWrapper._handle_search_path

    def handle(self, cursor=None):
        held = self._path_on is not None and self._path_on is self.connection
        original(self, cursor)
        if not held and self._path_on is not None and self._path_on is self.connection:
            _SETS[0] += 1

    base.DatabaseWrapper._handle_search_path = handle


def _sets_sent() -> int:
    return _SETS[0]


def measure(app, host_sessions, rounds: int, forget: bool = False) -> list[Figures]:
    """Every page `rounds` times, interleaved (a noisy moment touches them all alike), each
    request for the next workspace in turn, as a worker serving many workspaces would.
    `forget`: empty the page cache before each request (every answer a miss)."""
    from apps.workspace import page_cache

    times: dict[str, list[float]] = {p.label: [] for p in PAGES}
    turn = 0
    for _ in range(rounds):
        for page in PAGES:
            host, session = host_sessions[turn % len(host_sessions)]
            turn += 1
            if forget:
                page_cache.store.clear()
            started = time.process_time()
            call(app, page, host, session)
            times[page.label].append(time.process_time() - started)
    host, session = host_sessions[0]
    return [
        Figures(
            label=p.label,
            best_ms=min(times[p.label]) * 1000,
            median_ms=statistics.median(times[p.label]) * 1000,
            queries=queries_of(app, p, host, session),
        )
        for p in PAGES
    ]


def sql_of(app, host_sessions, path: str) -> None:
    from django.db import connection

    page = next((p for p in PAGES if p.path == path), Page(path, path, False))

    def show(execute, sql, params, many, context):
        print(f"  {sql[:300]}")
        return execute(sql, params, many, context)

    host, session = host_sessions[0]
    with connection.execute_wrapper(show):
        call(app, page, host, session)


def profile(app, host_sessions, path: str, rounds: int) -> None:
    import cProfile
    import pstats

    page = next((p for p in PAGES if p.path == path), Page(path, path, False))
    profiler = cProfile.Profile(time.process_time)  # CPU, not the wait for PostgreSQL
    for i in range(rounds):
        host, session = host_sessions[i % len(host_sessions)]
        profiler.enable()
        call(app, page, host, session)
        profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


# --- set-up ------------------------------------------------------------------------------------


def bench_urlconf() -> str:
    """The product's workspace URLs plus the bare view, as a module made at run time."""
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.urls import include, path

    def bare(request):
        return HttpResponse("ok", content_type="text/plain")

    def bare_page(request):
        # The chrome every page pays for: base.html, its context processors and header tags.
        return render(request, "base.html", {})

    module = types.ModuleType("bench_cpu_urls")
    module.urlpatterns = [
        path(BARE_PATH.strip("/") + "/", bare),
        path(BARE_PAGE_PATH.strip("/") + "/", bare_page),
        path("", include("igny8.urls_tenant")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def row(label: str, value: str) -> None:
    print(f"  {label:<40} {value}", flush=True)


def report(figures: list[Figures], before: dict[str, dict] | None) -> None:
    bare = figures[0]
    header = f"  {'page':<34} {'CPU ms best':>11} {'median':>7} {'x bare':>7} {'queries':>7}"
    if before:
        header += f"  {'before median':>13} {'queries':>7} {'after/before':>12}"
    print(header)
    for f in figures:
        line = (
            f"  {f.label:<34} {f.best_ms:>11.2f} {f.median_ms:>7.2f}"
            f" {f.median_ms / bare.median_ms:>6.1f}x {f.queries:>7}"
        )
        old = (before or {}).get(f.label)
        if old:
            line += (
                f"  {old['median_ms']:>13.2f} {old['queries']:>7}"
                f" {f.median_ms / old['median_ms']:>11.2f}x"
            )
        print(line, flush=True)
    mix = [f for f in figures if not f.label.startswith("bare")]
    mean = sum(f.median_ms for f in mix) / len(mix)
    print(
        f"\n  read mix, mean of the page medians: {mean:.2f} ms of Python CPU per request", end=""
    )
    if before:
        olds = [before[f.label]["median_ms"] for f in mix if f.label in before]
        if len(olds) == len(mix):
            old_mean = sum(olds) / len(olds)
            print(f" (before: {old_mean:.2f} ms, {mean / old_mean:.2f}x)", end="")
    print()
    print(f"  = at most {1000 / mean * 2:.0f} pages/s on 2 cores for Python alone", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=3, help="how many (default 3)")
    parser.add_argument("--rounds", type=int, default=60, help="requests per page (default 60)")
    parser.add_argument("--save", help="write the figures to this JSON file")
    parser.add_argument("--compare", help="figures saved earlier with --save, for a ratio")
    parser.add_argument("--profile", metavar="PATH", help="cProfile one page instead")
    parser.add_argument("--sql", metavar="PATH", help="print the SQL of one page instead")
    parser.add_argument("--dump", metavar="DIR", help="write each page's HTML there instead")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument("--reuse", action="store_true", help=f"reuse a kept {BENCH_DB}")
    args = parser.parse_args()

    server = provision.server_locate()
    if not args.reuse:
        provision.bench_db_recreate(server)
    static_root = Path(tempfile.mkdtemp(prefix="igny8-cpu-static-"))
    os.environ.update(
        DATABASE_URL=server.bench_url,
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "igny8.settings"),
        DEBUG="false",
        LOG_LEVEL="WARNING",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        STATIC_ROOT=str(static_root),
    )
    os.environ.pop("PYTEST_VERSION", None)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from load_setup import KEYWORDS, workspaces_make

    try:
        call_command("collectstatic", interactive=False, verbosity=0)
        cache_file = Path(tempfile.gettempdir()) / f"{BENCH_DB}-sessions.json"
        if args.reuse and cache_file.exists():
            host_sessions = [tuple(x) for x in json.loads(cache_file.read_text())]
        else:
            workspaces, built = workspaces_make(args.workspaces)
            host_sessions = [(w.host, w.session) for w in workspaces]
            cache_file.write_text(json.dumps(host_sessions))
            print(f"Set-up: {args.workspaces} workspaces x {KEYWORDS:,} keywords in {built:.0f} s")
        connections.close_all()
        settings.ROOT_URLCONF = bench_urlconf()
        from igny8.wsgi import application as app  # what gunicorn serves

        _count_sets()
        print("Machine")
        for label, value in provision.machine_context():
            row(label, value)
        row("DEBUG", str(settings.DEBUG))
        row("rounds per page", str(args.rounds))
        # First every page made afresh (the page cache off): what the page's own code costs,
        # and what --profile, --sql and --dump look at.
        settings.IGNY8_PAGE_CACHE_SECONDS = 0
        measure(app, host_sessions, rounds=5)  # warm-up: imports, template cache, plans
        if args.dump:
            dump(app, host_sessions, Path(args.dump))
            return 0
        if args.sql:
            sql_of(app, host_sessions, args.sql)
            return 0
        if args.profile:
            profile(app, host_sessions, args.profile, args.rounds)
            return 0
        gc_meter = GcMeter()
        figures = measure(app, host_sessions, rounds=args.rounds)
        requests = args.rounds * len(PAGES)
        before = json.loads(Path(args.compare).read_text()) if args.compare else None
        print("\nPer request, every page made (page cache off): Python CPU of this process")
        print("(best, median), its SQL statements")
        report(figures, before)
        print(
            f"  garbage collector: {gc_meter.seconds / requests * 1000:.2f} ms per request"
            f" (collections by generation: {gc_meter.collections})"
        )
        # Then as served: made with the page cache on (a miss: the page, the probe, keeping
        # the answer), and answered from memory while nothing the page shows has changed.
        settings.IGNY8_PAGE_CACHE_SECONDS = 60
        missed = measure(app, host_sessions, rounds=args.rounds, forget=True)
        print("\nPer request, made with the page cache on (every answer a miss):")
        report(missed, {f.label: asdict(f) for f in figures})
        measure(app, host_sessions, rounds=2)  # each page made once per workspace
        kept = measure(app, host_sessions, rounds=args.rounds)
        print("\nPer request, answered from memory (page cache on, nothing changed):")
        report(kept, {f.label: asdict(f) for f in figures})
        if args.save:
            Path(args.save).write_text(json.dumps({f.label: asdict(f) for f in figures}))
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
        connections.close_all()
        if not args.keep:
            provision.bench_db_drop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
