"""Reads for the cluster and idea pages, always scoped to sites the member may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, QueryDict

from apps.planner.models import Cluster, ClusterStatus, Idea, IdeaStatus, Keyword
from apps.workspace.context import current_site
from apps.workspace.models import Site
from igny8.ai.functions import CONTENT_TYPES, STRUCTURES

CLUSTER_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "sector": ("sector__name", "name"),
    "-sector": ("-sector__name", "name"),
    "keywords": ("keyword_count", "name"),
    "-keywords": ("-keyword_count", "name"),
    "volume": ("total_volume", "name"),
    "-volume": ("-total_volume", "name"),
    "ideas": ("ideas_count", "name"),
    "-ideas": ("-ideas_count", "name"),
    "created": ("created", "pk"),
    "-created": ("-created", "-pk"),
}
DEFAULT_CLUSTER_SORT = "-volume"


def visible_site_ids(request: HttpRequest) -> list[int]:
    current_site(request)  # also reads (once per request) the sites the member may see
    return [s.pk for s in request._visible_sites]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass
class ClusterFilters:
    q: str = ""
    sector: int | None = None
    status: str = ""
    ideas: str = ""  # "with" | "without"
    sort: str = DEFAULT_CLUSTER_SORT
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query: QueryDict, *, sector_ids: set[int]) -> ClusterFilters:
        f = cls(q=query.get("q", "").strip()[:100])
        sector = query.get("sector", "")
        if sector:
            f.sector = _int(sector)
            if f.sector not in sector_ids:
                f.sector = None
                f.ignored.append("that sector is not one of this site's")
        status = query.get("status", "")
        if status in ClusterStatus.values:
            f.status = status
        elif status:
            f.ignored.append(f"“{status}” is not a status")
        ideas = query.get("ideas", "")
        if ideas in ("with", "without"):
            f.ideas = ideas
        sort = query.get("sort", "")
        if sort in CLUSTER_SORTS:
            f.sort = sort
        return f

    @property
    def active(self) -> bool:
        return bool(self.q or self.sector or self.status or self.ideas)

    def as_query(self, *, sort: bool = True) -> dict[str, str]:
        params = {
            "q": self.q,
            "sector": str(self.sector or ""),
            "status": self.status,
            "ideas": self.ideas,
        }
        if sort and self.sort != DEFAULT_CLUSTER_SORT:
            params["sort"] = self.sort
        return {k: v for k, v in params.items() if v}


def cluster_list(*, site: Site, filters: ClusterFilters) -> QuerySet[Cluster]:
    clusters = Cluster.objects.alive().filter(site=site).select_related("sector")
    if filters.q:
        clusters = clusters.filter(
            Q(name__icontains=filters.q) | Q(description__icontains=filters.q)
        )
    if filters.sector:
        clusters = clusters.filter(sector_id=filters.sector)
    if filters.status:
        clusters = clusters.filter(status=filters.status)
    if filters.ideas == "with":
        clusters = clusters.filter(ideas_count__gt=0)
    elif filters.ideas == "without":
        clusters = clusters.filter(ideas_count=0)
    return clusters.order_by(*CLUSTER_SORTS[filters.sort])


def cluster_for_member(request: HttpRequest, pk: int | str) -> Cluster:
    """A live cluster of a site the member may see, or 404."""
    try:
        return (
            Cluster.objects.alive()
            .select_related("sector", "site")
            .get(pk=int(pk), site_id__in=visible_site_ids(request))
        )
    except (Cluster.DoesNotExist, ValueError, TypeError):
        raise Http404("No such cluster.") from None


def clusters_by_ids(*, site: Site, ids: list[str]) -> list[Cluster]:
    """Live clusters of the site with these ids, all of them or 404."""
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError):
        raise Http404("No such cluster.") from None
    found = list(Cluster.objects.alive().filter(site=site, pk__in=wanted).select_related("sector"))
    if len(found) != len(wanted):
        raise Http404("Some of these clusters do not exist (any more).")
    return sorted(found, key=lambda c: (-c.total_volume, c.name.lower()))


def cluster_keywords(cluster: Cluster) -> QuerySet[Keyword]:
    return Keyword.objects.alive().filter(cluster=cluster).order_by("-volume", "text")


def cluster_ideas(cluster: Cluster) -> QuerySet[Idea]:
    return Idea.objects.alive().filter(cluster=cluster).order_by("-created", "title")


def move_targets(cluster: Cluster) -> QuerySet[Cluster]:
    """Other live clusters of the same sector: where this cluster's keywords may go."""
    return (
        Cluster.objects.alive()
        .filter(site_id=cluster.site_id, sector_id=cluster.sector_id)
        .exclude(pk=cluster.pk)
        .order_by("name")
    )


