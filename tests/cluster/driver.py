"""Work for the cluster's workers, started and checked from a host of the cluster, as its own
process: `python -m tests.cluster.driver start <slug> <articles>` queues clustering of the
workspace's keywords, the writing of `<articles>` tasks (credits granted first) and an
automation run on a second site;
`python -m tests.cluster.driver grant <slug>` is what staff do for a workspace that signed up
through the web: Starter plan (room for a second site) and credits;
`python -m tests.cluster.driver status <slug> [...]` prints, as JSON per workspace, the jobs by
status and attempts, the articles and the credit charges per reference.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    import django

    django.setup()


def start(slug: str, articles: int) -> dict:
    from django.db import connection

    from apps.accounts.models import Account
    from apps.automation.services.runs import run_start
    from apps.billing import credits
    from apps.billing.models import Pool
    from apps.planner.models import Keyword
    from apps.planner.services.clusters import cluster_keywords_enqueue
    from apps.workspace.models import Site
    from apps.writer.services.tasks import task_create
    from apps.writer.services.writing import tasks_write_enqueue
    from tests.factories import make_site

    account = Account.objects.get(slug=slug)
    owner = account.memberships.get().user
    credits.adjust(account=account, pool=Pool.BONUS, delta=100_000, actor=None, note="cluster")
    connection.set_tenant(account)
    site = Site.objects.get()
    sector = site.sectors.get()
    clustering = cluster_keywords_enqueue(site=site, keyword_ids=None, user=owner)
    tasks = [
        task_create(
            site=site,
            sector=sector,
            title=f"{slug} guide number {n}: how to pick topic {n}",
            outline=[
                {"heading": f"Part {k} of topic {n}", "level": 2, "points": []} for k in (1, 2)
            ],
            primary_keyword=f"{slug} topic {n}",
            target_words=1500,
            user=owner,
        )
        for n in range(articles)
    ]
    writing = tasks_write_enqueue(site=site, tasks=tasks, user=owner, allow_duplicate=True)
    # An automation run on a second site of its own (its keywords, clusters and articles).
    auto = make_site(account, f"Automation {slug}", sectors=1)
    Keyword.objects.bulk_create(
        Keyword(site=auto, sector=auto.sectors.get(), text=text, normalized=text)
        for text in (f"{slug} {topic} {n}" for topic in ("boots", "tents") for n in range(4))
    )
    run = run_start(site=auto, user=owner)
    return {
        "clustering": clustering.pk,
        "writing": [job.pk for job in writing.jobs],
        "automation": run.pk,
    }


def grant(slug: str) -> dict:
    """Staff's part: the plan and the credits (the billing flow has tests of its own)."""
    from apps.accounts.models import Account
    from apps.billing import credits
    from apps.billing.models import Plan, Pool
    from apps.billing.plans import plan_assign

    account = Account.objects.get(slug=slug)
    plan_assign(account=account, plan=Plan.objects.get(slug="starter"))
    credits.adjust(account=account, pool=Pool.BONUS, delta=100_000, actor=None, note="cluster")
    return {"plan": "starter"}


def status(slug: str) -> dict:
    from django.db import connection

    from apps.accounts.models import Account
    from apps.automation.models import AutomationRun
    from apps.billing.models import CreditLedger, LedgerKind
    from apps.workspace.models import Job
    from apps.writer.models import Content, Task

    account = Account.objects.get(slug=slug)
    settles = Counter(
        CreditLedger.objects.filter(account=account, kind=LedgerKind.SETTLE).values_list(
            "reference", flat=True
        )
    )
    connection.set_tenant(account)
    jobs = list(Job.objects.values("pk", "kind", "status", "attempts", "error"))
    runs = list(AutomationRun.objects.values_list("status", flat=True))
    return {
        "jobs": jobs,
        "tasks": dict(Counter(Task.objects.values_list("status", flat=True))),
        "articles": Content.objects.filter(site__name__startswith="Site ").count(),
        "automation": runs,
        "settles": len(settles),
        "settled_twice": [ref for ref, n in settles.items() if n > 1],
    }


def main(argv: list[str]) -> None:
    _setup()
    if argv[0] == "start":
        print(json.dumps(start(argv[1], int(argv[2]))))
    elif argv[0] == "grant":
        print(json.dumps(grant(argv[1])))
    else:
        print(json.dumps({slug: status(slug) for slug in argv[1:]}))


if __name__ == "__main__":
    main(sys.argv[1:])
