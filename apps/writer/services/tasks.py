"""Tasks: made by hand or queued from ideas ("queue to writer", free), edited, trashed,
restored and retried. Writing them is in services/writing.py.

Decisions:
- One live task per idea (a database constraint): queueing an idea that already has one skips
  it and counts it, so "queue" twice changes nothing.
- A task needs an outline (at least one heading) and 300–6,000 target words: the writer follows
  the outline heading by heading, and those are the lengths it writes.
- Trashing a task that was never written gives its idea back to the planner (`new` again);
  restoring it queues the idea again. A written task's idea stays `completed`: its article
  exists whatever happens to the task.
- A task being written cannot be edited or trashed until its job ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.planner.models import MAX_KEYWORD_LENGTH, Idea, IdeaStatus
from apps.workspace.models import Sector, Site
from apps.writer.models import CONTENT_TYPES, Task, TaskStatus
from igny8.ai import functions, prompts
from igny8.db.locking import lock_for_site
from igny8.words import counted, first_of

TITLE_MAX = Task._meta.get_field("title").max_length
MIN_WORDS, MAX_WORDS = 300, 6000
# The structures the writer knows how to build (the AI function's list).
WRITABLE_STRUCTURES = tuple(functions.STRUCTURES)
CONTENT_TYPE_VALUES = tuple(value for value, _ in CONTENT_TYPES)


# A write job ends within its time limit (15 minutes); a task still "being written" long after
# that lost its worker (killed at the limit, or the server stopped), and may be retried.
STUCK_AFTER = timedelta(minutes=30)


def task_is_writing(task: Task) -> bool:
    """True while a job is really writing the task (so it may not change or run twice)."""
    if task.status != TaskStatus.IN_PROGRESS:
        return False
    job = task.job if task.job_id else None
    if job is not None and job.is_finished:
        return False
    return timezone.now() - task.updated < STUCK_AFTER


def tasks_of_dead_job(*, job, message: str, **_signal) -> int:  # noqa: ANN001 (a Job row)
    """The tasks a job was writing when its worker died: failed, with the sweeper's message (a
    retry writes them again). How many there were."""
    return Task.objects.filter(job=job, status=TaskStatus.IN_PROGRESS).update(
        status=TaskStatus.FAILED, error=message, updated=timezone.now()
    )


# --- by hand -----------------------------------------------------------------------------------


def _clean_keywords(keywords: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for k in keywords or []:
        k = str(k).strip()
        if k and k.casefold() not in seen:
            seen[k.casefold()] = k
    return list(seen.values())


def prompt_problem(text: str) -> str:
    """Why a task's own prompt cannot be used, in plain words ("" when it can, or is empty)."""
    if not (text or "").strip():
        return ""
    try:
        prompts.preview("write_content", text=text, context=prompts.sample_context())
    except ValidationError as exc:
        return (
            f"This prompt cannot be used: {exc.messages[0]} Fix it, or leave the box empty to "
            "use the workspace's prompt."
        )
    return ""


def _check(
    *,
    site: Site,
    sector: Sector | None,
    title: str,
    outline: list[dict],
    content_type: str,
    structure: str,
    primary_keyword: str,
    secondary_keywords: list[str],
    target_words: int | None,
    prompt_override: str,
) -> dict[str, str]:
    """Every problem with a task's fields, by field, in plain words."""
    errors: dict[str, str] = {}
    if sector is None or sector.site_id != site.pk:
        errors["sector"] = "Choose one of this site's sectors."
    if not title:
        errors["title"] = "Give the task a title: the article's working headline."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    if not outline:
        errors["outline"] = "An outline needs at least one “## ” heading."
    if content_type not in CONTENT_TYPE_VALUES:
        errors["content_type"] = "Choose a content type from the list."
    if structure not in WRITABLE_STRUCTURES:
        errors["structure"] = "Choose a structure from the list."
    if not primary_keyword:
        errors["primary_keyword"] = "Name the keyword the article targets first."
    elif len(primary_keyword) > MAX_KEYWORD_LENGTH:
        errors["primary_keyword"] = f"Keep the keyword under {MAX_KEYWORD_LENGTH} characters."
    if any(len(k) > MAX_KEYWORD_LENGTH for k in secondary_keywords):
        errors["secondary_keywords"] = f"Keep each keyword under {MAX_KEYWORD_LENGTH} characters."
    if target_words is not None and not MIN_WORDS <= target_words <= MAX_WORDS:
        errors["target_words"] = f"Choose between {MIN_WORDS:,} and {MAX_WORDS:,} words."
    problem = prompt_problem(prompt_override)
    if problem:
        errors["prompt_override"] = problem
    return errors


