"""Bring a database up to date and make sure the platform's own rows exist.

Safe to run any number of times: migrates every schema, keeps the workspace template
current, and (unless --no-demo) creates the demo workspace and logins once.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

DEMO_SLUG = "demo"
DEMO_EMAIL = "owner@demo.example"
ADMIN_EMAIL = "admin@igny8.example"
LIBRARY_LEFT_TO_PICK = 4  # per sector of the demo site


class Command(BaseCommand):
    help = "Migrate all schemas, refresh the workspace template, create the demo workspace."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo workspace.")
        parser.add_argument(
            "--executor",
            choices=["standard", "multiprocessing"],
            default="standard",
            help="How to migrate the workspaces: `standard` is migrate_workspaces (skips the "
            "current ones in two queries, migrates the rest one after another); "
            "`multiprocessing` is django-tenants' migrate_schemas in parallel "
            "(TENANT_MULTIPROCESSING_MAX_PROCESSES at a time), for a long real migration.",
        )

    def handle(self, *args, **options) -> None:
        from apps.accounts import provisioning
        from apps.billing.seed import seed as billing_seed
        from apps.catalog.services import library_load

        call_command("migrate_workspaces", shared=True, verbosity=0)
        call_command("createcachetable", verbosity=0)
        provisioning.public_tenant_ensure()
        provisioning.template_ensure()
        if options["executor"] == "multiprocessing":
            # Stock django-tenants in parallel: plans every schema, writes no fingerprints.
            call_command(
                "migrate_schemas",
                tenant=True,
                interactive=False,
                verbosity=0,
                executor="multiprocessing",
            )
        else:
            call_command("migrate_workspaces", tenant=True, verbosity=0)
        connection.set_schema_to_public()
        library_load()
        billing_seed()
        self._schedules()
        if not options["no_demo"]:
            self._demo()

    def _schedules(self) -> None:
        from django_q.models import Schedule

        Schedule.objects.get_or_create(
            name="billing: roll free periods",
            defaults={
                "func": "apps.billing.jobs.roll_free_periods",
                "schedule_type": Schedule.HOURLY,
                "repeats": -1,
            },
        )
        from igny8.job_sweeper import SWEEP_EVERY_MINUTES

        Schedule.objects.get_or_create(
            name="jobs: sweep interrupted jobs",
            defaults={
                "func": "igny8.job_sweeper.sweep",
                "schedule_type": Schedule.MINUTES,
                "minutes": SWEEP_EVERY_MINUTES,
                "repeats": -1,
            },
        )
        from apps.accounts.change_log import COMPACT_ALL_EVERY_MINUTES

        Schedule.objects.get_or_create(
            name="change log: fold each workspace's rows",
            defaults={
                "func": "apps.accounts.change_log.compact_all",
                "schedule_type": Schedule.MINUTES,
                "minutes": COMPACT_ALL_EVERY_MINUTES,
                "repeats": -1,
            },
        )
        from apps.schedule import jobs as schedule_jobs

        Schedule.objects.get_or_create(
            name=schedule_jobs.SCHEDULE_NAME,
            defaults={
                "func": "apps.schedule.jobs.dispatch_due",
                "schedule_type": Schedule.MINUTES,
                "minutes": schedule_jobs.EVERY_MINUTES,
                "repeats": -1,
            },
        )
        from apps.publisher import jobs as publisher_jobs

        Schedule.objects.get_or_create(
            name=publisher_jobs.SCHEDULE_NAME,
            defaults={
                "func": "apps.publisher.jobs.dispatch_due",
                "schedule_type": Schedule.MINUTES,
                "minutes": publisher_jobs.EVERY_MINUTES,
                "repeats": -1,
            },
        )

    def _password(self, name: str) -> str:
        path = settings.DATA_DIR / f"{name}_password"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(9))
            path.chmod(0o600)
        return path.read_text().strip()

    def _demo(self) -> None:
        from allauth.account.models import EmailAddress
        from django_tenants.utils import schema_context

        from apps.accounts import provisioning
        from apps.accounts.models import Account, User
        from apps.catalog.models import Industry
        from apps.workspace.models import Site
        from apps.workspace.services.workspace import site_create, site_sectors_set

        password = self._password("demo")
        owner = User.objects.filter(email=DEMO_EMAIL).first()
        if owner is None:
            owner = User.objects.create_user(DEMO_EMAIL, password, name="Demo Owner")
            EmailAddress.objects.create(user=owner, email=DEMO_EMAIL, verified=True, primary=True)
        admin_password = self._password("admin")
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            admin = User.objects.create_superuser(
                ADMIN_EMAIL, admin_password, name="Platform Admin"
            )
            EmailAddress.objects.create(user=admin, email=ADMIN_EMAIL, verified=True, primary=True)

        account = Account.objects.filter(slug=DEMO_SLUG).first()
        if account is None:
            account = provisioning.workspace_create(name="Demo Co.", slug=DEMO_SLUG, owner=owner)
        with schema_context(account.schema_name):
            if not Site.objects.exists():
                industry = (
                    Industry.objects.filter(slug__in=["home-services", "food-cooking"]).first()
                    or Industry.objects.first()
                )
                site = site_create(
                    account=account,
                    name="Demo Blog",
                    url="https://blog.example.com",
                    industry=industry,
                    language="en",
                )
                sector_ids = list(industry.sectors.values_list("pk", flat=True)[:2])
                site_sectors_set(account=account, site=site, industry_sector_ids=sector_ids)
            site = Site.objects.order_by("pk").first()
            added = self._demo_keywords(account, site) if site else 0
            written = self._demo_writing(site, owner) if site else ""
        if added:
            self.stdout.write(f"Demo site: {added} keywords added to “{site.name}”.")
        if written:
            self.stdout.write(f"Demo site: {written}")
        self.stdout.write(
            self.style.SUCCESS("Demo ready.")
            + f" Workspace login: {DEMO_EMAIL} / {password}"
            + f" — platform admin: {ADMIN_EMAIL} / {admin_password}"
        )

    def _demo_writing(self, site, owner) -> str:
        """One trip through the pipeline, so the writer has something to open: a cluster of
        the site's top keyword and its variants, two ideas, and the first written offline
        (a draft with its version and score). Free, like any run of the offline writer.
        Only into a site whose writer is untouched, so running setup again adds nothing."""
        from apps.planner.clustering import clean_name
        from apps.planner.models import Cluster, Keyword, KeywordSource, KeywordStatus
        from apps.planner.services.clusters import clusters_recount
        from apps.planner.services.ideas import ideas_generate
        from apps.writer.models import Content, Task
        from apps.writer.services.tasks import tasks_from_ideas
        from apps.writer.services.writing import task_write

        if Task.objects.filter(site=site).exists() or Content.objects.filter(site=site).exists():
            return ""
        if Cluster.objects.filter(site=site).exists():
            return ""
        sector = site.sectors.filter(is_active=True).order_by("pk").first()
        keywords = Keyword.objects.alive().filter(site=site, sector=sector, cluster__isnull=True)
        library = keywords.filter(source=KeywordSource.LIBRARY).order_by("-volume", "pk")
        # A question-like head makes the plainest first article ("how to install a ceiling
        # fan" rather than "electrician near me").
        head = library.filter(intent="informational").first() or library.first()
        if head is None:
            return ""
        members = list(
            keywords.filter(normalized__contains=head.normalized)
            .order_by("-volume", "pk")
            .values_list("pk", flat=True)[:8]
        )
        cluster = Cluster.objects.create(
            site=site,
            sector=sector,
            name=clean_name(head.text)[:120],
            description=f"Searches around “{head.text}”.",
        )
        Keyword.objects.filter(pk__in=members).update(cluster=cluster, status=KeywordStatus.MAPPED)
        clusters_recount(cluster_ids=[cluster.pk])
        ideas_generate(site=site, cluster_ids=[cluster.pk], per_cluster=2, structure=None)
        ideas = list(cluster.ideas.order_by("pk"))
        outcome = tasks_from_ideas(site=site, ideas=ideas[:1], user=owner)
        for task in outcome.queued:
            task_write(task)
        written = Content.objects.filter(site=site).first()
        if written is None:
            return f"cluster “{cluster.name}” with {len(ideas)} ideas."
        return (
            f"cluster “{cluster.name}” with {len(ideas)} ideas; one written as the draft "
            f"“{written.title}”."
        )

    def _demo_keywords(self, account, site) -> int:
        """A few hundred keywords in the demo site, so a newcomer can filter, cluster and
        generate ideas at once: the library keywords of its sectors (all but a few, left to
        pick), plus long-tail variants of each (the library holds about 20 per sector). Only
        into a site with no keywords yet (live or trashed), so running setup again adds
        nothing back."""
        from apps.catalog.models import SeedKeyword
        from apps.planner.models import Keyword, KeywordSource
        from apps.planner.services.keywords_add import keywords_add

        if Keyword.objects.filter(site=site).exists():
            return 0
        added = 0
        for sector in site.sectors.filter(is_active=True).order_by("pk"):
            # The smallest few stay in the library, for a newcomer to pick from it.
            seeds = list(
                SeedKeyword.objects.filter(
                    sector_id=sector.industry_sector_id, is_active=True
                ).order_by("-volume", "keyword")
            )[:-LIBRARY_LEFT_TO_PICK]
            library = [
                {
                    "text": s.keyword,
                    "volume": s.volume,
                    "difficulty": s.difficulty,
                    "intent": s.intent,
                    "line": n,
                }
                for n, s in enumerate(seeds, start=1)
            ]
            variants = [
                {**row, "line": n}
                for n, row in enumerate((v for s in seeds for v in _long_tail(s)), start=1)
            ]
            for rows, source in ((library, KeywordSource.LIBRARY), (variants, KeywordSource.CSV)):
                report = keywords_add(
                    account=account, site=site, sector=sector, rows=rows, source=source
                )
                added += report.added
        return added


# Long-tail modifiers, by the shape of the head term: how keyword tools expand one.
_HOW_TO = (
    "step by step",
    "for beginners",
    "video",
    "without a professional",
    "tips",
    "tools",
    "safely",
)
_QUESTION = (
    "causes",
    "what to do",
    "reddit",
    "explained",
    "how to fix",
    "warning signs",
    "is it dangerous",
)
_VERSUS = (
    "pros and cons",
    "cost comparison",
    "which is better",
    "reddit",
    "for a small house",
    "chart",
)
_BEST = (
    "reviews",
    "for the money",
    "brands",
    "consumer reports",
    "for a small house",
    "buying guide",
)
_NEAR_ME = ("open now", "24 hours", "reviews", "cheap", "same day", "emergency", "licensed")
_COST = ("calculator", "estimate", "average", "near me", "breakdown", "how much", "factors")
_BUY = ("cost", "near me", "prices", "quote", "same day", "companies", "financing")
_COMPARE = ("reviews", "pros and cons", "worth it", "comparison", "brands", "problems", "ratings")
_BRAND = ("login", "official site", "phone number", "reviews", "near me", "hours")


def _modifiers(keyword: str, intent: str) -> tuple[str, ...]:
    if keyword.startswith("how to "):
        return _HOW_TO
    if " vs " in keyword:
        return _VERSUS
    if keyword.startswith("best "):
        return _BEST
    if "near me" in keyword:
        return _NEAR_ME
    if "cost" in keyword or "price" in keyword:
        return _COST
    return {
        "informational": _QUESTION,
        "transactional": _BUY,
        "commercial": _COMPARE,
        "navigational": _BRAND,
    }.get(intent, ())


def _long_tail(seed) -> list[dict]:
    """Deterministic variants of a library keyword, with smaller volumes and difficulty."""
    rows = []
    for n, modifier in enumerate(_modifiers(seed.keyword, seed.intent)):
        if modifier in seed.keyword:
            continue
        rows.append(
            {
                "text": f"{seed.keyword} {modifier}",
                "volume": max(10, seed.volume // (4 + 3 * n) // 10 * 10),
                "difficulty": max(1, seed.difficulty - 6 - 3 * n),
                "intent": seed.intent,
            }
        )
    return rows
