"""Background jobs of the planner's clusters and ideas: thin entry points into the services."""

from __future__ import annotations

from django.db import connection

from apps.planner.services import cluster_naming
from apps.planner.services import clusters as cluster_services
from apps.planner.services import ideas as idea_services
from apps.workspace.models import Job, Site
from igny8 import jobs


def _reporter(record: Job):
    """Progress to the Job row, at most once per percent (the engine reports far more often)."""
    last: dict[str, object] = {}

    def report(done: int, total: int, message: str) -> None:
        step = (done * 100 // total if total else 0, message.split(" ", 1)[0])
        if step == last.get("step") and done != total:
            return
        last["step"] = step
        jobs.progress(record, done=done, total=total, message=message)

    return report


@jobs.job(kind="clustering", time_limit=1200)
def cluster_keywords(record: Job, site_id: int, keyword_ids: list[int] | None) -> dict:
    site = Site.objects.get(pk=site_id)
    outcome = cluster_services.keywords_cluster(
        site=site,
        keyword_ids=keyword_ids,
        progress=_reporter(record),
        run_key=f"{connection.schema_name}:job:{record.pk}:names",
    )
    return outcome.as_result()


@jobs.job(kind="naming", time_limit=1200)
def name_clusters(record: Job, site_id: int, cluster_ids: list[int]) -> dict:
    site = Site.objects.get(pk=site_id)
    outcome = cluster_naming.clusters_name(
        site=site,
        cluster_ids=cluster_ids,
        progress=_reporter(record),
        run_key=f"{connection.schema_name}:job:{record.pk}:names",
    )
    return outcome.as_result()


@jobs.job(kind="ideas", time_limit=1500)
def generate_ideas(
    record: Job, site_id: int, cluster_ids: list[int], per_cluster: int, structure: str | None
) -> dict:
    site = Site.objects.get(pk=site_id)
    outcome = idea_services.ideas_generate(
        site=site,
        cluster_ids=cluster_ids,
        per_cluster=per_cluster,
        structure=structure,
        progress=_reporter(record),
        run_key=f"{connection.schema_name}:job:{record.pk}:ideas",
    )
    return outcome.as_result()
