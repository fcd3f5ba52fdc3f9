"""How fast articles reach WordPress: articles published per minute into a real local WordPress
(the test harness's, from Debian's packages), 3 images each (a featured image and two in the
body), through each adapter, and the share of that time spent waiting on WordPress vs. ours
(building the payload, reading the pictures, the database).

Each article is published the way a publish job does it (`publish_now`: an attempt row, the
call, the outcome), one after another, as one worker would. Then the same articles are
published again (an update of each post: pictures reused, no upload) — what a re-publish costs.

It works in its own database, `igny8_bench_publish_wp`, on the project's PostgreSQL server, and
drops it at the end unless `--keep`. From the repository root:

    .venv/bin/python bench/publish.py                 # 30 articles per adapter
    .venv/bin/python bench/publish.py --articles 10 --adapter plugin

The publish part lives in `publish_section()`, so other parts (the dispatcher's per-tick cost)
can run beside it from the same `main()` (see `SECTIONS`).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

import provision  # noqa: E402  the sibling script: how a bench database is found, made, dropped

BENCH_DB = "igny8_bench_publish_wp"
provision.BENCH_DB = BENCH_DB
SLUG = "benchpublish"
IMAGE_SIZE = (1200, 630)


def row(label: str, value: str) -> None:
    print(f"  {label:<52} {value}", flush=True)


def platform_make():
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.accounts.provisioning import public_tenant_ensure, template_ensure, workspace_create
    from apps.billing.models import Plan
    from apps.billing.plans import plan_assign
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
    owner = User.objects.create_user("bench-owner@example.com", "bench-password", name="Owner")
    account = workspace_create(name="Bench publish", slug=SLUG, owner=owner)
    plan_assign(account=account, plan=Plan.objects.get(slug="scale"))
    return account, owner


def picture(seed: int) -> bytes:
    """A 1200×630 WebP that compresses like a photo (noise over a gradient), ~100 KB."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    small = Image.frombytes(
        "RGB", (120, 63), bytes(rng.randrange(256) for _ in range(120 * 63 * 3))
    )
    picture = small.resize(IMAGE_SIZE, Image.BICUBIC).filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    picture.save(out, format="WEBP", quality=80)
    return out.getvalue()


ARTICLE = """<h1>{title}</h1>
<p>{para}</p>
<h2>Getting started</h2><p>{para}</p><p>{para}</p>
<h2>What to watch for</h2><p>{para}</p><p>{para}</p>
<h2>Keeping it going</h2><p>{para}</p><p>{para}</p>
<h2>Final thoughts</h2><p>{para}</p>
"""
PARA = (
    "Good results come from small habits repeated every week: measure what you do, change one "
    "thing at a time and keep notes, so that next season starts from what worked. "
) * 4


def articles_make(site, count: int, tag: str) -> list:  # noqa: ANN001
    """`count` approved articles on the site, each with a featured image and two in-article
    images placed in the body (3 pictures, all different)."""
    from django.core.files.base import ContentFile

    from apps.writer.models import Content, EditorialStatus, Image, ImageKind, ImageStatus
    from apps.writer.services.images_body import figures_place
    from apps.writer.services.versions import content_create

    sector = site.sectors.first()
    made = []
    for n in range(count):
        title = f"Bench article {tag} {n + 1}: a practical guide"
        content = content_create(
            site=site,
            sector=sector,
            fields={
                "title": title,
                "html": ARTICLE.format(title=title, para=PARA),
                "meta_title": title[:60],
                "meta_description": "A practical guide, step by step.",
                "primary_keyword": "practical guide",
            },
        )
        images = []
        for position, kind, heading in [
            (0, ImageKind.FEATURED, ""),
            (1, ImageKind.IN_ARTICLE, "Getting started"),
            (2, ImageKind.IN_ARTICLE, "Keeping it going"),
        ]:
            image = Image(
                content=content,
                site=site,
                kind=kind,
                position=position,
                heading=heading,
                alt=f"Picture {position} of {title}",
                size="1200x630",
                format="webp",
                status=ImageStatus.GENERATED,
            )
            seed = hash((tag, n, position)) & 0xFFFFFFFF
            image.file.save(f"{kind}-{position}.webp", ContentFile(picture(seed)), save=False)
            image.save()
            images.append(image)
        figures_place(content=content, images=images[1:])
        Content.objects.filter(pk=content.pk).update(status=EditorialStatus.APPROVED)
        made.append(content)
    return made


def site_make(name: str):
    from apps.catalog.models import Industry
    from apps.workspace.models import Sector, Site

    industry = Industry.objects.prefetch_related("sectors").order_by("pk").first()
    site = Site.objects.create(name=name, url="https://example.com", industry=industry)
    Sector.objects.create(
        site=site, industry_sector=industry.sectors.order_by("pk").first(), name="Gardening"
    )
    return site


