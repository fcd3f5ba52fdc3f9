"""Locking the rows a bulk action works on."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model, QuerySet


def lock_for_site(rows: QuerySet, *, site: Model, ids: Iterable[int], related: str) -> list:
    """The site's rows among `rows` with these ids, locked for the transaction the caller holds
    (their own table only: the `related` row joined in stays free), in id order, so that two
    bulk actions over overlapping rows take turns rather than deadlock."""
    return list(
        rows.select_for_update(of=("self",))
        .select_related(related)
        .filter(site=site, pk__in=list(ids))
        .order_by("pk")
    )
