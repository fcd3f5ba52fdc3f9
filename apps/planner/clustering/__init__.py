"""The planner's offline clustering engine: pure functions, no Django.

    from apps.planner.clustering import Item, cluster, name_for
    groups = cluster([Item(1, "fix leaky faucet", 900), Item(2, "dripping tap repair", 200)])
    # [[1, 2]]: lists of item ids, every item in exactly one list, biggest total volume first

Keyword texts become vectors (``embed``: MiniLM when its model is installed, TF-IDF otherwise)
and are read for search intent and head entity (``signals``); the similarity of two keywords is
their embeddings' cosine plus an entity term and an intent term (same intent: a bonus,
different intent: a penalty), so "best espresso machine" and "descale espresso machine" stay
apart unless their embeddings are near-identical. An average-linkage grouping with a threshold
and a size cap makes the groups (``group.average_linkage``); a second pass then moves each
keyword left alone, and each small piece of up to three, into the bigger group whose centre it
is close to (``group.attach_singletons``).
``name_for`` gives a group's offline name. Everything here is deterministic: the same items give
the same groups, whatever their order.
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
from apps.planner.clustering.group import Rows, attach_singletons, average_linkage
from apps.planner.clustering.naming import clean_name, name_for
from apps.planner.clustering.signals import Weights, signals

__all__ = [
    "DEFAULTS",
    "DEFAULT_THRESHOLDS",
    "MINILM",
    "TFIDF",
    "Item",
    "Settings",
    "Stats",
    "Weights",
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


@dataclass(frozen=True)
class Settings:
    """An engine's clustering settings.

    ``threshold``: the mean similarity two groups need to merge; ``weights``: how the embedding,
    entity and intent signals add up to that similarity; ``attach``: the average similarity to
    a bigger group's members that moves a keyword left alone (or a group of at most
    ``attach_up_to`` keywords) into that group (``None``: no second pass).
    """

    threshold: float
    weights: Weights = Weights()
    attach: float | None = None
    attach_up_to: int = 1


#: Per engine, picked on the tuning half of ``data/intent_eval_set.json`` together with
#: ``data/eval_set.json`` (``bench/clustering_tune.py`` shows the search; ``bench/clustering.py``
#: reports both sets, the intent set on its reporting half only).
DEFAULTS: dict[str, Settings] = {
    MINILM: Settings(
        threshold=0.55,
        weights=Weights(
            entity=0.1, coarse=0.15, fine=0.05, place=0.3, comparison=0.1, qualifier=0.1
        ),
        attach=0.35,
        attach_up_to=3,
    ),
    TFIDF: Settings(threshold=0.15, weights=Weights(coarse=0.1, place=0.05), attach=0.05),
}
DEFAULT_THRESHOLDS: dict[str, float] = {name: s.threshold for name, s in DEFAULTS.items()}


@dataclass
class Stats:
    """What a clustering run did beyond the groups: filled in when passed to ``cluster``."""

    attached: int = 0  # keywords the second pass put into a bigger group
    alone: int = 0  # keywords still in a group of their own


def cluster(
    items: Sequence[Item],
    *,
    engine: str | None = None,
    threshold: float | None = None,
    max_size: int = 50,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
    stats: Stats | None = None,
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
    settings = settings or DEFAULTS[engine]
    if threshold is None:
        threshold = settings.threshold
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
    texts = [item.text for item in ordered]
    rows = group_rows(texts, vectors(texts, engine, embedding_progress), settings.weights)
    index_groups = average_linkage(
        rows, threshold=threshold, max_size=max_size, progress=grouping_progress
    )
    attached = 0
    if settings.attach is not None:
        index_groups, attached = attach_singletons(
            rows,
            index_groups,
            threshold=settings.attach,
            max_size=max_size,
            up_to=settings.attach_up_to,
        )
    if stats is not None:
        stats.attached = attached
        stats.alone = sum(1 for group in index_groups if len(group) == 1)

    def member_key(item: Item) -> tuple[int, str, int]:
        return (-item.volume, normalise(item.text), item.id)

    groups = [sorted((ordered[i] for i in group), key=member_key) for group in index_groups]
    groups.sort(key=lambda g: (-sum(item.volume for item in g), -len(g), member_key(g[0])))
    if progress is not None:
        progress(total, total)
    return [[item.id for item in group] for group in groups]


def group_rows(texts: Sequence[str], embedded: object, weights: Weights) -> Rows:
    """The rows the grouping compares: the embedding plus the weighted signal blocks."""
    signal_weights = (weights.entity, weights.coarse, weights.fine, weights.place)
    if max(*signal_weights, weights.comparison, weights.qualifier) <= 0:
        return Rows([(embedded, weights.semantic)])
    return Rows(signals(texts, heads=weights.heads).blocks(embedded, weights))
