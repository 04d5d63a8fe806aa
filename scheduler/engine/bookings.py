"""Mutable bookings for the heuristic: add, remove, and "does this edge fit now?"."""

from __future__ import annotations

from collections import defaultdict

from .index import Indexed, IntArray
from .rules import Rules


class Bookings:
    """Current bookings, with the seat counts that let a move be tested in O(bookings of one participant).

    Python lists rather than numpy arrays: the heuristic makes millions of single-item reads.
    """

    def __init__(self, idx: Indexed, rules: Rules, cost: IntArray) -> None:
        self.edge_p = idx.edge_p.tolist()
        self.edge_s = idx.edge_s.tolist()
        self.cost = cost.tolist()
        self.size = idx.size.tolist()
        self.max_bookings = idx.max_bookings.tolist()
        self.opp = idx.opportunity.tolist()
        self.starts = idx.starts.tolist()
        self.ends = idx.ends.tolist()
        self.room = idx.capacity.tolist()
        self.ptr = idx.ptr.tolist()
        self.booked: dict[int, list[int]] = defaultdict(list)
        self.at_opp: dict[int, set[int]] = defaultdict(set)  # opportunity -> booked edges
        self.at_sess: dict[int, set[int]] = defaultdict(set)  # session -> booked edges
        self.seat_caps = rules.seat_caps
        self.cap_of_edge: dict[int, int] = {}  # edge -> seat-cap group
        self.cap_room: list[int] = []
        for g, (group, cap) in enumerate(rules.seat_caps):
            self.cap_room.append(cap)
            for e in group:
                self.cap_of_edge[e] = g

    def fits(self, e: int, *, ignore_room: bool = False) -> bool:
        p, s = self.edge_p[e], self.edge_s[e]
        mine = self.booked[p]
        if len(mine) >= self.max_bookings[p]:
            return False
        if not ignore_room and self.room[s] < self.size[p]:
            return False
        g = self.cap_of_edge.get(e)
        if g is not None and self.cap_room[g] < self.size[p]:
            return False
        return not any(self.clash(s, self.edge_s[f]) for f in mine)

    def clash(self, s: int, t: int) -> bool:
        return self.opp[s] == self.opp[t] or (self.starts[s] < self.ends[t] and self.starts[t] < self.ends[s])

    def add(self, e: int) -> None:
        p, s = self.edge_p[e], self.edge_s[e]
        self.booked[p].append(e)
        self.at_opp[self.opp[s]].add(e)
        self.at_sess[s].add(e)
        self.room[s] -= self.size[p]
        g = self.cap_of_edge.get(e)
        if g is not None:
            self.cap_room[g] -= self.size[p]

    def remove(self, e: int) -> None:
        p, s = self.edge_p[e], self.edge_s[e]
        self.booked[p].remove(e)
        self.at_opp[self.opp[s]].discard(e)
        self.at_sess[s].discard(e)
        self.room[s] += self.size[p]
        g = self.cap_of_edge.get(e)
        if g is not None:
            self.cap_room[g] += self.size[p]

    def chosen(self) -> list[int]:
        return sorted(e for mine in self.booked.values() for e in mine)

    def at_session(self, s: int) -> list[int]:
        return sorted(self.at_sess[s])

    def edges_of(self, p: int) -> range:
        return range(self.ptr[p], self.ptr[p + 1])

    def add_first_fitting(self, options: list[int]) -> bool:
        """Book the first of `options` that fits now; False if none does."""
        for e in options:
            if self.fits(e):
                self.add(e)
                return True
        return False
