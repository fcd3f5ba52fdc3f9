"""Stages 1–3, the planner's side: keywords → clusters → ideas → tasks."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from apps.automation.stages.base import (
    GONE,
    IDEAS_PER_CLUSTER,
    NO_MATCH,
    Outcome,
    Stage,
    charged_before,
    short_of,
)
from apps.planner.models import Cluster, ClusterStatus, Idea, IdeaStatus, Keyword
from apps.writer.models import Task
from igny8.ai import costs

# --- 1. keywords → clusters ---------------------------------------------------------------


class Keywords(Stage):
    number = 1
    per_item = False

    def pending(self, site, config):
        from apps.planner.services.clusters import eligible_keywords

        return eligible_keywords(site=site)

    def handle(self, ctx, unit, *, resumed):
        from apps.planner.services.clusters import keywords_cluster

        keywords_cluster(site=ctx.site, keyword_ids=unit.ids, run_key=f"{ctx.key}:clusters")
        outcome = Outcome()
        # Read back, not from the service's counts: a batch taken again after a worker died
        # counts what the first try grouped too.
        outcome.processed = Keyword.objects.filter(pk__in=unit.ids, cluster__isnull=False).count()
        left = len(unit.ids) - outcome.processed
        if left:
            outcome.skip(NO_MATCH, left)
        outcome.lines.append(
            f"grouped {outcome.processed} of {len(unit.ids)} keywords into clusters"
        )
        return outcome


# --- 2. clusters → ideas ------------------------------------------------------------------


class Clusters(Stage):
    number = 2

    def pending(self, site, config):
        return Cluster.objects.alive().filter(
            site=site, status=ClusterStatus.NEW, disabled=False, keyword_count__gt=0
        )

    def price(self, site, config, limit):
        from apps.planner.services.ideas import ideas_estimate

        clusters = list(self.pending(site, config).order_by("pk")[:limit])
        return ideas_estimate(clusters=clusters, per_cluster=IDEAS_PER_CLUSTER, structure=None)

    def handle(self, ctx, unit, *, resumed):
        from apps.planner.services.ideas import ideas_estimate, ideas_generate

        outcome = Outcome()
        (pk,) = unit.ids
        cluster = Cluster.objects.alive().filter(pk=pk, site=ctx.site).first()
        run_key = f"{ctx.key}:ideas"
        if cluster is None:
            outcome.skip(GONE)
            return outcome
        if Idea.objects.alive().filter(cluster=cluster).exists():
            outcome.processed = 1  # done before (a try that a dead worker did not record)
            outcome.credits = charged_before(ctx, "ideas", pk)
            return outcome
        if cluster.disabled or not cluster.keyword_count:
            outcome.skip(GONE)
            return outcome
        price = ideas_estimate(clusters=[cluster], per_cluster=IDEAS_PER_CLUSTER, structure=None)
        outcome.stop = short_of(price)
        if outcome.stop:
            return outcome
        result = outcome.ai_call(
            f"ideas for “{cluster.name}”",
            lambda: ideas_generate(
                site=ctx.site,
                cluster_ids=[pk],
                per_cluster=IDEAS_PER_CLUSTER,
                structure=None,
                run_key=run_key,
            ),
        )
        if result is None:
            return outcome
        outcome.provider_ok = True
        if result.ideas:
            outcome.processed = 1
        else:
            outcome.skip("no ideas came back for it")
        outcome.credits = result.credits
        outcome.lines.append(
            f"{result.ideas} ideas for “{cluster.name}” "
            f"({costs.spent_words(result.credits, offline=result.offline)})"
        )
        return outcome


# --- 3. ideas → tasks ---------------------------------------------------------------------


class Ideas(Stage):
    number = 3
    per_item = False

    def pending(self, site, config):
        live_task = Task.objects.alive().filter(idea=OuterRef("pk"))
        return (
            Idea.objects.alive()
            .filter(site=site, status=IdeaStatus.NEW, disabled=False)
            .filter(~Exists(live_task))
        )

    def handle(self, ctx, unit, *, resumed):
        from apps.writer.services.tasks import tasks_from_ideas

        ideas = Idea.objects.filter(site=ctx.site, pk__in=unit.ids)
        result = tasks_from_ideas(site=ctx.site, ideas=ideas, user=ctx.user)
        outcome = Outcome()
        outcome.processed = (
            Task.objects.alive().filter(idea_id__in=unit.ids).values("idea_id").distinct().count()
        )
        left = len(unit.ids) - outcome.processed
        if left:
            outcome.skip(GONE, left)
        outcome.lines.append(f"queued {len(result.queued)} ideas to the writer (free)")
        return outcome
