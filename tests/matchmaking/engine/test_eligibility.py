"""The hard filters, one rule at a time, and the vectorised filter against the plain-Python reference."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from tiny import GEOGRAPHY, NOW, SATURDAY, TZ, at, class_request, opportunity, session, student

from matchmaking.engine.filters import Compiled, qualifying_sessions
from matchmaking.engine.types import KINDS, Geography


def fits(participant, opp, geography: Geography = GEOGRAPHY) -> bool:
    reference = bool(qualifying_sessions(participant, opp, NOW, geography))
    compiled = Compiled.build([participant], [opp], NOW, geography, list(KINDS))
    static = bool(compiled.static_ok(np.array([0]), np.array([0]))[0])
    vectorised = static and bool(compiled.eligible(np.array([0]), np.array([0]))[0])
    assert vectorised == reference, "the numpy filter and the reference disagree"
    return reference


def test_a_plain_pair_is_eligible() -> None:
    assert fits(student(), opportunity())


def test_it_refuses_a_level_not_among_the_opportunitys_levels() -> None:
    assert not fits(student(level="lower_secondary"), opportunity(levels=("university",)))
    assert fits(student(level="university"), opportunity(levels=("university", "vocational")))


def test_it_refuses_a_student_younger_than_the_minimum_age_on_the_sessions_day() -> None:
    saturday = SATURDAY.date()
    turns_16_that_day = date(saturday.year - 16, saturday.month, saturday.day)
    assert fits(student(born=turns_16_that_day), opportunity(min_age=16))
    assert not fits(student(born=turns_16_that_day + timedelta(days=1)), opportunity(min_age=16))
    assert not fits(student(born=None), opportunity(min_age=16))  # an unknown age is not old enough
    big = (session(capacity=40),)
    assert fits(
        class_request(), opportunity(kind="visit", min_age=16, sessions=big)
    )  # classes have no age test


def test_a_session_later_than_a_birthday_can_qualify_when_an_earlier_one_cannot() -> None:
    early, late = session("early", SATURDAY, 8, 11), session("late", SATURDAY + timedelta(days=1), 8, 11)
    born = date(SATURDAY.year - 18, SATURDAY.month, SATURDAY.day + 1)  # turns 18 on Sunday
    opp = opportunity(min_age=18, sessions=(early, late))
    assert [s.id for s in qualifying_sessions(student(born=born), opp, NOW, GEOGRAPHY)] == ["late"]


def test_someone_born_on_29_february_turns_a_year_older_on_1_march_in_common_years() -> None:
    feb28, mar1 = datetime(2026, 2, 28, tzinfo=TZ), datetime(2026, 3, 1, tzinfo=TZ)
    now = feb28 - timedelta(days=30)
    born = date(2008, 2, 29)
    window = ((feb28 - timedelta(days=1), mar1 + timedelta(days=2)),)
    participant = student(born=born, availability=window)
    on_28 = opportunity(min_age=18, sessions=(session("a", feb28, 8, 10),), apply_by=None)
    on_1 = opportunity(min_age=18, sessions=(session("b", mar1, 8, 10),), apply_by=None)
    assert not qualifying_sessions(participant, on_28, now, GEOGRAPHY)
    assert qualifying_sessions(participant, on_1, now, GEOGRAPHY)
    compiled = Compiled.build([participant], [on_28, on_1], now, GEOGRAPHY, list(KINDS))
    assert compiled.eligible(np.array([0, 0]), np.array([0, 1])).tolist() == [False, True]


def test_a_session_must_lie_wholly_inside_a_free_interval() -> None:
    morning = ((at(SATURDAY, 7), at(SATURDAY, 10)),)
    assert not fits(student(availability=morning), opportunity(sessions=(session(start=8, end=11),)))
    assert fits(student(availability=morning), opportunity(sessions=(session(start=8, end=10),)))


def test_touching_free_intervals_count_as_one() -> None:
    halves = ((at(SATURDAY, 7), at(SATURDAY, 9)), (at(SATURDAY, 9), at(SATURDAY, 12)))
    assert fits(student(availability=halves), opportunity(sessions=(session(start=8, end=11),)))


def test_nobody_without_availability_gets_anything() -> None:
    assert not fits(student(availability=()), opportunity())


def test_it_refuses_full_and_started_sessions() -> None:
    assert not fits(student(), opportunity(sessions=(session(capacity=10, taken=10),)))
    assert not fits(
        class_request(size=35), opportunity(kind="visit", sessions=(session(capacity=40, taken=10),))
    )
    assert fits(class_request(size=30), opportunity(kind="visit", sessions=(session(capacity=40, taken=10),)))
    started = session(day=NOW - timedelta(days=1))
    always = ((NOW - timedelta(days=3), NOW + timedelta(days=30)),)
    assert started.starts_at <= NOW
    assert not fits(student(availability=always), opportunity(sessions=(started,)))


def test_it_refuses_an_opportunity_whose_deadline_has_passed() -> None:
    assert not fits(student(), opportunity(apply_by=NOW.date() - timedelta(days=1)))
    assert fits(student(), opportunity(apply_by=NOW.date()))


def test_it_checks_a_class_size_against_group_bounds_but_not_a_students() -> None:
    visit = opportunity(kind="visit", group_min=20, group_max=40, sessions=(session(capacity=50),))
    assert fits(class_request(size=35), visit)
    assert not fits(class_request(size=45), visit)
    assert not fits(class_request(size=10), visit)
    assert fits(student(), visit)


def test_it_refuses_kinds_the_participant_did_not_allow() -> None:
    assert not fits(student(allowed_kinds=("visit",)), opportunity(kind="internship", min_age=None))
    assert fits(student(allowed_kinds=()), opportunity(kind="internship"))


@pytest.mark.parametrize(
    ("province", "online", "expected"),
    [
        ("ha-noi", False, True),
        ("bac-ninh", False, True),
        ("da-nang", False, False),
        ("da-nang", True, True),
        ("", False, False),
        ("", True, True),
    ],
)
def test_an_opportunity_must_be_online_in_the_province_or_next_door(
    province: str, online: bool, expected: bool
) -> None:
    assert fits(student(province="ha-noi"), opportunity(province=province, online=online)) is expected


def test_a_participant_with_an_unknown_province_reaches_only_online_opportunities() -> None:
    assert not fits(student(province=""), opportunity(province=""))
    assert fits(student(province=""), opportunity(online=True))


def test_the_vectorised_filter_agrees_with_the_reference_on_random_pairs() -> None:
    rng = random.Random(5)
    days = [SATURDAY + timedelta(days=d) for d in (-20, 0, 1, 7)]
    people, opps = [], []
    for i in range(25):
        free = tuple((at(d, rng.choice([6, 8])), at(d, rng.choice([11, 18]))) for d in rng.sample(days, 2))
        maker = class_request if i % 5 == 0 else student
        people.append(
            maker(
                f"p{i}",
                province=rng.choice(["ha-noi", "bac-ninh", "da-nang", ""]),
                availability=free,
                allowed_kinds=tuple(rng.sample(KINDS, 2)) if i % 3 == 0 else (),
            )
        )
    for j in range(25):
        opps.append(
            opportunity(
                f"o{j}",
                kind=rng.choice(KINDS),
                province=rng.choice(["ha-noi", "da-nang", ""]),
                online=j % 4 == 0,
                min_age=rng.choice([None, 16, 18]),
                group_min=rng.choice([None, 30]),
                levels=rng.choice([(), ("upper_secondary",)]),
                sessions=tuple(
                    session(
                        f"o{j}-{n}",
                        rng.choice(days),
                        rng.choice([8, 14]),
                        17,
                        capacity=40,
                        taken=rng.choice([0, 20, 40]),
                    )
                    for n in range(rng.randint(0, 3))
                ),
            )
        )
    compiled = Compiled.build(people, opps, NOW, GEOGRAPHY, list(KINDS))
    p, o = np.repeat(np.arange(25), 25), np.tile(np.arange(25), 25)
    vectorised = compiled.static_ok(p, o) & compiled.eligible(p, o)
    reference = [
        bool(qualifying_sessions(people[i], opps[j], NOW, GEOGRAPHY)) for i, j in zip(p, o, strict=True)
    ]
    assert vectorised.tolist() == reference
    assert 0 < sum(reference) < len(reference)