def task_create(
    *,
    site: Site,
    sector: Sector | None,
    title: str,
    outline: list[dict],
    primary_keyword: str,
    brief: str = "",
    content_type: str = "post",
    structure: str = "article",
    secondary_keywords: Iterable[str] = (),
    target_words: int | None = None,
    prompt_override: str = "",
    user=None,  # noqa: ANN001  (a User or None)
) -> Task:
    """A task made by hand (status `queued`). Raises ValidationError by field and saves
    nothing on bad input. Target words default to the site's default word count."""
    title = (title or "").strip()
    primary_keyword = (primary_keyword or "").strip()
    secondary = _clean_keywords(secondary_keywords)
    errors = _check(
        site=site,
        sector=sector,
        title=title,
        outline=outline,
        content_type=content_type,
        structure=structure,
        primary_keyword=primary_keyword,
        secondary_keywords=secondary,
        target_words=target_words,
        prompt_override=prompt_override or "",
    )
    if errors:
        raise ValidationError(errors)
    words = target_words if target_words is not None else site.default_word_count
    return Task.objects.create(
        site=site,
        sector=sector,
        title=title,
        brief=(brief or "").strip(),
        outline=outline,
        content_type=content_type,
        structure=structure,
        primary_keyword=primary_keyword,
        secondary_keywords=secondary,
        target_words=min(max(words, MIN_WORDS), MAX_WORDS),
        prompt_override=(prompt_override or "").strip(),
        created_by_id=getattr(user, "pk", None),
    )


EDITABLE = (
    "sector",
    "title",
    "brief",
    "outline",
    "content_type",
    "structure",
    "primary_keyword",
    "secondary_keywords",
    "target_words",
    "prompt_override",
)


