"""The dashboard's pipeline: how much of a site sits at each stage, keywords to published
articles (SPEC §1), in five small aggregate queries."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Count, Q

from apps.planner.models import Cluster, Idea, IdeaStatus, Keyword
from apps.workspace.models import Site


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    count: int
    note: str  # what is waiting there, in words
    url: str
    bar: int  # 0–100: the bar's width on a log scale (stages differ by orders of magnitude)


def _bar(count: int, most: int) -> int:
    if count <= 0 or most <= 0:
        return 0
    return max(2, round(100 * math.log10(count + 1) / math.log10(most + 1)))


def site_pipeline(site: Site) -> list[Stage]:
    """Counts per stage for one site: live rows only (the trash does not count)."""
    from apps.writer.models import Content, EditorialStatus, PublishingStatus, Task, TaskStatus

    kw = Keyword.objects.alive().filter(site=site, disabled=False)
    keywords = kw.aggregate(all=Count("pk"), new=Count("pk", filter=Q(cluster__isnull=True)))
    clusters = Cluster.objects.alive().filter(site=site).count()
    ideas = (
        Idea.objects.alive()
        .filter(site=site, disabled=False)
        .aggregate(all=Count("pk"), new=Count("pk", filter=Q(status=IdeaStatus.NEW)))
    )
    tasks = (
        Task.objects.alive()
        .filter(site=site)
        .aggregate(
            open=Count("pk", filter=~Q(status=TaskStatus.COMPLETED)),
            failed=Count("pk", filter=Q(status=TaskStatus.FAILED)),
        )
    )
    contents = (
        Content.objects.alive()
        .filter(site=site)
        .aggregate(
            draft=Count("pk", filter=Q(status=EditorialStatus.DRAFT)),
            review=Count("pk", filter=Q(status=EditorialStatus.REVIEW)),
            approved=Count(
                "pk",
                filter=Q(status=EditorialStatus.APPROVED)
                & ~Q(publishing_status=PublishingStatus.PUBLISHED),
            ),
            published=Count("pk", filter=Q(publishing_status=PublishingStatus.PUBLISHED)),
        )
    )
    rows = [
        ("keywords", "Keywords", keywords["all"], f"{keywords['new']:,} not in a cluster yet",
         "/planner/keywords/"),
        ("clusters", "Clusters", clusters, "groups of keywords on one topic", "/planner/clusters/"),
        ("ideas", "Ideas", ideas["all"], f"{ideas['new']:,} not queued to the writer yet",
         "/planner/ideas/"),
        ("tasks", "Tasks to write", tasks["open"],
         f"{tasks['failed']:,} failed" if tasks["failed"] else "queued or being written",
         "/writer/tasks/"),
        ("draft", "Drafts", contents["draft"], "written, not yet submitted",
         "/writer/content/?status=draft"),
        ("review", "In review", contents["review"], "waiting for approval", "/writer/review/"),
        ("approved", "Approved", contents["approved"], "ready to publish",
         "/writer/content/?status=approved"),
        ("published", "Published", contents["published"], "live on the site",
         "/writer/content/?publishing=published"),
    ]  # fmt: skip
    most = max(count for _, _, count, _, _ in rows)
    return [
        Stage(key=k, label=label, count=n, note=note, url=url, bar=_bar(n, most))
        for k, label, n, note, url in rows
    ]
