"""Several hosts on one database, as real processes, each in a network namespace of its own:
the database host (PostgreSQL + PgBouncer), two web hosts (gunicorn), two worker hosts
(qcluster) and a balancer (haproxy). They share nothing but the database and the media folder.

While two workspaces' pages are read through the balancer and their jobs (clustering, writing
articles, an automation run) run, one web host and one worker are killed with SIGKILL: every
page still answers (haproxy retries a request whose host died), every job finishes exactly
once (one article per task, no credit settled twice) and the killed worker's jobs are run by
the other worker once the queue's `retry` passes (igny8/queue_broker.py: a live worker keeps
what it took locked).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

import httpx

from tests.cluster import harness

TOKENS = {"alpha": "zebraword", "bravo": "yakword"}
ARTICLES = 24
RETRY = 8  # the queue's retry in this cluster (production: IGNY8_QUEUE_RETRY)
PAGES = ["/", "/planner/keywords/", "/planner/keywords/export/", "/writer/tasks/"]


def _driver(cluster: harness.Cluster, host: harness.Host, env: dict, *args: str) -> dict:
    done = subprocess.run(
        host.argv([str(harness.PYTHON), "-m", "tests.cluster.driver", *args]),
        cwd=harness.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _running_jobs(db: harness.Host) -> set[tuple[str, int]]:
    """(workspace, job id) of every job running now, read straight from PostgreSQL."""
    import psycopg

    union = " UNION ALL ".join(
        f"SELECT '{slug}', id FROM ws_{slug}.workspace_job WHERE status = 'running'"
        for slug in TOKENS
    )
    with psycopg.connect(
        host=db.address, port=harness.BOUNCER_PORT, user="postgres", dbname="igny8"
    ) as conn:
        return set(conn.execute(union).fetchall())


class Reader(threading.Thread):
    """Reads the workspaces' pages through the balancer until stopped; keeps every answer."""

    def __init__(self, address: str, seeded: dict) -> None:
        super().__init__(daemon=True)
        self.address, self.seeded = address, seeded
        self.answers: list[tuple[str, str, int | str]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        clients = {
            slug: httpx.Client(timeout=30, cookies={"igny8_session": self.seeded[slug]["session"]})
            for slug in TOKENS
        }
        n = 0
        while not self.stop.is_set():
            slug = list(TOKENS)[n % 2]
            path = PAGES[(n // 2) % len(PAGES)]
            n += 1
            try:
                response = clients[slug].get(
                    f"http://{self.address}:{harness.BALANCER_PORT}{path}",
                    headers={"Host": f"{slug}.{harness.BASE_DOMAIN}"},
                )
                outcome: int | str = response.status_code
                other = next(t for s, t in TOKENS.items() if s != slug)
                if other in response.text:
                    outcome = "saw the other workspace"
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            self.answers.append((slug, path, outcome))
        for client in clients.values():
            client.close()


def test_kill_a_web_host_and_a_worker_while_two_workspaces_work(cluster):
    db, web1, web2, work1, work2, lb = harness.hosts(
        cluster, ["db", "web1", "web2", "work1", "work2", "lb"]
    )

    cluster.start_database(db)
    cluster.start_bouncer(db, pool_mode="session", pool_size=40)
    env = cluster.django_env(db, IGNY8_QUEUE_RETRY=str(RETRY), IGNY8_WORKERS="2")
    cluster.manage(web1, env, "igny8_setup", "--no-demo")
    seeded = cluster.seed(web1, env, TOKENS)
    webs = {h.name: cluster.start_web(h.name, h, env, workers=2, threads=2) for h in (web1, web2)}
    workers = {h.name: cluster.start_worker(h.name, h, env) for h in (work1, work2)}
    cluster.start_balancer(lb, [web1, web2])

    readers = [Reader(lb.address, seeded) for _ in range(2)]
    for reader in readers:
        reader.start()
    started: dict[str, dict] = {}

    def start_work() -> None:
        for slug in TOKENS:
            started[slug] = _driver(cluster, web2, env, "start", slug, str(ARTICLES))

    starter = threading.Thread(target=start_work, daemon=True)
    starter.start()
    # Kill once more jobs run than one worker host has processes (2): the killed one holds some.
    running = _running_jobs(db)
    wait_until = time.monotonic() + 60
    while len(running) < 3 and time.monotonic() < wait_until:
        time.sleep(0.05)
        running = _running_jobs(db)
    assert len(running) >= 3, "the two worker hosts never ran three jobs at once"
    workers["work1"].kill()
    webs["web1"].kill()
    starter.join(timeout=60)
    killed_at = time.monotonic()

    deadline = killed_at + 90
    while True:
        state = _driver(cluster, web2, env, "status", *TOKENS)
        jobs = [job for ws in state.values() for job in ws["jobs"]]
        if all(job["status"] in ("succeeded", "failed") for job in jobs):
            break
        assert time.monotonic() < deadline, f"jobs still open 90 s after the kills: {jobs}"
        time.sleep(1)
    for reader in readers:
        reader.stop.set()
    for reader in readers:
        reader.join(timeout=40)
    answers = [answer for reader in readers for answer in reader.answers]

    failed_pages = [a for a in answers if a[2] not in (200, 302)]
    assert len(answers) > 20
    assert not failed_pages, failed_pages[:10]
    for slug, ws in state.items():
        assert len(started[slug]["writing"]) == ARTICLES
        assert {job["status"] for job in ws["jobs"]} == {"succeeded"}, ws["jobs"]
        assert ws["articles"] == ARTICLES, ws
        assert ws["settled_twice"] == [], ws
        assert ws["automation"] == ["completed"], ws
    # The killed worker was running some of these: they ran again on the surviving worker.
    rerun = [
        job
        for slug, ws in state.items()
        for job in ws["jobs"]
        if job["attempts"] > 1 and (slug, job["pk"]) in running
    ]
    assert rerun, f"none of the jobs running at the kill ran again: {running}"
    assert workers["work2"].alive() and webs["web2"].alive()
    print(
        f"\ncluster: {len(answers)} pages through the balancer, 0 failed; "
        f"{sum(len(ws['jobs']) for ws in state.values())} jobs, {len(rerun)} run again after "
        f"the worker was killed; {time.monotonic() - killed_at:.1f} s from the kills to the end"
    )
