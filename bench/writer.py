"""How long the writer takes: 100 tasks written with the offline provider, and the on-page
score per article.

Three ways to write the same kind of 100 tasks, in one run, each on a site of its own:
  1. the offline provider alone (no database, no credits: the floor, the baseline),
  2. in-process: `task_write` called for each task (guard, engine, credits, content, version),
  3. one django-q2 worker (`manage.py qcluster` with IGNY8_WORKERS=1): the tasks are queued
     through the product's own `tasks_write_enqueue`, timed from the first enqueue until the
     last task is `completed` — what a user with one worker waits for.
Then the score function (apps/writer/scoring.py) on a 1,500-word article, against reading the
same HTML once (`html.parse`) as its baseline.

It works in its own database, `igny8_bench_writer`, on the project's PostgreSQL server, and
drops it at the end unless `--keep`. From the repository root:

    .venv/bin/python bench/writer.py            # 100 tasks
    .venv/bin/python bench/writer.py --tasks 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

import provision  # noqa: E402  the sibling script: how a bench database is found, made, dropped

BENCH_DB = "igny8_bench_writer"
provision.BENCH_DB = BENCH_DB
SLUG = "benchwriter"
WORDS = 1200


def row(label: str, value: str) -> None:
    print(f"  {label:<46} {value}", flush=True)


def platform_make():
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.accounts.provisioning import public_tenant_ensure, template_ensure, workspace_create
    from apps.billing import credits
    from apps.billing.models import Plan, Pool
    from apps.billing.plans import plan_assign
    from apps.billing.seed import seed as billing_seed
    from apps.catalog.models import Industry
    from apps.catalog.services import library_load

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    public_tenant_ensure()
    template_ensure()
    if not Industry.objects.exists():
        library_load()
    billing_seed()
    owner = User.objects.create_user("bench-owner@example.com", "bench-password", name="Owner")
    account = workspace_create(name="Bench writer", slug=SLUG, owner=owner)
    plan_assign(account=account, plan=Plan.objects.get(slug="scale"))
    credits.adjust(account=account, pool=Pool.BONUS, delta=100_000, actor=None, note="bench")
    return account, owner


def topics(count: int) -> list[tuple[str, str]]:
    """(title, keyword) pairs on different subjects: the library's top keyword per sector."""
    from apps.catalog.models import SeedKeyword

    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    for seed in SeedKeyword.objects.order_by("sector_id", "-volume").iterator():
        if seed.sector_id in seen:
            continue
        seen.add(seed.sector_id)
        keyword = seed.keyword
        found.append((f"{keyword[:1].upper()}{keyword[1:]}: a complete guide", keyword))
        if len(found) == count:
            return found
    raise SystemExit(f"The library has only {len(found)} sectors; ask for fewer tasks.")


def outline(keyword: str) -> list[dict]:
    name = keyword.title()
    return [
        {"heading": f"What is {name}?", "level": 2, "points": []},
        {"heading": f"Why {name} matters", "level": 2, "points": []},
        {"heading": f"How to get started with {name}", "level": 2, "points": []},
        {"heading": "Common mistakes", "level": 2, "points": []},
        {"heading": "Final thoughts", "level": 2, "points": []},
    ]


def site_with_tasks(name: str, pairs: list[tuple[str, str]], owner):  # noqa: ANN001
    from apps.catalog.models import Industry
    from apps.workspace.models import Sector, Site
    from apps.writer.services.tasks import task_create

    industry = Industry.objects.prefetch_related("sectors").order_by("pk").first()
    site = Site.objects.create(name=name, url="https://example.com", industry=industry)
    sector_source = industry.sectors.order_by("pk").first()
    sector = Sector.objects.create(site=site, industry_sector=sector_source, name="General")
    tasks = [
        task_create(
            site=site,
            sector=sector,
            title=title,
            outline=outline(keyword),
            primary_keyword=keyword,
            target_words=WORDS,
            user=owner,
        )
        for title, keyword in pairs
    ]
    return site, tasks


def provider_alone(pairs: list[tuple[str, str]]) -> float:
    from igny8.ai.providers.offline import OfflineProvider
    from igny8.ai.types import TextRequest

    provider = OfflineProvider()
    context = {
        "site_name": "Bench",
        "audience": "busy beginners",
        "sector": "General",
        "language": "en",
        "image_style": "Clean editorial illustration",
        "brand_color": "#4f46e5",
        "default_word_count": WORDS,
    }
    started = time.perf_counter()
    for title, keyword in pairs:
        data = {
            "title": title,
            "outline": outline(keyword),
            "primary_keyword": keyword,
            "target_words": WORDS,
        }
        provider.complete_json(
            TextRequest(
                function="write_content", messages=[], schema={}, input=data, context=context
            )
        )
    return time.perf_counter() - started


