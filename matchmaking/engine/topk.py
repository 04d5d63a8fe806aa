"""Exact top-k of the blended score under hard filters, without scoring every pair.

The score is an increasing function of ``raw`` = (a dot product of two vectors: the relevance) × (the
context of the pair: a factor of the column's block plus a kind term when the row prefers the column's
kind; ``model.py``). The product is exact whatever order it is summed in, so ``raw`` is the same in
every direction and block. Candidates below ``floor`` are never recommended: they are dropped, and a
row whose bound is below the floor is settled (nothing it left out could enter its list). Above the
floor, a candidate without a reason of relevance (``Direction.evident``) is dropped like one that fails
a per-pair filter.

1. Rounds, block by block: a block is a set of rows and the columns that pass the block-level
   filters for all of them, and every eligible pair lies in exactly one block. A pass over a
   block's products (``kernels.py``) gives each row its M columns with the largest raw (backward,
   over all the row's blocks at once); the first ones are checked against the per-pair filters
   and the rest kept as a reserve. A column left out has raw ≤ the best value not checked: the
   row's bound.
2. Settling: a row's candidates are ranked by raw, ties by id; the diversity cap skips an entry whose
   group already has ``cap`` entries above it; the row is settled when its k-th value is strictly
   above its bound, or when nothing was left out. Filters and the cap only remove entries, so no
   column outside the candidates can enter the first k. A row settled with fewer than k entries has
   seen every candidate above the floor: it is filled with the entries the cap skipped, best first
   (the cap makes room for other groups, and there are none left to make room for), and the row
   is in rank order, filled entries included: the cap decides what a list holds, never its order.
3. A row not settled is searched again in its blocks with M four times larger; at M ≥ its columns
   nothing is left out, so this ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .stages import Stages

if TYPE_CHECKING:
    from .kernels import Found

NEG_INF = -np.inf
GROWTH = 4
RESERVE = 1.5  # a search fetches this many times the columns it checks at once

PairTest = Callable[[np.ndarray, np.ndarray], np.ndarray]
RawTest = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Direction:
    """Everything the settling needs about one direction (participants → opportunities or back)."""

    eligible: PairTest  # the per-pair filters
    col_tie: np.ndarray  # tie-break rank of each column (by id)
    col_group: np.ndarray | None = None  # the diversity cap's group of each column (company)
    evident: RawTest | None = None  # with the floor: which (row, column, raw) have a reason of relevance


@dataclass
class Result:
    rows: np.ndarray  # global row of each accepted entry; grouped by row, in rank order
    cols: np.ndarray
    raw: np.ndarray
    rounds: list[int] = field(default_factory=list)  # rows searched per round
    # Which entries the diversity cap skipped and a short list took back, in their rank places (None:
    # none). A row searched deeper than its k (the encoder stage) keeps only those its k places have
    # room for: ``within_room``.
    filled: np.ndarray | None = None


@dataclass
class TopK:
    direction: Direction
    n_rows: int
    k: int
    m0: int
    stages: Stages  # seconds in the filters and the merges
    cap: int = 2
    floor: float = NEG_INF  # candidates below it are never recommended
    k_rows: np.ndarray | None = None  # each row's own k, when rows differ (the encoder stage's deeper rows)

    def __post_init__(self) -> None:
        self.bound = np.full(self.n_rows, NEG_INF)  # over the candidates checked so far
        self.reserve_bound = np.full(self.n_rows, NEG_INF)  # once the reserve is checked too
        self.touched = np.zeros(self.n_rows, dtype=bool)
        self.settled = np.zeros(self.n_rows, dtype=bool)
        self.m_used = np.zeros(self.n_rows, dtype=np.int64)  # the largest M a row was searched with
        self.rounds: list[int] = []
        self._store = [np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)]  # row, col, raw
        self._new: list[list[np.ndarray]] = []
        self._reserve: list[list[np.ndarray]] = []  # found but not yet checked: row, col, raw
        self._results: list[list[np.ndarray]] = []

    def _tick(self, name: str, since: float) -> None:
        self.stages.add(name, time.perf_counter() - since)

    def _keep(self, rows: np.ndarray, cols: np.ndarray, raw: np.ndarray, ok: np.ndarray | None = None) -> None:
        """Store the candidates that pass ``ok`` (if given) and the per-pair filters."""
        t0 = time.perf_counter()
        if ok is not None:
            rows, cols, raw = rows[ok], cols[ok], raw[ok]
        if self.floor > NEG_INF:
            above = raw >= self.floor
            rows, cols, raw = rows[above], cols[above], raw[above]
            if self.direction.evident is not None:
                shown = self.direction.evident(rows, cols, raw)
                rows, cols, raw = rows[shown], cols[shown], raw[shown]
        ok = self.direction.eligible(rows, cols)
        self._tick("filters", t0)
        self._new.append([rows[ok], cols[ok], raw[ok]])

    def depths(self, depth: np.ndarray, width: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        """For rows to be searched among ``width`` columns about ``depth`` deep: how many columns are
        checked now (at least M0) and how many are fetched (RESERVE times more)."""
        depth = np.minimum(np.maximum(depth, self.m0), width)
        return depth, np.minimum(np.ceil(RESERVE * depth).astype(np.int64), width)

    def take_block(
        self,
        rows: np.ndarray,
        cols: np.ndarray,
        found: Found,
        depth: np.ndarray,
        fetched: np.ndarray,
    ) -> None:
        """Record a search of these rows (``found``: each row's ``fetched`` best,
        as indices into ``cols``, best first, and its bound). Each row's ``depth`` best are checked now
        and the first column after them is its bound; the rest are kept unchecked as a reserve, for
        rows that turn out to need them (checking is the costly part). Rows with nothing fetched are
        not searched."""
        searched = fetched > 0
        if not searched.all():
            rows, depth, fetched, found = rows[searched], depth[searched], fetched[searched], found.rows(searched)
        counts = np.diff(found.ptr)
        local = np.repeat(np.arange(len(rows)), counts)
        rank = np.arange(len(local)) - np.repeat(found.ptr[:-1], counts)
        raw = found.raw
        checked = rank < depth[local]
        first_left = rank == depth[local]
        bound = found.bound.copy()
        bound[local[first_left]] = np.maximum(bound[local[first_left]], raw[first_left])
        np.maximum.at(self.bound, rows, bound)
        np.maximum.at(self.reserve_bound, rows, found.bound)
        np.maximum.at(self.m_used, rows, fetched)
        self.touched[rows] = True
        g_rows, g_cols = rows[local], cols[found.index]
        self._keep(g_rows[checked], g_cols[checked], raw[checked])
        self._reserve.append([g_rows[~checked], g_cols[~checked], raw[~checked]])

    def _check_reserve(self, rows: np.ndarray) -> np.ndarray:
        """Check the reserve of these rows and drop the whole reserve; returns the rows that had one."""
        wanted = np.zeros(self.n_rows, dtype=bool)
        wanted[rows] = True
        masks = [wanted[chunk[0]] for chunk in self._reserve]
        taken = [[a[mask] for a in chunk] for chunk, mask in zip(self._reserve, masks, strict=True)]
        self._reserve = []
        if not taken:
            return rows[:0]
        reserve = [np.concatenate([t[i] for t in taken]) for i in range(3)]
        if not len(reserve[0]):
            return rows[:0]
        self._keep(*reserve)
        had = np.unique(reserve[0])
        self.bound[had] = self.reserve_bound[had]
        return had

    def settle(self) -> np.ndarray:
        """Rank the touched rows' candidates and settle the certain ones; returns the others."""
        t0 = time.perf_counter()
        self.rounds.append(int(self.touched.sum()))
        self._store = [np.concatenate([self._store[i], *(n[i] for n in self._new)]) for i in range(3)]
        self._new = []
        row, col, raw = self._store
        tie = self.direction.col_tie[col]
        order = ranking_order(row, raw, tie)
        row, col, raw = row[order], col[order], raw[order]
        fresh = np.concatenate(([True], (row[1:] != row[:-1]) | (col[1:] != col[:-1]))) if len(row) else row > 0
        row, col, raw = row[fresh], col[fresh], raw[fresh]  # the same pair found twice is one candidate
        idx = np.arange(len(row))
        over = idx[:0]
        group = self.direction.col_group
        if group is not None:
            within = rank_within(row, group[col]) < self.cap
            idx, over = idx[within], idx[~within]
        rank = rank_within(row[idx])
        k = self.k if self.k_rows is None else self.k_rows[row[idx]]
        accepted = idx[rank < k]
        count = np.bincount(row[accepted], minlength=self.n_rows)
        kth = np.full(self.n_rows, NEG_INF)
        last = idx[rank == k - 1]
        kth[row[last]] = raw[last]
        # Settled: the k-th is above anything left out, or nothing left out could be recommended.
        wanted = self.k if self.k_rows is None else self.k_rows  # each row's k (all rows', or one)
        full = count >= wanted
        done = self.touched & ((full & (kth > self.bound)) | (self.bound < self.floor)
                               | (self.bound == NEG_INF))  # fmt: skip
        self.settled |= done
        final = accepted[done[row[accepted]]]
        fill = over[:0]
        if len(over):
            # A settled row whose list is short (nothing left out could be listed) is filled with the
            # entries the cap skipped, best first: the cap makes room for other companies, and there
            # are none left to make room for.
            room = wanted - count
            fill = over[done[row[over]] & (rank_within(row[over]) < room[row[over]])]
        final = np.concatenate([final, fill])
        flags = np.concatenate([np.zeros(len(final) - len(fill), dtype=bool), np.ones(len(fill), dtype=bool)])
        self._results.append([row[final], col[final], raw[final], flags])
        keep = ~self.settled[row]
        self._store = [row[keep], col[keep], raw[keep]]
        pending = np.flatnonzero(self.touched & ~done)
        self.touched[:] = False
        self._tick("merge", t0)
        return pending

    def settle_with_reserve(self) -> np.ndarray:
        """Settle a round, checking the reserve of the rows that need it; returns the rows left."""
        pending = self.settle()
        if len(pending):
            self.touched[self._check_reserve(pending)] = True
            pending = np.union1d(pending[~self.touched[pending]], self.settle())
        self._reserve = []  # the settled rows' reserve is of no further use
        return pending

    def restart(self, rows: np.ndarray) -> np.ndarray:
        """Prepare ``rows`` to be searched again in all their blocks; returns each row's next depth
        (how many columns it checks at once)."""
        self.bound[rows] = NEG_INF  # rebuilt as the largest bound over the new block searches
        depth = np.zeros(self.n_rows, dtype=np.int64)
        depth[rows] = np.maximum(self.m_used[rows], self.m0) * GROWTH
        return depth

    def result(self) -> Result:
        row, col, raw, filled = (
            np.concatenate([r[i] for r in self._results]) if self._results else np.zeros(0) for i in range(4)
        )
        row, col, filled = row.astype(np.int64), col.astype(np.int64), filled.astype(bool)
        order = ranking_order(row, raw, self.direction.col_tie[col])
        return Result(row[order], col[order], raw[order], self.rounds, filled[order] if filled.any() else None)


