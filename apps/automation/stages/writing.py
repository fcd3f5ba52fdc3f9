"""Stage 4: tasks → articles, through the writer's `task_write` (near-duplicate guard included)."""

from __future__ import annotations

from apps.automation.stages.base import (
    DUPLICATE,
    GONE,
    LAPSED,
    OUT_OF_CREDITS,
    Outcome,
    Stage,
    charged_before,
    clause,
    short_of,
)
from apps.writer.models import Task, TaskStatus

# --- 4. tasks → articles ------------------------------------------------------------------


class Tasks(Stage):
    number = 4

    def pending(self, site, config):
        return Task.objects.alive().filter(site=site, status=TaskStatus.QUEUED)

    def price(self, site, config, limit):
        from apps.writer.services.writing import tasks_write_estimate

        return tasks_write_estimate(tasks=list(self.pending(site, config).order_by("pk")[:limit]))

    def handle(self, ctx, unit, *, resumed):
        from apps.writer.services.tasks import tasks_retry
        from apps.writer.services.writing import task_estimate, task_write

        outcome = Outcome()
        (pk,) = unit.ids
        run_key = f"{ctx.key}:write:{pk}"
        task = Task.objects.alive().filter(pk=pk, site=ctx.site).first()
        if task is None:
            outcome.skip(GONE)
            return outcome
        if task.status == TaskStatus.COMPLETED:
            outcome.processed = 1  # written before (a try that a dead worker did not record)
            outcome.credits = charged_before(ctx, "write", pk)
            return outcome
        if task.status == TaskStatus.FAILED and resumed:
            # The try a dead worker made ended before it could be recorded.
            self._failed(outcome, clause(task.error), duplicate=task.duplicate_of_id is not None)
            return outcome
        if task.status != TaskStatus.QUEUED and not resumed:
            outcome.skip(GONE)
            return outcome
        outcome.stop = short_of(task_estimate(task))
        if outcome.stop:
            return outcome
        result = task_write(task, None, run_key=run_key)
        if result.status == TaskStatus.COMPLETED:
            outcome.processed = 1
            outcome.provider_ok = True
            outcome.credits = result.credits
            outcome.lines.append(result.message)
            return outcome
        if result.reason in (OUT_OF_CREDITS, LAPSED):
            # Not the task's fault: it goes back to the queue for the next run.
            tasks_retry(site=ctx.site, tasks=[task])
            outcome.stop = result.message
            return outcome
        task.refresh_from_db(fields=["duplicate_of"])
        reason = result.reason or clause(result.message)
        self._failed(outcome, reason, duplicate=task.duplicate_of_id is not None)
        outcome.provider_failure = result.provider_failure
        outcome.lines.append(f"“{task.title}” not written: {result.message}")
        return outcome

    @staticmethod
    def _failed(outcome: Outcome, reason: str, *, duplicate: bool) -> None:
        if duplicate:
            outcome.skip(DUPLICATE)
        else:
            outcome.fail(reason)
