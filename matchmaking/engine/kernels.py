"""The search's inner loop, compiled (numba): one pass over a block's products serves both directions.

A block is participants (rows) × opportunities (columns) that pass the block-level filters. Each
participant's products with the block's opportunities are accumulated once into a dense row of raw
values (product × (the column's context base + the kind term when the participant prefers the
column's kind)), and that row feeds both directions:

1. forward, the participant's m best columns in the block by raw; every column counts, a zero
   product too, so the bound on the columns left out is exactly the m-th raw;
2. backward, each opportunity keeps a min-heap of its m best participants over *all* its blocks, which
   a pair enters only when it beats the heap's smallest. An opportunity lies in dozens of blocks;
   with one heap across them its threshold rises from block to block, and its bound is the heap's
   smallest once every block is done.

A participant lies in one block, so its forward list is complete when its block is; an opportunity's
is complete after the last block (``BlockProducts.close_backward``).

A later round searches a few participants of a block again: ``search_rows`` takes their products
with every opportunity, so the block's opportunities need not be gathered by feature again.

(Before, sparse_dot_topn computed the products twice, once per direction, with a top-m per
opportunity in every block, many times the candidates needed.)

Products are float64 on the 2**-32 grid and contexts on the 2**-16 grid (``model.py``), so a sum is
exact in any order, the product of the two is exact too, and both equal what the brute-force
reference computes. Compiled code is cached on disk beside this module
(``NUMBA_CACHE_DIR`` moves the cache); ``warm_up`` compiles or loads it before a search forks its
workers, so that they do not each compile it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy import sparse


@dataclass(frozen=True)
class Found:
    """Each searched row's candidates, best first: ``index``/``raw`` of row i in ``ptr[i]:ptr[i + 1]``,
    and ``bound``, the largest raw a candidate not listed can have (-inf when none is left out)."""

    ptr: np.ndarray
    index: np.ndarray  # forward: the block's column; backward: the participant
    raw: np.ndarray
    bound: np.ndarray

    def rows(self, mask: np.ndarray) -> Found:
        """The candidates of the rows ``mask`` keeps."""
        counts = np.diff(self.ptr)
        ptr = np.zeros(int(mask.sum()) + 1, dtype=np.int64)
        np.cumsum(counts[mask], out=ptr[1:])
        take = np.repeat(mask, counts)
        return Found(ptr, self.index[take], self.raw[take], self.bound[mask])


class BlockProducts:
    """Block searches over one run's vectors: the forward lists block by block, the backward heaps
    across the blocks between ``open_backward`` and ``close_backward``."""

    def __init__(
        self,
        participants: sparse.csr_matrix,
        opportunities: sparse.csr_matrix,
        p_preferred: np.ndarray,
        o_kind: np.ndarray,
        kind_term: float,
    ) -> None:
        self.p = _typed(participants)
        self.p_preferred = p_preferred.astype(np.int64, copy=False)
        self.o_kind = o_kind.astype(np.int64, copy=False)
        self.kind_term = float(kind_term)
        self.matrix_o = opportunities
        self._all_t: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # all opportunities by feature
        self.open_backward(np.zeros(opportunities.shape[0], dtype=np.int64))

    def open_backward(self, fetched: np.ndarray) -> None:
        """Start a backward search in which opportunity c keeps its ``fetched[c]`` best participants
        over the blocks searched until ``close_backward`` (0: not searched)."""
        self.fetched = fetched = fetched.astype(np.int64, copy=False)
        self.h_ptr = np.zeros(len(fetched) + 1, dtype=np.int64)
        np.cumsum(fetched, out=self.h_ptr[1:])
        self.h_raw = np.empty(int(self.h_ptr[-1]))
        self.h_who = np.empty(int(self.h_ptr[-1]), dtype=np.int64)
        self.h_size = np.zeros(len(fetched), dtype=np.int64)
        self.seen = np.zeros(len(fetched), dtype=np.int64)  # pairs offered to each heap
        # A pair must beat entry[c] to enter c's heap: -inf while it has room, then its smallest.
        self.entry = np.where(fetched > 0, -np.inf, np.inf)

    def search(self, rows: np.ndarray, cols: np.ndarray, col_scale: np.ndarray, row_m: np.ndarray) -> Found:
        """Forward, each participant's ``row_m[i]`` best block columns by raw = product × (``col_scale``
        + the kind term if preferred) (0: none); backward, every pair is offered to its opportunity's
        heap, if it has one."""
        cols = cols.astype(np.int64, copy=False)
        block_t = _transposed(self.matrix_o[cols])
        ptr, index, raw, bound = _block_pass(
            *self.p,
            rows.astype(np.int64, copy=False),
            *block_t,
            cols,
            col_scale.astype(np.float64, copy=False),
            self.p_preferred,
            self.o_kind[cols],
            self.kind_term,
            row_m.astype(np.int64, copy=False),
            self.h_ptr,
            self.h_raw,
            self.h_who,
            self.h_size,
            self.seen,
            self.entry,
        )
        return Found(ptr, index, raw, bound)

    def search_rows(self, rows: np.ndarray, cols: np.ndarray, col_scale: np.ndarray, row_m: np.ndarray) -> Found:
        """Forward only, for a few participants of a block: as ``search``, from their products with
        every opportunity, so that the block's opportunities need not be gathered by feature again."""
        if self._all_t is None:
            self._all_t = _transposed(self.matrix_o)
        return Found(
            *_rows_pass(
                *self.p,
                rows.astype(np.int64, copy=False),
                *self._all_t,
                self.matrix_o.shape[0],
                cols.astype(np.int64, copy=False),
                col_scale.astype(np.float64, copy=False),
                self.p_preferred,
                self.o_kind[cols],
                self.kind_term,
                row_m.astype(np.int64, copy=False),
            )
        )

    def close_backward(self, opportunities: np.ndarray) -> Found:
        """The heaps of these opportunities (rows of the result, in this order), each sorted."""
        return Found(
            *_heaps_sorted(
                opportunities.astype(np.int64, copy=False), self.h_ptr, self.h_raw, self.h_who, self.h_size, self.seen
            )
        )


