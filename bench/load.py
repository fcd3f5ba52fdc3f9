"""Pages per second under load: gunicorn (4 workers, DEBUG=false) over 50 workspaces of 2,000
keywords, driven at concurrency 8, 32 and 64 with a read mix and a write mix.

Prints, per mix and concurrency: pages/s, p50/p95/p99 latency, errors, and the CPU each
request cost, split between Python (the gunicorn workers' CPU time) and PostgreSQL (the CPU
time of the server's processes: the bench database's backends and the server's own background
processes), both read from /proc. Goal: >= 200 pages/s for the read mix, p95 <= 200 ms at 32.

The read mix: dashboard, keywords page, keywords partial (HTMX), clusters, content list. The
write mix: keyword bulk disable/enable of a few rows (HTMX, answers the table) and a cluster
rename (answers a 303 redirect), with a keywords partial between them. The busy mix: nine
reads to one write.

It works in its own database, `igny8_bench_load`, on the project's PostgreSQL server, and
drops it at the end unless `--keep` is given. The load generator runs in this process (one
asyncio loop, a new connection per request as gunicorn's sync workers close each one); its
own CPU is printed too, since it shares the machine's cores with the server. Run it from the
repository root:

    .venv/bin/python bench/load.py             # 50 workspaces, 15 s per measurement (~3 min)
    .venv/bin/python bench/load.py --quick     # 10 workspaces, 5 s per measurement (~1 min)
    .venv/bin/python bench/load.py --no-page-cache   # every page made afresh

The busiest read pages are answered from memory while nothing they show has changed
(apps/workspace/page_cache.py); the "from memory" column says how many answers were. With
`--no-page-cache` every answer is made: the cost of a page right after a change.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

import provision  # noqa: E402  how a bench database is found, made, dropped
from load_setup import (  # noqa: E402  the workspaces and the server
    BENCH_DB,
    CLUSTERS,
    CONTENTS,
    KEYWORDS,
    WORKERS,
    Workspace,
    free_port,
    gunicorn_start,
    gunicorn_stop,
    postmaster_pid,
    static_collect,
    workspaces_make,
)

provision.BENCH_DB = BENCH_DB
CONCURRENCY = (8, 32, 64)
GOAL_PAGES = 200.0
GOAL_P95_MS = 200.0
PAGE_CACHE = b"x-page-cache:"
CSRF = "benchloadcsrftokenbenchloadcsrft"  # 32 characters: Django takes it unmasked
CLK_TCK = os.sysconf("SC_CLK_TCK")
OK = (200, 302, 303)  # a page, or the redirect after a write


# --- CPU from /proc -------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of user + system) of a process, None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[0] == parent:
                found.append(int(entry))
    return found


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


class CpuMeter:
    """CPU seconds of the gunicorn workers and of the PostgreSQL server's processes that serve
    the bench: its database's backends and the background ones (checkpointer, WAL writer,
    autovacuum, I/O workers), sampled often so that backends that come and go are counted."""

    def __init__(self, gunicorn_pid: int, postmaster_pid: int) -> None:
        self.gunicorn_pid = gunicorn_pid
        self.postmaster_pid = postmaster_pid
        self.seen: dict[tuple[str, int], float] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.sampler = threading.Thread(target=self._run, daemon=True)
        self.sampler.start()

    def _pg_ours(self, pid: int) -> bool:
        words = _title(pid).removeprefix("postgres: ").split()
        # A client backend's title is "postgres: <user> <database> <host> <state>", the host
        # "[local]" or "address(port)"; the rest are the server's own (checkpointer, …).
        client = len(words) >= 3 and (words[2] == "[local]" or "(" in words[2])
        return words[1] == BENCH_DB if client else True

    def sample(self) -> None:
        now = {}
        for pid in _children(self.gunicorn_pid):
            stat = _stat(pid)
            if stat:
                now[("python", pid)] = stat[1]
        for pid in _children(self.postmaster_pid):
            stat = _stat(pid)
            if stat and self._pg_ours(pid):
                now[("postgres", pid)] = stat[1]
        with self.lock:
            for key, seconds in now.items():
                self.seen[key] = max(self.seen.get(key, 0.0), seconds)

    def _run(self) -> None:
        while not self.stopping.wait(0.2):
            self.sample()

    def totals(self) -> dict[str, float]:
        self.sample()
        with self.lock:
            out = {"python": 0.0, "postgres": 0.0}
            for (kind, _pid), seconds in self.seen.items():
                out[kind] += seconds
            return out

    def stop(self) -> None:
        self.stopping.set()
        self.sampler.join()


def self_cpu() -> float:
    times = os.times()
    return times.user + times.system


# --- the load -------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    host: str
    session: str
    htmx: bool = False
    body: str = ""


def read_mix(ws: Workspace, rng: random.Random) -> Request:
    page = rng.choice(
        [
            ("/", False),
            ("/planner/keywords/", False),
            ("/planner/keywords/?sort=difficulty&page=2", True),
            ("/planner/clusters/", False),
            ("/writer/content/", False),
        ]
    )
    return Request("GET", page[0], ws.host, ws.session, htmx=page[1])


def write_mix(ws: Workspace, rng: random.Random) -> Request:
    from urllib.parse import urlencode

    kind = rng.randrange(3)
    if kind == 0:
        ids = rng.sample(ws.keyword_ids, 5)
        data = [("site", ws.site), ("action", rng.choice(["disable", "enable"]))]
        data += [("ids", i) for i in ids]
        return Request(
            "POST", "/planner/keywords/bulk/", ws.host, ws.session, True, urlencode(data)
        )
    if kind == 1:
        cluster = rng.choice(ws.cluster_ids)
        data = {"name": f"Cluster {cluster} {rng.randrange(10**6)}", "description": ""}
        path = f"/planner/clusters/{cluster}/rename/"
        return Request("POST", path, ws.host, ws.session, False, urlencode(data))
    return Request("GET", "/planner/keywords/?status=new", ws.host, ws.session, htmx=True)


def busy_mix(ws: Workspace, rng: random.Random) -> Request:
    """Nine reads to one write, across the workspaces: pages that changed a moment ago are
    made again, the page cache serving only what is still current."""
    return write_mix(ws, rng) if rng.random() < 0.1 else read_mix(ws, rng)


async def one(port: int, request: Request) -> tuple[int, str]:
    """Send one request on a new connection; the HTTP status (0 when it failed) and what the
    page cache did (X-Page-Cache: hit, miss, bypass; "" for pages it does not keep)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        body = request.body.encode()
        lines = [
            f"{request.method} {request.path} HTTP/1.1",
            f"Host: {request.host}",
            f"Cookie: igny8_session={request.session}; csrftoken={CSRF}",
            "Connection: close",
        ]
        if request.htmx:
            lines += ["HX-Request: true", "HX-Target: keywords"]
        if request.method == "POST":
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
                f"X-CSRFToken: {CSRF}",
            ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        response = await reader.read()  # the worker closes the connection after answering
        head = response.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        status_line = head[0].split()
        cache = next(
            (
                h.split(b":", 1)[1].strip().decode()
                for h in head
                if h.lower().startswith(PAGE_CACHE)
            ),
            "",
        )
        return (int(status_line[1]) if len(status_line) > 1 else 0), cache
    finally:
        writer.close()


