"""Reads for the tasks pages, scoped to the current site."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict

from apps.planner.models import Cluster
from apps.workspace.models import Site
from apps.writer.models import Task, TaskStatus
from apps.writer.services.tasks import task_is_writing


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass
class TaskFilters:
    q: str = ""
    status: str = ""
    sector: int | None = None
    cluster: int | None = None
    trashed: bool = False
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(
        cls, query: QueryDict, *, sector_ids: set[int], cluster_ids: set[int]
    ) -> TaskFilters:
        f = cls(q=query.get("q", "").strip()[:100], trashed=query.get("trashed") == "1")
        status = query.get("status", "")
        if status in TaskStatus.values:
            f.status = status
        elif status:
            f.ignored.append(f"“{status}” is not a status")
        sector = query.get("sector", "")
        if sector:
            f.sector = _int(sector)
            if f.sector not in sector_ids:
                f.sector = None
                f.ignored.append("that sector is not one of this site's")
        cluster = query.get("cluster", "")
        if cluster:
            f.cluster = _int(cluster)
            if f.cluster not in cluster_ids:
                f.cluster = None
                f.ignored.append("that cluster is not one of this site's")
        return f

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.sector or self.cluster)

    def as_query(self) -> dict[str, str]:
        params = {
            "q": self.q,
            "status": self.status,
            "sector": str(self.sector or ""),
            "cluster": str(self.cluster or ""),
            "trashed": "1" if self.trashed else "",
        }
        return {k: v for k, v in params.items() if v}


def task_list(*, site: Site, filters: TaskFilters) -> QuerySet[Task]:
    tasks = Task.objects.trashed() if filters.trashed else Task.objects.alive()
    tasks = tasks.filter(site=site).select_related(
        "sector", "cluster", "idea", "job", "content", "duplicate_of"
    )
    if filters.q:
        tasks = tasks.filter(
            Q(title__icontains=filters.q) | Q(primary_keyword__icontains=filters.q)
        )
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.sector:
        tasks = tasks.filter(sector_id=filters.sector)
    if filters.cluster:
        tasks = tasks.filter(cluster_id=filters.cluster)
    order = ("-deleted_at", "-id") if filters.trashed else ("-created", "-id")
    return tasks.order_by(*order)


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
