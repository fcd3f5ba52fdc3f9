"""What a ledger row was for, in words and with a link, instead of its internal key.

AI runs reserve and settle credits under a key the engine makes from the work it does:
`<schema>:job:11:image:3`, `<schema>:job:7:ideas:4`, `<schema>:task:2:<uuid>`… The ledger
keeps that key (it is what ties a reservation to its settlement); a person wants to read "In
article image of “Fixing a leaking tap”" and click through to it. This module reads the parts
of each key it knows (job, task, image, cluster and the step) and looks the objects up in the
workspace's own schema, a handful of queries per ledger page whatever its length. Rows that
are not AI runs (plan grants, purchases, resets) carry words already and are shown as they are.
Keys of another workspace, or of objects since deleted, never show their raw text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection
from django.urls import reverse

from apps.billing.models import CreditLedger

_NUMBER = re.compile(r"\d+")
GONE = "An AI run on something deleted since"


@dataclass(frozen=True)
class LedgerWhat:
    """What a row was for: the words, and where to see it (empty when there is nothing)."""

    text: str
    url: str = ""
    gone: bool = False  # an AI run whose object no longer exists


@dataclass
class _Key:
    job: int | None = None
    task: int | None = None
    image: int | None = None
    cluster: int | None = None
    steps: list[str] = field(default_factory=list)


def parse_key(reference: str, *, schema: str) -> _Key | None:
    """The parts of an AI run's key, or None when `reference` is not one of this schema's."""
    parts = reference.split(":")
    if len(parts) < 2 or parts[0] != schema:
        return None
    key = _Key()
    rest = parts[1:]
    for i, token in enumerate(rest):
        following = rest[i + 1] if i + 1 < len(rest) else ""
        number = int(following) if _NUMBER.fullmatch(following) else None
        if token in ("job", "task", "image") and number is not None:
            setattr(key, token, number)
        elif token == "ideas":
            key.steps.append(token)
            # The ideas of one cluster: the key ends with the cluster's id.
            if _NUMBER.fullmatch(rest[-1]) and i < len(rest) - 1:
                key.cluster = int(rest[-1])
        elif not _NUMBER.fullmatch(token) and token not in ("job", "task", "image"):
            key.steps.append(token)
    return key


def _looks_like_key(reference: str) -> bool:
    """A machine key (`word:word:…`, no spaces) rather than words such as "Free plan"."""
    return bool(re.fullmatch(r"[\w.-]+(:[\w.-]+)+", reference))


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
            elif entry.reference and not _looks_like_key(entry.reference):
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
