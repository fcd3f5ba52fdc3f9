"""The sync log: every exchange between a site's WordPress and us, one row each, also written
to the `publishing` (what we did) or `wordpress_api` (what WordPress sent us) log channel."""

from __future__ import annotations

import logging

from apps.publisher.models import Direction, SyncEvent
from apps.workspace.models import Site
from igny8.logging import request_id_var

SUMMARY_MAX = SyncEvent._meta.get_field("summary").max_length
ERROR_MAX = 2000

publishing_log = logging.getLogger("publishing")
wordpress_log = logging.getLogger("wordpress_api")


def log_event(
    *,
    site: Site,
    direction: str,
    kind: str,
    object_type: str = "",
    object_id: object = "",
    ok: bool = True,
    summary: str = "",
    error: str = "",
    request_id: str = "",
) -> SyncEvent:
    """Record one exchange. `error` is the plain-word reason a person reads (never a peer's
    raw body); `summary` what was sent or received, without secrets or bytes."""
    rid = request_id or request_id_var.get()
    event = SyncEvent.objects.create(
        site=site,
        direction=direction,
        kind=kind[:20],
        object_type=object_type[:20],
        object_id=str(object_id or "")[:40],
        ok=ok,
        summary=" ".join(summary.split())[:SUMMARY_MAX],
        error=error[:ERROR_MAX],
        request_id="" if rid == "-" else rid[:64],
    )
    channel = publishing_log if direction == Direction.OUT else wordpress_log
    channel.log(
        logging.INFO if ok else logging.WARNING,
        "site %s %s %s %s:%s %s%s",
        site.pk,
        direction,
        kind,
        object_type,
        event.object_id,
        "ok" if ok else "failed",
        f": {error[:300]}" if error else "",
    )
    return event