def publish_all(contents: list) -> dict:  # noqa: ANN001
    """Publish each article in turn; the wall time and the attempts' own split."""
    from apps.publisher.models import PublishAttempt
    from apps.publisher.services import publish_now

    started = time.monotonic()
    per_article = []
    for content in contents:
        one = time.monotonic()
        publish_now(content=content)
        per_article.append(time.monotonic() - one)
    wall = time.monotonic() - started
    tries = PublishAttempt.objects.filter(
        publication__content__in=contents, finished__isnull=False
    ).order_by("-started")[: len(contents)]
    total_ms = sum(t.duration_ms for t in tries)
    wp_ms = sum(t.wp_ms for t in tries)
    failed = sum(1 for t in tries if t.outcome != "ok")
    return {
        "wall": wall,
        "per_minute": len(contents) / wall * 60,
        "p50": statistics.median(per_article),
        "p95": sorted(per_article)[max(0, int(len(per_article) * 0.95) - 1)],
        "wp_share": wp_ms / total_ms if total_ms else 0.0,
        "failed": failed,
    }


def report(label: str, figures: dict, count: int) -> None:
    row(
        f"{label}: articles per minute",
        f"{figures['per_minute']:7.1f}   ({count} in {figures['wall']:.1f} s)",
    )
    row(
        f"{label}: seconds per article p50 / p95",
        f"{figures['p50']:7.2f} / {figures['p95']:.2f}",
    )
    share = figures["wp_share"]
    row(f"{label}: time in WordPress / ours", f"{share * 100:6.1f} % / {(1 - share) * 100:.1f} %")
    if figures["failed"]:
        row(f"{label}: FAILED attempts", str(figures["failed"]))


def publish_section(args: argparse.Namespace) -> bool:
    """Articles per minute into the local WordPress, per adapter, first publish and update."""
    from django_tenants.utils import schema_context

    from apps.publisher import signing
    from apps.publisher.services import connection_create, core_connect
    from apps.writer.models import Content
    from tests.wordpress import harness

    reason = harness.missing()
    if reason:
        print(f"\nPublishing: skipped ({reason}).")
        return True
    account, owner = platform_make()
    print("\nStarting a local WordPress (MariaDB on a socket, php -S)…", flush=True)
    wordpress = harness.start()
    recorder = harness.Recorder()  # stands in for our API: the plugin's acks land here
    ok = True
    try:
        posts_before = wordpress.count_posts("post")  # WordPress's own "Hello world!"
        adapters = ["plugin", "core"] if args.adapter == "both" else [args.adapter]
        print(
            f"\nPublishing {args.articles} articles × 3 images ({IMAGE_SIZE[0]}×{IMAGE_SIZE[1]}"
            " WebP) per adapter, one worker:"
        )
        for adapter in adapters:
            with schema_context(account.schema_name):
                site = site_make(f"Bench {adapter}")
                contents = articles_make(site, args.articles, adapter)
                if adapter == "plugin":
                    _, key = connection_create(site=site, user=owner, wp_url=wordpress.url)
                    wordpress.connect(signing.connection_string(recorder.url, key))
                else:
                    core_connect(
                        site=site,
                        user=owner,
                        wp_url=wordpress.url,
                        wp_user=wordpress.admin_user,
                        app_password=wordpress.app_password(),
                    )
                first = publish_all(contents)
                contents = list(Content.objects.filter(pk__in=[c.pk for c in contents]))
                again = publish_all(contents)
                sizes = [i.file.size for c in contents for i in c.images.all()]
            row("picture size, mean", f"{statistics.mean(sizes) / 1024:7.0f} KB")
            report(f"{adapter} first publish", first, args.articles)
            report(f"{adapter} re-publish (update)", again, args.articles)
            ok = ok and not first["failed"] and not again["failed"]
        posts = wordpress.count_posts("post") - posts_before
        row(
            "posts in WordPress (expect one per article)",
            f"{posts} for {len(adapters) * args.articles}",
        )
        ok = ok and posts == len(adapters) * args.articles
    finally:
        recorder.close()
        wordpress.close()
    return ok


# Parts of the bench, in order; each takes the parsed arguments and returns whether it passed.
from publish_dispatch import dispatch_section  # noqa: E402  the dispatcher's per-tick cost

SECTIONS: list[Callable[[argparse.Namespace], bool]] = [publish_section, dispatch_section]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--adapter", choices=["plugin", "core", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    args = parser.parse_args()

    server = provision.server_locate()
    provision.bench_db_recreate(server)
    os.environ["DATABASE_URL"] = server.bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
    os.environ["IGNY8_JOBS_SYNC"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The local WordPress listens on 127.0.0.1, as an operator's self-hosted one would.
    os.environ["IGNY8_EGRESS_ALLOW_PRIVATE"] = "true"
    os.environ.setdefault(
        "MEDIA_ROOT", str(Path(os.environ.get("TMPDIR", "/tmp")) / "igny8-bench-media")
    )

    import django

    django.setup()
    for label, value in provision.machine_context():
        row(label, value)
    ok = True
    with provision.bench_db_kept_or_dropped(server, keep=args.keep):
        for section in SECTIONS:
            ok = section(args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
