"""Counts and lists as a sentence says them, for the messages people read."""

from __future__ import annotations

from collections.abc import Sequence


def counted(n: int, word: str) -> str:
    """'1 task', '2 tasks', '1,200 tasks' (regular plurals only)."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def first_of(items: Sequence[str], limit: int = 5) -> str:
    """The first `limit` items joined with '; ', then '; and N more' for the rest: a message
    stays readable however many items were left out."""
    text = "; ".join(items[:limit])
    if len(items) > limit:
        text += f"; and {len(items) - limit:,} more"
    return text
