"""The planner's offline clustering engine: pure functions, no Django.

    from apps.planner.clustering import Item, cluster, name_for
    groups = cluster([Item(1, "fix leaky faucet", 900), Item(2, "dripping tap repair", 200)])
    # [[1, 2]]: lists of item ids, every item in exactly one list, biggest total volume first

Keyword texts become vectors (``embed``: MiniLM when its model is installed, TF-IDF otherwise),
then an average-linkage grouping with a similarity threshold and a size cap makes the groups
(``group.average_linkage``). ``name_for`` gives a group's offline name. Everything here is
deterministic: the same items give the same groups, whatever their order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from apps.planner.clustering.embed import (
    MINILM,
    TFIDF,
    available_engines,
    default_engine,
    embed,
    load_engine,
    normalise,
    vectors,
)
from apps.planner.clustering.group import average_linkage
from apps.planner.clustering.naming import clean_name, name_for

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MINILM",
    "TFIDF",
    "Item",
    "available_engines",
    "clean_name",
    "cluster",
    "default_engine",
    "embed",
    "load_engine",
    "name_for",
]


@dataclass(frozen=True)
class Item:
    """One keyword to cluster."""

    id: int
    text: str
    volume: int = 0


#: Mean cosine similarity two groups need to merge, per engine, tuned on ``data/eval_set.json``
#: (``bench/clustering.py`` prints the scores around these values).
DEFAULT_THRESHOLDS: dict[str, float] = {MINILM: 0.45, TFIDF: 0.1}


def cluster(
    items: Sequence[Item],
    *,
    engine: str | None = None,
    threshold: float | None = None,
    max_size: int = 50,
    progress: Callable[[int, int], None] | None = None,
) -> list[list[int]]:
    """Group keywords by meaning; returns lists of item ids, biggest total volume first.

    Every item lands in exactly one group (a group of one is fine). Within a group, ids run by
    volume (highest first). ``progress(done, total)`` is called as the work advances: ``total``
    is three times the number of items (vectors, neighbours, merges) and the last call has
    ``done == total``. Raises ValueError for an unknown or unavailable engine, a ``max_size``
    under 1, or an id given twice.
    """
    engine = engine or default_engine()
    load_engine(engine)  # fails early on an unknown or missing engine
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS[engine]
    if max_size < 1:
        raise ValueError("max_size must be at least 1.")
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("Every item needs its own id.")
    if not items:
        if progress is not None:
            progress(0, 0)
        return []

    n = len(items)
    total = 3 * n

    def embedding_progress(done: int, of: int) -> None:
        if progress is not None:
            progress(n * done // max(of, 1), total)

    def grouping_progress(done: int, of: int) -> None:
        if progress is not None:
            progress(n + 2 * n * done // max(of, 1), total)

    # A canonical order, so the result does not depend on the order the items came in.
    ordered = sorted(items, key=lambda item: (normalise(item.text), item.id))
    rows = vectors([item.text for item in ordered], engine, embedding_progress)
    index_groups = average_linkage(
        rows, threshold=threshold, max_size=max_size, progress=grouping_progress
    )

    def member_key(item: Item) -> tuple[int, str, int]:
        return (-item.volume, normalise(item.text), item.id)

    groups = [sorted((ordered[i] for i in group), key=member_key) for group in index_groups]
    groups.sort(key=lambda g: (-sum(item.volume for item in g), -len(g), member_key(g[0])))
    if progress is not None:
        progress(total, total)
    return [[item.id for item in group] for group in groups]
