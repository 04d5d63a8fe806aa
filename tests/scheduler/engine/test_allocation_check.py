from __future__ import annotations

from dataclasses import replace

import pytest
from allocation_helpers import edge, problem, session, solution_of

from scheduler.engine import Participant, check_solution

P = Participant

WORLD = problem(
    [P("s", max_bookings=2, school="K"), P("t", school="K"), P("class", size=3, school="L")],
    [
        session("A", 8, 10, capacity=2, opportunity="O"),
        session("B", 9, 11, capacity=5, opportunity="Q"),
        session("C", 10, 12, capacity=5, opportunity="O"),
        session("D", 12, 13, capacity=3, opportunity="R"),
    ],
    [
        edge("s", "A", 0.9),
        edge("s", "B", 0.8),
        edge("s", "C", 0.7),
        edge("s", "D", 0.6),
        edge("t", "A", 0.5),
        edge("t", "D", 0.4),
        edge("class", "A", 0.3),
        edge("class", "D", 0.2),
    ],
)


def test_it_accepts_a_valid_solution_with_touching_sessions():
    assert check_solution(WORLD, solution_of(WORLD, [("s", "A"), ("s", "D"), ("t", "A")])) == []


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("t", "B")], '("t", "B"): not a listed edge'),
        ([("s", "A"), ("t", "A"), ("class", "A")], 'session "A": 5 seats taken, capacity 2'),
        ([("class", "A")], 'session "A": 3 seats taken, capacity 2'),
        ([("s", "A"), ("s", "D"), ("s", "B")], 'participant "s": 3 sessions, max_bookings 2'),
        ([("s", "A"), ("s", "C")], 'participant "s": 2 sessions of opportunity "O"'),
        ([("s", "A"), ("s", "B")], 'participant "s": sessions "A" and "B" overlap'),
        ([("s", "D"), ("s", "D")], 'participant "s": the same session twice'),
    ],
)
def test_it_reports_each_broken_rule(pairs: list[tuple[str, str]], message: str):
    assert message in check_solution(WORLD, solution_of(WORLD, pairs))


def test_it_reports_a_school_over_its_seat_cap():
    capped = replace(WORLD, seat_cap_per_school=1)
    errors = check_solution(capped, solution_of(capped, [("s", "A"), ("t", "A")]))
    assert errors == ['school "K": 2 seats at opportunity "O", cap 1']


def test_it_reports_a_served_count_or_objective_that_the_assignments_do_not_give():
    honest = solution_of(WORLD, [("class", "D")])
    assert honest.served == 3 and honest.objective == pytest.approx(0.6)
    assert check_solution(WORLD, replace(honest, served=1)) == ["served is 1, the assignments serve 3"]
    wrong = check_solution(WORLD, replace(honest, objective=0.2))
    assert wrong == [f"objective is 0.2, the assignments give {honest.objective}"]


def test_it_reports_an_upper_bound_below_the_objective():
    honest = solution_of(WORLD, [("s", "A")])
    assert check_solution(WORLD, replace(honest, upper_bound=0.5)) == [
        "upper_bound 0.5 is below objective 0.9"
    ]


def test_it_allows_one_session_each_in_stable_mode():
    pairs = [("s", "A"), ("s", "D")]
    errors = check_solution(WORLD, solution_of(WORLD, pairs, mode="stable"))
    assert errors == ['participant "s": 2 sessions in stable mode, which gives one']
