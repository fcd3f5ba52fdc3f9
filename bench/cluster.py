"""Pages through the balancer with one and with two web hosts, then SIGKILL of a web host and a
worker while jobs run: what a user and the ledger notice.

Runs the cluster harness of the tests (tests/cluster/harness.py): Debian's PostgreSQL and
PgBouncer (session pooling) on a database host, gunicorn web hosts, qcluster worker hosts and
haproxy, each in a network namespace of its own (root, `ip netns`). Prints pages/s and p50/p95
for a read mix over two workspaces at the given concurrency, then the page errors during the
kills, the jobs lost (not succeeded), the jobs run again, and the credits settled twice.

    sudo .venv/bin/python bench/cluster.py [--seconds 15] [--concurrency 8] [--articles 24]

The load generator runs on the same 2 cores as every host: the figures are for comparing one
web host with two here, not a capacity for real machines.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.cluster import harness  # noqa: E402
from tests.cluster.test_many_hosts import PAGES, TOKENS, _driver  # noqa: E402


def row(label: str, value: str) -> None:
    print(f"  {label:<52} {value}")


def load(address: str, seeded: dict, seconds: float, concurrency: int) -> dict:
    """Read the workspaces' pages through the balancer from `concurrency` threads."""
    results: list[tuple[float, bool]] = []
    stop = time.monotonic() + seconds

    def reader(offset: int) -> None:
        clients = {
            slug: httpx.Client(timeout=30, cookies={"igny8_session": seeded[slug]["session"]})
            for slug in TOKENS
        }
        n = offset
        while time.monotonic() < stop:
            slug, path = list(TOKENS)[n % 2], PAGES[(n // 2) % len(PAGES)]
            n += 1
            began = time.perf_counter()
            try:
                ok = clients[slug].get(
                    f"http://{address}:{harness.BALANCER_PORT}{path}",
                    headers={"Host": f"{slug}.{harness.BASE_DOMAIN}"},
                ).status_code in (200, 302)
            except httpx.HTTPError:
                ok = False
            results.append((time.perf_counter() - began, ok))
        for client in clients.values():
            client.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    times = sorted(t for t, _ in results)
    return {
        "pages": len(results),
        "rate": len(results) / elapsed,
        "p50": statistics.median(times) * 1000 if times else 0,
        "p95": times[int(len(times) * 0.95) - 1] * 1000 if times else 0,
        "errors": sum(1 for _, ok in results if not ok),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--articles", type=int, default=24)
    args = parser.parse_args()
    reason = harness.missing()
    if reason:
        raise SystemExit(f"Cannot run the cluster here: {reason}")

    workdir = Path(tempfile.mkdtemp(prefix="igny8-bench-cluster-"))
    workdir.chmod(0o755)
    cluster = harness.Cluster(workdir=workdir)
    try:
        db, web1, web2, work1, work2, lb = harness.hosts(
            cluster, ["db", "web1", "web2", "work1", "work2", "lb"], prefix="10.16.0"
        )
        print("Hosts:", "network namespaces" if cluster.network else "loopback addresses")
        cluster.start_database(db)
        cluster.start_bouncer(db, pool_mode="session", pool_size=40)
        env = cluster.django_env(db, IGNY8_QUEUE_RETRY="8", IGNY8_WORKERS="2")
        cluster.manage(web1, env, "igny8_setup", "--no-demo")
        seeded = cluster.seed(web1, env, TOKENS)
        webs = {h.name: cluster.start_web(h.name, h, env) for h in (web1, web2)}

        print(
            f"Read mix {PAGES} over 2 workspaces, concurrency {args.concurrency}, "
            f"{args.seconds:.0f} s each (gunicorn: 2 processes x 4 threads per web host)"
        )
        for hosts in ([web1], [web1, web2]):
            balancer = cluster.start_balancer(lb, hosts)
            load(lb.address, seeded, 2, args.concurrency)  # warm up every process
            figures = load(lb.address, seeded, args.seconds, args.concurrency)
            row(
                f"{len(hosts)} web host{'s' if len(hosts) > 1 else ''}",
                f"{figures['rate']:.1f} pages/s, p50 {figures['p50']:.0f} ms, "
                f"p95 {figures['p95']:.0f} ms, {figures['errors']} errors",
            )
            balancer.stop()
            cluster.procs.remove(balancer)

        cluster.start_balancer(lb, [web1, web2])
        workers = {h.name: cluster.start_worker(h.name, h, env) for h in (work1, work2)}
        time.sleep(3)
        for slug in TOKENS:
            _driver(cluster, web2, env, "start", slug, str(args.articles))
        during: dict = {}
        reader = threading.Thread(
            target=lambda: during.update(load(lb.address, seeded, 25, args.concurrency))
        )
        reader.start()
        time.sleep(2)
        workers["work1"].kill()
        webs["web1"].kill()
        killed = time.monotonic()
        deadline = killed + 180
        while True:
            state = _driver(cluster, web2, env, "status", *TOKENS)
            jobs = [j for ws in state.values() for j in ws["jobs"]]
            if all(j["status"] in ("succeeded", "failed") for j in jobs):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        finished = time.monotonic() - killed
        reader.join()
        lost = [j for j in jobs if j["status"] != "succeeded"]
        print(f"SIGKILL of web1 and work1 while {len(jobs)} jobs ran (clustering + writing)")
        row("pages during the kills", f"{during['pages']} ({during['errors']} errors)")
        row("jobs lost (not succeeded)", str(len(lost)))
        row("jobs run again after the kill", str(sum(1 for j in jobs if j["attempts"] > 1)))
        row(
            "articles / tasks",
            " ".join(f"{slug}: {ws['articles']}/{args.articles}" for slug, ws in state.items()),
        )
        row("credits settled twice", str(sum(len(ws["settled_twice"]) for ws in state.values())))
        row("from the kills until every job finished", f"{finished:.1f} s")
    finally:
        cluster.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
