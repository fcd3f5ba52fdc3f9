"""Many items, some failing: when to stop, and how to say what happened.

A job over many items (ideas per cluster, images, a batch of articles) must not go on asking a
provider that is down: after AI_JOB_MAX_PROVIDER_FAILURES provider failures in a row (a refused
key or an unknown model: at once) it stops, and the items it did not reach are left as they
were, with nothing charged for them. Its outcome then says how many failed and why:
"3 of 5 articles failed: 2 because the AI provider did not answer in time, 1 because the
article came out too short."
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings

from igny8.ai.errors import AIError, reason_of
from igny8.words import counted


def because(reasons: Counter[str]) -> str:
    """'2 because …, 1 because …', the commonest first."""
    return ", ".join(f"{n:,} because {reason}" for reason, n in reasons.most_common())


def summary(failed: Counter[str], total: int, noun: str) -> str:
    """ "3 of 5 articles failed: 2 because …, 1 because …." ("" when none failed)."""
    n = sum(failed.values())
    if not n:
        return ""
    head = f"{n:,} of {counted(total, noun)} failed" if total else f"{counted(n, noun)} failed"
    if len(failed) == 1:
        (reason,) = failed
        return f"{head} because {reason}."
    return f"{head}: {because(failed)}."


@dataclass
class Tally:
    """The failures of one job's items, in order, and whether to stop."""

    noun: str  # "cluster", "image", "article"
    total: int
    reasons: Counter[str] = field(default_factory=Counter)
    in_a_row: int = 0  # provider failures since the last success
    stopped: str = ""  # why the job stopped early ("" while it goes on)

    def succeeded(self) -> None:
        self.in_a_row = 0

    def failed(self, exc: BaseException) -> bool:
        """Count a failed item; True when the job should stop here."""
        self.reasons[reason_of(exc)] += 1
        if not getattr(exc, "provider_failure", False):
            self.in_a_row = 0
            return False
        self.in_a_row += 1
        limit = max(1, int(settings.AI_JOB_MAX_PROVIDER_FAILURES))
        if getattr(exc, "stops_at_once", False) or self.in_a_row >= limit:
            times = "" if self.in_a_row == 1 else f" {self.in_a_row} times in a row"
            self.stopped = (
                f"Stopped because {reason_of(exc)}{times}. Check the provider on the AI "
                "settings page, then start it again for the rest."
            )
            return True
        return False

    @property
    def count(self) -> int:
        return sum(self.reasons.values())

    def summary(self) -> str:
        return summary(self.reasons, self.total, self.noun)

    def error(self, first: Exception, *, done: int, problems: list[str]) -> Exception:
        """What a job that made nothing raises: its first failure, or, when several AI calls
        failed, one AIError that says how many failed and why (and what was not tried after a
        stop), then the first one's words."""
        if isinstance(first, AIError) and self.count > 1:
            stop = f" {self.stopped} {self.left_out(done)}" if self.stopped else ""
            return AIError(
                f"{self.summary()}{stop.rstrip()} The first one: {first.message}",
                reason=first.reason,
                detail="\n".join(problems)[:2000],
            )
        return first

    def left_out(self, done: int) -> str:
        """ "4 clusters were not tried; nothing was charged for them." after a stop."""
        rest = self.total - done
        if not self.stopped or rest <= 0:
            return ""
        were = "was" if rest == 1 else "were"
        return f"{counted(rest, self.noun)} {were} not tried; nothing was charged for them."


def told(failures: Tally | None, stopped: str, tried: int) -> str:
    """What a job's message says after what it made: how many items failed and why, then why
    it stopped (the job's own reason, else the provider's with what was not tried)."""
    text = ""
    if failures is not None and failures.count:
        text += " " + failures.summary()
    if stopped:
        text += f" Stopped: {stopped}"
    elif failures is not None and failures.stopped:
        text += f" {failures.stopped} {failures.left_out(tried)}".rstrip()
    return text


@dataclass(frozen=True)
class ProviderDown:
    message: str
    reason: str


def provider_down(job, *, batch: str, noun: str) -> ProviderDown | None:  # noqa: ANN001 (a Job)
    """Whether a job should leave its item alone because the provider is down: the last
    AI_JOB_MAX_PROVIDER_FAILURES jobs of its `batch` that were tried all failed because of the
    provider, with no success after them.

    Items queued together but run as jobs of their own (a batch of articles) stop asking a
    provider that does not answer this way; jobs that record `{"batch": …}` in their result
    (failed or not) form a batch. Starting again makes a new batch, which is tried as usual.
    Jobs that were held back do not count as tries either way.
    """
    from apps.workspace.models import Job

    if job is None or not batch:
        return None
    limit = max(1, int(settings.AI_JOB_MAX_PROVIDER_FAILURES))
    finished = (
        Job.objects.filter(kind=job.kind, result__batch=batch, finished__isnull=False)
        .exclude(pk=job.pk)
        .order_by("-finished", "-pk")
        .only("status", "result")[: limit * 20]
    )
    tried = [j for j in finished if not (j.result or {}).get("skipped")][:limit]
    if len(tried) < limit or not all((j.result or {}).get("provider_failure") for j in tried):
        return None
    reasons = Counter(
        str((j.result or {}).get("reason") or "the AI provider failed") for j in tried
    )
    why = reasons.most_common(1)[0][0]
    return ProviderDown(
        f"Not sent to the AI: the {limit} {noun} before it failed in a row because {why}, so "
        "this one was left alone and nothing was charged. Check the provider on the AI "
        "settings page, then try again.",
        "it was not tried after the AI provider failed several times in a row",
    )
