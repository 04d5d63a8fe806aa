"""Reads of the students base that a page shares with nobody else's rules, kept here so that no face
counts participants itself.

``opportunity_reach``: who an opportunity can reach, step by step, for the company whose opportunity a
round proposed nobody for (``web/views/opportunity_reach.py`` phrases it).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

import places
from companies.models import Opportunity, Session

from .models import AvailabilityInterval, ClassRequest, Student


@dataclass(frozen=True)
class ReachStep:
    step: str  # "levels", "near", "kind", "age", "free": see ``opportunity_reach``
    students: int
    classes: int

    @property
    def nobody(self) -> bool:
        return not self.students and not self.classes


@dataclass(frozen=True)
class ReachCounts:
    steps: tuple[ReachStep, ...]
    # Where it stopped: the step that left nobody, "no_session" (no upcoming session to be free for), or
    # None when participants remain after every step (then relevance, the engine's, is what failed).
    stopped: str | None


def opportunity_reach(opportunity: Opportunity, *, now: dt.datetime) -> ReachCounts:
    """Who the opportunity can reach, each step among the previous one's participants, as a round
    proposes: of one of its levels ("levels"); within reach ("near": the opportunity in their province or
    a neighbouring one; skipped when it is online); taking its kind ("kind"); old enough on the last
    upcoming session's day ("age"; students, when it has a minimum age); free for the whole of one
    upcoming session ("free"). Students whose data has not been erased, and class requests. "Free" is a
    session inside one free-time entry (the round also joins entries that touch, so it may find a few
    more). Counting stops at the first step that leaves nobody."""
    students = Student.objects.active()
    classes = ClassRequest.objects.all()
    steps: list[ReachStep] = []

    def nobody_after(step: str) -> bool:
        steps.append(ReachStep(step, students.count(), classes.count()))
        return steps[-1].nobody

    def result(stopped: str | None) -> ReachCounts:
        return ReachCounts(tuple(steps), stopped)

    if opportunity.levels:
        students, classes = students.filter(level__in=opportunity.levels), classes.filter(level__in=opportunity.levels)
    if nobody_after("levels"):
        return result("levels")
    if not opportunity.online:
        near = {opportunity.province, *places.neighbour_map().get(opportunity.province, frozenset())}
        students, classes = students.filter(province__in=near), classes.filter(school__province__in=near)
        if nobody_after("near"):
            return result("near")
    # The kinds a participant takes: a student's excluded kinds, a class's asked-for kinds (lists in JSON,
    # read here rather than queried: SQLite cannot look inside them). Only the few who exclude a kind or
    # ask for some are read, and those who do not take this one left out.
    kind = opportunity.kind
    refusing = students.exclude(excluded_kinds=[]).values_list("pk", "excluded_kinds")
    students = students.exclude(pk__in=[pk for pk, excluded in refusing if kind in excluded])
    asking = classes.exclude(kinds=[]).values_list("pk", "kinds")
    classes = classes.exclude(pk__in=[pk for pk, wanted in asking if kind not in wanted])
    if nobody_after("kind"):
        return result("kind")
    upcoming = Session.objects.not_cancelled().filter(opportunity=opportunity, starts_at__gt=now)
    sessions = list(upcoming.order_by("starts_at"))
    if not sessions:
        return result("no_session")
    if opportunity.min_age:
        students = students.aged(opportunity.min_age, timezone.localdate(sessions[-1].starts_at))
        if nobody_after("age"):
            return result("age")
    free = AvailabilityInterval.objects.filter(
        functools.reduce(operator.or_, (Q(starts_at__lte=s.starts_at, ends_at__gte=s.ends_at) for s in sessions))
    )
    students = students.filter(pk__in=free.filter(student__isnull=False).values("student_id"))
    classes = classes.filter(pk__in=free.filter(class_request__isnull=False).values("class_request_id"))
    if nobody_after("free"):
        return result("free")
    return result(None)
