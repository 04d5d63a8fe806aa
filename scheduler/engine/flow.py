"""Seat flow: OR-Tools max flow and min-cost flow on the allocation network.

Network, one unit of flow per seat:

    S0 --(size: first booking)--> p --(size, -value)--> session --(capacity)--> T
    S1 --(size x (max_bookings - 1): later bookings)--> p            S1 --(bypass)--> T

The participant's source arc is split in two (a concave gain): S0 feeds only first bookings. Solving
max flow from S0 first gives the most seats that can be served. The min-cost flow then sends exactly
that many units out of S0, so it maximises value among the allocations that serve the most. That is
a lexicographic optimum with no big-M weight, and so no risk of int64 overflow in the solver's cost
scaling.

"One per opportunity" needs a node between p and the sessions of an opportunity where p lists two
or more of them. When p values them all the same (the usual case: matchmaking scores opportunities),
that node is shared by everyone who lists the same set of sessions, with one priced arc from p into
it. This keeps the network about as small as the edge list. Otherwise p gets a node of its own.

Time conflicts and whole classes are not represented. For participants of size 1 whose sessions of
different opportunities never overlap, the flow is exact (its LP is integral). Otherwise it is a
relaxation, and its value is a valid upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from .index import Indexed, IntArray


@dataclass(frozen=True, slots=True)
class FlowResult:
    edge_flow: IntArray  # seats on each requested edge, in the order given
    served_seats: int  # units sent out of S0
    max_served_seats: int  # most units S0 could send (a bound on served seats)
    value: int  # scaled value of the flow (sum of seats x edge_cost)


def seat_flow(
    idx: Indexed,
    edges: IntArray,
    *,
    served_seats: int | None = None,
    cost: IntArray | None = None,
    capacity: IntArray | None = None,
    share: bool = True,
) -> FlowResult:
    """Max-served, then max-value seat flow over `edges` (indices into idx edge arrays).

    With `served_seats` given, exactly that many first-booking seats are sent (it must be feasible).
    `cost` and `capacity` override idx.edge_cost() and idx.capacity (arrays over the whole index).
    `share=False` gives every participant its own opportunity nodes, so a class's seats are not
    handed out across sessions arbitrarily (shared nodes pool them).
    """
    edges = np.asarray(edges, dtype=np.int64)
    cost = idx.edge_cost() if cost is None else cost
    capacity = idx.capacity if capacity is None else capacity
    if len(edges) == 0:
        return FlowResult(np.zeros(0, dtype=np.int64), 0, 0, 0)
    net = _Network(idx, edges, cost, capacity, share)

    mf = max_flow.SimpleMaxFlow()
    mf.add_arcs_with_capacity(net.tails[: net.n_serve], net.heads[: net.n_serve], net.caps[: net.n_serve])
    if mf.solve(net.S0, net.T) != mf.OPTIMAL:
        raise RuntimeError("max flow failed")
    max_served = int(mf.optimal_flow())
    served_seats = max_served if served_seats is None else served_seats
    if served_seats > max_served:
        raise ValueError(f"cannot serve {served_seats} seats, at most {max_served}")

    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps, net.costs)
    supplies = np.zeros(net.n_nodes, dtype=np.int64)
    supplies[net.S0], supplies[net.S1] = served_seats, net.later_total
    supplies[net.T] = -(served_seats + net.later_total)
    mcf.set_nodes_supplies(np.arange(net.n_nodes, dtype=np.int64), supplies)
    if mcf.solve() != mcf.OPTIMAL:
        raise RuntimeError("min-cost flow failed")
    flows = np.asarray(mcf.flows(np.arange(len(net.tails), dtype=np.int64)), dtype=np.int64)
    return FlowResult(net.edge_flows(flows), served_seats, max_served, -int(mcf.optimal_cost()))


class _Network:
    """Arc arrays: serving arcs first (what max flow needs), then S1's arcs and the bypass."""

    S0, S1, T = 0, 1, 2

    def __init__(
        self, idx: Indexed, edges: IntArray, cost: IntArray, capacity: IntArray, share: bool
    ) -> None:
        self.edges = edges
        ep, es = idx.edge_p[edges], idx.edge_s[edges]
        parts, p_local = np.unique(ep, return_inverse=True)
        sess, s_local = np.unique(es, return_inverse=True)
        n_pl, n_sl = len(parts), len(sess)
        size = idx.size[parts]
        edge_cost = cost[edges]
        p_node = 3 + np.arange(n_pl, dtype=np.int64)
        s_node = 3 + n_pl + np.arange(n_sl, dtype=np.int64)
        next_node = 3 + n_pl + n_sl

        # Group each participant's edges by opportunity; groups of 2+ need a node.
        n_o = len(idx.opportunity_ids) + 1
        key = p_local * n_o + idx.opportunity[es]
        _, g_of_edge, g_count = np.unique(key, return_inverse=True, return_counts=True)
        grouped = g_count[g_of_edge] > 1
        g_min = np.full(len(g_count), np.iinfo(np.int64).max)
        g_max = np.full(len(g_count), np.iinfo(np.int64).min)
        np.minimum.at(g_min, g_of_edge, edge_cost)
        np.maximum.at(g_max, g_of_edge, edge_cost)
        # Sessions of one opportunity are numbered 0..k-1; a set of them is a bitmask (k <= 62).
        slot = _slot_in_opportunity(idx)[es]
        g_fits = np.ones(len(g_count), dtype=bool)
        np.logical_and.at(g_fits, g_of_edge, slot < 62)
        uniform = grouped & (g_min == g_max)[g_of_edge] & g_fits[g_of_edge] & share
        mask = np.zeros(len(g_count), dtype=np.int64)
        np.bitwise_or.at(mask, g_of_edge[uniform], np.left_shift(1, slot[uniform]))

        # Shared nodes: one per (opportunity, session set), entered by one priced arc per group.
        shared_groups = np.unique(g_of_edge[uniform])
        g_opp = np.zeros(len(g_count), dtype=np.int64)
        g_opp[g_of_edge] = idx.opportunity[es]
        g_part = np.zeros(len(g_count), dtype=np.int64)
        g_part[g_of_edge] = p_local
        pairs = np.stack([g_opp[shared_groups], mask[shared_groups]], axis=1)
        set_keys, set_of_group = np.unique(pairs, axis=0, return_inverse=True)
        set_of_group = set_of_group.reshape(-1)
        n_sets = len(set_keys)
        set_node = next_node + np.arange(n_sets, dtype=np.int64)
        next_node += n_sets
        first_edge_of_group = np.full(len(g_count), -1, dtype=np.int64)
        uniform_pos = np.flatnonzero(uniform)
        first_edge_of_group[g_of_edge[uniform_pos[::-1]]] = uniform_pos[::-1]
        # One set node -> session arc per session in the set (taken from any group using it).
        set_first_group = np.full(n_sets, -1, dtype=np.int64)
        set_first_group[set_of_group[::-1]] = shared_groups[::-1]
        on_set_edge = uniform & np.isin(g_of_edge, set_first_group)
        set_arc_set = np.searchsorted(shared_groups, g_of_edge[on_set_edge])
        set_arc_set = set_of_group[set_arc_set]
        keep = set_first_group[set_arc_set] == g_of_edge[on_set_edge]
        set_arc_tail = set_node[set_arc_set[keep]]
        set_arc_head = s_node[s_local[on_set_edge][keep]]

        # Private nodes for groups whose edges differ in value.
        private = grouped & ~uniform
        private_groups = np.unique(g_of_edge[private])
        g_node = np.zeros(len(g_count), dtype=np.int64)
        g_node[private_groups] = next_node + np.arange(len(private_groups))
        next_node += len(private_groups)

        direct = ~grouped
        tails = [
            np.full(n_pl, self.S0),
            p_node[p_local[direct]],  # priced p -> session
            p_node[g_part[shared_groups]],  # priced p -> shared set node
            set_arc_tail,
            p_node[g_part[private_groups]],
            g_node[g_of_edge[private]],  # priced private node -> session
            s_node,
        ]
        heads = [
            p_node,
            s_node[s_local[direct]],
            set_node[set_of_group],
            set_arc_head,
            g_node[private_groups],
            s_node[s_local[private]],
            np.full(n_sl, self.T),
        ]
        big = int(capacity[sess].sum()) + 1
        caps = [
            size,
            size[p_local[direct]],
            size[g_part[shared_groups]],
            np.full(len(set_arc_tail), big),
            size[g_part[private_groups]],
            size[p_local[private]],
            capacity[sess],
        ]
        costs = [
            np.zeros(n_pl, dtype=np.int64),
            -edge_cost[direct],
            -edge_cost[first_edge_of_group[shared_groups]],
            np.zeros(len(set_arc_tail), dtype=np.int64),
            np.zeros(len(private_groups), dtype=np.int64),
            -edge_cost[private],
            np.zeros(n_sl, dtype=np.int64),
        ]
        lengths = [len(t) for t in tails]
        starts = np.cumsum([0, *lengths])
        self.n_serve = int(starts[-1])
        later = size * (idx.max_bookings[parts] - 1)
        self.later_total = int(later.sum())
        self.tails = np.concatenate([*tails, np.full(n_pl, self.S1), [self.S1]]).astype(np.int64)
        self.heads = np.concatenate([*heads, p_node, [self.T]]).astype(np.int64)
        self.caps = np.concatenate([*caps, later, [self.later_total]]).astype(np.int64)
        self.costs = np.concatenate([*costs, np.zeros(n_pl + 1, dtype=np.int64)]).astype(np.int64)
        self.n_nodes = next_node

        self._direct = np.flatnonzero(direct)
        self._direct_arcs = starts[1] + np.arange(lengths[1])
        self._private = np.flatnonzero(private)
        self._private_arcs = starts[5] + np.arange(lengths[5])
        self._shared_arcs = starts[2] + np.arange(lengths[2])
        self._shared_groups = shared_groups
        self._set_of_group = set_of_group
        self._set_arcs = starts[3] + np.arange(lengths[3])
        self._set_arc_set = set_arc_set[keep]
        self._set_arc_session = s_local[on_set_edge][keep]
        self._uniform = np.flatnonzero(uniform)
        self._g_of_edge = g_of_edge
        self._s_local = s_local

    def edge_flows(self, flows: IntArray) -> IntArray:
        """Seats per requested edge. Units through a shared node are handed out to its sessions
        in id order; every session in the set is equally good for each participant entering it."""
        out = np.zeros(len(self.edges), dtype=np.int64)
        out[self._direct] = flows[self._direct_arcs]
        out[self._private] = flows[self._private_arcs]
        entering = flows[self._shared_arcs]
        if not entering.any():
            return out
        leaving = flows[self._set_arcs]
        # Per set: its sessions with the units leaving to each, in session order.
        outlets: dict[int, list[list[int]]] = {}
        order = np.lexsort((self._set_arc_session, self._set_arc_set))
        for a in order[leaving[order] > 0].tolist():
            outlets.setdefault(int(self._set_arc_set[a]), []).append(
                [int(self._set_arc_session[a]), int(leaving[a])]
            )
        taken_group: list[int] = []
        taken_session: list[int] = []
        taken_units: list[int] = []
        for k in np.flatnonzero(entering).tolist():
            group, units = int(self._shared_groups[k]), int(entering[k])
            queue = outlets[int(self._set_of_group[k])]
            while units:
                session, available = queue[0]
                take = min(units, available)
                taken_group.append(group)
                taken_session.append(session)
                taken_units.append(take)
                units -= take
                if take == available:
                    queue.pop(0)
                else:
                    queue[0][1] -= take
        # Find the edge of each (group, session) by binary search over the uniform edges' keys.
        n_sl = int(self._s_local.max()) + 1
        keys = self._g_of_edge[self._uniform] * n_sl + self._s_local[self._uniform]
        order = np.argsort(keys, kind="stable")
        wanted = np.asarray(taken_group, dtype=np.int64) * n_sl + np.asarray(taken_session, dtype=np.int64)
        at = self._uniform[order[np.searchsorted(keys[order], wanted)]]
        np.add.at(out, at, np.asarray(taken_units, dtype=np.int64))
        return out


def _slot_in_opportunity(idx: Indexed) -> IntArray:
    """Position of each session among its opportunity's sessions (sessions are in id order)."""
    order = np.argsort(idx.opportunity, kind="stable")
    opp_sorted = idx.opportunity[order]
    first = np.searchsorted(opp_sorted, opp_sorted, side="left")
    slot = np.empty(idx.n_sessions, dtype=np.int64)
    slot[order] = np.arange(idx.n_sessions) - first
    return slot