def in_process(site, tasks) -> float:  # noqa: ANN001
    from apps.writer.services.writing import task_write

    started = time.perf_counter()
    for task in tasks:
        task_write(task)
    return time.perf_counter() - started


def one_worker(site, tasks, owner, schema: str) -> float:  # noqa: ANN001
    from django.db import connection

    from apps.writer.models import Task, TaskStatus
    from apps.writer.services.writing import tasks_write_enqueue

    env = {**os.environ, "IGNY8_WORKERS": "1", "IGNY8_JOBS_SYNC": "false"}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # the cluster starts its worker and pusher
        connection.set_schema(schema)
        started = time.perf_counter()
        start = tasks_write_enqueue(site=site, tasks=tasks, user=owner)
        if len(start.jobs) != len(tasks):
            raise SystemExit(f"Only {len(start.jobs)} of {len(tasks)} tasks started: {start}")
        deadline = started + 1800
        while True:
            left = Task.objects.filter(site=site).exclude(status=TaskStatus.COMPLETED)
            failed = Task.objects.filter(site=site, status=TaskStatus.FAILED).first()
            if failed is not None:
                raise SystemExit(f"A task failed: {failed.title}: {failed.error}")
            if not left.exists():
                return time.perf_counter() - started
            if time.perf_counter() > deadline:
                raise SystemExit("The worker did not finish in 30 minutes.")
            time.sleep(0.1)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def score_timing(runs: int) -> tuple[float, float, int]:
    from apps.writer import html as article
    from apps.writer.scoring import ScoreInput, score
    from igny8.ai.providers.offline import OfflineProvider
    from igny8.ai.types import TextRequest

    keyword = "indoor herb garden"
    out = OfflineProvider().complete_json(
        TextRequest(
            function="write_content",
            messages=[],
            schema={},
            input={
                "title": "Indoor herb garden: a complete guide",
                "outline": outline(keyword),
                "primary_keyword": keyword,
                "target_words": 1500,
            },
            context={"site_name": "Bench", "language": "en", "default_word_count": 1500},
        )
    )
    import json

    answer = json.loads(out.text)
    data = ScoreInput(
        title=answer["title"],
        html=answer["html"],
        meta_title=answer["meta_title"],
        meta_description=answer["meta_description"],
        primary_keyword=keyword,
        target_words=1500,
        site_url="https://example.com",
    )
    words = article.word_count(data.html)

    def median(action) -> float:  # noqa: ANN001
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            action()
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    median(lambda: score(data))  # warm-up
    return median(lambda: score(data)), median(lambda: article.parse(data.html)), words


def run(count: int) -> None:
    from django.db import connection
    from django_tenants.utils import schema_context

    account, owner = platform_make()
    pairs = topics(count)  # the same subjects on both sites: the guard looks within a site
    print("Machine")
    for label, value in provision.machine_context():
        row(label, value)
    print(f"\nWriting {count} tasks of {WORDS:,} words (offline provider)")
    alone = provider_alone(pairs)
    row(
        "offline provider alone (baseline)",
        f"{alone:7.2f} s  ({alone / count * 1000:6.1f} ms/task)",
    )
    with schema_context(account.schema_name):
        site_a, tasks_a = site_with_tasks("Bench in-process", pairs, owner)
        site_b, tasks_b = site_with_tasks("Bench worker", pairs, owner)
        inline = in_process(site_a, tasks_a)
    row(
        "in-process (task_write per task)",
        f"{inline:7.2f} s  ({inline / count * 1000:6.1f} ms/task, {inline / alone:5.1f}x alone)",
    )
    worker = one_worker(site_b, tasks_b, owner, account.schema_name)
    connection.set_schema_to_public()
    row(
        "one django-q2 worker, enqueue → all written",
        f"{worker:7.2f} s  ({worker / count * 1000:6.1f} ms/task, {worker / alone:5.1f}x alone)",
    )
    with schema_context(account.schema_name):
        from apps.writer.models import Content, ContentVersion

        contents = Content.objects.filter(site__in=[site_a, site_b]).count()
        versions = ContentVersion.objects.filter(content__site__in=[site_a, site_b]).count()
    row(
        "contents / versions written",
        f"{contents} / {versions} (expected {2 * count} / {2 * count})",
    )

    scored, parsed, words = score_timing(300)
    print(f"\nOn-page score of one article ({words:,} words), median of 300")
    row("html.parse alone (baseline)", f"{parsed * 1000:7.3f} ms")
    row("scoring.score", f"{scored * 1000:7.3f} ms  ({scored / parsed:4.1f}x parse)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    args = parser.parse_args()

    server = provision.server_locate()
    provision.bench_db_recreate(server)
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    os.environ["IGNY8_JOBS_SYNC"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    with provision.bench_db_kept_or_dropped(server, keep=args.keep):
        run(args.tasks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
