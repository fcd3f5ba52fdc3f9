"""What a ledger row was for: the workspace's side of apps.billing.ledger_refs.

Billing parses the ledger's keys; the objects they name (tasks, images, clusters, jobs) live in
this workspace's schema, so they are looked up here, a handful of queries per ledger page
whatever its length, and billing is handed `describe` at ready() (WorkspaceConfig).
"""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from apps.billing.ledger_refs import GONE, LedgerWhat, _Key, looks_like_key, parse_key
from apps.billing.models import CreditLedger


def describe(entries: list[CreditLedger]) -> dict[int, LedgerWhat]:
    """ledger row id → what it was for. Call inside the workspace's schema."""
    from apps.planner.models import Cluster
    from apps.workspace.models import Job
    from apps.writer.models import Image, Task

    schema = connection.schema_name
    keys = {e.pk: parse_key(e.reference, schema=schema) for e in entries if e.reference}
    found = [k for k in keys.values() if k is not None]
    job_ids = {k.job for k in found if k.job}
    images = Image.objects.select_related("content").in_bulk({k.image for k in found if k.image})
    clusters = Cluster.objects.in_bulk({k.cluster for k in found if k.cluster})
    jobs = Job.objects.in_bulk(job_ids)
    tasks = Task.objects.select_related("content").in_bulk({k.task for k in found if k.task})
    # A writing run's key names its job; the task that job wrote says which article.
    task_of_job = {
        t.job_id: t
        for t in Task.objects.select_related("content").filter(job_id__in=job_ids)
        if t.job_id
    }

    described: dict[int, LedgerWhat] = {}
    for entry in entries:
        key = keys.get(entry.pk)
        if key is None:
            if entry.note:
                described[entry.pk] = LedgerWhat(entry.note)
            elif entry.reference and not looks_like_key(entry.reference):
                described[entry.pk] = LedgerWhat(entry.reference)
            elif entry.reference:
                described[entry.pk] = LedgerWhat(GONE, gone=True)
            continue
        described[entry.pk] = _what(
            key,
            image=images.get(key.image) if key.image else None,
            cluster=clusters.get(key.cluster) if key.cluster else None,
            task=tasks.get(key.task) if key.task else task_of_job.get(key.job),
            job=jobs.get(key.job) if key.job else None,
        )
    return described


def _article(content) -> tuple[str, str]:
    if content is None or content.deleted_at is not None:
        return "", ""
    return f"“{content.title}”", reverse("writer:content", args=[content.pk])


def _what(key: _Key, *, image, cluster, task, job) -> LedgerWhat:
    if image is not None:
        title, _ = _article(image.content)
        if title:
            return LedgerWhat(
                f"{image.get_kind_display()} image of {title}",
                reverse("writer:content_images", args=[image.content_id]),
            )
    if cluster is not None and "ideas" in key.steps:
        if cluster.deleted_at is None:
            return LedgerWhat(
                f"Ideas for the cluster “{cluster.name}”",
                reverse("planner:cluster", args=[cluster.pk]),
            )
        return LedgerWhat(f"Ideas for the cluster “{cluster.name}” (since dissolved)")
    if task is not None:
        title, url = _article(getattr(task, "content", None))
        if title:
            return LedgerWhat(f"Article {title}", url)
        if task.deleted_at is None:
            return LedgerWhat(f"Task “{task.title}”", reverse("writer:task", args=[task.pk]))
    if job is not None:
        return LedgerWhat(job.label or job.kind.replace("_", " ").capitalize(), _job_url(job))
    return LedgerWhat(GONE, gone=True)


def _job_url(job) -> str:
    return reverse("workspace:job", args=[job.pk])
