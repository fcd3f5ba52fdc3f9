"""Reads for the cluster and idea pages, always scoped to sites the member may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from apps.planner.models import Cluster, ClusterStatus, Idea, IdeaStatus, Keyword
from apps.workspace.context import current_site
from apps.workspace.models import Site
from igny8.ai.functions import CONTENT_TYPES, STRUCTURES
from igny8.lists import Choice, Filters, ListSpec, Ref, Search

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

CLUSTER_LIST = ListSpec(
    filters=(
        Search("q", ("name", "description")),
        Ref("sector", "sector_id", "sector"),
        Choice("status", ClusterStatus.values, noun="status"),
        Choice(
            "ideas",
            ("with", "without"),
            lookups={"with": Q(ideas_count__gt=0), "without": Q(ideas_count=0)},
        ),
    ),
    sorts=CLUSTER_SORTS,
    default_sort=DEFAULT_CLUSTER_SORT,
)


def visible_site_ids(request: HttpRequest) -> list[int]:
    current_site(request)  # also reads (once per request) the sites the member may see
    return [s.pk for s in request._visible_sites]


def cluster_list(*, site: Site, filters: Filters) -> QuerySet[Cluster]:
    return filters.apply(Cluster.objects.alive().filter(site=site).select_related("sector"))


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


IDEA_LIST = ListSpec(
    filters=(
        Search("q", ("title", "primary_keyword")),
        Choice("status", IdeaStatus.values, noun="status"),
        Ref("cluster", "cluster_id", "cluster"),
        Choice("structure", STRUCTURES, noun="structure"),
        Choice("content_type", CONTENT_TYPES, noun="content type"),
        Choice(
            "disabled", ("yes", "no"), lookups={"yes": Q(disabled=True), "no": Q(disabled=False)}
        ),
    ),
)


def idea_list(*, site: Site, filters: Filters) -> QuerySet[Idea]:
    ideas = Idea.objects.alive().filter(site=site).select_related("cluster", "sector")
    return filters.apply(ideas, "-created", "title")


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
