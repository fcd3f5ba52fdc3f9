"""The ideas trash: restore (when the idea still fits its site) or delete forever."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from apps.planner.models import Idea
from apps.planner.services.clusters import clusters_recount
from apps.workspace.models import Site
from igny8.db.locking import lock_for_site


@dataclass
class RestoreReport:
    restored: int = 0
    refused: list[str] = field(default_factory=list)  # one plain sentence per idea left out


def ideas_restore(*, site: Site, ids: list[int]) -> RestoreReport:
    """Bring trashed ideas of the site back. An idea whose cluster was dissolved, or whose
    title a live idea of the site now uses, stays in the trash with the reason."""
    report = RestoreReport()
    with transaction.atomic():
        trashed = lock_for_site(Idea.objects.trashed(), site=site, ids=ids, related="cluster")
        titles = {
            t.casefold()
            for t in Idea.objects.alive().filter(site=site).values_list("title", flat=True)
        }
        back: list[int] = []
        clusters: set[int] = set()
        for idea in trashed:
            if idea.cluster.deleted_at is not None:
                report.refused.append(
                    f"“{idea.title}”: its cluster “{idea.cluster.name}” was dissolved."
                )
            elif idea.title.casefold() in titles:
                report.refused.append(
                    f"“{idea.title}”: an idea with this title is already in the list; "
                    "rename or delete that one first."
                )
            else:
                titles.add(idea.title.casefold())
                back.append(idea.pk)
                clusters.add(idea.cluster_id)
        report.restored = Idea.objects.filter(pk__in=back).update(deleted_at=None)
        clusters_recount(cluster_ids=clusters)
    return report


def ideas_delete_forever(*, site: Site, ids: list[int]) -> int:
    """Delete trashed ideas of the site for good (live ideas are never touched)."""
    deleted, _ = Idea.objects.trashed().filter(site=site, pk__in=ids).delete()
    return deleted
