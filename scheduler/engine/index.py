"""The problem as numpy arrays, indexed in id order, which every solver works on.

Sorting participants, sessions and edges by id is what makes every solver deterministic: the same
input gives the same arrays whatever order the producer listed things in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter

import numpy as np
from numpy.typing import NDArray

from .problem import Edge, Problem, ProblemError

# Integer costs for the flow and MILP solvers are scores scaled by SCALE and rounded: a score is
# resolved to 1e-6, and every reported objective is recomputed from the float scores.
SCALE = 1_000_000
# Participants from a priority school (one no round has served yet) count PRIORITY_BONUS more per
# seat in the solvers' internal objective, so they win near-ties; the reported objective excludes it.
PRIORITY_BONUS = 0.001

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Indexed:
    participant_ids: list[str]
    size: IntArray
    max_bookings: IntArray
    school: IntArray  # index into school_names, -1 for none
    school_names: list[str]
    priority: NDArray[np.bool_]
    session_ids: list[str]
    opportunity: IntArray  # index into opportunity_ids
    opportunity_ids: list[str]
    starts: IntArray  # order-preserving ranks of the datetimes: comparisons stay exact
    ends: IntArray
    capacity: IntArray
    edge_p: IntArray  # edges sorted by (participant, session)
    edge_s: IntArray
    score: FloatArray
    session_score: FloatArray
    ptr: IntArray  # edges of participant p are edge_p[ptr[p]:ptr[p + 1]]
    seat_cap: int | None

    @property
    def n_participants(self) -> int:
        return len(self.participant_ids)

    @property
    def n_sessions(self) -> int:
        return len(self.session_ids)

    @property
    def n_edges(self) -> int:
        return len(self.edge_p)

    def edge_cost(self) -> IntArray:
        """Scaled integer value of one seat on each edge, priority bonus included."""
        value = np.rint(self.score * SCALE).astype(np.int64)
        bonus = int(round(PRIORITY_BONUS * SCALE))
        return value + np.where(self.priority[self.edge_p], bonus, 0)


def build_index(problem: Problem) -> Indexed:
    """Index a problem, re-checking what a hand-built Problem may get wrong; raise ProblemError."""
    errors: list[str] = []
    participants = sorted(problem.participants, key=lambda p: p.id)
    sessions = sorted(problem.sessions, key=lambda s: s.id)
    p_index = _unique_index([p.id for p in participants], "participant", errors)
    s_index = _unique_index([s.id for s in sessions], "session", errors)
    for p in participants:
        if p.size < 1 or p.max_bookings < 1:
            errors.append(f'participant "{p.id}": size and max_bookings must be positive')
    for s in sessions:
        if s.starts_at.utcoffset() is None or s.ends_at.utcoffset() is None:
            errors.append(f'session "{s.id}": datetimes must be aware')
        elif s.capacity < 0 or not s.ends_at > s.starts_at:
            errors.append(f'session "{s.id}": needs capacity >= 0 and ends_at after starts_at')

    edges = problem.edges
    n_e = len(edges)
    edge_p = _lookup(p_index, edges, "participant")
    edge_s = _lookup(s_index, edges, "session")
    score = np.fromiter(map(attrgetter("score"), edges), dtype=np.float64, count=n_e)
    session_score = np.fromiter(map(attrgetter("session_score"), edges), dtype=np.float64, count=n_e)
    # NaN fails both comparisons, so it is caught as out of range.
    in_range = (score > 0) & (score <= 1) & (session_score > 0) & (session_score <= 1)
    for i in np.flatnonzero((edge_p < 0) | (edge_s < 0) | ~in_range).tolist():
        e = edges[i]
        if edge_p[i] < 0 or edge_s[i] < 0:
            errors.append(f'edge ("{e.participant}", "{e.session}"): unknown participant or session')
        if not in_range[i]:
            errors.append(f'edge ("{e.participant}", "{e.session}"): scores must be in (0, 1]')
    if errors:
        raise ProblemError(errors)

    order = np.argsort(edge_p * max(len(sessions), 1) + edge_s, kind="stable")
    edge_p, edge_s = edge_p[order], edge_s[order]
    score, session_score = score[order], session_score[order]
    if len(edge_p) > 1:
        dup = np.flatnonzero((edge_p[1:] == edge_p[:-1]) & (edge_s[1:] == edge_s[:-1]))
        if len(dup):
            raise ProblemError(
                [
                    f'edge ("{participants[edge_p[k]].id}", "{sessions[edge_s[k]].id}"): listed twice'
                    for k in dup
                ]
            )
    n_p = len(participants)
    ptr = np.zeros(n_p + 1, dtype=np.int64)
    np.cumsum(np.bincount(edge_p, minlength=n_p), out=ptr[1:])

    school_names = sorted({p.school for p in participants if p.school is not None})
    school_index = {name: i for i, name in enumerate(school_names)}
    opportunity_ids = sorted({s.opportunity for s in sessions})
    o_index = {name: i for i, name in enumerate(opportunity_ids)}
    moments = [_micros(s.starts_at) for s in sessions] + [_micros(s.ends_at) for s in sessions]
    ranks = np.unique(np.asarray(moments, dtype=np.int64), return_inverse=True)[1].astype(np.int64)
    n_s = len(sessions)
    return Indexed(
        participant_ids=[p.id for p in participants],
        size=np.asarray([p.size for p in participants], dtype=np.int64),
        max_bookings=np.asarray([p.max_bookings for p in participants], dtype=np.int64),
        school=np.asarray(
            [-1 if p.school is None else school_index[p.school] for p in participants], dtype=np.int64
        ),
        school_names=school_names,
        priority=np.asarray([p.school in problem.priority_schools for p in participants], dtype=bool),
        session_ids=[s.id for s in sessions],
        opportunity=np.asarray([o_index[s.opportunity] for s in sessions], dtype=np.int64),
        opportunity_ids=opportunity_ids,
        starts=ranks[:n_s],
        ends=ranks[n_s:],
        capacity=np.asarray([s.capacity for s in sessions], dtype=np.int64),
        edge_p=edge_p,
        edge_s=edge_s,
        score=score,
        session_score=session_score,
        ptr=ptr,
        seat_cap=problem.seat_cap_per_school,
    )


def _lookup(index: dict[str, int], edges: Sequence[Edge], field: str) -> IntArray:
    """Position of each edge's participant or session in index, -1 for an unknown id."""
    get = attrgetter(field)
    try:  # the fast path: every id is known
        return np.fromiter(map(index.__getitem__, map(get, edges)), dtype=np.int64, count=len(edges))
    except KeyError:
        return np.fromiter((index.get(get(e), -1) for e in edges), dtype=np.int64, count=len(edges))


