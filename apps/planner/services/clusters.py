"""Clusters: grouping new keywords, naming the groups, and the hand edits (rename, merge, move
keywords, dissolve). Every write keeps the denormalised counts of the clusters it touches
current through `clusters_recount`.

Decisions:
- A group of one keyword is not a cluster: that keyword stays `new` and unclustered, so a later
  run (with more keywords) can still find it a partner. The job says how many stayed.
- Re-running never duplicates a name in a sector: a group whose name matches a live cluster of
  the sector (case-insensitively) joins that cluster; two groups of one run with the same name
  become one cluster.
- Clustering is free, whatever provider is in force: the grouping is local, and the new
  clusters are named by the offline writer, which costs nothing. When a real AI provider is
  in force, the job then offers names from that provider with their exact cost
  (`clusters_naming_price`), and only a person's "yes" (`clusters_name_enqueue`) runs the
  paid naming: a paid step never hides inside the free one.
- When naming fails (or the account may not spend) the clusters keep the names the grouping
  gave them and the job says so; the grouping is never undone for it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, Exists, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from apps.planner.models import (
    Cluster,
    ClusterStatus,
    Idea,
    Keyword,
    KeywordStatus,
)
from apps.planner.services.cluster_naming import clusters_for_naming, clusters_name_with
from apps.workspace.models import Job, Site
from igny8 import jobs
from igny8.ai import costs
from igny8.ai.config import OFFLINE
from igny8.errors import UserFacingError

log = logging.getLogger(__name__)

NAME_MAX = Cluster._meta.get_field("name").max_length

Progress = Callable[[int, int, str], None]


class NothingToCluster(UserFacingError):
    status = 400
    code = "nothing_to_cluster"


# --- counts ----------------------------------------------------------------------------------


def clusters_recount(*, cluster_ids: Iterable[int]) -> None:
    """Set keyword_count, total_volume, ideas_count and status of these clusters from their
    live keywords and ideas, in one UPDATE. A cluster is `mapped` while it has live ideas."""
    ids = {int(pk) for pk in cluster_ids if pk}
    if not ids:
        return
    keywords = Keyword.objects.alive().filter(cluster=OuterRef("pk")).order_by()
    ideas = Idea.objects.alive().filter(cluster=OuterRef("pk")).order_by()
    per_cluster = keywords.values("cluster")
    Cluster.objects.filter(pk__in=ids).update(
        keyword_count=Coalesce(Subquery(per_cluster.annotate(n=Count("pk")).values("n")), 0),
        total_volume=Coalesce(Subquery(per_cluster.annotate(v=Sum("volume")).values("v")), 0),
        ideas_count=Coalesce(
            Subquery(ideas.values("cluster").annotate(n=Count("pk")).values("n")), 0
        ),
        status=Case(
            When(Exists(ideas), then=Value(ClusterStatus.MAPPED)),
            default=Value(ClusterStatus.NEW),
        ),
    )


# --- grouping --------------------------------------------------------------------------------


def eligible_keywords(*, site: Site, keyword_ids: list[int] | None = None):
    """Keywords clustering takes: live, `new`, not disabled, of this site."""
    keywords = Keyword.objects.alive().filter(
        site=site, status=KeywordStatus.NEW, disabled=False, cluster__isnull=True
    )
    if keyword_ids is not None:
        keywords = keywords.filter(pk__in=keyword_ids)
    return keywords


def cluster_keywords_enqueue(*, site: Site, keyword_ids: list[int] | None, user) -> Job:
    """Queue clustering of these keywords (None: every new, enabled keyword of the site).

    Raises NothingToCluster when none of them can be clustered.
    """
    ids = None if keyword_ids is None else sorted({int(pk) for pk in keyword_ids})
    count = eligible_keywords(site=site, keyword_ids=ids).count()
    if not count:
        raise NothingToCluster(
            "There is nothing to cluster: clustering takes keywords that are new (not in a "
            "cluster yet) and not disabled. Add keywords or enable some, then try again."
        )
    return jobs.enqueue(
        "apps.planner.jobs.clusters.cluster_keywords",
        site.pk,
        ids,
        label=f"Cluster {count:,} keyword{'s' if count != 1 else ''} of {site.name}",
        user=user,
    )


@dataclass
class ClusteringOutcome:
    keywords: int = 0  # keywords looked at
    clustered: int = 0  # keywords now in a cluster
    unclustered: int = 0  # keywords with no close match, still new
    attached: int = 0  # keywords the second pass put into a cluster near them
    created: list[int] = field(default_factory=list)  # ids of new clusters
    extended: list[int] = field(default_factory=list)  # ids of existing clusters that grew
    named: int = 0  # clusters named by the offline writer (free)
    credits: int = 0  # always 0: clustering is free; paid naming is a job of its own
    to_name: list[int] = field(default_factory=list)  # offered to the real provider's namer
    naming_note: str = ""

    def message(self) -> str:
        if not self.keywords:
            return "Nothing to cluster: no new, enabled keywords were left."
        parts = [
            f"Grouped {self.clustered:,} keyword{_s(self.clustered)} into "
            f"{len(self.created):,} new cluster{_s(len(self.created))}"
        ]
        if self.extended:
            parts[0] += f" and {len(self.extended):,} existing one{_s(len(self.extended))}"
        parts[0] += "."
        if self.attached:
            parts.append(
                f"{self.attached:,} keyword{_s(self.attached)} without a close partner "
                f"joined the cluster nearest {'it' if self.attached == 1 else 'them'}."
            )
        if self.unclustered:
            parts.append(
                f"{self.unclustered:,} keyword{_s(self.unclustered)} had no close match and "
                f"{'stays' if self.unclustered == 1 else 'stay'} new."
            )
        if self.named:
            parts.append("Named them for free with the offline writer.")
        if self.naming_note:
            parts.append(self.naming_note)
        if self.to_name:
            parts.append(
                "Names from your AI provider cost credits: they are charged only if you "
                "choose them."
            )
        return " ".join(parts)

    def as_result(self) -> dict:
        return {
            "message": self.message(),
            "keywords": self.keywords,
            "clustered": self.clustered,
            "unclustered": self.unclustered,
            "attached": self.attached,
            "clusters_created": len(self.created),
            "clusters_extended": len(self.extended),
            "named": self.named,
            "credits": self.credits,
            "to_name": self.to_name,
        }


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def keywords_cluster(
    *,
    site: Site,
    keyword_ids: list[int] | None = None,
    progress: Progress | None = None,
    run_key: str = "",
) -> ClusteringOutcome:
    """Group the site's new, enabled keywords (or those of `keyword_ids`) sector by sector into
    clusters, then name the new clusters with the offline writer. All of it is free; with a
    real provider in force the outcome lists the new clusters in `to_name`, for the page to
    offer paid names with their cost.

    Idempotent: keywords already in a cluster are not looked at again.
    """
    from apps.planner.clustering import Item, Stats, cluster

    report = progress or (lambda done, total, message: None)
    rows = list(
        eligible_keywords(site=site, keyword_ids=keyword_ids)
        .order_by("sector_id", "pk")
        .values_list("pk", "text", "volume", "sector_id")
    )
    outcome = ClusteringOutcome(keywords=len(rows))
    if not rows:
        return outcome
    by_sector: dict[int, list] = defaultdict(list)
    for pk, text, volume, sector_id in rows:
        by_sector[sector_id].append(Item(id=pk, text=text, volume=volume))

    total = len(rows)
    grouped: dict[int, list[list]] = {}
    base = 0
    for sector_id, items in by_sector.items():

        def step(done: int, of: int, base: int = base, size: int = len(items)) -> None:
            # The engine counts its own steps (several per keyword): report keywords.
            done = base + size * done // max(of, 1)
            report(done, total, f"Grouping {done:,} of {total:,} keywords…")

        step(0, len(items))
        by_id = {item.id: item for item in items}
        stats = Stats()
        groups = cluster(items, progress=step, stats=stats)
        outcome.attached += stats.attached
        grouped[sector_id] = [[by_id[pk] for pk in group] for group in groups]
        step(len(items), len(items))
        base += len(items)

    report(total, total, "Saving the clusters…")
    _save_groups(site=site, grouped=grouped, outcome=outcome)
    if outcome.created:
        naming = clusters_name_with(
            site=site,
            clusters=clusters_for_naming(site=site, cluster_ids=outcome.created),
            report=report,
            run_key=run_key,
            config=OFFLINE,
        )
        outcome.named, outcome.naming_note = naming.named, naming.note
        if not costs.serving("name_clusters").is_offline:
            outcome.to_name = list(outcome.created)
    return outcome


def _save_groups(*, site: Site, grouped: dict[int, list[list]], outcome: ClusteringOutcome):
    from apps.planner.clustering import name_for

    with transaction.atomic():
        # One clustering write per site at a time: two runs would race for the same names.
        Site.objects.select_for_update().filter(pk=site.pk).first()
        pairs: list[tuple[int, int]] = []
        created: dict[int, Cluster] = {}
        extended: set[int] = set()
        for sector_id, groups in grouped.items():
            named: dict[str, list] = defaultdict(list)
            for group in groups:
                if len(group) < 2:
                    outcome.unclustered += len(group)
                    continue
                name = (name_for(group) or group[0].text).strip()[:NAME_MAX].strip()
                named[name.lower()].append((name, group))
            if not named:
                continue
            existing = {
                c.lowered: c
                for c in Cluster.objects.alive()
                .filter(sector_id=sector_id)
                .annotate(lowered=Lower("name"))
                .filter(lowered__in=list(named))
            }
            new = [
                Cluster(site=site, sector_id=sector_id, name=entries[0][0])
                for key, entries in named.items()
                if key not in existing
            ]
            for c in Cluster.objects.bulk_create(new):
                existing[c.name.lower()] = c
                created[c.pk] = c
            for key, entries in named.items():
                target = existing[key]
                if target.pk not in created:
                    extended.add(target.pk)
                pairs.extend((item.id, target.pk) for _, group in entries for item in group)

        assigned = _assign(pairs)
        outcome.clustered = assigned
        clusters_recount(cluster_ids=[*created, *extended])
        # A keyword changed under us (trashed, disabled, moved by hand): drop clusters left empty.
        emptied = Cluster.objects.filter(pk__in=list(created), keyword_count=0)
        emptied_ids = set(emptied.values_list("pk", flat=True))
        if emptied_ids:
            emptied.delete()
        outcome.created = [pk for pk in created if pk not in emptied_ids]
        outcome.extended = sorted(extended)


def _assign(pairs: list[tuple[int, int]]) -> int:
    """Put each keyword in its cluster in one statement, only if it is still new and free."""
    if not pairs:
        return 0
    table = connection.ops.quote_name(Keyword._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS k SET cluster_id = v.cluster_id, status = %s "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, cluster_id) "
            "WHERE k.id = v.id AND k.status = %s AND k.cluster_id IS NULL "
            "AND k.deleted_at IS NULL AND NOT k.disabled",
            [
                KeywordStatus.MAPPED,
                [p[0] for p in pairs],
                [p[1] for p in pairs],
                KeywordStatus.NEW,
            ],
        )
        return cursor.rowcount


# --- hand edits ------------------------------------------------------------------------------


def cluster_rename(*, cluster: Cluster, name: str, description: str | None = None) -> Cluster:
    """Rename a cluster (and optionally change its description). Names are unique per sector,
    ignoring case; a clash raises ValidationError naming the way out."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the cluster a name."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Keep the name under {NAME_MAX} characters."})
    clash = (
        Cluster.objects.alive()
        .filter(sector_id=cluster.sector_id, name__iexact=name)
        .exclude(pk=cluster.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "name": f"Another cluster in {cluster.sector.name} is already called "
                f"“{clash.name}”. Choose another name, or merge the two clusters."
            }
        )
    cluster.name = name
    fields = ["name"]
    if description is not None:
        cluster.description = description.strip()
        fields.append("description")
    try:
        with transaction.atomic():
            cluster.save(update_fields=fields)
    except IntegrityError:  # the same name was taken a moment ago
        raise ValidationError(
            {"name": f"Another cluster in {cluster.sector.name} is already called “{name}”."}
        ) from None
    return cluster


