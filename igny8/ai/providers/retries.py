"""Tries of one provider call inside its deadline: which failures may pass, how long to wait
before the next try, and how to tell afterwards what happened.

The `openai` client's own retries (its `max_retries`) add up to (retries + 1) × timeout plus
backoff with nothing to stop them; these are ours, so that every try, every wait and every byte
read fits in the call's deadline (see `openai_compat.OpenAICompatibleProvider._call`).
"""

from __future__ import annotations

import email.utils
import math
import random
import time

import openai

# Backoff between tries, as the openai client does it: 0.5 s doubling, at most 8 s; a server's
# own retry-after is honoured up to a minute.
BACKOFF_START = 0.5
BACKOFF_MAX = 8.0
MAX_RETRY_AFTER = 60.0
# A try with less time than this left is not worth starting (the answer could not arrive).
MIN_TRY_SECONDS = 1.0
# Error codes of an account without credit: waiting does not help.
NO_CREDIT = {"insufficient_quota", "billing_hard_limit_reached", "quota_exceeded"}


class Tries:
    """The tries of one call: how many retries are left, how long each may wait, and what to
    say about them afterwards."""

    def __init__(self, *, timeout: float, retries: int) -> None:
        self.timeout = timeout  # the longest one try may wait
        self.retries = max(0, retries)  # the most retries allowed
        self.count = 0  # tries started
        self.retried = 0  # retries made
        self.started = time.monotonic()
        self.budget = timeout  # seconds the whole call may take
        self.deadline = math.inf  # ... as a time.monotonic() instant
        self.limited_by_job = False  # the job's time limit came before the call's budget
        self.last_timeout = timeout  # what the last try was allowed to wait
        self.cut_short = False  # ... less than `timeout`, because the deadline came first

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait_before_retry(self, err: openai.OpenAIError) -> float | None:
        """Seconds to wait before trying again, or None: do not (not a passing failure, no
        retries left, or the deadline would not leave time for another try)."""
        if self.retried >= self.retries or not passing(err):
            return None
        wait = backoff(self.retried, err)
        if wait is None:
            return None
        left = self.deadline - time.monotonic() - wait
        return wait if left >= min(MIN_TRY_SECONDS, self.timeout) else None

    def words(self) -> str:
        n = self.retried
        return f" after {n} {'retry' if n == 1 else 'retries'}" if n else ""


def secs(seconds: float) -> str:
    """15 → "15", 0.3 → "0.3", 121.4 → "121": as precise as a person needs."""
    return f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}".replace(".0", "")


def passing(err: openai.OpenAIError) -> bool:
    """A failure that may pass: a timeout, a dropped connection, 408, 409, 429 (not an empty
    account), 5xx, or whatever the server marks with `x-should-retry: true`."""
    if isinstance(err, openai.APITimeoutError | openai.APIConnectionError):
        return True
    if not isinstance(err, openai.APIStatusError):
        return False
    said = err.response.headers.get("x-should-retry")
    if said in ("true", "false"):
        return said == "true"
    if isinstance(err, openai.RateLimitError) and getattr(err, "code", "") in NO_CREDIT:
        return False
    return err.status_code in (408, 409, 429) or err.status_code >= 500


def retry_after(err: openai.OpenAIError) -> float | None:
    response = getattr(err, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            when = email.utils.parsedate_tz(value)
            return None if when is None else float(email.utils.mktime_tz(when) - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def backoff(retried: int, err: openai.OpenAIError) -> float | None:
    """The wait before retry number `retried + 1`: the server's retry-after when it gives a sane
    one (None when it asks for longer than we wait), else 0.5 s doubling up to 8 s, less up to
    a quarter at random so that many workers do not come back at once."""
    asked = retry_after(err)
    if asked is not None and math.isfinite(asked):
        if asked > MAX_RETRY_AFTER:
            return None
        if asked > 0:
            return asked
    wait = min(BACKOFF_START * 2**retried, BACKOFF_MAX)
    return wait * (1 - 0.25 * random.random())  # noqa: S311 (jitter, not a secret)
