"""Participant-proposing deferred acceptance (Gale–Shapley; the residency-match rule).

Each participant proposes down its list (higher `score` first, ties by session id); each session
keeps its `capacity` best proposers in a heap whose top is the worst one held (higher
`session_score` first, then a participant of a priority school, then participant id) and rejects the
rest. The result is stable and participant-optimal, and since preferences are strict it is the same
whatever order proposals are processed in.
"""

from __future__ import annotations

import heapq

import numpy as np

from .index import Indexed, IntArray
from .problem import ProblemError


def stable_errors(idx: Indexed) -> list[str]:
    """What makes a problem unfit for stable mode (classes and school caps are not supported)."""
    errors = [
        f'participant "{idx.participant_ids[p]}": stable mode needs size 1, got {int(idx.size[p])}'
        for p in np.flatnonzero(idx.size != 1).tolist()
    ]
    if idx.seat_cap is not None:
        errors.append("seat_cap_per_school: not supported in stable mode; use mode optimal")
    return errors


def deferred_acceptance(idx: Indexed) -> tuple[IntArray, int]:
    """The participant-optimal stable matching as edge indices, and the number of proposals made."""
    errors = stable_errors(idx)
    if errors:
        raise ProblemError(errors)
    edge_p, edge_s = idx.edge_p, idx.edge_s
    n_p = max(idx.n_participants, 1)
    # Participants' lists: grouped by participant, best score first. Complex numbers sort by real
    # then imaginary part, exactly; edges come sorted by (participant, session), so a stable sort
    # breaks ties by session id. (np.lexsort on these keys is several times slower.)
    prefs = np.argsort(edge_p - 1j * idx.score, kind="stable")
    # A session prefers the smaller key: higher session_score, then a priority school, then the
    # smaller participant id. Keys are distinct, comparable as bare ints in a heap (cheaper than
    # tuples), and the participant is the key modulo n_p.
    worse_session_score = _rank_descending(idx.session_score)
    not_priority = (~idx.priority[edge_p]).astype(np.int64)
    key = (worse_session_score * 2 + not_priority) * n_p + edge_p
    pos_session = edge_s[prefs].tolist()  # per position in the lists: the session proposed to
    pos_key = key[prefs].tolist()  # ... and the proposer's key there
    room = idx.capacity.tolist()
    ptr = idx.ptr.tolist()
    next_pos = ptr[:-1]
    held: list[list[int]] = [[] for _ in range(idx.n_sessions)]
    # cut[s]: a proposal with key k is rejected at once when k > cut[s], the worst key held by a
    # full session (-1 for a session without seats; past every key while there is room). Most
    # proposals are rejections, so this one comparison is the hot path.
    open_cut = int(key.max()) + 1 if len(key) else 0
    cut = [open_cut if seats > 0 else -1 for seats in room]
    push, replace = heapq.heappush, heapq.heapreplace

    free = np.flatnonzero(np.diff(idx.ptr) > 0)[::-1].tolist()
    proposals = 0
    while free:
        p = free.pop()
        end = ptr[p + 1]
        pos = start = next_pos[p]
        while pos < end:
            k = pos_key[pos]
            s = pos_session[pos]
            pos += 1
            if k > cut[s]:
                continue
            heap = held[s]
            if len(heap) < room[s]:
                push(heap, -k)
                if len(heap) == room[s]:
                    cut[s] = -heap[0]
            else:
                free.append(-replace(heap, -k) % n_p)
                cut[s] = -heap[0]
            break
        proposals += pos - start
        next_pos[p] = pos

    matched_s = np.asarray([s for s, heap in enumerate(held) for _ in heap], dtype=np.int64)
    matched_p = np.asarray([-k % n_p for heap in held for k in heap], dtype=np.int64)
    # Back to edge indices: edges are sorted by (participant, session).
    pair = edge_p * idx.n_sessions + edge_s
    chosen = np.searchsorted(pair, matched_p * idx.n_sessions + matched_s)
    return np.sort(chosen).astype(np.int64), proposals


def _rank_descending(values: np.ndarray) -> IntArray:
    """Dense rank, 0 for the largest value: exact, where packing floats into integers is not."""
    order = np.argsort(values)
    ordered = values[order]
    dense = np.empty(len(values), dtype=np.int64)
    dense[order] = np.cumsum(np.r_[False, ordered[1:] != ordered[:-1]])
    return (int(dense.max()) if len(values) else 0) - dense
