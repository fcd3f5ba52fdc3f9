"""Bulk changes to keywords: trash and restore, disable, intent, cluster moves, clustering.

Each function takes a queryset that already says which keywords (scoped to one site by the
selector) and changes them with a handful of statements, whatever their number: `update()` on
the queryset, and one UPDATE for the denormalised counts of the clusters touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import Account, User
from apps.billing.plans import limit_check
from apps.planner.models import Cluster, Keyword, KeywordStatus
from apps.workspace.models import Site

if TYPE_CHECKING:
    from apps.workspace.models import Job


def cluster_counts_refresh(cluster_ids: set[int]) -> None:
    """Keep the denormalised counts of these clusters current (one UPDATE), by the clusters
    area's own rule, so both areas count the same way."""
    from apps.planner.services.clusters import clusters_recount

    clusters_recount(cluster_ids=cluster_ids)


def _clusters_of(keywords: QuerySet[Keyword]) -> set[int]:
    return set(
        keywords.exclude(cluster__isnull=True)
        .order_by()
        .values_list("cluster_id", flat=True)
        .distinct()
    )


@transaction.atomic
def keywords_trash(*, keywords: QuerySet[Keyword]) -> int:
    """Move live keywords to the trash (restorable). They keep their cluster, so a restore puts
    them back; the cluster's counts leave them out meanwhile. Returns how many moved."""
    keywords = keywords.filter(deleted_at__isnull=True)
    clusters = _clusters_of(keywords)
    moved = keywords.update(deleted_at=timezone.now())
    cluster_counts_refresh(clusters)
    return moved


@dataclass(frozen=True)
class Changed:
    changed: int
    unchanged: int  # selected, but already in the asked-for state


@transaction.atomic
def keywords_set_disabled(*, keywords: QuerySet[Keyword], disabled: bool) -> Changed:
    """Disable (clustering skips them) or enable keywords."""
    total = keywords.count()
    changed = keywords.filter(disabled=not disabled).update(disabled=disabled)
    return Changed(changed=changed, unchanged=total - changed)


def keywords_set_intent(*, keywords: QuerySet[Keyword], intent: str) -> int:
    """Set (or, with "", clear) the search intent of keywords. Returns how many."""
    return keywords.update(intent=intent)


@dataclass(frozen=True)
class Moved:
    moved: int
    already: int  # already where they were asked to go
    skipped: int  # in another sector than the cluster


@transaction.atomic
def keywords_move_to_cluster(*, keywords: QuerySet[Keyword], cluster: Cluster | None) -> Moved:
    """Put keywords in `cluster` (status mapped) or, with None, take them out of theirs
    (status new). A cluster groups keywords of its own sector, so keywords of other sectors
    are skipped and counted. The counts of every cluster touched are kept current."""
    total = keywords.count()
    movable = keywords if cluster is None else keywords.filter(sector_id=cluster.sector_id)
    reachable = total if cluster is None else movable.count()
    touched = _clusters_of(movable)
    if cluster is None:
        moved = movable.exclude(cluster__isnull=True).update(cluster=None, status=KeywordStatus.NEW)
    else:
        moved = movable.exclude(cluster=cluster).update(
            cluster=cluster, status=KeywordStatus.MAPPED
        )
        touched.add(cluster.pk)
    cluster_counts_refresh(touched)
    return Moved(moved=moved, already=reachable - moved, skipped=total - reachable)


@dataclass(frozen=True)
class ClusteringStarted:
    job: Job | None
    taken: int
    skipped: int  # mapped (already in a cluster) or disabled


def keywords_cluster_start(
    *, site: Site, keywords: QuerySet[Keyword], user: User | None
) -> ClusteringStarted:
    """Start clustering the selected keywords that may be clustered: new and not disabled.
    The others are skipped and counted. No job is started when none qualifies."""
    total = keywords.count()
    ids = list(
        keywords.filter(status=KeywordStatus.NEW, disabled=False, cluster__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return ClusteringStarted(job=None, taken=0, skipped=total)
    # Imported here: the clustering service is its own area and pulls in the engine.
    from apps.planner.services.clusters import cluster_keywords_enqueue

    job = cluster_keywords_enqueue(site=site, keyword_ids=ids, user=user)
    return ClusteringStarted(job=job, taken=len(ids), skipped=total - len(ids))


@transaction.atomic
def keywords_restore(*, account: Account, keywords: QuerySet[Keyword]) -> int:
    """Bring keywords back from the trash, all or none, within the plan's keyword limit
    (PlanLimitError, 403, otherwise). A keyword whose cluster has since gone to the trash
    comes back without a cluster (status new). Returns how many came back."""
    keywords = keywords.filter(deleted_at__isnull=False)
    count = keywords.count()
    if not count:
        return 0
    limit_check(account, "keywords", adding=count, lock=True)
    keywords.filter(cluster__deleted_at__isnull=False).update(
        cluster=None, status=KeywordStatus.NEW
    )
    clusters = _clusters_of(keywords)
    restored = keywords.update(deleted_at=None)
    cluster_counts_refresh(clusters)
    return restored


def keywords_delete_forever(*, keywords: QuerySet[Keyword]) -> int:
    """Delete keywords that are in the trash for good. Live keywords are never touched."""
    _, per_model = keywords.filter(deleted_at__isnull=False).delete()
    return per_model.get(Keyword._meta.label, 0)
