"""How evenly an allocation spreads seats: fill rate, share served, spread across schools."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import TYPE_CHECKING, Any

from .problem import Problem

if TYPE_CHECKING:
    from .solve import Solution


def fairness_report(problem: Problem, solution: Solution) -> dict[str, Any]:
    """Figures for the organiser's dashboard; every share is in [0, 1] (0 when there is nothing).

    - fill_rate: seats used / seats offered, over all sessions.
    - served_share: participants with at least one booking / participants (each class counts once).
    - schools: per-school served share (participants of the school with a booking / its
      participants), and its min, max and population stdev across schools; participants without a
      school are left out. priority_served_share is the same share over the priority schools.
    """
    size = {p.id: p.size for p in problem.participants}
    capacity = sum(s.capacity for s in problem.sessions)
    used = sum(size[pid] for pid, _ in solution.assignments)
    served = {pid for pid, _ in solution.assignments}

    members: Counter[str] = Counter()
    served_members: Counter[str] = Counter()
    for p in problem.participants:
        if p.school is not None:
            members[p.school] += 1
            served_members[p.school] += p.id in served
    shares = {school: served_members[school] / members[school] for school in sorted(members)}
    values = list(shares.values())
    priority = [p for p in problem.participants if p.school in problem.priority_schools]
    return {
        "fill_rate": used / capacity if capacity else 0.0,
        "seats_used": used,
        "seats_offered": capacity,
        "served_share": len(served) / len(problem.participants) if problem.participants else 0.0,
        "school_served_share": shares,
        "school_share_min": min(values) if values else 0.0,
        "school_share_max": max(values) if values else 0.0,
        "school_share_stdev": statistics.pstdev(values) if values else 0.0,
        "priority_served_share": (sum(p.id in served for p in priority) / len(priority) if priority else 0.0),
    }
