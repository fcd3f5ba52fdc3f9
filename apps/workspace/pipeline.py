"""The dashboard's pipeline: how much of a site sits at each stage, keywords to published
articles (SPEC §1), in one statement the onboarding checklist reads too."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection

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
    """Live rows only (the trash does not count), in one statement.

    Plain SQL: the same five aggregates built through the ORM (filtered counts) cost the
    dashboard ~4 ms of Python CPU, a third of the page; the statement is fixed, its values
    bound. `test_pipeline` holds every figure to what the models say."""
    from apps.writer.models import Content, EditorialStatus, PublishingStatus, Task, TaskStatus

    table = {m: connection.ops.quote_name(m._meta.db_table) for m in (Keyword, Cluster, Idea)}
    table |= {m: connection.ops.quote_name(m._meta.db_table) for m in (Task, Content)}
    live = "site_id = %s AND deleted_at IS NULL"
    sql = f"""
        SELECT k.enabled, k.new, k.any, c.any, i.enabled, i.new, i.any, t.open, t.failed,
               w.draft, w.review, w.approved, w.published, w.approved_any, w.any
        FROM (SELECT COUNT(*) FILTER (WHERE NOT disabled) AS enabled,
                     COUNT(*) FILTER (WHERE NOT disabled AND cluster_id IS NULL) AS new,
                     COUNT(*) AS any
              FROM {table[Keyword]} WHERE {live}) k,
             (SELECT COUNT(*) AS any FROM {table[Cluster]} WHERE {live}) c,
             (SELECT COUNT(*) FILTER (WHERE NOT disabled) AS enabled,
                     COUNT(*) FILTER (WHERE NOT disabled AND status = %s) AS new,
                     COUNT(*) AS any
              FROM {table[Idea]} WHERE {live}) i,
             (SELECT COUNT(*) FILTER (WHERE status <> %s) AS open,
                     COUNT(*) FILTER (WHERE status = %s) AS failed
              FROM {table[Task]} WHERE {live}) t,
             (SELECT COUNT(*) FILTER (WHERE status = %s) AS draft,
                     COUNT(*) FILTER (WHERE status = %s) AS review,
                     COUNT(*) FILTER (WHERE status = %s AND publishing_status <> %s) AS approved,
                     COUNT(*) FILTER (WHERE publishing_status = %s) AS published,
                     COUNT(*) FILTER (WHERE status = %s) AS approved_any,
                     COUNT(*) AS any
              FROM {table[Content]} WHERE {live}) w
    """
    published = PublishingStatus.PUBLISHED.value
    approved = EditorialStatus.APPROVED.value
    params = [site.pk, site.pk, IdeaStatus.NEW.value, site.pk]
    params += [TaskStatus.COMPLETED.value, TaskStatus.FAILED.value, site.pk]
    params += [EditorialStatus.DRAFT.value, EditorialStatus.REVIEW.value, approved, published]
    params += [published, approved, site.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    (kw_enabled, kw_new, kw_any, clusters, idea_enabled, idea_new, idea_any,
     task_open, task_failed, draft, review, approved_n, published_n, approved_any,
     content_any) = row  # fmt: skip
    return SiteCounts(
        keywords={"all": kw_enabled, "new": kw_new, "any": kw_any},
        clusters=clusters,
        ideas={"all": idea_enabled, "new": idea_new, "any": idea_any},
        tasks={"open": task_open, "failed": task_failed},
        contents={
            "draft": draft,
            "review": review,
            "approved": approved_n,
            "published": published_n,
            "approved_any": approved_any,
            "any": content_any,
        },
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