def _unique_index(ids: list[str], kind: str, errors: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, key in enumerate(ids):
        if key in index:
            errors.append(f'{kind} "{key}": duplicate id')
        index[key] = i
    return index


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def participants_with_conflicts(idx: Indexed) -> NDArray[np.bool_]:
    """True for a participant two of whose sessions of different opportunities overlap in time."""
    flags = np.zeros(idx.n_participants, dtype=bool)
    if idx.n_edges == 0:
        return flags
    # Vectorised screen. Ordered by start, an interval overlaps an earlier one of the same
    # participant iff it starts before their running maximum end. The running maximum is taken
    # over (end, opportunity) pairs packed in one integer; offsetting each participant's values past
    # the previous one's keeps it from leaking across participants. If the interval reaching
    # furthest is of another opportunity, that is a conflict; if it is of the same opportunity an
    # earlier one of another might still overlap, so only those participants get the exact check.
    n_o = len(idx.opportunity_ids) + 1
    span = (int(max(idx.ends.max(), idx.starts.max())) + 1) * n_o
    order = np.lexsort((idx.starts[idx.edge_s], idx.edge_p))
    ep, es = idx.edge_p[order], idx.edge_s[order]
    offset = ep * span
    packed = np.maximum.accumulate(offset + idx.ends[es] * n_o + idx.opportunity[es])
    previous = packed[:-1] - offset[1:]
    same_p = ep[1:] == ep[:-1]
    overlaps = same_p & (idx.starts[es[1:]] * n_o < previous - previous % n_o)
    other_opp = previous % n_o != idx.opportunity[es[1:]]
    flags[ep[1:][overlaps & other_opp]] = True
    for p in np.unique(ep[1:][overlaps & ~other_opp]).tolist():
        if not flags[p]:
            flags[p] = bool(conflict_cliques(idx, p))
    return flags


def conflict_cliques(idx: Indexed, p: int) -> list[list[int]]:
    """Maximal sets of p's edges whose sessions share a moment and span two or more opportunities.

    In an interval graph every maximal clique is the set of intervals alive just after some start;
    "at most one per clique" is then exactly "no two overlapping". Cliques within one opportunity
    are left out: the one-per-opportunity rule covers them already.
    """
    lo, hi = int(idx.ptr[p]), int(idx.ptr[p + 1])
    if hi - lo < 2:
        return []
    sessions = idx.edge_s[lo:hi]
    starts = idx.starts[sessions].tolist()
    ends = idx.ends[sessions].tolist()
    opps = idx.opportunity[sessions].tolist()
    cliques: list[frozenset[int]] = []
    for t in sorted(set(starts)):
        alive = frozenset(k for k in range(hi - lo) if starts[k] <= t < ends[k])
        if len(alive) > 1 and len({opps[k] for k in alive}) > 1:
            cliques.append(alive)
    maximal = [c for c in cliques if not any(c < other for other in cliques)]
    return [sorted(lo + k for k in c) for c in dict.fromkeys(maximal)]