def warm_up() -> None:
    """Compile the kernels (or load them from the cache) in this process, on a tiny block."""
    matrix = sparse.csr_matrix(np.array([[1.0, 0.0], [0.5, 0.5]]))
    products = BlockProducts(matrix, matrix, np.array([1, 0]), np.array([0, 1]), 0.25)
    both = np.arange(2)
    products.open_backward(np.ones(2, dtype=np.int64))
    products.search(both, both, np.ones(2), np.ones(2, dtype=np.int64))
    products.close_backward(both)
    products.search_rows(both, both, np.ones(2), np.ones(2, dtype=np.int64))
    leftmost_longest(np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64))


def _transposed(matrix: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR arrays of the transpose (scipy's C transpose)."""
    return _typed(matrix.T.tocsr())


def _typed(matrix: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays in the one set of types the kernels are compiled for."""
    return (
        matrix.indptr.astype(np.int64, copy=False),
        matrix.indices.astype(np.int32, copy=False),
        matrix.data.astype(np.float64, copy=False),
    )


@njit(inline="always")
def _heap_push(vals: np.ndarray, idx: np.ndarray, start: int, size: int, x: float, i: int) -> None:
    """Add (x, i) to the min-heap vals[start:start + size] (it has room)."""
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if vals[start + parent] <= x:
            break
        vals[start + pos] = vals[start + parent]
        idx[start + pos] = idx[start + parent]
        pos = parent
    vals[start + pos] = x
    idx[start + pos] = i


@njit(inline="always")
def _heap_replace_top(vals: np.ndarray, idx: np.ndarray, start: int, size: int, x: float, i: int) -> None:
    """Put (x, i) in place of the smallest entry of the full min-heap vals[start:start + size]."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and vals[start + child + 1] < vals[start + child]:
            child += 1
        if vals[start + child] >= x:
            break
        vals[start + pos] = vals[start + child]
        idx[start + pos] = idx[start + child]
        pos = child
    vals[start + pos] = x
    idx[start + pos] = i


@njit(nogil=True)
def _select_largest(vals: np.ndarray, idx: np.ndarray, n: int, m: int) -> None:
    """Reorder vals[:n] (and idx along) so that its m largest come first, in no order (quickselect)."""
    lo, hi = 0, n - 1
    while lo < hi:
        pivot = vals[(lo + hi) >> 1]
        i, j = lo, hi
        while i <= j:
            while vals[i] > pivot:
                i += 1
            while vals[j] < pivot:
                j -= 1
            if i <= j:
                vals[i], vals[j] = vals[j], vals[i]
                idx[i], idx[j] = idx[j], idx[i]
                i += 1
                j -= 1
        # now vals[lo:j + 1] >= pivot >= vals[i:hi + 1], and anything between equals the pivot
        if m - 1 <= j:
            hi = j
        elif m - 1 >= i:
            lo = i
        else:
            break


@njit(nogil=True)
def _sort_segment(vals: np.ndarray, idx: np.ndarray, start: int, end: int) -> None:
    """Sort vals[start:end] decreasing, ties by increasing idx, moving idx along."""
    if end - start < 2:
        return
    seg_v, seg_i = vals[start:end].copy(), idx[start:end].copy()
    by_index = np.argsort(seg_i, kind="mergesort")
    order = by_index[np.argsort(-seg_v[by_index], kind="mergesort")]
    for q in range(end - start):
        vals[start + q] = seg_v[order[q]]
        idx[start + q] = seg_i[order[q]]


@njit(inline="always")
def _take_best(
    raw: np.ndarray,
    n_cols: int,
    out: int,
    end: int,
    f_idx: np.ndarray,
    f_raw: np.ndarray,
    kept: np.ndarray,
    values: np.ndarray,
) -> float:
    """Write the best end - out of raw[:n_cols] to f_idx/f_raw[out:end], best first (ties by column);
    returns the bound on the columns left out (-inf when none is)."""
    m = end - out
    if m == n_cols:  # every column: nothing is left out
        for j in range(n_cols):
            f_idx[out + j], f_raw[out + j] = j, raw[j]
        _sort_segment(f_raw, f_idx, out, end)
        return -np.inf
    # The smallest of the maxima of m disjoint chunks: at least m values reach it, and few more.
    chunk = n_cols // m
    threshold = np.inf
    for c in range(m):
        top = raw[c * chunk]
        for j in range(c * chunk + 1, (c + 1) * chunk):
            top = max(top, raw[j])
        threshold = min(threshold, top)
    n_kept = 0
    for j in range(n_cols):
        if raw[j] >= threshold:
            kept[n_kept] = j
            n_kept += 1
    for q in range(n_kept):
        values[q] = raw[kept[q]]
    _select_largest(values, kept, n_kept, m)
    for q in range(m):
        f_idx[out + q], f_raw[out + q] = kept[q], values[q]
    _sort_segment(f_raw, f_idx, out, end)
    return f_raw[end - 1]


@njit(inline="always")
def _forward_lists(
    row_m: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Room for each row's min(row_m, n_cols) best columns: (ptr, column, raw) and a bound per row;
    then scratch for ``_take_best``: a row's raw values, the columns kept and their values."""
    n_rows = len(row_m)
    f_ptr = np.zeros(n_rows + 1, dtype=np.int64)
    for i in range(n_rows):
        f_ptr[i + 1] = f_ptr[i] + min(max(row_m[i], 0), n_cols)
    lists = (f_ptr, np.empty(f_ptr[n_rows], dtype=np.int64), np.empty(f_ptr[n_rows]), np.full(n_rows, -np.inf))
    return (*lists, np.empty(n_cols), np.empty(n_cols, dtype=np.int64), np.empty(n_cols))


@njit(inline="always")
def _accumulate(
    p_indptr: np.ndarray,
    p_indices: np.ndarray,
    p_data: np.ndarray,
    r: int,
    ot_indptr: np.ndarray,
    ot_indices: np.ndarray,
    ot_data: np.ndarray,
    product: np.ndarray,
) -> None:
    """Add row r's products with the columns of ``ot`` (columns by feature) to ``product``."""
    for a in range(p_indptr[r], p_indptr[r + 1]):
        f, v = p_indices[a], p_data[a]
        for b in range(ot_indptr[f], ot_indptr[f + 1]):
            product[ot_indices[b]] += v * ot_data[b]


@njit(cache=True, nogil=True)
def _block_pass(
    p_indptr: np.ndarray,
    p_indices: np.ndarray,
    p_data: np.ndarray,
    rows: np.ndarray,
    ot_indptr: np.ndarray,
    ot_indices: np.ndarray,
    ot_data: np.ndarray,
    cols: np.ndarray,
    col_scale: np.ndarray,
    p_preferred: np.ndarray,
    col_kind: np.ndarray,
    kind_term: float,
    row_m: np.ndarray,
    h_ptr: np.ndarray,
    h_raw: np.ndarray,
    h_who: np.ndarray,
    h_size: np.ndarray,
    seen: np.ndarray,
    entry: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_rows, n_cols = len(rows), len(cols)
    f_ptr, f_idx, f_raw, f_bound, raw, kept, values = _forward_lists(row_m, n_cols)
    gate = np.empty(n_cols)  # entry[cols[j]], here while the block is searched
    for j in range(n_cols):
        gate[j] = entry[cols[j]]
    product = np.zeros(n_cols)
    for i in range(n_rows):
        r = rows[i]
        _accumulate(p_indptr, p_indices, p_data, r, ot_indptr, ot_indices, ot_data, product)
        preferred = p_preferred[r]
        for j in range(n_cols):
            scale = col_scale[j] + kind_term if (preferred >> col_kind[j]) & 1 else col_scale[j]
            x = product[j] * scale
            product[j] = 0.0
            raw[j] = x
            if x > gate[j]:
                c = cols[j]
                start, size = h_ptr[c], h_size[c]
                cap = h_ptr[c + 1] - start
                if size < cap:
                    _heap_push(h_raw, h_who, start, size, x, r)
                    h_size[c] = size + 1
                    if size + 1 == cap:
                        gate[j] = h_raw[start]
                else:
                    _heap_replace_top(h_raw, h_who, start, cap, x, r)
                    gate[j] = h_raw[start]
        if f_ptr[i + 1] > f_ptr[i]:
            f_bound[i] = _take_best(raw, n_cols, f_ptr[i], f_ptr[i + 1], f_idx, f_raw, kept, values)
    for j in range(n_cols):
        entry[cols[j]] = gate[j]
        if h_ptr[cols[j] + 1] > h_ptr[cols[j]]:
            seen[cols[j]] += n_rows
    return f_ptr, f_idx, f_raw, f_bound


@njit(cache=True, nogil=True)
def _rows_pass(
    p_indptr: np.ndarray,
    p_indices: np.ndarray,
    p_data: np.ndarray,
    rows: np.ndarray,
    ot_indptr: np.ndarray,
    ot_indices: np.ndarray,
    ot_data: np.ndarray,
    n_opportunities: int,
    cols: np.ndarray,
    col_scale: np.ndarray,
    p_preferred: np.ndarray,
    col_kind: np.ndarray,
    kind_term: float,
    row_m: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Forward only: each row's ``row_m`` best of the block columns ``cols`` (global opportunities),
    from its products with every opportunity (``ot``: all opportunities by feature)."""
    n_rows, n_cols = len(rows), len(cols)
    f_ptr, f_idx, f_raw, f_bound, raw, kept, values = _forward_lists(row_m, n_cols)
    product = np.zeros(n_opportunities)
    for i in range(n_rows):
        r = rows[i]
        _accumulate(p_indptr, p_indices, p_data, r, ot_indptr, ot_indices, ot_data, product)
        preferred = p_preferred[r]
        for j in range(n_cols):
            scale = col_scale[j] + kind_term if (preferred >> col_kind[j]) & 1 else col_scale[j]
            raw[j] = product[cols[j]] * scale
        for a in range(p_indptr[r], p_indptr[r + 1]):
            f = p_indices[a]
            for b in range(ot_indptr[f], ot_indptr[f + 1]):
                product[ot_indices[b]] = 0.0
        if f_ptr[i + 1] > f_ptr[i]:
            f_bound[i] = _take_best(raw, n_cols, f_ptr[i], f_ptr[i + 1], f_idx, f_raw, kept, values)
    return f_ptr, f_idx, f_raw, f_bound


@njit(cache=True, nogil=True)
def _heaps_sorted(
    which: np.ndarray,
    h_ptr: np.ndarray,
    h_raw: np.ndarray,
    h_who: np.ndarray,
    h_size: np.ndarray,
    seen: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The heaps of ``which`` compacted and sorted; the bound is a heap's smallest when a pair was left
    out (more were offered than it keeps), else -inf."""
    ptr = np.zeros(len(which) + 1, dtype=np.int64)
    for q in range(len(which)):
        ptr[q + 1] = ptr[q] + h_size[which[q]]
    who = np.empty(ptr[-1], dtype=np.int64)
    raw = np.empty(ptr[-1])
    bound = np.full(len(which), -np.inf)
    for q in range(len(which)):
        c = which[q]
        start, size = h_ptr[c], h_size[c]
        _sort_segment(h_raw, h_who, start, start + size)
        for s in range(size):
            who[ptr[q] + s], raw[ptr[q] + s] = h_who[start + s], h_raw[start + s]
        if seen[c] > size:
            bound[q] = h_raw[start + size - 1]
    return ptr, who, raw, bound


@njit(cache=True, nogil=True)
def leftmost_longest(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Which of these phrase matches (sorted by start, the longest first at each start) a left-to-right
    reading takes: a match is taken when it starts after the last one taken ends."""
    chosen = np.zeros(len(start), dtype=np.bool_)
    covered_until = -1
    for q in range(len(start)):
        if start[q] >= covered_until:
            chosen[q] = True
            covered_until = start[q] + length[q]
    return chosen
