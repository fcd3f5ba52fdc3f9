"""Several hosts on one database, as real processes, each in a network namespace of its own:
the database host (PostgreSQL + PgBouncer), two web hosts (gunicorn), two worker hosts
(qcluster) and a balancer (haproxy). They share nothing but the database and the media folder.

Everything a person does goes through the balancer as a browser would (tests/cluster/browser.py:
the pages' own forms, CSRF token and cookies, redirects across hosts): two people sign up on the
base domain, land on their new workspace's host, add a site and its sectors, import keywords
from a CSV file, add tasks, add a second site with keywords of its own; then they press
"Cluster", "Write selected" (and confirm) and "Run now" on the automation page. Only what staff
do by hand (a plan with room for two sites, credits) is done on a host directly.

While their pages are read and their jobs run, one web host and one worker are killed with
SIGKILL: every page still answers (haproxy retries a request whose host died; only a page the
dying host had begun to send breaks, and its reload answers), every job
finishes exactly once (one article per task, no credit settled twice) and the killed worker's
jobs are run by the other worker once the queue's `retry` passes (igny8/queue_broker.py: a live
worker keeps what it took locked).
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from pathlib import Path

import httpx

from tests.cluster import harness
from tests.cluster.browser import Browser, ServerError, forms_of

TOKENS = {"alpha": "zebraword", "bravo": "yakword"}
ARTICLES = 24
KEYWORDS = 20
RETRY = 8  # the queue's retry in this cluster (production: IGNY8_QUEUE_RETRY)
PAGES = ["/", "/planner/keywords/", "/planner/keywords/export/", "/writer/tasks/"]
PASSWORD = "Cluster-test-pass-9431"
# Distinct subjects: tasks that read alike are held by the near-duplicate guard.
SUBJECTS = [
    "kayak paddles",
    "espresso grinders",
    "bonsai pruning",
    "winter tyres",
    "sourdough starters",
    "violin strings",
    "roof insulation",
    "chess openings",
    "orchid watering",
    "trail running shoes",
    "solar inverters",
    "knitting needles",
    "aquarium filters",
    "mortgage brokers",
    "yoga mats",
    "drone batteries",
    "vinyl turntables",
    "beekeeping suits",
    "ceramic glazes",
    "tax deadlines",
    "camping stoves",
    "piano tuning",
    "lawn mowers",
    "fountain pens",
]


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


def _csv(lines: list[str]) -> tuple[str, bytes, str]:
    return ("keywords.csv", ("keyword\n" + "\n".join(lines) + "\n").encode(), "text/csv")


def _add_site(browser: Browser, slug: str, name: str) -> int:
    """The "Add site" form, then the sectors form it leads to; the new site becomes current."""
    browser.get(browser.workspace(slug, "/sites/new/"))
    form = browser.form(r"^/sites/new/$")
    browser.submit(
        form,
        {
            "name": name,
            "url": f"https://{re.sub(r'[^a-z]', '', name.lower())}.example.com",
            "industry": form.choices["industry"][0],
        },
    )
    match = re.search(r"/sites/(\d+)/sectors/$", browser.url)
    assert match, f"after adding a site: {browser.url}"
    sectors = browser.form(r"/sites/\d+/sectors/$")
    browser.submit(sectors, {"sectors": sectors.choices["sectors"][:1]})
    return int(match.group(1))


def _import(browser: Browser, slug: str, keywords: list[str]) -> None:
    browser.get(browser.workspace(slug, "/planner/import/"))
    browser.submit(browser.form(r"/planner/import/$"), files={"file": _csv(keywords)})
    # A small file is imported at once: the summary names what was added.
    assert "Keywords added" in browser.text, browser.text[-2000:]
    assert re.search(rf"\b{len(keywords)}\b", browser.text), browser.text[-2000:]


def _switch(browser: Browser, slug: str, site: int) -> None:
    browser.get(browser.workspace(slug, "/"))
    browser.submit(browser.form(r"/sites/switch/$"), {"site": str(site)})


def sign_up_and_prepare(
    browser: Browser, cluster: harness.Cluster, host: harness.Host, env: dict, slug: str
) -> dict:
    """A person signs up on the base domain and sets up their workspace, all through the
    balancer: returns the ids of their two sites."""
    token = TOKENS[slug]
    browser.get(browser.public("/"))
    browser.get(browser.public("/accounts/signup/"))
    browser.submit(
        browser.form(r"/accounts/signup/$"),
        {
            "name": f"Owner {slug}",
            "email": f"owner@{slug}.example",
            "password1": PASSWORD,
            "workspace_name": f"WS {slug}",
            "workspace_slug": slug,
            "timezone": "Europe/Berlin",
        },
    )
    # Signed up and signed in: the new workspace's host, its welcome page.
    assert browser.url == browser.workspace(slug, "/?welcome=1"), browser.url
    assert f"Welcome to WS {slug}" in browser.text
    _driver(cluster, host, env, "grant", slug)  # staff: a plan with room for two sites

    site = _add_site(browser, slug, f"Site {token}")
    _import(browser, slug, [f"{token} kw {i}" for i in range(KEYWORDS)])
    assert len(SUBJECTS) >= ARTICLES
    for n in range(ARTICLES):
        browser.get(browser.workspace(slug, "/writer/tasks/new/"))
        browser.submit(
            browser.form(r"/writer/tasks/new/$"),
            {
                "title": f"{SUBJECTS[n].capitalize()} ({token})",
                "primary_keyword": f"{token} {SUBJECTS[n]}",
                "outline": f"## Choosing {SUBJECTS[n]}\n## Caring for {SUBJECTS[n]}",
                "target_words": "1500",
            },
        )
    auto = _add_site(browser, slug, f"Automation {slug}")
    _import(browser, slug, [f"{token} {t} {n}" for t in ("boots", "tents") for n in range(4)])
    _switch(browser, slug, site)
    return {"site": site, "auto": auto}


def _as_a_person(step, browser: Browser, *args) -> int:
    """Run one step of `start_work`; when the answer is lost (the web host died under the
    request, which haproxy does not replay for a POST) do as a person does: load the page
    again and, if it still offers the button, press it again. Returns how many tries failed."""
    for lost in range(4):
        try:
            step(browser, *args)
            return lost
        except (httpx.TransportError, ServerError):
            time.sleep(0.5)
    raise AssertionError(f"{step.__name__} failed four times")


def _press_cluster(browser: Browser, slug: str, sites: dict) -> None:
    browser.get(browser.workspace(slug, "/planner/clusters/"))
    if "job=" in browser.url or not any(
        f.action.endswith("/planner/clusters/run/") for f in forms_of(browser.text)
    ):
        return  # pressed already: the page shows the job, or nothing is left to cluster
    browser.submit(browser.form(r"/planner/clusters/run/$"))
    assert "job=" in browser.url, browser.url


def _press_write(browser: Browser, slug: str, sites: dict) -> None:
    browser.get(browser.workspace(slug, "/writer/tasks/"))
    tasks = browser.form(r"/writer/tasks/bulk/$")
    assert len(tasks.choices["ids"]) == ARTICLES, tasks.choices
    browser.submit(tasks, {"ids": tasks.choices["ids"]}, button=r"/writer/tasks/write/$")
    if not any(f.action.endswith("/writer/tasks/write/") for f in forms_of(browser.text)):
        return  # none can be written now: they are being written already
    browser.submit(browser.form(r"/writer/tasks/write/$"))


def _press_run(browser: Browser, slug: str, sites: dict) -> None:
    _switch(browser, slug, sites["auto"])
    browser.get(browser.workspace(slug, "/automation/"))
    if "data-cannot-start" in browser.text and "Run #" in browser.text:
        return  # a run is on already
    browser.submit(browser.form(rf"/automation/sites/{sites['auto']}/run/$"))


def sign_in(browser: Browser, slug: str) -> str:
    """Sign in on the base domain (a second browser of the same person); returns the session."""
    browser.get(browser.public("/accounts/login/"))
    browser.submit(
        browser.form(r"/accounts/login/$"),
        {"login": f"owner@{slug}.example", "password": PASSWORD},
    )
    # One workspace: straight to its host.
    assert browser.url == browser.workspace(slug, "/"), browser.url
    return browser.cookie("igny8_session")


def start_work(browser: Browser, slug: str, sites: dict) -> int:
    """The buttons: "Cluster …", "Write selected" then "Write 24 articles", and "Run now" on
    the automation page of the second site. Returns the presses that had to be repeated."""
    return sum(
        _as_a_person(step, browser, slug, sites)
        for step in (_press_cluster, _press_write, _press_run)
    )


class Reader(threading.Thread):
    """Reads the workspaces' pages through the balancer until stopped; keeps every answer with
    when its request began and ended. Every tenth read is the public home page on the base
    domain. A read whose connection broke is reloaded once at once, as a person would."""

    def __init__(self, address: str, sessions: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.address, self.sessions = address, sessions
        # (host, path, outcome, began, ended, outcome of the reload or None)
        self.answers: list[tuple[str, str, int | str, float, float, int | str | None]] = []
        self.stop = threading.Event()

    def _read(self, client: httpx.Client, slug: str, host: str, path: str) -> int | str:
        try:
            response = client.get(
                f"http://{self.address}:{harness.BALANCER_PORT}{path}", headers={"Host": host}
            )
        except httpx.HTTPError as exc:
            return type(exc).__name__
        other = next(t for s, t in TOKENS.items() if s != slug)
        return "saw the other workspace" if other in response.text else response.status_code

    def run(self) -> None:
        clients = {
            slug: httpx.Client(timeout=30, cookies={"igny8_session": self.sessions[slug]})
            for slug in TOKENS
        }
        n = 0
        while not self.stop.is_set():
            slug = list(TOKENS)[n % 2]
            path = PAGES[(n // 2) % len(PAGES)]
            host = f"{slug}.{harness.BASE_DOMAIN}"
            if n % 10 == 9:
                host, path = harness.BASE_DOMAIN, "/accounts/login/"
            n += 1
            began = time.monotonic()
            outcome = self._read(clients[slug], slug, host, path)
            ended = time.monotonic()
            reload = (
                self._read(clients[slug], slug, host, path) if isinstance(outcome, str) else None
            )
            self.answers.append((host, path, outcome, began, ended, reload))
        for client in clients.values():
            client.close()


def _broken_by_the_kill(answer: tuple, kill_began: float, kill_ended: float) -> bool:
    """A read whose connection broke while its web host was being killed, and whose reload
    answered: the one loss no balancer can hide (the dead host had begun sending the page, so
    haproxy cannot send the request elsewhere)."""
    _, _, outcome, began, ended, reload = answer
    in_flight = began <= kill_ended and ended >= kill_began
    return (
        isinstance(outcome, str)
        and outcome.endswith("Error")
        and in_flight
        and reload in (200, 302)
    )


def test_kill_a_web_host_and_a_worker_while_two_workspaces_work(cluster):
    began = time.monotonic()
    db, web1, web2, work1, work2, lb = harness.hosts(
        cluster, ["db", "web1", "web2", "work1", "work2", "lb"]
    )

    cluster.start_database(db)
    cluster.start_bouncer(db, pool_mode="session", pool_size=40)
    mail = cluster.workdir / "mail"
    env = cluster.django_env(
        db, IGNY8_QUEUE_RETRY=str(RETRY), IGNY8_WORKERS="2", EMAIL_URL=f"file://{mail}"
    )
    cluster.manage(web1, env, "igny8_setup", "--no-demo")
    webs = {h.name: cluster.start_web(h.name, h, env, workers=2, threads=2) for h in (web1, web2)}
    workers = {h.name: cluster.start_worker(h.name, h, env) for h in (work1, work2)}
    cluster.start_balancer(lb, [web1, web2])

    browsers = {
        slug: Browser(lb.address, harness.BALANCER_PORT, harness.BASE_DOMAIN) for slug in TOKENS
    }
    sites = {slug: sign_up_and_prepare(browsers[slug], cluster, web2, env, slug) for slug in TOKENS}
    prepared = time.monotonic()
    # allauth sent each new owner the address-confirmation email (verification is optional:
    # signing up signs in at once); the web host wrote it to the mail folder.
    sent = "".join(p.read_text(errors="replace") for p in Path(mail).glob("*"))
    for slug in TOKENS:
        assert f"To: owner@{slug}.example" in sent, sent[-2000:]

    # The readers are the same people in other browsers, signed in through the login form: a
    # session of their own, as the pages the buttons are pressed in keep theirs (two tabs of
    # one session can undo each other's site switch: session-stored messages rewrite it).
    readers_browsers = {
        slug: Browser(lb.address, harness.BALANCER_PORT, harness.BASE_DOMAIN) for slug in TOKENS
    }
    sessions = {slug: sign_in(readers_browsers[slug], slug) for slug in TOKENS}
    assert not set(sessions.values()) & {b.cookie("igny8_session") for b in browsers.values()}
    readers = [Reader(lb.address, sessions) for _ in range(2)]
    for reader in readers:
        reader.start()
    failures: list[BaseException] = []
    repeated: list[int] = []

    def press_buttons() -> None:
        try:
            for slug in TOKENS:
                repeated.append(start_work(browsers[slug], slug, sites[slug]))
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            failures.append(exc)

    starter = threading.Thread(target=press_buttons, daemon=True)
    starter.start()
    # Kill once more jobs run than one worker host has processes (2): the killed one holds some.
    running = _running_jobs(db)
    wait_until = time.monotonic() + 90
    while len(running) < 3 and time.monotonic() < wait_until and not failures:
        time.sleep(0.05)
        running = _running_jobs(db)
    assert not failures, failures
    assert len(running) >= 3, "the two worker hosts never ran three jobs at once"
    workers["work1"].kill()
    web_kill_began = time.monotonic()
    webs["web1"].kill()
    web_kill_ended = time.monotonic()
    starter.join(timeout=120)
    assert not starter.is_alive(), "the buttons were not all pressed within 120 s"
    assert not failures, failures
    killed_at = time.monotonic()

    deadline = killed_at + 90
    while True:
        state = _driver(cluster, web2, env, "status", *TOKENS)
        jobs = [job for ws in state.values() for job in ws["jobs"]]
        if all(job["status"] in ("succeeded", "failed") for job in jobs) and all(
            ws["automation"] and ws["automation"][0] not in ("queued", "running")
            for ws in state.values()
        ):
            break
        assert time.monotonic() < deadline, f"jobs still open 90 s after the kills: {jobs}"
        time.sleep(1)
    for reader in readers:
        reader.stop.set()
    for reader in readers:
        reader.join(timeout=40)
    for browser in [*browsers.values(), *readers_browsers.values()]:
        browser.close()
    answers = [answer for reader in readers for answer in reader.answers]

    # Every page answered, but for reads the dying web host was answering at the very moment
    # of its kill: those broke mid-page (haproxy cannot resend a request whose answer had begun)
    # and their reload answered.
    broken = [a for a in answers if _broken_by_the_kill(a, web_kill_began, web_kill_ended)]
    failed_pages = [a[:3] for a in answers if a[2] not in (200, 302) and a not in broken]
    assert len(answers) > 20
    assert any(a[0] == harness.BASE_DOMAIN for a in answers)
    assert not failed_pages, failed_pages[:10]
    assert len(broken) <= len(readers), broken
    for ws in state.values():
        kinds = [job["kind"] for job in ws["jobs"]]
        assert "clustering" in kinds and len(kinds) > ARTICLES, kinds
        bad = [j for j in ws["jobs"] if j["status"] != "succeeded"]
        assert not bad, json.dumps(bad[:3])
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
        f"\ncluster: set-up through the balancer (2 sign-ups, 4 sites, 2×{ARTICLES} tasks, "
        f"imports) {prepared - began:.1f} s; {len(answers)} pages read, 0 failed "
        f"({len(broken)} broken mid-answer by the kill, reloaded); "
        f"{sum(len(ws['jobs']) for ws in state.values())} jobs, {len(rerun)} run again after "
        f"the worker was killed; {sum(repeated)} button press(es) repeated after a lost answer; "
        f"{time.monotonic() - killed_at:.1f} s from the kills to the end"
    )
