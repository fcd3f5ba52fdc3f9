"""Deadlines for outbound work: "whatever happens inside this block ends by then".

A job sets one for its whole run (its time limit, less a margin, so that it can still record
its outcome and refund before the queue kills it); an AI call sets one for itself, which can
only shorten the job's. The egress guard reads the earliest one on every connect, read and
write, so no single socket operation outlives it, and a caller that retries checks
`remaining()` before each attempt.

A context variable, not a thread-local: it follows the code that set it and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_until: ContextVar[float | None] = ContextVar("igny8_deadline", default=None)


def at() -> float | None:
    """The `time.monotonic()` instant the current deadline falls at, or None (no deadline)."""
    return _until.get()


def remaining() -> float | None:
    """Seconds left before the current deadline (never below 0), or None without one."""
    until = _until.get()
    return None if until is None else max(0.0, until - time.monotonic())


@contextmanager
def within(seconds: float) -> Iterator[float]:
    """Run the block under a deadline `seconds` from now, or under the one already in force if
    that is earlier. Yields the `time.monotonic()` instant the block must end by."""
    outer = _until.get()
    until = time.monotonic() + max(0.0, seconds)
    if outer is not None:
        until = min(until, outer)
    token = _until.set(until)
    try:
        yield until
    finally:
        _until.reset(token)


def cap(timeout: float | None) -> float | None:
    """`timeout` (seconds, None = wait forever) shortened to what the deadline leaves."""
    left = remaining()
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)
