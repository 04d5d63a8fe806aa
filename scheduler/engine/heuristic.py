"""Large components with whole classes, time conflicts or school caps: flow relaxation, repair, fill.

1. Relax: a seat flow that ignores time conflicts, school caps and classes' wholeness (an exact
   optimum of a relaxation, hence an upper bound; it also bounds the seats that can be served).
2. Classes first, one booking each (see classes.py): they are the hard pieces to fit, and students
   have alternatives.
3. Students: the same flow, exact for single bookings, on the seats the classes left.
4. Repair time conflicts opportunity by opportunity: re-seat everyone the flow sent to one
   opportunity across its sessions with a small min-cost flow, so their times avoid their other
   bookings (same-opportunity moves keep every capacity intact). Leftover conflicts and cap excesses
   are dropped, never someone's last booking unless a cap forces it.
5. Serve whoever is still unserved (freeing a seat held by someone with another booking if needed),
   then fill remaining seats best score first.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from .bookings import Bookings
from .classes import place_classes
from .flow import FlowResult, seat_flow
from .index import SCALE, Indexed, IntArray
from .rules import Rules


def solve_heuristic(
    idx: Indexed, edges: IntArray, rules: Rules, cost: IntArray
) -> tuple[list[int], FlowResult]:
    """A feasible allocation of `edges`, and the relaxation (its value and served seats are bounds)."""
    edges = np.asarray(edges, dtype=np.int64)
    state = Bookings(idx, rules, cost)
    relaxed = seat_flow(idx, edges, cost=cost)
    is_class = idx.size[idx.edge_p[edges]] > 1
    if is_class.any():
        place_classes(state, idx, edges[is_class], cost)

    students = edges[~is_class]
    if len(students):
        # Exact for students' first bookings on the seats the classes left; conflicts come next.
        flow = seat_flow(idx, students, cost=cost, capacity=np.asarray(state.room, dtype=np.int64))
        for e in students[flow.edge_flow > 0].tolist():
            state.add(e)
    _repair_conflicts(state, idx)
    _enforce_caps(state)
    _serve_unserved(state, edges)
    _fill(state, edges)
    return state.chosen(), relaxed


def _repair_conflicts(state: Bookings, idx: Indexed) -> None:
    """Re-seat every opportunity a clashing student holds (twice over); then drop what still clashes."""

    def clashing(p: int) -> bool:
        mine = state.booked[p]
        return any(
            state.clash(state.edge_s[a], state.edge_s[b]) for i, a in enumerate(mine) for b in mine[i + 1 :]
        )

    troubled = sorted(p for p in list(state.booked) if state.size[p] == 1 and clashing(p))
    if not troubled:
        return
    # Every student booked at a re-seated opportunity may move, not only the clashing ones.
    sessions_of: dict[int, list[int]] = defaultdict(list)
    for s in range(len(state.opp)):
        sessions_of[state.opp[s]].append(s)
    for _ in range(2):
        opportunities = sorted({state.opp[state.edge_s[e]] for p in troubled for e in state.booked[p]})
        for o in opportunities:
            _reseat(state, idx, o, sessions_of[o])
        troubled = [p for p in troubled if clashing(p)]
        if not troubled:
            return
    for p in troubled:
        # Keep the most valuable bookings that fit together; a clash means two or more bookings,
        # so p stays served.
        mine = sorted(state.booked[p], key=lambda e: (-state.cost[e], e))
        for e in mine:
            state.remove(e)
        for e in mine:
            if state.fits(e, ignore_room=True):
                state.add(e)


def _reseat(state: Bookings, idx: Indexed, o: int, sessions: list[int]) -> None:
    """Re-seat the size-1 participants booked at opportunity o across its sessions, avoiding clashes."""
    held = sorted((state.edge_p[e], e) for e in state.at_opp[o] if state.size[state.edge_p[e]] == 1)
    if not held:
        return
    for _p, e in held:
        state.remove(e)
    s_pos = {s: i for i, s in enumerate(sessions)}
    tails: list[int] = []
    heads: list[int] = []
    costs: list[int] = []
    arc_edge: list[int] = []
    n_h = len(held)
    for i, (p, _) in enumerate(held):
        only = not state.booked[p]
        lo, hi = int(idx.ptr[p]), int(idx.ptr[p + 1])
        for f in range(lo, hi):
            s = state.edge_s[f]
            if state.opp[s] != o or not state.fits(f, ignore_room=True):
                continue
            tails.append(1 + i)
            heads.append(1 + n_h + s_pos[s])
            # Placing anyone beats any score difference, and placing someone for whom this is the
            # only booking beats placing all the others, so re-seating never un-serves anyone.
            costs.append(-(state.cost[f] + SCALE * ((n_h + 1) if only else 1)))
            arc_edge.append(f)
    source, sink = 0, 1 + n_h + len(sessions)
    n_arcs = len(tails)
    tails += [source] * n_h + [1 + n_h + j for j in range(len(sessions))] + [source]
    heads += [1 + i for i in range(n_h)] + [sink] * len(sessions) + [sink]
    costs += [0] * (n_h + len(sessions) + 1)
    caps = [1] * (n_arcs + n_h) + [max(state.room[s], 0) for s in sessions] + [n_h]
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.asarray(tails, dtype=np.int64),
        np.asarray(heads, dtype=np.int64),
        np.asarray(caps, dtype=np.int64),
        np.asarray(costs, dtype=np.int64),
    )
    mcf.set_node_supply(source, n_h)
    mcf.set_node_supply(sink, -n_h)
    if n_arcs == 0 or mcf.solve() != mcf.OPTIMAL:
        placed: list[int] = []
    else:
        flows = mcf.flows(np.arange(n_arcs, dtype=np.int64))
        placed = [arc_edge[a] for a in np.flatnonzero(flows).tolist()]
    placed_p = {state.edge_p[f] for f in placed}
    for f in placed:
        state.add(f)
    # Whoever could not be re-seated without a clash keeps the old seat for now; the final
    # clean-up drops one of their clashing bookings.
    for p, e in held:
        if p not in placed_p and state.room[state.edge_s[e]] >= 1:
            state.add(e)


def _enforce_caps(state: Bookings) -> None:
    over = [g for g, room in enumerate(state.cap_room) if room < 0]
    if not over:
        return
    members: dict[int, list[int]] = defaultdict(list)
    for mine in state.booked.values():
        for e in mine:
            g = state.cap_of_edge.get(e)
            if g is not None and state.cap_room[g] < 0:
                members[g].append(e)

    def elsewhere(e: int) -> bool:
        """Could e's participant be booked outside this cap group instead?"""
        p, g = state.edge_p[e], state.cap_of_edge[e]
        state.remove(e)
        found = any(state.cap_of_edge.get(f) != g and state.fits(f) for f in state.edges_of(p))
        state.add(e)
        return found

    for g in over:
        # Drop first the bookings of people who keep another one, then of people who could go
        # elsewhere (they are re-served later), then the least valuable.
        ranked = sorted(
            members[g],
            key=lambda e: (len(state.booked[state.edge_p[e]]) == 1, not elsewhere(e), state.cost[e], e),
        )
        for e in ranked:
            if state.cap_room[g] >= 0:
                break
            state.remove(e)