def new_keyword_count(site: Site) -> int:
    return (
        Keyword.objects.alive()
        .filter(site=site, status="new", disabled=False, cluster__isnull=True)
        .count()
    )


# --- ideas -----------------------------------------------------------------------------------


@dataclass
class IdeaFilters:
    q: str = ""
    status: str = ""
    cluster: int | None = None
    structure: str = ""
    content_type: str = ""
    disabled: str = ""  # "yes" | "no"
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query: QueryDict, *, cluster_ids: set[int]) -> IdeaFilters:
        f = cls(q=query.get("q", "").strip()[:100])
        status = query.get("status", "")
        if status in IdeaStatus.values:
            f.status = status
        elif status:
            f.ignored.append(f"“{status}” is not a status")
        cluster = query.get("cluster", "")
        if cluster:
            f.cluster = _int(cluster)
            if f.cluster not in cluster_ids:
                f.cluster = None
                f.ignored.append("that cluster is not one of this site's")
        structure = query.get("structure", "")
        if structure in STRUCTURES:
            f.structure = structure
        elif structure:
            f.ignored.append(f"“{structure}” is not a structure")
        content_type = query.get("content_type", "")
        if content_type in CONTENT_TYPES:
            f.content_type = content_type
        elif content_type:
            f.ignored.append(f"“{content_type}” is not a content type")
        disabled = query.get("disabled", "")
        if disabled in ("yes", "no"):
            f.disabled = disabled
        return f

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.status
            or self.cluster
            or self.structure
            or self.content_type
            or self.disabled
        )

    def as_query(self) -> dict[str, str]:
        params = {
            "q": self.q,
            "status": self.status,
            "cluster": str(self.cluster or ""),
            "structure": self.structure,
            "content_type": self.content_type,
            "disabled": self.disabled,
        }
        return {k: v for k, v in params.items() if v}


def idea_list(*, site: Site, filters: IdeaFilters) -> QuerySet[Idea]:
    ideas = Idea.objects.alive().filter(site=site).select_related("cluster", "sector")
    if filters.q:
        ideas = ideas.filter(
            Q(title__icontains=filters.q) | Q(primary_keyword__icontains=filters.q)
        )
    if filters.status:
        ideas = ideas.filter(status=filters.status)
    if filters.cluster:
        ideas = ideas.filter(cluster_id=filters.cluster)
    if filters.structure:
        ideas = ideas.filter(structure=filters.structure)
    if filters.content_type:
        ideas = ideas.filter(content_type=filters.content_type)
    if filters.disabled:
        ideas = ideas.filter(disabled=filters.disabled == "yes")
    return ideas.order_by("-created", "title")


def idea_for_member(request: HttpRequest, pk: int | str) -> Idea:
    """A live idea of a site the member may see, or 404."""
    try:
        return (
            Idea.objects.alive()
            .select_related("cluster", "sector", "site")
            .get(pk=int(pk), site_id__in=visible_site_ids(request))
        )
    except (Idea.DoesNotExist, ValueError, TypeError):
        raise Http404("No such idea.") from None


def ideas_by_ids(*, site: Site, ids: list[str]) -> QuerySet[Idea]:
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError):
        raise Http404("No such idea.") from None
    ideas = Idea.objects.alive().filter(site=site, pk__in=wanted)
    if ideas.count() != len(wanted):
        raise Http404("Some of these ideas do not exist (any more).")
    return ideas


def site_clusters(site: Site) -> QuerySet[Cluster]:
    return Cluster.objects.alive().filter(site=site).order_by("name").only("pk", "name")
