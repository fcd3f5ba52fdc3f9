"""Naming clusters through the AI engine: the offline writer's free names when clustering, and
names from the provider in force when a person asks for them, at the price shown first.

    clusters_naming_price(clusters=…)                    what naming them costs (shown first)
    clusters_name_enqueue(site=…, cluster_ids=…, user=…) the person's "yes": one naming job
    clusters_name(site=…, cluster_ids=…)                 what that job does

A run whose names and descriptions are the ones the clusters already have changed nothing and
is not charged.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection

from apps.billing.errors import AccountLapsed, InsufficientCredits
from apps.planner.models import Cluster, Keyword
from apps.workspace.models import Job, Sector, Site
from igny8 import jobs
from igny8.ai import costs
from igny8.ai.config import AIConfig
from igny8.ai.errors import AIError

log = logging.getLogger(__name__)

NAME_MAX = Cluster._meta.get_field("name").max_length
NAMING_BATCH = 50  # clusters per name_clusters call
NAMING_KEYWORDS = 20  # keywords per cluster shown to the namer (the highest-volume ones)

Progress = Callable[[int, int, str], None]


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def clusters_for_naming(*, site: Site, cluster_ids: Iterable[int]) -> list[Cluster]:
    """The live clusters of the site among `cluster_ids` that have keywords to name from."""
    ids = {int(pk) for pk in cluster_ids if pk}
    return list(
        Cluster.objects.alive()
        .filter(site=site, pk__in=ids, keyword_count__gt=0)
        .select_related("sector")
        .order_by("sector_id", "pk")
    )


def naming_batches(clusters: list[Cluster]) -> list[list[Cluster]]:
    """The clusters as `name_clusters` runs take them: one sector per run, NAMING_BATCH at most
    (the price is per run, so the page prices the same batches the job runs)."""
    batches: list[list[Cluster]] = []
    for c in sorted(clusters, key=lambda c: (c.sector_id, c.pk)):
        if (
            not batches
            or batches[-1][0].sector_id != c.sector_id
            or len(batches[-1]) >= NAMING_BATCH
        ):
            batches.append([])
        batches[-1].append(c)
    return batches


def clusters_naming_price(
    *, clusters: list[Cluster], config: AIConfig | None = None
) -> costs.Price:
    """What naming these clusters with the provider in force costs (shown before it starts)."""
    return costs.total(
        [costs.price("name_clusters", len(b), config=config) for b in naming_batches(clusters)],
        config=config,
    )


def clusters_name_enqueue(
    *, site: Site, cluster_ids: list[int], user, shown: int | None = None
) -> Job:
    """Queue naming these clusters with the provider in force. Raises ValidationError when
    none can be named, CostChanged when `shown` (the credits the page showed) is no longer the
    price, and InsufficientCredits when the workspace cannot pay."""
    from apps.accounts.models import Account
    from apps.billing import credits

    clusters = clusters_for_naming(site=site, cluster_ids=cluster_ids)
    if not clusters:
        raise ValidationError(
            "None of these clusters can be named: they were deleted, or have no keywords."
        )
    price = clusters_naming_price(clusters=clusters)
    costs.check_shown(shown, price, "naming these clusters")
    account = Account.objects.get(schema_name=connection.schema_name)
    credits.require_affordable(
        account, price, costing="Naming these clusters costs", otherwise="or name fewer clusters"
    )
    n = len(clusters)
    return jobs.enqueue(
        "apps.planner.jobs.clusters.name_clusters",
        site.pk,
        [c.pk for c in clusters],
        label=f"Name {n:,} cluster{_s(n)}",
        user=user,
    )


@dataclass
class NamingOutcome:
    clusters: int = 0  # clusters asked about
    named: int = 0  # clusters whose name or description changed
    credits: int = 0
    offline: bool = True
    note: str = ""

    def message(self) -> str:
        spent = costs.spent_words(self.credits, offline=self.offline)
        who = "the offline writer" if self.offline else "your AI provider"
        if not self.named and not self.note:
            return (
                f"{who[0].upper()}{who[1:]} gave the names the clusters already have: nothing "
                f"changed ({spent})."
            )
        named = f"Named {self.named:,} of {self.clusters:,} cluster{_s(self.clusters)}"
        text = f"{named} for {spent}." if self.offline else f"{named} with {who} ({spent})."
        return f"{text} {self.note}" if self.note else text

    def as_result(self) -> dict:
        return {
            "message": self.message(),
            "clusters": self.clusters,
            "named": self.named,
            "credits": self.credits,
        }


def clusters_name(
    *, site: Site, cluster_ids: list[int], progress: Progress | None = None, run_key: str = ""
) -> NamingOutcome:
    """Name these clusters with the provider in force (the job behind the page's "yes")."""
    clusters = clusters_for_naming(site=site, cluster_ids=cluster_ids)
    report = progress or (lambda done, total, message: None)
    outcome = clusters_name_with(site=site, clusters=clusters, report=report, run_key=run_key)
    report(len(clusters), len(clusters), "Saving…")
    return outcome


def clusters_name_with(
    *,
    site: Site,
    clusters: list[Cluster],
    report: Progress,
    run_key: str,
    config: AIConfig | None = None,
) -> NamingOutcome:
    """Names and descriptions for these clusters from the AI engine, batch by batch."""
    from igny8.ai import engine

    config = costs.serving("name_clusters", config)
    outcome = NamingOutcome(clusters=len(clusters), offline=config.is_offline)
    top = _top_keywords([c.pk for c in clusters])
    key = run_key or f"{connection.schema_name}:names:{uuid.uuid4().hex}"
    done = 0
    for index, batch in enumerate(naming_batches(clusters)):
        report(done, len(clusters), f"Naming clusters: {done:,} of {len(clusters):,}…")
        sector = batch[0].sector
        data = {
            "sector": sector.name,
            "clusters": [
                {"id": c.pk, "keywords": [{"text": t, "volume": v} for t, v in top[c.pk]]}
                for c in batch
            ],
        }
        try:
            result = engine.run(
                "name_clusters",
                site=site,
                input=data,
                key=f"{key}:{index}",
                sector=sector.name,
                config=config,
                save=lambda output, result, sector=sector: _save_names(sector, output, result),
            )
        except (InsufficientCredits, AccountLapsed) as exc:
            some = "The other clusters" if done else "The clusters"
            outcome.note = f"{some} keep names taken from their keywords: {exc.message}"
            return outcome
        except AIError as exc:
            log.warning("cluster naming failed for %s: %s", site.pk, exc.message)
            outcome.note = (
                "Some clusters keep names taken from their keywords: the AI engine failed "
                f"({exc.message})"
            )
            return outcome
        done += len(batch)
        outcome.named += result.saved["named"]
        outcome.credits += result.credits
    return outcome


def _top_keywords(cluster_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    top: dict[int, list[tuple[str, int]]] = defaultdict(list)
    rows = (
        Keyword.objects.alive()
        .filter(cluster_id__in=cluster_ids)
        .order_by("cluster_id", "-volume", "text")
        .values_list("cluster_id", "text", "volume")
    )
    for cluster_id, text, volume in rows:
        if len(top[cluster_id]) < NAMING_KEYWORDS:
            top[cluster_id].append((text, volume))
    return top


def _save_names(sector: Sector, output: dict, result=None) -> dict:  # noqa: ANN001
    """Apply the names that do not clash with another live cluster of the sector. When no
    cluster's name or description changes, the run changed nothing and is not charged."""
    answers = {a["id"]: a for a in output["clusters"]}
    clusters = {c.pk: c for c in Cluster.objects.alive().filter(pk__in=list(answers))}
    taken = {
        n.lower()
        for n in Cluster.objects.alive()
        .filter(sector=sector)
        .exclude(pk__in=list(clusters))
        .values_list("name", flat=True)
    }
    changed = []
    for pk, c in clusters.items():
        before = (c.name, c.description)
        name = answers[pk]["name"].strip()[:NAME_MAX].strip()
        if name and name.lower() not in taken:
            c.name = name
        taken.add(c.name.lower())
        c.description = answers[pk]["description"].strip()
        if (c.name, c.description) != before:
            changed.append(c)
    Cluster.objects.bulk_update(changed, ["name", "description"])
    if result is not None and not changed:
        result.changed = False
    return {"named": len(changed)}