def _serve_unserved(state: Bookings, edges: IntArray) -> None:
    by_p: dict[int, list[int]] = defaultdict(list)
    for e in edges.tolist():
        by_p[state.edge_p[e]].append(e)
    for p in sorted((p for p in by_p if not state.booked[p]), key=lambda p: (-state.size[p], p)):
        options = sorted(by_p[p], key=lambda e: (-state.cost[e], e))
        if state.add_first_fitting(options):
            continue
        # Free seats held by participants who keep another booking, least value lost first.
        for e in options:
            if not state.fits(e, ignore_room=True):
                continue
            s = state.edge_s[e]
            spare = sorted(
                (f for f in state.at_session(s) if len(state.booked[state.edge_p[f]]) > 1),
                key=lambda f: (state.cost[f] * state.size[state.edge_p[f]], f),
            )
            need = state.size[p] - state.room[s]
            freed = []
            for f in spare:
                if need <= 0:
                    break
                freed.append(f)
                need -= state.size[state.edge_p[f]]
            if need > 0:
                continue
            for f in freed:
                state.remove(f)
            state.add(e)
            break


def _fill(state: Bookings, edges: IntArray) -> None:
    cost = np.asarray(state.cost, dtype=np.int64)[edges]
    taken = set(state.chosen())
    for e in edges[np.lexsort((edges, -cost))].tolist():
        if e not in taken and state.fits(e):
            state.add(e)