def cluster_merge(*, into: Cluster, others: list[Cluster]) -> Cluster:
    """Move the keywords and ideas of `others` into `into` and delete the others (they are
    empty by then: nothing is left to restore)."""
    others = [c for c in others if c.pk != into.pk]
    if not others:
        raise ValidationError("Choose at least two clusters to merge.")
    if any(c.sector_id != into.sector_id or c.site_id != into.site_id for c in others):
        raise ValidationError(
            "Only clusters of the same sector can be merged: a cluster's keywords all belong "
            "to its sector."
        )
    ids = [c.pk for c in others]
    with transaction.atomic():
        Keyword.objects.filter(cluster_id__in=ids).update(cluster=into, status=KeywordStatus.MAPPED)
        Idea.objects.filter(cluster_id__in=ids).update(cluster=into)
        Cluster.objects.filter(pk__in=ids).delete()
        clusters_recount(cluster_ids=[into.pk])
    into.refresh_from_db()
    return into


def clusters_dissolve(*, clusters: list[Cluster]) -> int:
    """Send clusters to the trash: their keywords go back to `new` (unclustered) and their
    ideas go to the trash with them. Returns how many keywords were freed."""
    ids = [c.pk for c in clusters]
    if not ids:
        raise ValidationError("Choose at least one cluster to dissolve.")
    now = timezone.now()
    with transaction.atomic():
        freed = Keyword.objects.alive().filter(cluster_id__in=ids).count()
        Keyword.objects.filter(cluster_id__in=ids).update(cluster=None, status=KeywordStatus.NEW)
        Idea.objects.alive().filter(cluster_id__in=ids).update(deleted_at=now)
        Cluster.objects.filter(pk__in=ids).update(deleted_at=now)
        clusters_recount(cluster_ids=ids)
    return freed


