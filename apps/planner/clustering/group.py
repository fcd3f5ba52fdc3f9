"""Average-linkage grouping of L2-normalised rows, over a nearest-neighbour graph, with a size cap.

The full n×n similarity matrix is never held: rows are compared in chunks and each row keeps only
its ``neighbours`` most similar rows at or above the threshold. Those pairs seed a heap of merge
candidates. Clusters then merge best pair first (average linkage: the mean cosine similarity over
every pair of members, computed exactly from the clusters' summed vectors), as long as that mean
stays at or above the threshold and the merged cluster stays within ``max_size``. A pair whose
clusters changed since its entry was pushed is re-scored and pushed back (lazy updates).

Ties are broken by row index, so the same rows in the same order give the same groups; callers
put rows in a canonical order first so the result does not depend on the input order either.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

Progress = Callable[[int, int], None]

_CHUNK_CELLS = 4_000_000  # similarities computed at once: 16 MB of float32


def _neighbour_pairs(
    rows: np.ndarray | sp.csr_matrix,
    threshold: float,
    neighbours: int,
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs i < j where one is among the other's nearest rows, with similarity ≥ threshold."""
    n = rows.shape[0]
    k = min(neighbours, n - 1)
    heads: list[np.ndarray] = []
    tails: list[np.ndarray] = []
    sims: list[np.ndarray] = []
    if k <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    sparse = sp.issparse(rows)
    transposed = rows.T.tocsr() if sparse else rows.T
    # Sparse products come back as (row, column, value) triples: four times the bytes per cell.
    chunk = max(1, min(n, (_CHUNK_CELLS // 4 if sparse else _CHUNK_CELLS) // n))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        if sparse:
            src, dst, sim = _sparse_top(rows[start:stop] @ transposed, start, threshold, k)
        else:
            src, dst, sim = _dense_top(rows[start:stop] @ transposed, start, threshold, k)
        heads.append(np.minimum(src, dst))
        tails.append(np.maximum(src, dst))
        sims.append(sim.astype(np.float32))
        if progress is not None:
            progress(stop, n)
    head = np.concatenate(heads).astype(np.int64)
    tail = np.concatenate(tails).astype(np.int64)
    sim = np.concatenate(sims)
    if head.size:
        key = head * n + tail
        key, first = np.unique(key, return_index=True)
        head, tail, sim = head[first], tail[first], sim[first]
    return head, tail, sim


def _dense_top(
    block: np.ndarray, start: int, threshold: float, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    local = np.arange(block.shape[0])
    block[local, local + start] = -np.inf  # never your own neighbour
    rows, cols = np.nonzero(block >= threshold)
    return _first_k(rows.astype(np.int64) + start, cols.astype(np.int64), block[rows, cols], k)


def _sparse_top(
    block: sp.csr_matrix, start: int, threshold: float, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    block = sp.coo_matrix(block)
    src = block.row.astype(np.int64) + start
    dst = block.col.astype(np.int64)
    keep = (block.data >= threshold) & (src != dst)
    return _first_k(src[keep], dst[keep], block.data[keep], k)


def _first_k(
    src: np.ndarray, dst: np.ndarray, sim: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k most similar pairs of every source row (ties by column)."""
    order = np.lexsort((dst, -sim, src))
    src, dst, sim = src[order], dst[order], sim[order]
    if src.size:
        first = np.r_[0, np.flatnonzero(np.diff(src)) + 1]
        counts = np.diff(np.r_[first, src.size])
        rank = np.arange(src.size) - np.repeat(first, counts)
        keep = rank < k
        src, dst, sim = src[keep], dst[keep], sim[keep]
    return src, dst, sim


class _Sums:
    """Summed member vectors per cluster (dense rows, or sparse ones as index/value arrays)."""

    def __init__(self, rows: np.ndarray | sp.csr_matrix) -> None:
        self.sparse = sp.issparse(rows)
        if self.sparse:
            rows = sp.csr_matrix(rows)
            rows.sum_duplicates()
            rows.sort_indices()
        self.rows = rows
        self.sums: dict[int, object] = {}

    def get(self, cluster: int) -> object:
        found = self.sums.get(cluster)
        if found is not None:
            return found
        if not self.sparse:
            return self.rows[cluster]
        lo, hi = self.rows.indptr[cluster], self.rows.indptr[cluster + 1]
        return self.rows.indices[lo:hi], self.rows.data[lo:hi].astype(np.float64)

    def merge(self, into: int, other: int) -> None:
        left, right = self.get(into), self.get(other)
        if self.sparse:
            index = np.concatenate((left[0], right[0]))
            value = np.concatenate((left[1], right[1]))
            merged_index, where = np.unique(index, return_inverse=True)
            self.sums[into] = (merged_index, np.bincount(where, weights=value))
        else:
            self.sums[into] = left + right
        self.sums.pop(other, None)

    def dot(self, a: int, b: int) -> float:
        left, right = self.get(a), self.get(b)
        if self.sparse:
            _, i, j = np.intersect1d(left[0], right[0], assume_unique=True, return_indices=True)
            return float(left[1][i] @ right[1][j])
        return float(np.dot(left, right))


def average_linkage(
    rows: np.ndarray | sp.csr_matrix,
    *,
    threshold: float,
    max_size: int,
    neighbours: int = 24,
    progress: Progress | None = None,
) -> list[list[int]]:
    """Groups of row indices (each sorted; groups ordered by their first index)."""
    n = rows.shape[0]
    if n == 0:
        return []
    max_size = max(1, max_size)
    if not sp.issparse(rows):
        rows = np.ascontiguousarray(rows, dtype=np.float32)

    def stage(offset: int) -> Progress | None:
        if progress is None:
            return None
        return lambda done, total: progress(offset + done, 2 * n)

    head, tail, sim = _neighbour_pairs(rows, threshold, neighbours, stage(0))

    parent = list(range(n))  # the cluster a row belongs to, by its smallest row index
    members: dict[int, list[int]] = {}
    version = [0] * n
    sums = _Sums(rows)

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    heap = [(-float(s), int(a), int(b), 0, 0) for a, b, s in zip(head, tail, sim, strict=True)]
    heapq.heapify(heap)
    scored: dict[tuple[int, int], tuple[int, int]] = {}
    merges = 0
    report_every = max(1, n // 50)
    while heap:
        neg, a, b, va, vb = heapq.heappop(heap)
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        size_a = len(members.get(ra, (ra,)))
        size_b = len(members.get(rb, (rb,)))
        if size_a + size_b > max_size:
            continue
        if ra != a or rb != b or version[ra] != va or version[rb] != vb:
            # A side has grown since this pair was scored: score the clusters as they are now
            # (once per pair and state: many member pairs lead to the same two clusters).
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            state = (version[lo], version[hi])
            if scored.get((lo, hi)) == state:
                continue
            scored[(lo, hi)] = state
            score = sums.dot(lo, hi) / (size_a * size_b)
            if score >= threshold:
                heapq.heappush(heap, (-score, lo, hi, *state))
            continue
        into, other = (ra, rb) if ra < rb else (rb, ra)
        parent[other] = into
        merged = members.pop(into, [into])
        merged.extend(members.pop(other, [other]))
        members[into] = merged
        sums.merge(into, other)
        version[into] += 1
        merges += 1
        if progress is not None and merges % report_every == 0:
            progress(n + min(n, merges), 2 * n)

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    if progress is not None:
        progress(2 * n, 2 * n)
    return [groups[root] for root in sorted(groups)]
