"""The set-up of bench/load.py: 50 workspaces made the way signup makes them (template clone)
and filled by bulk insert, signed-in sessions written to the session store, and gunicorn with
static files collected as production serves them. Also where the PostgreSQL server runs."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import planner_pages  # keyword phrases
import provision

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "igny8_bench_load"
WORKERS = 4
KEYWORDS = 2_000
CLUSTERS = 20
CONTENTS = 20


# --- data ---------------------------------------------------------------------------------


@dataclass
class Workspace:
    host: str
    session: str
    site: int
    keyword_ids: list[int]
    cluster_ids: list[int]


def platform_make() -> None:
    from django.core.management import call_command

    from apps.accounts.provisioning import public_tenant_ensure, template_ensure
    from apps.billing.seed import seed as billing_seed
    from apps.catalog.models import Industry
    from apps.catalog.services import library_load

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    public_tenant_ensure()
    template_ensure()
    if not Industry.objects.exists():
        library_load()
    billing_seed()


def workspace_make(n: int, rng: random.Random) -> Workspace:
    """Workspace `n`: cloned from the template (as signup does), on the Scale plan, one site
    with two sectors, clusters, keywords (bulk insert) and articles; and a signed-in session."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.accounts.provisioning import workspace_create
    from apps.billing.models import Plan
    from apps.billing.plans import plan_assign
    from apps.catalog.models import Industry
    from apps.planner.models import Cluster, Keyword, KeywordStatus, normalize_keyword
    from apps.workspace.context import SESSION_KEY as SITE_KEY
    from apps.workspace.models import Sector, Site
    from apps.writer.models import Content

    slug = f"load{n:02d}"
    owner = User.objects.create_user(f"owner@{slug}.example", "bench-password", name="Owner")
    account = workspace_create(name=f"Load {n:02d}", slug=slug, owner=owner)
    plan_assign(account=account, plan=Plan.objects.get(slug="scale"))
    industry = next(
        i for i in Industry.objects.prefetch_related("sectors") if i.sectors.count() >= 2
    )
    with schema_context(account.schema_name):
        site = Site.objects.create(name="Load site", url="https://example.com", industry=industry)
        sectors = [
            Sector.objects.create(site=site, industry_sector=s, name=s.name)
            for s in industry.sectors.all()[:2]
        ]
        clusters = Cluster.objects.bulk_create(
            Cluster(site=site, sector=sectors[i % 2], name=f"Cluster {i + 1:02d}")
            for i in range(CLUSTERS)
        )
        rows = []
        for i, text in enumerate(planner_pages.keyword_texts(KEYWORDS, rng)):
            cluster = clusters[i % CLUSTERS] if i % 4 == 0 else None
            rows.append(
                Keyword(
                    site=site,
                    sector=cluster.sector if cluster else sectors[i % 2],
                    text=text,
                    normalized=normalize_keyword(text),
                    volume=int(rng.paretovariate(1.2) * 40),
                    difficulty=rng.randint(0, 100),
                    cpc=round(rng.uniform(0.1, 9.0), 2),
                    status=KeywordStatus.MAPPED if cluster else KeywordStatus.NEW,
                    cluster=cluster,
                    source="csv",
                )
            )
        keywords = Keyword.objects.bulk_create(rows, batch_size=2000)
        Content.objects.bulk_create(
            Content(
                site=site,
                sector=sectors[i % 2],
                title=f"Article {i + 1}",
                html="<p>" + "Words of the article. " * 60 + "</p>",
                word_count=240,
            )
            for i in range(CONTENTS)
        )
        from apps.planner.services.clusters import clusters_recount

        clusters_recount(cluster_ids=[c.pk for c in clusters])
    connection.set_schema_to_public()

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(owner.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    store[SITE_KEY.format(schema=account.schema_name)] = site.pk
    store.create()
    return Workspace(
        host=f"{slug}.{settings.IGNY8_BASE_DOMAIN}",
        session=store.session_key,
        site=site.pk,
        keyword_ids=[k.pk for k in keywords],
        cluster_ids=[c.pk for c in clusters],
    )


def workspaces_make(count: int) -> tuple[list[Workspace], float]:
    from django.db import connection

    started = time.perf_counter()
    platform_make()
    rng = random.Random(15)
    made = [workspace_make(n, rng) for n in range(count)]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # steady state: what autovacuum leaves
    return made, time.perf_counter() - started


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def static_collect(static_root: Path, env: dict[str, str]) -> None:
    """Production serves hashed static names from a manifest: collect once into a temp dir."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )


def gunicorn_start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "igny8.wsgi:application",
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--backlog=2048",
            "--timeout=60",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start within a minute")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def postmaster_pid(server: provision.Server) -> int:
    import psycopg

    with psycopg.connect(dbname=provision.BENCH_DB, **server.params) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    return int(Path(data_dir, "postmaster.pid").read_text().split()[0])