@dataclass
class Result:
    times: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=dict)


async def drive(
    port: int, workspaces: list[Workspace], mix, concurrency: int, seconds: float, seed: int
) -> Result:
    result = Result()
    rng = random.Random(seed)
    stop_at = time.perf_counter() + seconds

    async def user() -> None:
        while time.perf_counter() < stop_at:
            request = mix(rng.choice(workspaces), rng)
            started = time.perf_counter()
            try:
                status, cache = await one(port, request)
            except OSError:
                status, cache = 0, ""
            result.times.append(time.perf_counter() - started)
            if cache:
                result.cache[cache] = result.cache.get(cache, 0) + 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status not in OK:
                result.errors += 1

    await asyncio.gather(*(user() for _ in range(concurrency)))
    return result


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


@dataclass
class Figures:
    mix: str
    concurrency: int
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int
    python_ms: float
    postgres_ms: float
    client_ms: float
    statuses: dict[int, int]
    cache: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def from_memory(self) -> str:
        """Share of the cacheable answers the page cache gave back ("-": none seen)."""
        seen = sum(self.cache.values())
        return f"{100 * self.cache.get('hit', 0) / seen:.0f}%" if seen else "-"


def measure(port, workspaces, meter, name, mix, concurrency, seconds) -> Figures:
    asyncio.run(drive(port, workspaces, mix, concurrency, min(2.0, seconds / 3), seed=1))
    before, client_before = meter.totals(), self_cpu()
    started = time.perf_counter()
    result = asyncio.run(drive(port, workspaces, mix, concurrency, seconds, seed=concurrency))
    elapsed = time.perf_counter() - started
    after, client_after = meter.totals(), self_cpu()
    n = max(1, len(result.times))
    return Figures(
        mix=name,
        concurrency=concurrency,
        requests=len(result.times),
        seconds=elapsed,
        p50=pct(result.times, 50),
        p95=pct(result.times, 95),
        p99=pct(result.times, 99),
        errors=result.errors,
        python_ms=(after["python"] - before["python"]) / n * 1000,
        postgres_ms=(after["postgres"] - before["postgres"]) / n * 1000,
        client_ms=(client_after - client_before) / n * 1000,
        statuses=result.statuses,
        cache=result.cache,
    )


