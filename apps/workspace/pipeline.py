"""The dashboard's pipeline: how much of a site sits at each stage, keywords to published
articles (SPEC §1), in five small aggregate queries the onboarding checklist reads too."""

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


@dataclass(frozen=True)
class SiteCounts:
    """What the dashboard reads of a site, once: the pipeline's counts and whether each
    onboarding step has anything yet (disabled rows count as "has", as a keyword added then
    disabled still means the step was done)."""

    keywords: dict[str, int]
    clusters: int
    ideas: dict[str, int]
    tasks: dict[str, int]
    contents: dict[str, int]


def site_counts(site: Site) -> SiteCounts:
    """Live rows only (the trash does not count), in five small aggregate queries."""
    from apps.writer.models import Content, EditorialStatus, PublishingStatus, Task, TaskStatus

    enabled = Q(disabled=False)
    keywords = (
        Keyword.objects.alive()
        .filter(site=site)
        .aggregate(
            all=Count("pk", filter=enabled),
            new=Count("pk", filter=enabled & Q(cluster__isnull=True)),
            any=Count("pk"),
        )
    )
    clusters = Cluster.objects.alive().filter(site=site).count()
    ideas = (
        Idea.objects.alive()
        .filter(site=site)
        .aggregate(
            all=Count("pk", filter=enabled),
            new=Count("pk", filter=enabled & Q(status=IdeaStatus.NEW)),
            any=Count("pk"),
        )
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
            approved_any=Count("pk", filter=Q(status=EditorialStatus.APPROVED)),
            any=Count("pk"),
        )
    )
    return SiteCounts(
        keywords=keywords, clusters=clusters, ideas=ideas, tasks=tasks, contents=contents
    )


def site_pipeline(site: Site, counts: SiteCounts | None = None) -> list[Stage]:
    """Counts per stage for one site (`counts` when the caller read them already)."""
    counts = counts or site_counts(site)
    keywords, clusters, ideas = counts.keywords, counts.clusters, counts.ideas
    tasks, contents = counts.tasks, counts.contents
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
