"""HiGHS mixed-integer programming (scipy.optimize.milp) on one small hard component.

x_e = 1 books edge e, y_p = 1 marks p served. Rows: seats per session, max_bookings, y_p <= sum of
p's x, at most one per opportunity and per time clique, school caps. Phase 1 maximises served seats;
phase 2 keeps at least that many and maximises value. Both phases stop at a node limit (not a wall
clock), so a result is reproducible; the wall-clock limit is only a safety net for pathological
inputs. The dual bound HiGHS proves is the upper bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from .index import Indexed, IntArray
from .rules import Rules

NODE_LIMIT = 5_000
SAFETY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class MilpResult:
    chosen: IntArray | None  # None when HiGHS found nothing within its limits
    served_seats: int
    served_bound: int
    value: int
    value_bound: float
    optimal: bool


def solve_milp(
    idx: Indexed, edges: IntArray, rules: Rules, cost: IntArray, *, single: bool = False
) -> MilpResult:
    """Lexicographic optimum over `edges`; `single` allows one booking per participant."""
    edges = np.asarray(edges, dtype=np.int64)
    n_e = len(edges)
    parts, p_local = np.unique(idx.edge_p[edges], return_inverse=True)
    sess, s_local = np.unique(idx.edge_s[edges], return_inverse=True)
    n_p = len(parts)
    local = {int(e): k for k, e in enumerate(edges.tolist())}
    weight = idx.size[idx.edge_p[edges]].astype(np.float64)
    col = np.arange(n_e)

    blocks: list[sp.csr_matrix] = []
    upper: list[np.ndarray] = []
    # Seats per session, then bookings per participant, then y_p - sum(x) <= 0.
    blocks.append(sp.csr_matrix((weight, (s_local, col)), shape=(len(sess), n_e + n_p)))
    upper.append(idx.capacity[sess].astype(np.float64))
    blocks.append(sp.csr_matrix((np.ones(n_e), (p_local, col)), shape=(n_p, n_e + n_p)))
    upper.append(np.ones(n_p) if single else idx.max_bookings[parts].astype(np.float64))
    served_link = sp.hstack(
        [sp.csr_matrix((-np.ones(n_e), (p_local, col)), shape=(n_p, n_e)), sp.identity(n_p, format="csr")]
    )
    blocks.append(served_link.tocsr())
    upper.append(np.zeros(n_p))
    groups = [(g, 1.0, False) for g in rules.at_most_one] + [(g, float(c), True) for g, c in rules.seat_caps]
    rows, cols, vals, caps = [], [], [], []
    for r, (group, cap, seated) in enumerate(groups):
        ks = [local[e] for e in group if e in local]
        rows += [r] * len(ks)
        cols += ks
        vals += [weight[k] if seated else 1.0 for k in ks]
        caps.append(cap)
    blocks.append(sp.csr_matrix((vals, (rows, cols)), shape=(len(groups), n_e + n_p)))
    upper.append(np.asarray(caps, dtype=np.float64))
    matrix = sp.vstack(blocks).tocsr()
    bound_up = np.concatenate(upper)

    integrality = np.ones(n_e + n_p)
    box = Bounds(0, 1)
    served_row = np.concatenate([np.zeros(n_e), idx.size[parts].astype(np.float64)])
    first = milp(
        -served_row,
        constraints=LinearConstraint(matrix, -np.inf, bound_up),
        integrality=integrality,
        bounds=box,
        options=_options(),
    )
    if first.x is None:
        return MilpResult(None, 0, 0, 0, math.inf, False)
    served = int(round(-first.fun))
    # Stopped at a limit or not, the dual bound HiGHS reports is valid (only looser at a limit).
    served_bound = max(served, int(math.floor(-first.mip_dual_bound + 1e-6)))

    value_row = np.concatenate([cost[edges].astype(np.float64) * weight, np.zeros(n_p)])
    second = milp(
        -value_row,
        constraints=[
            LinearConstraint(matrix, -np.inf, bound_up),
            LinearConstraint(served_row[np.newaxis, :], served - 0.5, np.inf),
        ],
        integrality=integrality,
        bounds=box,
        options=_options(),
    )
    if second.x is None:
        chosen = edges[first.x[:n_e] > 0.5]
        value = int(round(float(value_row[:n_e] @ (first.x[:n_e] > 0.5))))
        return MilpResult(chosen, served, served_bound, value, math.inf, False)
    x = second.x[:n_e] > 0.5
    return MilpResult(
        chosen=edges[x],
        served_seats=served,
        served_bound=served_bound,
        value=int(round(float(value_row[:n_e] @ x))),
        value_bound=float(-second.mip_dual_bound),
        optimal=first.status == 0 and second.status == 0,
    )


def _options() -> dict[str, float | int | bool]:
    return {"node_limit": NODE_LIMIT, "time_limit": SAFETY_SECONDS, "mip_rel_gap": 1e-9, "disp": False}
