"""Side constraints beyond capacity and max_bookings, as groups of edge indices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .index import Indexed, IntArray, conflict_cliques


@dataclass(frozen=True, slots=True)
class Rules:
    at_most_one: list[list[int]]  # edge sets: one per opportunity, one per time clique
    seat_caps: list[tuple[list[int], int]]  # (edges of one school at one opportunity, cap)


def binding_seat_caps(idx: Indexed) -> list[tuple[list[int], int]]:
    """(edges, cap) for each school and opportunity whose listed edges could exceed the cap.

    A cap that the school's participants could not exceed even by all taking the opportunity is
    left out, so it does not push a component off the exact flow solver for nothing.
    """
    cap = idx.seat_cap
    if cap is None or idx.n_edges == 0:
        return []
    school = idx.school[idx.edge_p]
    has_school = np.flatnonzero(school >= 0)
    if len(has_school) == 0:
        return []
    n_o = len(idx.opportunity_ids)
    key = school[has_school] * n_o + idx.opportunity[idx.edge_s[has_school]]
    order = np.argsort(key, kind="stable")
    key, members = key[order], has_school[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    groups: list[tuple[list[int], int]] = []
    for lo, hi in zip(starts.tolist(), [*starts[1:].tolist(), len(key)], strict=True):
        group = members[lo:hi]
        # Each participant takes at most one session per opportunity: count each one once.
        participants = np.unique(idx.edge_p[group])
        if int(idx.size[participants].sum()) > cap:
            groups.append((sorted(group.tolist()), cap))
    return groups


def component_rules(idx: Indexed, participants: IntArray, seat_caps: list[tuple[list[int], int]]) -> Rules:
    """One-per-opportunity groups, time cliques and the given caps for these participants."""
    at_most_one: list[list[int]] = []
    n_o = len(idx.opportunity_ids) + 1
    for p in participants.tolist():
        lo, hi = int(idx.ptr[p]), int(idx.ptr[p + 1])
        if hi - lo < 2:
            continue
        opps = idx.opportunity[idx.edge_s[lo:hi]]
        if len(np.unique(opps)) < hi - lo:
            order = np.argsort(opps * n_o, kind="stable")
            sorted_opps = opps[order]
            cuts = np.flatnonzero(np.r_[True, sorted_opps[1:] != sorted_opps[:-1], True])
            for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
                if b - a > 1:
                    at_most_one.append(sorted((lo + order[a:b]).tolist()))
        at_most_one.extend(conflict_cliques(idx, p))
    return Rules(at_most_one, seat_caps)
