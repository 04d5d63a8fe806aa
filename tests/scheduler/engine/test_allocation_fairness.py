from __future__ import annotations

import pytest
from allocation_helpers import edge, problem, session, solution_of

from scheduler.engine import Participant, fairness_report

P = Participant


def test_it_reports_fill_rate_served_share_and_spread_across_schools():
    prob = problem(
        [P("a1", school="A"), P("a2", school="A"), P("b1", school="B"), P("c", size=3, school="C"), P("x")],
        [session("X", capacity=4), session("Y", 10, 11, capacity=6)],
        [edge(p, "X", 0.5) for p in ("a1", "a2", "b1", "c", "x")],
        priority=["B"],
    )
    report = fairness_report(prob, solution_of(prob, [("a1", "X"), ("c", "X")]))
    assert report["fill_rate"] == pytest.approx(4 / 10)
    assert report["served_share"] == pytest.approx(2 / 5)
    assert report["school_served_share"] == {"A": 0.5, "B": 0.0, "C": 1.0}
    assert (report["school_share_min"], report["school_share_max"]) == (0.0, 1.0)
    assert report["school_share_stdev"] == pytest.approx(0.408248, abs=1e-6)
    assert report["priority_served_share"] == 0.0


def test_it_reports_zeros_for_an_empty_problem():
    prob = problem([], [], [])
    report = fairness_report(prob, solution_of(prob, []))
    assert report["fill_rate"] == report["served_share"] == report["school_share_stdev"] == 0.0
