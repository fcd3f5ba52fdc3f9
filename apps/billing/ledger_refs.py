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
from collections.abc import Callable
from dataclasses import dataclass, field

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


def looks_like_key(reference: str) -> bool:
    """A machine key (`word:word:…`, no spaces) rather than words such as "Free plan"."""
    return bool(re.fullmatch(r"[\w.-]+(:[\w.-]+)+", reference))


# The objects a key names (tasks, images, clusters, jobs) live in the workspace's apps, which
# billing (public schema) does not import: the workspace hands in the lookup at ready()
# (apps.workspace.ledger_refs.describe).
_describer: Callable[[list[CreditLedger]], dict[int, LedgerWhat]] | None = None


def register_describer(describer: Callable[[list[CreditLedger]], dict[int, LedgerWhat]]) -> None:
    global _describer
    _describer = describer


def describe(entries: list[CreditLedger]) -> dict[int, LedgerWhat]:
    """ledger row id → what it was for. Call inside the workspace's schema."""
    if _describer is None:  # no workspace apps installed: keys are not shown raw
        return {
            e.pk: LedgerWhat(e.note or e.reference)
            if e.note or (e.reference and not looks_like_key(e.reference))
            else LedgerWhat(GONE, gone=True)
            for e in entries
            if e.note or e.reference
        }
    return _describer(entries)
