"""The allocation engine: pure Python, no Django. See solve.py for which solver runs where."""

from __future__ import annotations

from .check import check_solution
from .fairness import fairness_report
from .problem import Edge, Participant, Problem, ProblemError, Session, load_problem, parse_problem
from .solve import MODES, Solution, solution_to_dict, solve

__all__ = [
    "MODES",
    "Edge",
    "Participant",
    "Problem",
    "ProblemError",
    "Session",
    "Solution",
    "check_solution",
    "fairness_report",
    "load_problem",
    "parse_problem",
    "solution_to_dict",
    "solve",
]
