"""students.selectors.opportunity_reach: who an opportunity can reach, step by step, counted in the base
(the company's page only phrases it)."""

from __future__ import annotations

import datetime as dt

import pytest

from companies.models import Kind
from students.selectors import ReachStep, opportunity_reach
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = f.OCT1 - dt.timedelta(days=7)


def counts(opportunity) -> tuple[list[tuple[str, int, int]], str | None]:
    reach = opportunity_reach(opportunity, now=NOW)
    return [(s.step, s.students, s.classes) for s in reach.steps], reach.stopped


def test_each_step_counts_among_the_previous_ones_participants() -> None:
    opportunity = f.OpportunityFactory(kind=Kind.VISIT, levels=["vocational"], province="ha-noi", min_age=16)
    f.SessionFactory(opportunity=opportunity, starts_at=f.OCT1)
    hanoi, camau = f.SchoolFactory(province="ha-noi"), f.SchoolFactory(province="ca-mau")

    def student(**fields: object):
        return f.StudentFactory(**{"school": hanoi, "level": "vocational", "birth_date": dt.date(2010, 1, 1), **fields})

    f.AvailabilityFactory(student=student())  # reaches the end
    student(level="university")  # another level
    student(province="ca-mau", school=camau)  # too far
    student(excluded_kinds=["visit"])  # does not take visits
    f.AvailabilityFactory(student=student(birth_date=dt.date(2016, 1, 1)))  # too young
    student()  # never free
    f.AvailabilityFactory(class_request=f.ClassRequestFactory(school=hanoi, level="vocational", kinds=["visit"]))
    f.ClassRequestFactory(school=hanoi, level="vocational", kinds=["career_talk"])

    assert counts(opportunity) == (
        [("levels", 5, 2), ("near", 4, 2), ("kind", 3, 1), ("age", 2, 1), ("free", 1, 1)],
        None,  # some remain: relevance, the engine's, is what is left
    )


def test_it_stops_where_nobody_is_left_or_no_session_is_to_come() -> None:
    opportunity = f.OpportunityFactory(kind=Kind.VISIT, levels=["vocational"], online=True)
    assert counts(opportunity) == ([("levels", 0, 0)], "levels")
    f.StudentFactory(level="vocational")
    assert counts(opportunity) == ([("levels", 1, 0), ("kind", 1, 0)], "no_session")  # online: no "near"
    f.SessionFactory(opportunity=opportunity, starts_at=f.OCT1)
    assert counts(opportunity) == ([("levels", 1, 0), ("kind", 1, 0), ("free", 0, 0)], "free")
    assert ReachStep("free", 0, 0).nobody and not ReachStep("free", 0, 1).nobody