def row(label: str, value: str) -> None:
    print(f"  {label:<40} {value}", flush=True)


HEADER = (
    f"  {'mix':<6} {'conc':>4} {'requests':>8} {'pages/s':>8} {'p50 ms':>7} {'p95 ms':>7}"
    f" {'p99 ms':>7} {'errors':>6}  {'CPU ms/request: Python':>22} {'PostgreSQL':>10}"
    f" {'client':>7} {'from memory':>11}"
)


def line(f: Figures) -> None:
    print(
        f"  {f.mix:<6} {f.concurrency:>4} {f.requests:>8} {f.per_second:>8.1f} {f.p50:>7.1f}"
        f" {f.p95:>7.1f} {f.p99:>7.1f} {f.errors:>6}  {f.python_ms:>22.1f}"
        f" {f.postgres_ms:>10.1f} {f.client_ms:>7.1f} {f.from_memory:>11}",
        flush=True,
    )


def run(server: provision.Server, count: int, seconds: float, page_cache: bool = True) -> bool:
    from django.conf import settings
    from django.db import connections

    workspaces, built = workspaces_make(count)
    connections.close_all()
    print("Machine")
    for label, value in provision.machine_context():
        row(label, value)
    print("\nSet-up")
    row("workspaces", f"{count} x {KEYWORDS:,} keywords ({CLUSTERS} clusters, {CONTENTS} articles)")
    row("made in", f"{built:.1f} s (template clone + bulk insert)")
    row("server", f"gunicorn, {WORKERS} sync workers, DEBUG=false")
    row("seconds per measurement", f"{seconds:g} (after a warm-up)")
    row(
        "page cache",
        "on (IGNY8_PAGE_CACHE_SECONDS=60)" if page_cache else "off: every page made afresh",
    )

    tmp = Path(tempfile.mkdtemp(prefix="igny8-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": server.bench_url,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(tmp / "static"),
        "IGNY8_PAGE_CACHE_SECONDS": "60" if page_cache else "0",
    }
    env.pop("PYTEST_VERSION", None)
    static_collect(tmp / "static", env)
    port = free_port()
    process = gunicorn_start(port, env, tmp / "gunicorn.log")
    meter = CpuMeter(process.pid, postmaster_pid(server))
    figures = []
    try:
        print("\nPer mix and concurrency. CPU ms/request: CPU time over the measurement divided")
        print("by the requests answered (Python: the gunicorn workers; PostgreSQL: its server")
        print("processes; client: this load generator, sharing the cores).")
        print(HEADER)
        for name, mix in (("read", read_mix), ("write", write_mix), ("busy", busy_mix)):
            for concurrency in CONCURRENCY:
                f = measure(port, workspaces, meter, name, mix, concurrency, seconds)
                figures.append(f)
                line(f)
    finally:
        meter.stop()
        gunicorn_stop(process)
        shutil.rmtree(tmp, ignore_errors=True)
    odd = {s: n for f in figures for s, n in f.statuses.items() if s not in OK}
    if odd:
        print(f"\nAnswers other than a page or a redirect: {odd}")
    reads = [f for f in figures if f.mix == "read"]
    at32 = next(f for f in reads if f.concurrency == 32)
    best = max(f.per_second for f in reads)
    ok = best >= GOAL_PAGES and at32.p95 <= GOAL_P95_MS and not odd
    print(f"\nGoals (read mix; {settings.IGNY8_BASE_DOMAIN} workspaces)")
    row(
        f">= {GOAL_PAGES:.0f} pages/s", f"{'met' if best >= GOAL_PAGES else 'NOT met'} ({best:.0f})"
    )
    row(
        f"p95 <= {GOAL_P95_MS:.0f} ms at concurrency 32",
        f"{'met' if at32.p95 <= GOAL_P95_MS else 'NOT met'} ({at32.p95:.0f} ms)",
    )
    row("errors", f"{sum(f.errors for f in figures)}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 workspaces, 5 s each")
    parser.add_argument("--workspaces", type=int, help="how many workspaces (default 50)")
    parser.add_argument("--seconds", type=float, help="seconds per measurement (default 15)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="serve with the page cache off: what every page costs when it is made",
    )
    args = parser.parse_args()
    count = args.workspaces or (10 if args.quick else 50)
    seconds = args.seconds or (5.0 if args.quick else 15.0)

    server = provision.server_locate()
    provision.bench_db_recreate(server)
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    with provision.bench_db_kept_or_dropped(server, keep=args.keep):
        ok = run(server, count, seconds, page_cache=not args.no_page_cache)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