def within_room(result: Result, k: int) -> np.ndarray:
    """Which entries a list of k places holds: those the cap let through, and of the entries that fill
    a short list the best ``k`` − (those let through) of the row. A row searched deeper than k (the
    encoder stage's ``depth``) was filled for its depth; at k it may be full without them."""
    keep = np.ones(len(result.rows), dtype=bool)
    if result.filled is None or not len(keep):
        return keep
    filled = result.filled
    let_through = np.bincount(result.rows[~filled], minlength=int(result.rows.max()) + 1)
    at = np.flatnonzero(filled)
    keep[at] = rank_within(result.rows[at]) < k - let_through[result.rows[at]]
    return keep


def ranking_order(row: np.ndarray, raw: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """``np.lexsort((tie, -raw, row))``: by row, then raw decreasing, then tie-break rank.

    One unstable sort of an integer key row × span + (largest raw - raw), raw rounded to the 2**-32
    grid (raw itself lies on the 2**-48 grid: relevance × context), then the few runs of equal keys
    (raw equal or within 2**-32 in a row, or a pair found twice) put in (raw, tie) order: a lexsort of
    three keys is a stable sort per key, several times slower on millions of candidates.
    """
    if not len(row):
        return np.zeros(0, dtype=np.int64)
    grid = np.rint(raw * float(1 << 32))
    low, high = float(grid.min()), float(grid.max())
    span = high - low + 1.0
    if not np.all(np.isfinite(grid)) or (float(row.max()) + 1.0) * span >= 2.0**62:
        return np.lexsort((tie, -raw, row))
    key = row.astype(np.int64) * int(span) + (high - grid).astype(np.int64)
    order = np.argsort(key)
    ordered = key[order]
    equal = ordered[1:] == ordered[:-1]
    if equal.any():
        runs = np.zeros(len(order), dtype=bool)
        runs[1:] |= equal
        runs[:-1] |= equal
        at = np.flatnonzero(runs)
        sub = order[at]
        order[at] = sub[np.lexsort((tie[sub], -raw[sub], key[sub]))]
    return order


def rank_within(row: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """Position of each entry among the earlier entries of its row (and group); rows are contiguous."""
    n = len(row)
    if not n:
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(n)
    if group is None:
        starts = np.concatenate(([True], row[1:] != row[:-1]))
        return idx - np.maximum.accumulate(np.where(starts, idx, 0))
    n_groups = int(group.max()) + 1
    if (int(row.max()) + 1) * n_groups * n < 2**62:  # one sort of a unique integer key, else three
        by_group = np.argsort((row.astype(np.int64) * n_groups + group) * n + idx)
    else:
        by_group = np.lexsort((idx, group, row))
    r, g = row[by_group], group[by_group]
    starts = np.concatenate(([True], (r[1:] != r[:-1]) | (g[1:] != g[:-1])))
    ranks = np.empty(n, dtype=np.int64)
    ranks[by_group] = idx - np.maximum.accumulate(np.where(starts, idx, 0))
    return ranks
