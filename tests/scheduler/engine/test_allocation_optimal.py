from __future__ import annotations

import importlib
import random
from datetime import timedelta

import pytest
from allocation_helpers import at, brute_force, career_day, edge, problem, random_problem, session

from scheduler.engine import (
    Participant,
    Problem,
    ProblemError,
    Session,
    check_solution,
    solution_to_dict,
    solve,
)

P = Participant
# The package exports the function `solve`, which hides the module of the same name.
solve_module = importlib.import_module("scheduler.engine.solve")


@pytest.fixture(params=["natural", "heuristic"])
def solver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Solve with the solver the engine picks, and with the large-component heuristic forced."""
    if request.param == "heuristic":
        monkeypatch.setattr(solve_module, "MILP_MAX_EDGES", 0)

    def run(prob: Problem):
        result = solve(prob, "optimal")
        assert check_solution(prob, result) == []
        return result

    return run


def test_it_serves_everyone_it_can_before_raising_the_objective(solver):
    # Alone, a's 0.9 at X is the best objective; serving b too needs a at Y: 0.2 + 0.3 < 0.9.
    prob = problem(
        [P("a"), P("b")],
        [session("X"), session("Y", 10, 11)],
        [edge("a", "X", 0.9), edge("a", "Y", 0.2), edge("b", "X", 0.3)],
    )
    result = solver(prob)
    assert sorted(result.assignments) == [("a", "Y"), ("b", "X")]
    assert (result.served, result.objective) == (2, 0.5)


def test_it_keeps_a_class_whole_in_one_session(solver):
    # Four seats in all, but no single session holds the class of three.
    prob = problem(
        [P("class", size=3), P("s")],
        [session("A", capacity=2), session("B", 10, 11, capacity=2)],
        [edge("class", "A", 0.9), edge("class", "B", 0.9), edge("s", "A", 0.1)],
    )
    result = solver(prob)
    assert result.assignments == [("s", "A")]
    assert result.served == 1


def test_it_seats_a_class_where_it_fits_and_counts_its_seats(solver):
    prob = problem(
        [P("class", size=3), P("s")],
        [session("A", capacity=2), session("B", 10, 11, capacity=3)],
        [edge("class", "A", 0.9), edge("class", "B", 0.5), edge("s", "B", 0.4)],
    )
    result = solver(prob)
    # The class fills B; s could only have had B, so serving the class (3 seats) beats serving s.
    assert result.assignments == [("class", "B")]
    assert (result.served, result.objective) == (3, 1.5)


def test_it_never_books_overlapping_sessions_but_allows_touching_ones(solver):
    prob = problem(
        [P("s", max_bookings=3)],
        [session("A", 8, 10), session("B", 9, 11), session("C", 10, 12)],
        [edge("s", "A", 0.9), edge("s", "B", 0.8), edge("s", "C", 0.5)],
    )
    result = solver(prob)
    assert result.assignments == [("s", "A"), ("s", "C")]
    assert result.objective == pytest.approx(1.4)


def test_it_books_at_most_one_session_per_opportunity(solver):
    prob = problem(
        [P("s", max_bookings=2)],
        [session("A1", 8, 9, opportunity="A"), session("A2", 10, 11, opportunity="A"), session("B1", 12, 13)],
        [edge("s", "A1", 0.9), edge("s", "A2", 0.8), edge("s", "B1", 0.3)],
    )
    assert solver(prob).assignments == [("s", "A1"), ("s", "B1")]


def test_it_respects_max_bookings(solver):
    prob = problem(
        [P("s", max_bookings=2)],
        [session("A", 8, 9), session("B", 10, 11), session("C", 12, 13)],
        [edge("s", "A", 0.7), edge("s", "B", 0.9), edge("s", "C", 0.8)],
    )
    assert solver(prob).assignments == [("s", "B"), ("s", "C")]


def test_it_fills_a_session_up_to_capacity_with_the_best_scores(solver):
    prob = problem(
        [P("a"), P("b"), P("c")],
        [session("X", capacity=2)],
        [edge("a", "X", 0.5), edge("b", "X", 0.9), edge("c", "X", 0.7)],
    )
    result = solver(prob)
    assert result.assignments == [("b", "X"), ("c", "X")]
    assert result.upper_bound >= result.objective


def test_it_limits_the_seats_one_school_takes_at_an_opportunity(solver):
    prob = problem(
        [P("a", school="K"), P("b", school="K"), P("c", school="K")],
        [
            session("O1", capacity=10, opportunity="O"),
            session("O2", 10, 11, capacity=10, opportunity="O"),
            session("Q", 12, 13, capacity=10),
        ],
        [edge(p, s, 0.9) for p in "abc" for s in ("O1", "O2")] + [edge("c", "Q", 0.1)],
        seat_cap=2,
    )
    result = solver(prob)
    at_o = [a for a in result.assignments if a[1] in ("O1", "O2")]
    assert len(at_o) == 2 and ("c", "Q") in result.assignments and result.served == 3


@pytest.mark.parametrize(("priority", "winner"), [(["A"], "a"), (["B"], "b")])
def test_it_breaks_a_tie_in_favour_of_a_priority_school(solver, priority: list[str], winner: str):
    prob = problem(
        [P("a", school="A"), P("b", school="B")],
        [session("X")],
        [edge("a", "X", 0.6), edge("b", "X", 0.6)],
        priority=priority,
    )
    result = solver(prob)
    assert result.assignments == [(winner, "X")]
    assert result.objective == 0.6  # the bonus only breaks the tie; it is not reported


def test_it_returns_an_empty_allocation_for_a_problem_without_edges():
    prob = problem([P("a")], [session("X")], [])
    result = solve(prob)
    assert (result.assignments, result.served, result.objective, result.upper_bound) == ([], 0, 0.0, 0.0)


def test_it_gives_the_same_output_for_the_same_input_in_any_order():
    rng = random.Random(5)
    prob = random_problem(rng)
    shuffled = Problem(
        tuple(rng.sample(list(prob.participants), len(prob.participants))),
        tuple(rng.sample(list(prob.sessions), len(prob.sessions))),
        tuple(rng.sample(list(prob.edges), len(prob.edges))),
    )
    first, again, other_order = solve(prob), solve(prob), solve(shuffled)
    assert solution_to_dict(first) == solution_to_dict(again) == solution_to_dict(other_order)


def _check_against_brute_force(prob: Problem, *, exact: bool) -> None:
    result = solve(prob, "optimal")
    assert check_solution(prob, result) == []
    best = brute_force(prob)
    top = max(best)
    # Whatever the solver, its bounds are proven: no allocation serves more than served_bound, and
    # none serving as many as this one beats upper_bound.
    assert top <= result.stats["served_bound"]
    assert best[result.served] <= result.upper_bound + 1e-9
    if exact:
        assert result.served == top
        assert result.objective == pytest.approx(best[top], abs=1e-9)


@pytest.mark.parametrize("seed", range(60))
def test_it_matches_brute_force_on_random_tiny_problems(seed: int):
    _check_against_brute_force(random_problem(random.Random(seed), caps=seed % 3 == 0), exact=True)


@pytest.mark.parametrize("seed", range(30))
def test_its_flow_solver_matches_brute_force_without_conflicts(seed: int):
    prob = random_problem(random.Random(1000 + seed), classes=False, conflicts=False)
    _check_against_brute_force(prob, exact=True)


@pytest.mark.parametrize("seed", range(30))
def test_its_flow_solver_matches_brute_force_with_scores_per_opportunity(seed: int):
    prob = random_problem(random.Random(3000 + seed), classes=False, conflicts=False, per_opportunity=True)
    result = solve(prob)
    assert result.stats["components"]["milp"] == result.stats["components"]["heuristic"] == 0
    _check_against_brute_force(prob, exact=True)


@pytest.mark.parametrize("seed", range(40))
def test_its_heuristic_stays_valid_and_within_its_bounds(seed: int, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(solve_module, "MILP_MAX_EDGES", 0)
    if seed % 2:  # pack classes without HiGHS too
        monkeypatch.setattr("scheduler.engine.classes.MILP_MAX_CLASS_EDGES", 0)
    prob = random_problem(random.Random(2000 + seed), caps=seed % 3 == 0, per_opportunity=seed % 4 == 0)
    _check_against_brute_force(prob, exact=False)


def _shuffled(prob: Problem, rng: random.Random) -> Problem:
    return Problem(
        tuple(rng.sample(list(prob.participants), len(prob.participants))),
        tuple(rng.sample(list(prob.sessions), len(prob.sessions))),
        tuple(rng.sample(list(prob.edges), len(prob.edges))),
    )


@pytest.mark.parametrize("pack_with_milp", [True, False])
def test_its_heuristic_serves_the_most_and_stays_near_its_bound_on_a_career_day(
    pack_with_milp: bool, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(solve_module, "MILP_MAX_EDGES", 0)
    if not pack_with_milp:
        monkeypatch.setattr("scheduler.engine.classes.MILP_MAX_CLASS_EDGES", 0)
    prob = career_day(random.Random(11), students=300, events=20, classes=8)
    result = solve(prob)
    assert result.stats["components"]["heuristic"] == 1
    assert check_solution(prob, result) == []
    assert result.served == result.stats["served_bound"]
    assert result.objective >= 0.95 * result.upper_bound
    again = solve(_shuffled(prob, random.Random(1)))
    assert solution_to_dict(again) == solution_to_dict(result)


def test_its_milp_solves_a_small_career_day_to_its_bound():
    prob = career_day(random.Random(12), students=25, events=6, classes=3)
    result = solve(prob)
    assert result.stats["components"]["milp"] >= 1
    assert check_solution(prob, result) == []
    assert result.served == result.stats["served_bound"]
    assert result.objective >= 0.999 * result.upper_bound


def test_it_refuses_a_hand_built_problem_with_naive_times_or_unknown_ids():
    start = at(8).replace(tzinfo=None)  # deliberately naive
    naive = Session("x", "o", start, start + timedelta(hours=1), 1)
    prob = problem([P("a")], [naive, session("y")], [edge("a", "y", 0.5), edge("b", "y", 0.5)])
    with pytest.raises(ProblemError) as info:
        solve(prob)
    assert info.value.messages == [
        'session "x": datetimes must be aware',
        'edge ("b", "y"): unknown participant or session',
    ]


def test_it_refuses_an_unknown_mode():
    with pytest.raises(ProblemError) as info:
        solve(problem([], [], []), "fastest")
    assert info.value.messages == ['mode: must be "optimal" or "stable", got "fastest"']
