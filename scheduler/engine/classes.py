"""Whole classes, one booking each, before any student: packing them is a generalised assignment.

Small instances go to HiGHS (exact, lexicographic). Large ones, where HiGHS spends minutes at the
root, take the seat-flow relaxation (classes may split) and keep every class it placed whole. The rest
are placed best value first, and a class that fits nowhere gets room by moving classes already in a
session to another of their own options.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .bookings import Bookings
from .flow import seat_flow
from .index import Indexed, IntArray
from .milp import solve_milp
from .rules import Rules

MILP_MAX_CLASS_EDGES = 3_000


def place_classes(state: Bookings, idx: Indexed, edges: IntArray, cost: IntArray) -> None:
    options: dict[int, list[int]] = defaultdict(list)
    for e in sorted(edges.tolist(), key=lambda e: (-state.cost[e], e)):
        options[state.edge_p[e]].append(e)
    if len(edges) <= MILP_MAX_CLASS_EDGES:
        members = set(edges.tolist())
        caps = [([e for e in g if e in members], c) for g, c in state.seat_caps]
        packed = solve_milp(idx, edges, Rules([], [(g, c) for g, c in caps if g]), cost, single=True)
        for e in [] if packed.chosen is None else packed.chosen.tolist():
            state.add(e)
    else:
        flow = seat_flow(idx, edges, cost=cost, capacity=np.asarray(state.room, dtype=np.int64), share=False)
        for e in edges[flow.edge_flow == idx.size[idx.edge_p[edges]]].tolist():
            if state.fits(e):
                state.add(e)
    # Largest first: small classes fit in the gaps the large ones leave.
    for p in sorted(options, key=lambda p: (-state.size[p], p)):
        if state.booked[p]:
            continue
        if not state.add_first_fitting(options[p]):
            _place_by_moving(state, p, options)


def _place_by_moving(state: Bookings, p: int, options: dict[int, list[int]]) -> bool:
    """Make room for class p in one of its sessions by moving classes there to another of theirs."""
    for e in options[p]:
        if not state.fits(e, ignore_room=True):
            continue
        s = state.edge_s[e]
        moved: list[tuple[int, int]] = []
        residents = sorted(
            (f for f in state.at_session(s) if state.size[state.edge_p[f]] > 1 and state.edge_p[f] != p),
            key=lambda f: (-state.size[state.edge_p[f]], f),
        )
        for f in residents:
            if state.room[s] >= state.size[p]:
                break
            state.remove(f)
            others = options[state.edge_p[f]]
            target = next((g for g in others if state.edge_s[g] != s and state.fits(g)), None)
            if target is None:
                state.add(f)
                continue
            state.add(target)
            moved.append((f, target))
        if state.room[s] >= state.size[p] and state.fits(e):
            state.add(e)
            return True
        for f, target in reversed(moved):
            state.remove(target)
            state.add(f)
    return False
