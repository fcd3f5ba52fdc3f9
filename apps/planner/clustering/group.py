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


class Rows:
    """Weighted blocks of rows whose similarity is the weighted sum of the blocks' dot products.

    One block (the embedding) is the plain case; the intent and entity signals add blocks of
    their own (``signals.Signals.blocks``). Dense blocks are float32 arrays, sparse ones CSR.
    """

    def __init__(self, blocks: list[tuple[np.ndarray | sp.csr_matrix, float]]) -> None:
        prepared = []
        for matrix, weight in blocks:
            if weight == 0:
                continue
            if sp.issparse(matrix):
                matrix = sp.csr_matrix(matrix, dtype=np.float32)
                matrix.sum_duplicates()
                matrix.sort_indices()
            else:
                matrix = np.ascontiguousarray(matrix, dtype=np.float32)
            prepared.append((matrix, float(weight)))
        if not prepared:
            raise ValueError("At least one block needs a weight above zero.")
        self.blocks = prepared
        self.n = prepared[0][0].shape[0]
        self.any_sparse = any(sp.issparse(m) for m, _ in prepared)
        self._transposed = [m.T.tocsr() if sp.issparse(m) else m.T for m, _ in prepared]

    @classmethod
    def of(cls, rows: object) -> Rows:
        return rows if isinstance(rows, Rows) else cls([(rows, 1.0)])

    def similarities(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` against every row, as one dense float32 block."""
        out: np.ndarray | None = None
        for (matrix, weight), transposed in zip(self.blocks, self._transposed, strict=True):
            part = matrix[start:stop] @ transposed
            part = part.toarray() if sp.issparse(part) else np.asarray(part)
            if weight != 1.0:
                part *= np.float32(weight)
            out = part if out is None else out + part
        return out

    def centroid_blocks(self, groups: list[list[int]]) -> list[np.ndarray | sp.csr_matrix]:
        """Summed member rows of each group, per block."""
        owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
        members = np.fromiter((i for g in groups for i in g), dtype=np.int64)
        indicator = sp.csr_matrix(
            (np.ones(members.size, dtype=np.float32), (owner, members)),
            shape=(len(groups), self.n),
        )
        out = []
        for matrix, _ in self.blocks:
            summed = indicator @ matrix
            out.append(sp.csr_matrix(summed) if sp.issparse(summed) else np.asarray(summed))
        return out


def _neighbour_pairs(
    rows: Rows,
    threshold: float,
    neighbours: int,
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs i < j where one is among the other's nearest rows, with similarity ≥ threshold."""
    n = rows.n
    k = min(neighbours, n - 1)
    heads: list[np.ndarray] = []
    tails: list[np.ndarray] = []
    sims: list[np.ndarray] = []
    if k <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    # Sparse products come back as (row, column, value) triples: four times the bytes per cell.
    chunk = max(1, min(n, (_CHUNK_CELLS // 4 if rows.any_sparse else _CHUNK_CELLS) // n))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        src, dst, sim = _dense_top(rows.similarities(start, stop), start, threshold, k)
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


class _BlockSums:
    """Summed member vectors per cluster of one block (dense rows, or sparse ones as
    index/value arrays)."""

    def __init__(self, rows: np.ndarray | sp.csr_matrix) -> None:
        self.sparse = sp.issparse(rows)
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


class _Sums:
    """Summed member vectors per cluster over every block; ``dot`` is the weighted sum."""

    def __init__(self, rows: Rows) -> None:
        self.parts = [(_BlockSums(matrix), weight) for matrix, weight in rows.blocks]

    def merge(self, into: int, other: int) -> None:
        for part, _ in self.parts:
            part.merge(into, other)

    def dot(self, a: int, b: int) -> float:
        return sum(weight * part.dot(a, b) for part, weight in self.parts)


def average_linkage(
    rows: np.ndarray | sp.csr_matrix | Rows,
    *,
    threshold: float,
    max_size: int,
    neighbours: int = 24,
    progress: Progress | None = None,
) -> list[list[int]]:
    """Groups of row indices (each sorted; groups ordered by their first index)."""
    rows = Rows.of(rows)
    n = rows.n
    if n == 0:
        return []
    max_size = max(1, max_size)

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


def attach_singletons(
    rows: np.ndarray | sp.csr_matrix | Rows,
    groups: list[list[int]],
    *,
    threshold: float,
    max_size: int,
    up_to: int = 1,
) -> tuple[list[list[int]], int]:
    """Put each group of one (or of at most ``up_to`` keywords) into a bigger group whose
    centre it is close to: the small group's average similarity to that group's members
    (intent penalties included) must be at least ``threshold`` (the best such group wins),
    and the group must have room.

    Sizes go from ``up_to`` down to one, each into groups bigger than itself as they stand
    after the bigger pieces moved. Returns the groups (emptied ones dropped, order kept) and
    how many keywords were attached.
    """
    rows = Rows.of(rows)
    attached = 0
    for size in range(max(1, up_to), 0, -1):
        groups, moved = _attach_size(rows, groups, size, threshold, max_size)
        attached += moved
    return groups, attached


def _attach_size(
    rows: Rows, groups: list[list[int]], size: int, threshold: float, max_size: int
) -> tuple[list[list[int]], int]:
    small = [g for g in groups if len(g) == size]
    bigger = [g for g in groups if len(g) > size]
    if not small or not bigger:
        return groups, 0
    centres = rows.centroid_blocks(bigger)
    sizes = np.array([len(g) for g in bigger], dtype=np.float64)
    chunk = max(1, _CHUNK_CELLS // len(bigger))
    best = np.full(len(small), -1, dtype=np.int64)
    for start in range(0, len(small), chunk):
        picked = small[start : start + chunk]
        summed = rows.centroid_blocks(picked)
        closeness = np.zeros((len(picked), len(bigger)), dtype=np.float64)
        for (_, weight), mine, centre in zip(rows.blocks, summed, centres, strict=True):
            part = mine @ centre.T
            closeness += weight * (part.toarray() if sp.issparse(part) else np.asarray(part))
        closeness /= size * sizes[None, :]
        closeness[:, sizes + size > max_size] = -np.inf
        choice = np.argmax(closeness, axis=1)
        good = closeness[np.arange(len(picked)), choice] >= threshold
        best[start : start + len(picked)] = np.where(good, choice, -1)
    extra: dict[int, list[int]] = {}
    gone: set[int] = set()
    for number, target in enumerate(best):
        target = int(target)
        if target >= 0 and len(bigger[target]) + len(extra.get(target, ())) + size <= max_size:
            extra.setdefault(target, []).extend(small[number])
            gone.add(id(small[number]))
    if not gone:
        return groups, 0
    position = {id(g): number for number, g in enumerate(bigger)}
    out: list[list[int]] = []
    for group in groups:
        if id(group) in gone:
            continue
        number = position.get(id(group))
        out.append(sorted(group + extra[number]) if number in extra else group)
    return out, size * len(gone)
