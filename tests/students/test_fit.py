"""``students.fit.session_misfit`` (the domain's rule) and the matchmaking engine's filters agree.

The engine keeps its own, vectorised copy of "does this session fit this participant" (it imports no
Django). Here both judge the same random participants and sessions: levels, minimum ages around
birthdays (29 February included) with sessions near local midnight, class sizes around the group
limits, sessions before, at and after now, and free time in pieces that overlap, touch or fall short.
The engine's other tests (kind, reach, deadline, seats) are made to pass: they are not this rule.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.translation import override

from companies.models import Opportunity, Session
from matchmaking.engine import types as engine
from matchmaking.engine.filters import qualifying_sessions
from students.fit import free_time, session_fits, session_misfit
from students.models import ClassRequest, Student

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 9, 20, 8, 0, tzinfo=TZ)
LEVELS = list(engine.LEVELS)


def _case(rng: random.Random) -> tuple[Student | ClassRequest, Session, list[tuple[dt.datetime, dt.datetime]]]:
    opportunity = Opportunity(
        levels=rng.sample(LEVELS, rng.choice([0, 0, 1, 2, 3])),
        min_age=rng.choice([None, None, 0, 16, 18, 19]),
        group_min=rng.choice([None, 10, 25]),
        group_max=rng.choice([None, 30, 35]),
    )
    # 161 and 162: 28 February and 1 March 2027, when someone born on 29 February 2008 turns 19
    day = NOW.date() + dt.timedelta(days=rng.choice([-1, 0, 0, 1, 5, 161, 162]))
    start = dt.datetime.combine(day, dt.time(rng.choice([0, 7, 8, 14, 23]), rng.choice([0, 30])), tzinfo=TZ)
    if rng.random() < 0.1:
        start = NOW  # starting now: already started
    start = start.astimezone(dt.UTC)  # as the database gives it: before 07:00 here, the day before in UTC
    session = Session(opportunity=opportunity, starts_at=start, ends_at=start + dt.timedelta(hours=rng.choice([1, 3])))
    level = rng.choice(LEVELS)
    participant: Student | ClassRequest
    if rng.random() < 0.3:
        participant = ClassRequest(level=level, group_size=rng.choice([8, 10, 25, 30, 31, 35, 40]))
    else:
        years = rng.choice([15, 16, 17, 18, 19])
        birth = day.replace(year=day.year - years) + dt.timedelta(days=rng.choice([-1, 0, 0, 1]))
        if rng.random() < 0.15:
            birth = dt.date(rng.choice([2008, 2012]), 2, 29)
        participant = Student(level=level, birth_date=birth)
    availability = []
    for _ in range(rng.choice([0, 1, 2, 3])):
        a = start + dt.timedelta(hours=rng.choice([-2, -1, 0, 1, 2]))
        availability.append((a, a + dt.timedelta(hours=rng.choice([0, 1, 2, 3, 4]))))
    return participant, session, availability


def _engine_fits(participant: Student | ClassRequest, session: Session, availability: list) -> bool:
    opportunity = session.opportunity
    is_class = isinstance(participant, ClassRequest)
    e_participant = engine.Participant(
        id="p",
        type="class_request" if is_class else "student",
        level=participant.level,
        text="",
        size=participant.group_size if is_class else 1,
        province="p0",
        birth_date=None if is_class else participant.birth_date,
        availability=tuple(availability),
    )
    e_opportunity = engine.Opportunity(
        id="o",
        company="c",
        kind="visit",
        title="",
        province="p0",
        levels=tuple(opportunity.levels),
        min_age=opportunity.min_age,
        group_min=opportunity.group_min,
        group_max=opportunity.group_max,
        sessions=(engine.Session("s", session.starts_at, session.ends_at, capacity=1000, taken=0),),
    )
    return bool(qualifying_sessions(e_participant, e_opportunity, NOW, engine.Geography()))


@pytest.mark.parametrize("seed", range(4))
@override("en")
def test_the_domain_rule_and_the_engines_filters_agree(seed: int) -> None:
    rng = random.Random(seed)
    outcomes = {True: 0, False: 0}
    reasons: set[str] = set()
    for n in range(1500):
        participant, session, availability = _case(rng)
        misfit = session_misfit(participant, session, now=NOW, availability=availability)
        engine_fits = _engine_fits(participant, session, availability)
        assert (misfit is None) == engine_fits, (n, participant.__dict__, session.__dict__, availability, misfit)
        # The round's check (no phrasing, free time merged once) says the same.
        assert session_fits(participant, session, now=NOW, free=free_time(availability)) == engine_fits, n
        day = timezone.localdate(session.starts_at)
        assert session_fits(participant, session, now=NOW, free=free_time(availability), day=day) == engine_fits
        outcomes[engine_fits] += 1
        if misfit:
            # The reason without its figures (a class's free time names the class and its times).
            reasons.add("class time" if misfit.startswith("Class ") else " ".join(misfit.split()[:4]))
    # Both answers are common, and every part of the rule said no at least once.
    assert min(outcomes.values()) > 100, outcomes
    assert len(reasons) == 6, reasons  # started, level, age, group size, free time (a student's, a class's)


@override("en")
def test_free_time_in_pieces_that_meet_counts_as_one_stretch() -> None:
    start = NOW + dt.timedelta(days=1)
    session = Session(opportunity=Opportunity(levels=[]), starts_at=start, ends_at=start + dt.timedelta(hours=4))
    student = Student(level="upper_secondary", birth_date=dt.date(2000, 1, 1))
    pieces = [(start, start + dt.timedelta(hours=2)), (start + dt.timedelta(hours=2), start + dt.timedelta(hours=4))]
    assert session_misfit(student, session, now=NOW, availability=pieces) is None
    apart = [pieces[0], (start + dt.timedelta(hours=2, minutes=1), start + dt.timedelta(hours=4))]
    assert session_misfit(student, session, now=NOW, availability=apart) == "This session is outside your free time."
    assert session_misfit(student, session, now=NOW, availability=[]) is not None
    assert session_misfit(student, session, now=NOW) is None  # free time not asked about
