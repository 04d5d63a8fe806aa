"""Allocate participants to sessions: `solve(problem, mode)`.

Mode `optimal` is lexicographic: first the most seats served (a participant with at least one
booking is served, counted by size), then the highest objective, the sum of score x size over
bookings. The problem is cut into independent connected components (participants and sessions joined
by edges, and by school caps that bind), and each component goes to the solver that fits it:

1. Flow (OR-Tools max flow + min-cost flow), exact and fast. Used where every participant has size
   1, no school cap binds, and no participant has overlapping sessions of different opportunities:
   the problem is then a network flow, whose LP is integral. Each participant's source arc is split
   so first bookings come from a source of their own. Max flow gives the most that can be served;
   min-cost flow then maximises value with exactly that many served (no big-M weight). Scores become
   integer costs scaled by 10^6; the objective is recomputed from the float scores, and the bound
   adds the rounding slack (half a unit per seat).
2. HiGHS MILP (scipy.optimize.milp), exact up to a node limit. Used for small components (at most
   MILP_MAX_EDGES edges) with whole classes, time conflicts or binding school caps. It solves the
   same two phases, and its proven dual bound is the upper bound. The heuristic below runs too, and
   the better answer is kept.
3. Heuristic, for larger hard components, where exact solvers take minutes. A flow relaxation that
   ignores time conflicts and caps and lets classes split gives the upper bound and a bound on
   served. Then classes are packed whole (HiGHS when small, else relaxation + greedy + moves), then
   students by exact flow on the seats left, then time conflicts are repaired by re-seating each
   opportunity with a small flow; last, the unserved are served and empty seats filled (heuristic.py).

`upper_bound` bounds the objective of any allocation serving as many seats as this one. When served
falls short of `stats["served_bound"]` (so it is not proven maximal), the bound is taken from the
relaxation of the whole problem at that served count.

Mode `stable` is participant-proposing deferred acceptance (see stable.py). Each participant gets
at most one session: `max_bookings` is ignored. Classes (size > 1) and school caps are refused. Its
`upper_bound` is the sum of each participant's best score: trivial, but valid for any
one-session-each allocation.

Fairness: `seat_cap_per_school` is a hard constraint. Participants of `priority_schools` count
PRIORITY_BONUS (0.001) more per seat in the solvers' internal objective, so they win near-ties; in
stable mode they win ties in session_score instead. The reported objective never includes the bonus.

Determinism: everything is sorted by id, nothing is random, and HiGHS stops at a node limit rather
than a clock, so the same input gives the same output. (HiGHS also has a 60 s wall-clock safety net
per phase; only a pathological component would reach it, and then the answer may vary.)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .flow import FlowResult, seat_flow
from .heuristic import solve_heuristic
from .index import SCALE, Indexed, IntArray, build_index, participants_with_conflicts
from .milp import solve_milp
from .problem import Problem, ProblemError
from .rules import Rules, binding_seat_caps, component_rules
from .stable import deferred_acceptance

Mode = Literal["optimal", "stable"]
MODES: tuple[str, ...] = ("optimal", "stable")
MILP_MAX_EDGES = 5_000


@dataclass(frozen=True)
class Solution:
    mode: str
    assignments: list[tuple[str, str]]
    served: int
    objective: float
    upper_bound: float
    stats: dict[str, Any] = field(default_factory=dict)


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    """The public JSON shape. Stats hold timings, so they stay out to keep the output reproducible."""
    return {
        "mode": solution.mode,
        "assignments": [{"participant": p, "session": s} for p, s in solution.assignments],
        "served": solution.served,
        "objective": solution.objective,
        "upper_bound": solution.upper_bound,
    }


def solve(problem: Problem, mode: Mode | str = "optimal") -> Solution:
    if mode not in MODES:
        raise ProblemError([f'mode: must be "optimal" or "stable", got "{mode}"'])
    return solve_indexed(build_index(problem), mode)


def solve_indexed(idx: Indexed, mode: Mode | str = "optimal") -> Solution:
    """Solve a problem already turned into arrays by `build_index` (what `solve` does after indexing)."""
    if mode not in MODES:
        raise ProblemError([f'mode: must be "optimal" or "stable", got "{mode}"'])
    started = time.perf_counter()
    stats: dict[str, Any] = {
        "participants": idx.n_participants,
        "sessions": idx.n_sessions,
        "edges": idx.n_edges,
    }
    if mode == "stable":
        chosen, proposals = deferred_acceptance(idx)
        stats["proposals"] = proposals
        # Edges are grouped by participant: the best score of each non-empty group, summed.
        starts = idx.ptr[:-1][np.diff(idx.ptr) > 0]
        bound = math.fsum(np.maximum.reduceat(idx.score, starts).tolist()) if len(starts) else 0.0
    else:
        chosen, scaled_bound = _solve_optimal(idx, stats)
        bound = scaled_bound / SCALE
    served = int(idx.size[np.unique(idx.edge_p[chosen])].sum()) if len(chosen) else 0
    objective = math.fsum((idx.score[chosen] * idx.size[idx.edge_p[chosen]]).tolist())
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return Solution(
        mode=mode,
        assignments=[(idx.participant_ids[p], idx.session_ids[s]) for p, s in _pairs(idx, chosen)],
        served=served,
        objective=round(objective, 9),
        # Rounded up at the 7th decimal so that rounding can never push the bound below the objective.
        upper_bound=max(math.ceil(bound * 1e7) / 1e7, round(objective, 9)),
        stats=stats,
    )


def _pairs(idx: Indexed, chosen: IntArray) -> list[tuple[int, int]]:
    return list(zip(idx.edge_p[chosen].tolist(), idx.edge_s[chosen].tolist(), strict=True))


def _solve_optimal(idx: Indexed, stats: dict[str, Any]) -> tuple[IntArray, float]:
    """Chosen edge indices (sorted) and a bound on the scaled internal objective at the same served."""
    cost = idx.edge_cost()
    caps = binding_seat_caps(idx)
    hard_p = (idx.size > 1) | participants_with_conflicts(idx)
    for group, _ in caps:
        hard_p[idx.edge_p[group]] = True
    comp_p, comp_e = _components(idx, caps)
    hard_comp = np.unique(comp_p[hard_p])
    hard_e = np.isin(comp_e, hard_comp)

    chosen: list[IntArray] = []
    bound = 0.0
    served_bound = 0
    counts = {"flow": 0, "milp": 0, "heuristic": 0}
    easy = np.flatnonzero(~hard_e)
    if len(easy):
        counts["flow"] = len(np.unique(comp_e[easy]))
        result = seat_flow(idx, easy, cost=cost)
        chosen.append(easy[result.edge_flow > 0])
        bound += result.value + _slack(idx, easy)
        served_bound += result.max_served_seats

    hard = np.flatnonzero(hard_e)
    order = np.argsort(comp_e[hard], kind="stable")
    hard = hard[order]
    cuts: list[int] = []
    if len(hard):
        cuts = np.flatnonzero(np.r_[True, comp_e[hard][1:] != comp_e[hard][:-1], True]).tolist()
    large: list[IntArray] = []
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        edges = hard[lo:hi]
        if len(edges) > MILP_MAX_EDGES:
            large.append(edges)
            continue
        counts["milp"] += 1
        picked, part_bound, part_served_bound = _solve_small(idx, edges, caps, cost)
        chosen.append(picked)
        bound += part_bound
        served_bound += part_served_bound
    if large:
        counts["heuristic"] = len(large)
        edges = np.sort(np.concatenate(large))
        # The heuristic tests clashes directly, so it needs no clique lists (costly at this size).
        picked_list, relaxed = solve_heuristic(idx, edges, Rules([], _caps_within(edges, caps)), cost)
        picked = np.asarray(picked_list, dtype=np.int64)
        chosen.append(picked)
        bound += _relaxed_bound(idx, edges, picked, cost, relaxed)
        served_bound += relaxed.max_served_seats
    stats["components"] = counts
    stats["served_bound"] = served_bound
    all_chosen = np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)
    served, _ = _key(idx, all_chosen, cost)
    if served < served_bound:
        # Per-component bounds assume each component serves its most; without that proof, an
        # allocation serving as many could shift seats between components, so bound them jointly.
        bound = _relaxed_bound(idx, np.arange(idx.n_edges), all_chosen, cost)
    return all_chosen, bound


def _solve_small(
    idx: Indexed, edges: IntArray, caps: list[tuple[list[int], int]], cost: IntArray
) -> tuple[IntArray, float, int]:
    rules = component_rules(idx, np.unique(idx.edge_p[edges]), _caps_within(edges, caps))
    heuristic, relaxed = solve_heuristic(idx, edges, rules, cost)
    picked = np.asarray(heuristic, dtype=np.int64)
    exact = solve_milp(idx, edges, rules, cost)
    served_bound = relaxed.max_served_seats
    if exact.chosen is not None:
        served_bound = min(served_bound, exact.served_bound)
        if _key(idx, exact.chosen, cost) >= _key(idx, picked, cost):
            picked = np.sort(exact.chosen)
    bound = min(_relaxed_bound(idx, edges, picked, cost, relaxed), exact.value_bound + _slack(idx, edges))
    return picked, bound, served_bound


def _key(idx: Indexed, chosen: IntArray, cost: IntArray) -> tuple[int, int]:
    served = int(idx.size[np.unique(idx.edge_p[chosen])].sum()) if len(chosen) else 0
    return served, int((cost[chosen] * idx.size[idx.edge_p[chosen]]).sum())


def _relaxed_bound(
    idx: Indexed, edges: IntArray, chosen: IntArray, cost: IntArray, relaxed: FlowResult | None = None
) -> float:
    """Flow-relaxation value with exactly the seats `chosen` serves, plus rounding slack.

    `relaxed`, the relaxation at its most served, is reused when `chosen` serves that many.
    """
    served, _ = _key(idx, chosen, cost)
    if relaxed is None or relaxed.served_seats != served:
        relaxed = seat_flow(idx, edges, served_seats=served, cost=cost)
    return relaxed.value + _slack(idx, edges)


def _slack(idx: Indexed, edges: IntArray) -> float:
    """Half a scaled unit per seat any allocation of these edges could fill (rounding of scores)."""
    parts = np.unique(idx.edge_p[edges])
    sessions = np.unique(idx.edge_s[edges])
    seats = min(int((idx.size[parts] * idx.max_bookings[parts]).sum()), int(idx.capacity[sessions].sum()))
    return 0.5 * seats


def _caps_within(edges: IntArray, caps: list[tuple[list[int], int]]) -> list[tuple[list[int], int]]:
    """The cap groups of one component (a group never spans two: caps join components)."""
    members = set(edges.tolist())
    return [(group, cap) for group, cap in caps if group[0] in members]


def _components(idx: Indexed, caps: list[tuple[list[int], int]]) -> tuple[IntArray, IntArray]:
    """Component label of each participant and of each edge."""
    n_p, n_s = idx.n_participants, idx.n_sessions
    rows = [idx.edge_p, n_p + idx.edge_s]
    cols = [n_p + idx.edge_s, idx.edge_p]
    for g, (group, _) in enumerate(caps):
        members = np.unique(idx.edge_p[group])
        rows.append(np.full(len(members), n_p + n_s + g))
        cols.append(members)
    n = n_p + n_s + len(caps)
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)
    return labels[:n_p], labels[idx.edge_p]
