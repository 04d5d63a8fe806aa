from __future__ import annotations

import random
import warnings

import pytest
from allocation_helpers import edge, problem, session
from matching.games import HospitalResident

from scheduler.engine import Participant, Problem, ProblemError, check_solution, solution_to_dict, solve

P = Participant


def stable(prob: Problem) -> list[tuple[str, str]]:
    result = solve(prob, "stable")
    assert check_solution(prob, result) == []
    return result.assignments


def test_it_gives_the_session_to_the_participant_the_company_ranks_first():
    # The optimal mode would seat a (0.9); the company ranks b first, and stable mode honours that.
    prob = problem(
        [P("a"), P("b")],
        [session("X")],
        [edge("a", "X", 0.9, session_score=0.2), edge("b", "X", 0.3, session_score=0.9)],
    )
    assert stable(prob) == [("b", "X")]
    assert solve(prob, "optimal").assignments == [("a", "X")]


def test_a_rejected_participant_moves_down_its_list():
    prob = problem(
        [P("a"), P("b")],
        [session("X"), session("Y")],
        [edge("a", "X", 0.9, 0.1), edge("a", "Y", 0.8, 0.5), edge("b", "X", 0.7, 0.9)],
    )
    assert stable(prob) == [("a", "Y"), ("b", "X")]


def test_it_gives_one_session_each_whatever_max_bookings_says():
    prob = problem(
        [P("a", max_bookings=3)],
        [session("X"), session("Y", 10, 11)],
        [edge("a", "X", 0.5), edge("a", "Y", 0.6)],
    )
    result = solve(prob, "stable")
    assert result.assignments == [("a", "Y")]
    assert result.upper_bound == 0.6  # each participant's best score, summed


def test_it_breaks_ties_by_id_on_both_sides():
    prob = problem(
        [P("b"), P("a")],
        [session("Y"), session("X")],
        [edge(p, s, 0.5) for p in "ab" for s in "XY"],
    )
    # Each prefers X (the smaller id among equal scores); X prefers a (the smaller id).
    assert stable(prob) == [("a", "X"), ("b", "Y")]


def test_a_priority_school_wins_a_tie_in_the_company_ranking():
    prob = problem(
        [P("a", school="A"), P("b", school="B")],
        [session("X")],
        [edge("a", "X", 0.5), edge("b", "X", 0.5)],
        priority=["B"],
    )
    assert stable(prob) == [("b", "X")]


def test_it_refuses_classes_and_school_caps():
    prob = problem(
        [P("c", size=30), P("s")],
        [session("X", capacity=40)],
        [edge("c", "X", 0.5), edge("s", "X", 0.5)],
        seat_cap=10,
    )
    with pytest.raises(ProblemError) as info:
        solve(prob, "stable")
    assert info.value.messages == [
        'participant "c": stable mode needs size 1, got 30',
        "seat_cap_per_school: not supported in stable mode; use mode optimal",
    ]


def random_market(rng: random.Random, students: int = 30, sessions: int = 7) -> Problem:
    xs = [session(f"x{j}", capacity=rng.randint(0, 5)) for j in range(sessions)]
    ps = [P(f"s{i:02d}", school=rng.choice(["A", "B", None])) for i in range(students)]
    # Two decimals make ties common, so the tie-breaking rules are exercised too.
    es = [
        edge(p.id, x.id, rng.randint(1, 20) / 20, rng.randint(1, 20) / 20)
        for p in ps
        for x in xs
        if rng.random() < 0.4
    ]
    return problem(ps, xs, es)


def blocking_pairs(prob: Problem, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pairs (p, x) who would both rather have each other than what they got."""
    match = dict(pairs)
    held: dict[str, list[str]] = {}
    for p, x in pairs:
        held.setdefault(x, []).append(p)
    capacity = {x.id: x.capacity for x in prob.sessions}
    p_rank = {(e.participant, e.session): (-e.score, e.session) for e in prob.edges}
    x_rank = {(e.participant, e.session): (-e.session_score, e.participant) for e in prob.edges}
    found = []
    for e in prob.edges:
        p, x = e.participant, e.session
        if match.get(p) == x:
            continue
        p_wants = p not in match or p_rank[(p, x)] < p_rank[(p, match[p])]
        others = held.get(x, [])
        x_wants = len(others) < capacity[x] or any(x_rank[(p, x)] < x_rank[(q, x)] for q in others)
        if p_wants and x_wants:
            found.append((p, x))
    return found


def matching_package(prob: Problem) -> list[tuple[str, str]]:
    # The package crashes on a hospital of capacity 0; such a session accepts no one, so leave it out.
    capacities = {x.id: x.capacity for x in prob.sessions if x.capacity > 0}
    residents: dict[str, list[str]] = {}
    hospitals: dict[str, list[tuple[float, str]]] = {}
    for e in sorted(prob.edges, key=lambda e: (e.participant, -e.score, e.session)):
        if e.session in capacities:
            residents.setdefault(e.participant, []).append(e.session)
            hospitals.setdefault(e.session, []).append((-e.session_score, e.participant))
    prefs = {x: [p for _, p in sorted(ranked)] for x, ranked in hospitals.items()}
    capacities = {x: c for x, c in capacities.items() if x in prefs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(residents, prefs, capacities)
        result = game.solve(optimal="resident")
    return sorted((r.name, h.name) for h, rs in result.items() for r in rs)


@pytest.mark.parametrize("seed", range(25))
def test_it_leaves_no_blocking_pair_on_random_markets(seed: int):
    prob = random_market(random.Random(seed))
    assert blocking_pairs(prob, stable(prob)) == []


@pytest.mark.parametrize("seed", range(25))
def test_it_finds_the_same_matching_as_the_matching_package(seed: int):
    prob = random_market(random.Random(100 + seed))
    assert stable(prob) == matching_package(prob)


def test_it_gives_the_same_output_for_the_same_input():
    prob = random_market(random.Random(7))
    assert solution_to_dict(solve(prob, "stable")) == solution_to_dict(solve(prob, "stable"))


def test_the_blocking_pair_check_can_fail():
    prob = random_market(random.Random(3))
    matched = stable(prob)
    assert matched and blocking_pairs(prob, matched[1:])  # drop one pair: someone now blocks
