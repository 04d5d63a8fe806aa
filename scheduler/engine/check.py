"""An independent check that a solution obeys every rule of its problem.

It works on the plain dataclasses, not the solvers' arrays, so a bug in the indexing cannot hide a
bug in a solver. The app can run it on anything it is about to save.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from .problem import Problem

if TYPE_CHECKING:
    from .solve import Solution


def check_solution(problem: Problem, solution: Solution) -> list[str]:
    """Every rule the solution breaks, one message each; empty when it is valid."""
    errors: list[str] = []
    participants = {p.id: p for p in problem.participants}
    sessions = {s.id: s for s in problem.sessions}
    edges = {(e.participant, e.session): e for e in problem.edges}
    seats: Counter[str] = Counter()
    school_seats: Counter[tuple[str, str]] = Counter()
    booked: defaultdict[str, list[str]] = defaultdict(list)
    objective = 0.0
    for pid, sid in solution.assignments:
        edge = edges.get((pid, sid))
        if edge is None:
            errors.append(f'("{pid}", "{sid}"): not a listed edge')
            continue
        p, s = participants[pid], sessions[sid]
        seats[sid] += p.size
        booked[pid].append(sid)
        objective += edge.score * p.size
        if p.school is not None:
            school_seats[(p.school, s.opportunity)] += p.size
    for sid, used in sorted(seats.items()):
        if used > sessions[sid].capacity:
            errors.append(f'session "{sid}": {used} seats taken, capacity {sessions[sid].capacity}')
    for pid, mine in sorted(booked.items()):
        p = participants[pid]
        if len(mine) != len(set(mine)):
            errors.append(f'participant "{pid}": the same session twice')
        if len(mine) > p.max_bookings and solution.mode == "optimal":
            errors.append(f'participant "{pid}": {len(mine)} sessions, max_bookings {p.max_bookings}')
        if len(mine) > 1 and solution.mode == "stable":
            errors.append(f'participant "{pid}": {len(mine)} sessions in stable mode, which gives one')
        opportunities = Counter(sessions[sid].opportunity for sid in mine)
        for opportunity, count in sorted(opportunities.items()):
            if count > 1:
                errors.append(f'participant "{pid}": {count} sessions of opportunity "{opportunity}"')
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                if a != b and sessions[a].overlaps(sessions[b]):
                    errors.append(f'participant "{pid}": sessions "{a}" and "{b}" overlap')
    cap = problem.seat_cap_per_school
    if cap is not None:
        for (school, opportunity), used in sorted(school_seats.items()):
            if used > cap:
                errors.append(f'school "{school}": {used} seats at opportunity "{opportunity}", cap {cap}')
    served = sum(participants[pid].size for pid in booked)
    if served != solution.served:
        errors.append(f"served is {solution.served}, the assignments serve {served}")
    if not math.isclose(objective, solution.objective, rel_tol=1e-9, abs_tol=1e-6):
        errors.append(f"objective is {solution.objective}, the assignments give {objective}")
    if solution.upper_bound < solution.objective - 1e-6:
        errors.append(f"upper_bound {solution.upper_bound} is below objective {solution.objective}")
    return errors
