"""CP-SAT on one connected component with whole classes, time conflicts or binding school caps.

Two lexicographic phases on the same model: maximise served seats, then fix served at the value found
and maximise value. Both phases are limited in *deterministic* time (not wall time) and run one worker
with a fixed seed, so the same input gives the same answer on any machine load. The bounds CP-SAT
proves (its LP relaxation strengthened by cuts) are reported as the upper bounds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .index import Indexed, IntArray
from .rules import Rules


@dataclass(frozen=True, slots=True)
class CpResult:
    chosen: IntArray  # edge indices assigned
    served_seats: int
    served_bound: int  # proven bound on served seats
    value: int  # scaled, edge_cost x size summed over chosen
    value_bound: int  # proven bound on value at served >= served_seats
    status: str


def solve_cpsat(
    idx: Indexed,
    edges: IntArray,
    rules: Rules,
    cost: IntArray,
    *,
    hint: Iterable[int] = (),
    deterministic_time: float = 5.0,
) -> CpResult:
    edges = np.asarray(edges, dtype=np.int64)
    model = cp_model.CpModel()
    x = {int(e): model.new_bool_var(f"x{e}") for e in edges}
    size = idx.size
    weight = {e: int(size[idx.edge_p[e]]) for e in x}

    by_participant: dict[int, list[int]] = {}
    by_session: dict[int, list[int]] = {}
    for e in x:
        by_participant.setdefault(int(idx.edge_p[e]), []).append(e)
        by_session.setdefault(int(idx.edge_s[e]), []).append(e)
    served_terms = []
    y: dict[int, cp_model.IntVar] = {}
    for p, pe in by_participant.items():
        y[p] = model.new_bool_var(f"y{p}")
        model.add_bool_or([x[e] for e in pe]).only_enforce_if(y[p])
        if len(pe) > idx.max_bookings[p]:
            model.add(sum(x[e] for e in pe) <= int(idx.max_bookings[p]))
        served_terms.append(int(size[p]) * y[p])
    for s, se in by_session.items():
        if sum(weight[e] for e in se) > idx.capacity[s]:
            model.add(sum(weight[e] * x[e] for e in se) <= int(idx.capacity[s]))
    for group in rules.at_most_one:
        model.add_at_most_one(x[e] for e in group)
    for group, cap in rules.seat_caps:
        model.add(sum(weight[e] * x[e] for e in group) <= cap)

    hint_set = {int(e) for e in hint}
    for e, var in x.items():
        model.add_hint(var, e in hint_set)
    for p, var in y.items():
        model.add_hint(var, any(e in hint_set for e in by_participant[p]))

    served_expr = sum(served_terms)
    model.maximize(served_expr)
    solver = _solver(deterministic_time / 2)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"CP-SAT found no allocation: {solver.status_name(status)}")
    served = int(round(solver.objective_value))
    served_bound = int(np.floor(solver.best_objective_bound + 1e-6))
    phase1 = [e for e, var in x.items() if solver.boolean_value(var)]
    phase1_status = solver.status_name(status)

    model.clear_hints()
    chosen1 = set(phase1)
    for e, var in x.items():
        model.add_hint(var, e in chosen1)
    for p, var in y.items():
        model.add_hint(var, any(e in chosen1 for e in by_participant[p]))
    model.add(served_expr >= served)
    model.maximize(sum(int(cost[e]) * weight[e] * var for e, var in x.items()))
    solver = _solver(deterministic_time / 2)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"CP-SAT lost the served allocation: {solver.status_name(status)}")
    chosen = np.asarray(sorted(e for e, var in x.items() if solver.boolean_value(var)), dtype=np.int64)
    return CpResult(
        chosen=chosen,
        served_seats=served,
        served_bound=served_bound,
        value=int(round(solver.objective_value)),
        value_bound=int(np.floor(solver.best_objective_bound + 1e-6)),
        status=f"{phase1_status}/{solver.status_name(status)}",
    )


def _solver(deterministic_time: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = deterministic_time
    return solver
