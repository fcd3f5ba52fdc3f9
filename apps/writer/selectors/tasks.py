"""Reads for the tasks pages, scoped to the current site."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, QuerySet
from django.http import Http404

from apps.planner.models import Cluster
from apps.workspace.models import Site
from apps.writer.models import Task, TaskStatus
from apps.writer.services.tasks import task_is_writing
from igny8.lists import Choice, Filters, Flag, ListSpec, Ref, Search

TASK_LIST = ListSpec(
    filters=(
        Search("q", ("title", "primary_keyword")),
        Choice("status", TaskStatus.values, noun="status"),
        Ref("sector", "sector_id", "sector"),
        Ref("cluster", "cluster_id", "cluster"),
        Flag("trashed"),
    ),
)


def task_list(*, site: Site, filters: Filters) -> QuerySet[Task]:
    """The site's live tasks (or its trashed ones, with `trashed`) matching the filters."""
    tasks = Task.objects.trashed() if filters.trashed else Task.objects.alive()
    order = ("-deleted_at", "-id") if filters.trashed else ("-created", "-id")
    tasks = tasks.filter(site=site).select_related(
        "sector", "cluster", "idea", "job", "content", "duplicate_of"
    )
    return filters.apply(tasks, *order)


def status_counts(site: Site) -> dict[str, int]:
    """Live tasks of the site per status (every status present, zero when none)."""
    rows = (
        Task.objects.alive()
        .filter(site=site)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts = dict.fromkeys(TaskStatus.values, 0)
    counts.update(dict(rows))
    return counts


def failures_summary(site: Site) -> str:
    """ "3 tasks failed: 2 because the AI provider did not answer in time, 1 because …" for
    the live failed tasks of the site ("" when none failed). The reason of each comes from the
    job that last wrote it; a task failed some other way counts under its own message."""
    from igny8.ai.failures import summary

    rows = (
        Task.objects.alive()
        .filter(site=site, status=TaskStatus.FAILED)
        .values_list("job__result", "duplicate_of_id")
    )
    reasons: Counter[str] = Counter()
    for result, duplicate_of in rows:
        reason = (result or {}).get("reason") if isinstance(result, dict) else None
        if duplicate_of:
            reason = "it is too close to an article the site has"
        reasons[reason or "of a problem shown on the task"] += 1
    return summary(reasons, 0, "task")


def trashed_count(site: Site) -> int:
    return Task.objects.trashed().filter(site=site).count()


def any_writing(tasks: list[Task]) -> bool:
    """True while a task on the page is being written (the list keeps polling until none)."""
    return any(task_is_writing(t) for t in tasks)


def tasks_by_ids(*, site: Site, ids: list[str], trashed: bool = False) -> list[Task]:
    """The site's tasks among `ids`; 404 when an id is not one of them (or not a number)."""
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError):
        raise Http404("No such task.") from None
    tasks = Task.objects.trashed() if trashed else Task.objects.alive()
    found = list(
        tasks.filter(site=site, pk__in=wanted)
        .select_related("site", "sector", "job", "content", "duplicate_of")
        .order_by("pk")
    )
    if len(found) != len(wanted):
        raise Http404("Some of these tasks do not exist (any more).")
    return found


def site_clusters(site: Site) -> QuerySet[Cluster]:
    """The site's clusters that have tasks, for the cluster filter."""
    return (
        Cluster.objects.filter(site=site, tasks__deleted_at__isnull=True)
        .distinct()
        .order_by("name")
        .only("pk", "name")
    )