def task_update(*, task: Task, **changes: object) -> Task:
    """Save edits to a task (fields of EDITABLE; target words None means the site's default).
    Raises ValidationError by field and saves nothing on bad input; a task being written cannot
    change until its job ends."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable task fields: {sorted(unknown)}")
    if task_is_writing(task):
        raise ValidationError("This task is being written. Wait for it to finish, then edit it.")
    values = {f: changes.get(f, getattr(task, f)) for f in EDITABLE}
    values["title"] = str(values["title"] or "").strip()
    values["brief"] = str(values["brief"] or "").strip()
    values["primary_keyword"] = str(values["primary_keyword"] or "").strip()
    values["secondary_keywords"] = _clean_keywords(values["secondary_keywords"])  # type: ignore[arg-type]
    values["prompt_override"] = str(values["prompt_override"] or "").strip()
    errors = _check(
        site=task.site,
        sector=values["sector"],  # type: ignore[arg-type]
        title=values["title"],
        outline=values["outline"],  # type: ignore[arg-type]
        content_type=values["content_type"],  # type: ignore[arg-type]
        structure=values["structure"],  # type: ignore[arg-type]
        primary_keyword=values["primary_keyword"],
        secondary_keywords=values["secondary_keywords"],
        target_words=values["target_words"],  # type: ignore[arg-type]
        prompt_override=values["prompt_override"],
    )
    if errors:
        raise ValidationError(errors)
    if values["target_words"] is None:
        values["target_words"] = task.site.default_word_count
    for name, value in values.items():
        setattr(task, name, value)
    task.save(update_fields=[*EDITABLE, "updated"])
    return task


# --- queue to writer ---------------------------------------------------------------------------


@dataclass
class QueueOutcome:
    queued: list[Task] = field(default_factory=list)
    already: int = 0  # ideas that already had a live task
    skipped: list[str] = field(default_factory=list)  # one plain sentence per idea left out

    def message(self) -> str:
        n = len(self.queued)
        text = f"Queued {counted(n, 'idea')} to the writer."
        if self.already:
            text += (
                f" {counted(self.already, 'idea')} already had a task and "
                f"{'was' if self.already == 1 else 'were'} left as "
                f"{'it was' if self.already == 1 else 'they were'}."
            )
        if self.skipped:
            text += " Not queued: " + first_of(self.skipped) + "."
        return text


def _words_of(idea: Idea) -> int:
    return min(max(int(idea.estimated_words or 0), MIN_WORDS), MAX_WORDS)


def tasks_from_ideas(*, site: Site, ideas: Iterable[Idea], user=None) -> QueueOutcome:  # noqa: ANN001
    """ "Queue to writer" (free): one task per idea, copying its title, outline, content type,
    structure, keywords, estimated words, cluster and sector; the idea becomes `queued`.

    Idempotent: an idea that already has a live task is skipped and counted. Disabled and
    trashed ideas are left out with the reason; nothing else is charged or changed."""
    outcome = QueueOutcome()
    wanted = sorted({i.pk for i in ideas})
    with transaction.atomic():
        # Locking the ideas makes two clicks on "queue" take turns: the second sees the tasks.
        rows = list(
            Idea.objects.select_for_update(of=("self",))
            .filter(site=site, pk__in=wanted)
            .order_by("pk")
        )
        has_task = set(
            Task.objects.alive().filter(idea_id__in=wanted).values_list("idea_id", flat=True)
        )
        new_tasks: list[Task] = []
        for idea in rows:
            if idea.deleted_at is not None:
                outcome.skipped.append(f"“{idea.title}” is in the trash")
            elif idea.disabled:
                outcome.skipped.append(f"“{idea.title}” is disabled (enable it to queue it)")
            elif idea.pk in has_task:
                outcome.already += 1
            else:
                new_tasks.append(
                    Task(
                        site=site,
                        sector_id=idea.sector_id,
                        idea=idea,
                        cluster_id=idea.cluster_id,
                        title=idea.title[:TITLE_MAX],
                        outline=idea.outline,
                        content_type=idea.content_type
                        if idea.content_type in CONTENT_TYPE_VALUES
                        else "post",
                        structure=idea.structure
                        if idea.structure in WRITABLE_STRUCTURES
                        else "article",
                        primary_keyword=idea.primary_keyword,
                        secondary_keywords=_clean_keywords(idea.secondary_keywords),
                        target_words=_words_of(idea),
                        created_by_id=getattr(user, "pk", None),
                    )
                )
        outcome.queued = Task.objects.bulk_create(new_tasks)
        Idea.objects.filter(pk__in=[t.idea_id for t in new_tasks]).update(status=IdeaStatus.QUEUED)
    return outcome


# --- trash, restore, retry ---------------------------------------------------------------------


@dataclass
class BulkOutcome:
    done: int = 0
    skipped: list[str] = field(default_factory=list)

    def message(self, verb: str) -> str:
        text = f"{verb} {counted(self.done, 'task')}."
        if self.skipped:
            text += " Left out: " + first_of(self.skipped) + "."
        return text


def tasks_trash(*, site: Site, tasks: Iterable[Task]) -> BulkOutcome:
    """Move tasks to the trash. Tasks being written stay (with the reason); an idea whose task
    was never written goes back to `new` so the planner can queue it again."""
    outcome = BulkOutcome()
    ids = [t.pk for t in tasks]
    with transaction.atomic():
        rows = lock_for_site(Task.objects.alive(), site=site, ids=ids, related="job")
        trash: list[Task] = []
        for task in rows:
            if task_is_writing(task):
                outcome.skipped.append(f"“{task.title}” is being written")
            else:
                trash.append(task)
        outcome.done = Task.objects.filter(pk__in=[t.pk for t in trash]).update(
            deleted_at=timezone.now()
        )
        unwritten_ideas = [
            t.idea_id for t in trash if t.idea_id and t.status != TaskStatus.COMPLETED
        ]
        Idea.objects.filter(pk__in=unwritten_ideas, status=IdeaStatus.QUEUED).update(
            status=IdeaStatus.NEW
        )
    return outcome


def tasks_restore(*, site: Site, tasks: Iterable[Task]) -> BulkOutcome:
    """Bring trashed tasks back. A task whose idea has meanwhile been queued again (or trashed)
    stays in the trash with the reason; a restored unwritten task queues its idea again."""
    outcome = BulkOutcome()
    ids = [t.pk for t in tasks]
    with transaction.atomic():
        rows = lock_for_site(Task.objects.trashed(), site=site, ids=ids, related="idea")
        live_ideas = set(
            Task.objects.alive()
            .filter(idea_id__in=[t.idea_id for t in rows if t.idea_id])
            .values_list("idea_id", flat=True)
        )
        back: list[Task] = []
        for task in rows:
            if task.idea_id and task.idea_id in live_ideas:
                outcome.skipped.append(
                    f"“{task.title}”: its idea has another task now; trash that one first"
                )
            elif task.idea_id and task.idea.deleted_at is not None:
                outcome.skipped.append(
                    f"“{task.title}”: its idea “{task.idea.title}” is in the trash; restore it "
                    "first"
                )
            else:
                live_ideas.add(task.idea_id)
                back.append(task)
        outcome.done = Task.objects.filter(pk__in=[t.pk for t in back]).update(deleted_at=None)
        Idea.objects.filter(
            pk__in=[t.idea_id for t in back if t.idea_id and t.status != TaskStatus.COMPLETED],
            status=IdeaStatus.NEW,
        ).update(status=IdeaStatus.QUEUED)
    return outcome


def tasks_retry(*, site: Site, tasks: Iterable[Task]) -> BulkOutcome:
    """Failed tasks (and tasks whose writing job was lost) go back to `queued` with their error
    cleared, ready to write again. Other tasks are left as they are and counted as left out."""
    outcome = BulkOutcome()
    ids = [t.pk for t in tasks]
    with transaction.atomic():
        rows = lock_for_site(Task.objects.alive(), site=site, ids=ids, related="job")
        failed = [
            t.pk
            for t in rows
            if t.status == TaskStatus.FAILED
            or (t.status == TaskStatus.IN_PROGRESS and not task_is_writing(t))
        ]
        not_failed = len(rows) - len(failed)
        if not_failed:
            outcome.skipped.append(f"{counted(not_failed, 'task')} had not failed")
        outcome.done = Task.objects.filter(pk__in=failed).update(
            status=TaskStatus.QUEUED,
            error="",
            duplicate_of=None,
            job=None,
            updated=timezone.now(),
        )
    return outcome
