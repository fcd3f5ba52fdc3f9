"""What a screen reader is told about long work (a job, an automation run).

Progress polls every second or two; reading each new count aloud would drown everything else,
so the page announces a milestone only when its words change: started, each quarter done, and
how it ended. The visible bar keeps moving on every poll, outside any live region.
"""

from __future__ import annotations

# How work that stopped ended, in words (job and run statuses share these names).
ENDED = {
    "succeeded": "done",
    "completed": "done",
    "failed": "failed",
    "cancelled": "cancelled",
    "stopped": "stopped",
    "paused": "paused",
}


def progress_milestone(*, label: str, status: str, percent: int | None) -> str:
    """The sentence to announce for work at `status` and `percent` done.

    Only eight sentences exist per label (waiting, started, 25/50/75 % done, and the endings),
    so a page that announces on change speaks a handful of times over a whole run.
    """
    label = label.strip() or "The work"
    if status in ENDED:
        return f"{label}: {ENDED[status]}."
    if status == "queued":
        return f"{label}: waiting to start."
    # 100 % while still running is the last moment before "done": it stays at three quarters,
    # so the ending is one announcement, not two.
    quarter = min(max(int(percent or 0), 0) // 25 * 25, 75)
    if quarter == 0:
        return f"{label}: started."
    return f"{label}: {quarter}% done."
