"""Writing tasks through the AI engine: the cost first, then one job per task.

    tasks_write_estimate(tasks=…)                          what the writing costs (shown first)
    tasks_write_enqueue(site=…, tasks=…, user=…)           one "write" job per task
    task_write(task, job)                                  what the job does

Decisions:
- A task is written by one job at a time; a task already being written is left out.
- Writing a task that has an article makes a new version of that article (source "written"),
  never a second article. If the AI answers with exactly the current text, there is nothing new
  to keep: no version is added and the run is not charged (it changed nothing).
- An article costs the price of its target words, shown before it starts (free with the
  offline writer), whatever number of words the model wrote around that target.
- A rewritten article goes back to `draft`: what was reviewed or approved is no longer what is
  there. The text reviewed stays in the versions.
- A task whose article is in the trash is not written: restore the article, or delete it for
  good, first (else the new text would land in the trash, or a second article would appear).
- The near-duplicate guard runs in the job, before any credit is reserved: nothing is charged
  for a task it holds.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import Account
from apps.billing import credits
from apps.planner.models import Idea, IdeaStatus
from apps.workspace.models import Job, Site
from apps.writer.models import Content, EditorialStatus, Task, TaskStatus, VersionSource
from apps.writer.services.duplicates import near_duplicate
from apps.writer.services.tasks import task_is_writing
from apps.writer.services.versions import content_create, content_save
from igny8 import jobs
from igny8.ai import costs, functions
from igny8.ai.config import AIConfig
from igny8.ai.errors import detail_of, reason_of
from igny8.ai.failures import provider_down
from igny8.errors import UserFacingError
from igny8.words import counted, first_of

log = logging.getLogger(__name__)

FUNCTION = "write_content"
# Structures whose readers usually arrive with follow-up questions: the article ends with an
# FAQ. (An FAQ-structured article is all questions already.)
FAQ_STRUCTURES = {"article", "guide", "how_to"}
_FAQ_WORDS = ("faq", "frequently asked", "questions")


def wants_faq(task: Task) -> bool:
    """An FAQ section when the structure suggests one and the outline has none of its own."""
    if task.structure not in FAQ_STRUCTURES:
        return False
    headings = " ".join(str(h.get("heading", "")) for h in task.outline or []).casefold()
    return not any(word in headings for word in _FAQ_WORDS)


def write_input(task: Task) -> dict[str, Any]:
    """The write_content input for a task (validated against the function's schema by the
    engine): the title, outline, keywords, length, structure, content type and the brief."""
    data: dict[str, Any] = {
        "title": task.title,
        "outline": [
            {
                "heading": str(h.get("heading", "")).strip(),
                "level": 3 if h.get("level") == 3 else 2,
                "points": [str(p) for p in h.get("points") or [] if str(p).strip()],
            }
            for h in task.outline or []
            if isinstance(h, dict) and str(h.get("heading", "")).strip()
        ],
        "primary_keyword": task.primary_keyword,
        "secondary_keywords": [k for k in task.secondary_keywords or [] if str(k).strip()],
        "target_words": task.target_words,
        "content_type": task.content_type
        if task.content_type in functions.CONTENT_TYPES
        else "post",
        "include_faq": wants_faq(task),
    }
    if task.structure in functions.STRUCTURES:
        data["structure"] = task.structure
    if task.brief.strip():
        data["brief"] = task.brief.strip()[:2000]
    return data


# --- the cost, and starting ------------------------------------------------------------------


def task_estimate(task: Task, *, config: AIConfig | None = None) -> costs.Price:
    """What writing this task costs with the provider in force: the price of its target
    words (free with the offline writer)."""
    return costs.price(FUNCTION, task.target_words, config=config)


def tasks_write_estimate(*, tasks: Iterable[Task], config: AIConfig | None = None) -> costs.Price:
    """What writing these tasks costs (shown before it starts, and what is taken)."""
    return costs.total([task_estimate(t, config=config) for t in tasks], config=config)


def task_problem(task: Task) -> str:
    """Why this task cannot be written now, in a sentence; "" when it can."""
    if task.deleted_at is not None:
        return f"“{task.title}” is in the trash"
    if task_is_writing(task):
        return f"“{task.title}” is being written already"
    content = Content.objects.filter(task=task).only("pk", "deleted_at", "title").first()
    if content is not None and content.deleted_at is not None:
        return (
            f"the article of “{task.title}” is in the trash (restore it, or delete it for good, "
            "to write the task again)"
        )
    if not write_input(task)["outline"]:
        return f"“{task.title}” has no outline (add at least one heading)"
    return ""


@dataclass
class WriteStart:
    jobs: list[Job] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def message(self) -> str:
        n = len(self.jobs)
        text = f"Writing {counted(n, 'task')}: the list updates as each one finishes."
        if not n:
            text = "Nothing to write."
        if self.skipped:
            text += " Left out: " + first_of(self.skipped) + "."
        return text


def _account() -> Account:
    return Account.objects.get(schema_name=connection.schema_name)


def tasks_write_enqueue(
    *,
    site: Site,
    tasks: Iterable[Task],
    user=None,
    allow_duplicate: bool = False,  # noqa: ANN001
    shown: int | None = None,
) -> WriteStart:
    """Start writing: one job per task that can be written (the others are left out with the
    reason). Each task becomes `in_progress` with its job. `allow_duplicate` is the person's
    "write it anyway" for tasks the near-duplicate guard held.

    Raises InsufficientCredits, before anything starts, when the workspace cannot pay for the
    tasks it would write, and CostChanged when `shown` (the credits the page showed) is no
    longer their price."""
    start = WriteStart()
    ready: list[Task] = []
    for task in tasks:
        if task.site_id != site.pk:
            continue
        problem = task_problem(task)
        if problem:
            start.skipped.append(problem)
        else:
            ready.append(task)
    if not ready:
        return start
    needed = tasks_write_estimate(tasks=ready)
    costs.check_shown(shown, needed, f"writing {counted(len(ready), 'task')}")
    credits.require_affordable(
        _account(),
        needed,
        costing=f"Writing {counted(len(ready), 'task')} costs",
        otherwise="or write fewer tasks at a time",
    )
    # The tasks written together: after a few provider failures in a row, the rest of them
    # are not sent (igny8.ai.failures.provider_down).
    batch = uuid.uuid4().hex[:16]
    for task in ready:
        with transaction.atomic():
            locked = (
                Task.objects.select_for_update(of=("self",)).select_related("job").get(pk=task.pk)
            )
            if locked.deleted_at is not None or task_is_writing(locked):
                start.skipped.append(f"“{task.title}” is being written already")
                continue
            changes = {
                "status": TaskStatus.IN_PROGRESS,
                "error": "",
                "duplicate_of": None,
                "job": None,
                "updated": timezone.now(),
            }
            if allow_duplicate:
                changes["allow_duplicate"] = True
            Task.objects.filter(pk=task.pk).update(**changes)
            job = jobs.enqueue(
                "apps.writer.jobs.writing.write_task",
                task.pk,
                batch,
                label=f"Write “{task.title}”"[:200],
                user=user,
            )
            # With synchronous jobs (tests) the job has already run: only link it.
            Task.objects.filter(pk=task.pk).update(job=job)
        start.jobs.append(job)
    return start


# --- the job's work ----------------------------------------------------------------------------


@dataclass
class WriteResult:
    status: str  # a TaskStatus
    message: str
    content_id: int | None = None
    version: int | None = None
    credits: int = 0
    # For a failure: why, as a clause after "failed because"; the detail for staff; whether
    # the provider itself failed (a batch stops asking it after a few of those in a row).
    reason: str = ""
    detail: str = ""
    provider_failure: bool = False

    skipped: bool = False  # not tried at all (the provider was down)

    def as_result(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "status": self.status,
            "content": self.content_id,
            "version": self.version,
            "credits": self.credits,
        }


def _fail(task: Task, message: str, *, duplicate_of: Content | None = None) -> None:
    Task.objects.filter(pk=task.pk).update(
        status=TaskStatus.FAILED,
        error=message,
        duplicate_of=duplicate_of,
        updated=timezone.now(),
    )
    task.status, task.error = TaskStatus.FAILED, message


def _store(task: Task, output: dict, result: Any, author) -> tuple[Content, int | None]:  # noqa: ANN001
    """Save the written article (inside the engine's transaction): a new Content with version
    1, or a new version of the task's Content. Then task → completed, idea → completed."""
    locked = Task.objects.select_for_update().get(pk=task.pk)
    fields = {
        "title": output.get("title") or locked.title,
        "html": output["html"],
        "excerpt": output.get("excerpt", ""),
        "meta_title": output.get("meta_title", ""),
        "meta_description": output.get("meta_description", ""),
        "slug": output.get("slug", ""),
        # The task's keywords are the targets a person chose: they stay the article's.
        "primary_keyword": locked.primary_keyword,
        "secondary_keywords": locked.secondary_keywords or output.get("secondary_keywords") or [],
    }
    provenance = {
        "provider": result.provider,
        "model": result.model,
        "prompt_version": result.prompt_version,
    }
    extra = {
        "content_type": locked.content_type,
        "structure": locked.structure,
        "target_words": locked.target_words,
    }
    content = Content.objects.select_for_update().filter(task=locked).first()
    if content is None:
        content = content_create(
            site=locked.site,
            sector=locked.sector,
            task=locked,
            fields=fields,
            source=VersionSource.WRITTEN,
            author=author,
            provenance=provenance,
            extra=extra,
        )
        number: int | None = 1
    else:
        if content.deleted_at is not None:
            raise UserFacingError(
                "This task's article is in the trash. Restore it, or delete it for good, then "
                "write the task again."
            )
        version = content_save(
            content=content,
            changes=fields,
            author=author,
            source=VersionSource.WRITTEN,
            note="Written again from its task",
            provenance=provenance,
        )
        number = version.number if version else None
        rewrite = {**extra, "sector": locked.sector_id}
        if version is not None and content.status != EditorialStatus.DRAFT:
            rewrite.update(status=EditorialStatus.DRAFT, approved_by=None, approved_at=None)
        Content.objects.filter(pk=content.pk).update(**rewrite)
    Task.objects.filter(pk=locked.pk).update(
        status=TaskStatus.COMPLETED, error="", duplicate_of=None, updated=timezone.now()
    )
    if locked.idea_id:
        Idea.objects.filter(pk=locked.idea_id).update(status=IdeaStatus.COMPLETED)
    return content, number


def task_write(
    task: Task, job: Job | None = None, *, batch: str = "", run_key: str = ""
) -> WriteResult:
    """Write one task: the near-duplicate guard, then the AI engine, then the article (see the
    module notes). Failures end with the task `failed` and the reason in plain words; the
    engine returns any reserved credits. Safe to run twice for one job, and for one `run_key`
    (the credit key of a caller that writes many tasks in one job, as automation does)."""
    from igny8.ai import engine

    task = Task.objects.select_related("site", "sector", "job").get(pk=task.pk)
    if job is not None and task.status == TaskStatus.COMPLETED and task.job_id == job.pk:
        return WriteResult(TaskStatus.COMPLETED, "Already written.")  # delivered twice
    if job is not None and task.job_id and task.job_id != job.pk:
        return WriteResult(task.status, "A newer run of this task took over.")
    if task.deleted_at is not None:
        return WriteResult(task.status, "The task was moved to the trash; nothing written.")
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.IN_PROGRESS, updated=timezone.now())
    site: Site = task.site
    if not task.allow_duplicate:
        found = near_duplicate(site=site, task=task)
        if found is not None:
            _fail(task, found.message(), duplicate_of=found.content)
            return WriteResult(
                TaskStatus.FAILED, task.error, reason="it is too close to an article the site has"
            )
    down = provider_down(job, batch=batch, noun="articles")
    if down is not None:
        _fail(task, down.message)
        return WriteResult(TaskStatus.FAILED, down.message, reason=down.reason, skipped=True)
    author = job.created_by if job is not None and job.created_by_id else None
    key = run_key or (
        f"{connection.schema_name}:job:{job.pk}"
        if job is not None
        else f"{connection.schema_name}:task:{task.pk}:{uuid.uuid4().hex}"
    )
    stored: dict[str, Any] = {}

    def save(output: dict, result: Any) -> int:
        content, number = _store(task, output, result, author)
        stored.update(content=content, number=number)
        result.changed = number is not None  # the same text again: nothing new, not charged
        return content.pk

    try:
        result = engine.run(
            FUNCTION,
            site=site,
            input=write_input(task),
            key=key,
            sector=task.sector.name,
            prompt_override=task.prompt_override or None,
            save=save,
            job=job,
        )
    except UserFacingError as exc:
        _fail(task, exc.message)
        return WriteResult(
            TaskStatus.FAILED,
            exc.message,
            reason=reason_of(exc),
            detail=detail_of(exc),
            provider_failure=getattr(exc, "provider_failure", False),
        )
    except Exception as exc:
        log.exception("writing task %s failed", task.pk)
        message = "Writing failed because of an unexpected error on our side. Try again."
        _fail(task, message)
        return WriteResult(TaskStatus.FAILED, message, reason=reason_of(exc), detail=detail_of(exc))
    content: Content = stored["content"]
    number = stored["number"]
    spent = costs.spent_words(result.credits, offline=result.provider == "offline")
    if number is None:
        message = (
            "Written again: the text came out the same as the current one, so no new version "
            f"was made ({'nothing charged' if result.provider != 'offline' else spent})."
        )
    else:
        message = f"Written: “{content.title}”, version {number} ({spent})."
    return WriteResult(TaskStatus.COMPLETED, message, content.pk, number, result.credits)
