from __future__ import annotations

import itertools
import random

import pytest
from allocation_helpers import edge, problem, session

from scheduler.engine import Participant
from scheduler.engine.index import build_index, conflict_cliques, participants_with_conflicts


def random_timetable(rng: random.Random) -> list:
    sessions = []
    for j in range(rng.randint(2, 9)):
        start = rng.choice([8, 8.5, 9, 9.5, 10, 11])
        sessions.append(
            session(f"x{j}", start, start + rng.choice([0.5, 1, 2]), opportunity=f"o{rng.randrange(3)}")
        )
    return sessions


@pytest.mark.parametrize("seed", range(40))
def test_it_flags_exactly_the_participants_with_overlapping_sessions_of_different_opportunities(seed: int):
    rng = random.Random(seed)
    sessions = random_timetable(rng)
    people = [Participant(f"p{i}", max_bookings=3) for i in range(6)]
    edges = [edge(p.id, s.id, 0.5) for p in people for s in sessions if rng.random() < 0.5]
    prob = problem(people, sessions, edges)
    idx = build_index(prob)
    by_id = {s.id: s for s in sessions}
    expected = []
    for p in people:
        mine = [by_id[e.session] for e in edges if e.participant == p.id]
        expected.append(
            any(a.opportunity != b.opportunity and a.overlaps(b) for a, b in itertools.combinations(mine, 2))
        )
    assert participants_with_conflicts(idx).tolist() == expected
    for i, p in enumerate(people):
        # No two sessions in one clique may be held together; every conflicting pair is in one.
        cliques = [{idx.session_ids[idx.edge_s[e]] for e in c} for c in conflict_cliques(idx, i)]
        mine = [by_id[e.session] for e in edges if e.participant == p.id]
        for a, b in itertools.combinations(mine, 2):
            together = any({a.id, b.id} <= c for c in cliques)
            if a.opportunity != b.opportunity:
                assert together == a.overlaps(b)
            else:  # one per opportunity forbids the pair anyway; a clique may still hold both
                assert a.overlaps(b) or not together


def test_it_orders_everything_by_id_whatever_the_input_order():
    prob = problem(
        [Participant("b"), Participant("a")],
        [session("y"), session("x")],
        [edge("b", "y", 0.1), edge("a", "y", 0.2), edge("b", "x", 0.3)],
    )
    idx = build_index(prob)
    assert idx.participant_ids == ["a", "b"] and idx.session_ids == ["x", "y"]
    assert list(zip(idx.edge_p.tolist(), idx.edge_s.tolist(), idx.score.tolist(), strict=True)) == [
        (0, 1, 0.2),
        (1, 0, 0.3),
        (1, 1, 0.1),
    ]