def keywords_move(*, site: Site, keyword_ids: list[int], to: Cluster | None) -> int:
    """Move live keywords of the site into cluster `to` (status `mapped`), or out of their
    cluster when `to` is None (status `new`). A cluster holds keywords of its own sector only.
    Returns how many moved."""
    keywords = Keyword.objects.alive().filter(site=site, pk__in=keyword_ids)
    if not keyword_ids or not keywords.exists():
        raise ValidationError("Choose at least one keyword to move.")
    if to is not None:
        if to.site_id != site.pk or to.deleted_at is not None:
            raise ValidationError("Choose a cluster of this site.")
        stranger = keywords.exclude(sector_id=to.sector_id).select_related("sector").first()
        if stranger is not None:
            raise ValidationError(
                f"“{stranger.text}” belongs to {stranger.sector.name}; “{to.name}” is a "
                f"cluster of {to.sector.name}. Move keywords to a cluster of their own sector."
            )
    with transaction.atomic():
        sources = set(
            keywords.exclude(cluster__isnull=True).values_list("cluster_id", flat=True).distinct()
        )
        moved = keywords.exclude(cluster=to).update(
            cluster=to, status=KeywordStatus.NEW if to is None else KeywordStatus.MAPPED
        )
        clusters_recount(cluster_ids=[*sources, *([to.pk] if to else [])])
    return moved
