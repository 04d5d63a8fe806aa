"""The week's report and the dashboard's figures on a small hand-made world whose answer is reasoned out.

The week is Monday 30 September to Monday 7 October 2030 (local time). In it:
- a visit V1 by a company (profile company) on Tue 1 Oct, a career talk T1 by an expert on Thu 3 Oct;
- school A (Hà Nội): class 11A (30 seats) confirmed on V1; students a1 attended T1, a2 confirmed T1,
  a3 was a no-show on T1 (did not take part);
- school B (Đà Nẵng): b1 declined V1 and holds a proposal on T1 (neither took place); b2 attended V1;
- outside the week: a1 confirmed a visit V0 the Monday before.
So: B/visit 1 session, 1 student, 1 company; A/visit 1 session, 1 class of 30, 1 company;
A/career_talk 1 session, 2 students, 1 expert. Nothing else.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from companies.models import Company, Session
from matchmaking.models import Feedback
from scheduler.models import Booking
from scheduler.reports import (
    WEEK_REPORT_HEADER,
    bookings_by_day,
    next_session_day,
    participation_report,
    recommendation_uptake,
    school_spread,
    week_report,
    week_report_totals,
)
from students.models import ClassRequest, Student

from .. import factories as f

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2030, 9, 30, tzinfo=TZ)
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)
S = Booking.Status


def booking(
    session: Session,
    status: str,
    *,
    student: Student | None = None,
    klass: ClassRequest | None = None,
    score: float | None = None,
) -> Booking:
    return Booking.objects.create(
        session=session,
        student=student,
        class_request=klass,
        status=status,
        seats=klass.group_size if klass else 1,
        score=score,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        hold_until=session.starts_at if status == S.PROPOSED else None,
    )


@pytest.fixture
def week(db: None) -> dict[str, object]:
    host = f.CompanyFactory(name="Nhà máy Sông Hồng", profile=Company.Profile.COMPANY)
    expert = f.CompanyFactory(name="TS. Lê Hoa", profile=Company.Profile.EXPERT)
    visit = f.OpportunityFactory(company=host, kind="visit")
    talk = f.OpportunityFactory(company=expert, kind="career_talk")
    v0 = f.SessionFactory(opportunity=visit, starts_at=MONDAY - dt.timedelta(days=7, hours=-8))
    v1 = f.SessionFactory(opportunity=visit, starts_at=dt.datetime(2030, 10, 1, 8, tzinfo=TZ), capacity=40)
    t1 = f.SessionFactory(opportunity=talk, starts_at=dt.datetime(2030, 10, 3, 14, tzinfo=TZ), capacity=10)
    a = f.SchoolFactory(external_id="SCH-A", name="THPT A", province="ha-noi")
    b = f.SchoolFactory(external_id="SCH-B", name="THPT B", province="da-nang")
    a1, a2, a3 = (f.StudentFactory(school=a) for _ in range(3))
    b1, b2 = (f.StudentFactory(school=b) for _ in range(2))
    klass = f.ClassRequestFactory(school=a, group_size=30)
    booking(v1, S.CONFIRMED, klass=klass, score=0.7)
    booking(t1, S.ATTENDED, student=a1, score=0.9)
    booking(t1, S.CONFIRMED, student=a2)
    booking(t1, S.NO_SHOW, student=a3, score=0.5)
    booking(v1, S.DECLINED, student=b1, score=0.6)
    booking(t1, S.PROPOSED, student=b1, score=0.4)
    booking(v1, S.ATTENDED, student=b2, score=0.8)
    booking(v0, S.CONFIRMED, student=a1, score=0.9)
    return {"v1": v1, "t1": t1, "a": a, "b": b, "a1": a1, "b1": b1}


def test_the_week_report_counts_sessions_that_took_place_per_province_school_and_kind(week: dict) -> None:
    rows = week_report(starts_after=MONDAY, starts_before=NEXT_MONDAY)

    assert [(r["province"], r["school"], r["kind"]) for r in rows] == [
        ("da-nang", "SCH-B", "visit"),
        ("ha-noi", "SCH-A", "visit"),
        ("ha-noi", "SCH-A", "career_talk"),
    ]
    b_visit, a_visit, a_talk = rows
    assert (b_visit["sessions_held"], b_visit["students"], b_visit["classes"], b_visit["companies"]) == (1, 1, 0, 1)
    assert (a_visit["classes"], a_visit["class_students"], a_visit["students"], a_visit["companies"]) == (1, 30, 0, 1)
    assert (a_talk["sessions_held"], a_talk["students"], a_talk["experts"], a_talk["companies"]) == (1, 2, 1, 0)
    assert list(rows[0]) == list(WEEK_REPORT_HEADER)
    assert (b_visit["province_name"], b_visit["kind_name"]) == ("Đà Nẵng", "Tham quan doanh nghiệp")


def test_the_week_report_totals_add_the_rows(week: dict) -> None:
    totals = week_report_totals(week_report(starts_after=MONDAY, starts_before=NEXT_MONDAY))

    assert totals["sessions_held"] == 3  # V1 once for each school, T1 once
    assert totals["students"] == 3 and totals["class_students"] == 30
    assert totals["companies"] == 2 and totals["experts"] == 1


def test_the_week_before_holds_only_the_earlier_visit(week: dict) -> None:
    rows = week_report(starts_after=MONDAY - dt.timedelta(days=7), starts_before=MONDAY)

    assert [(r["school"], r["kind"], r["students"]) for r in rows] == [("SCH-A", "visit", 1)]


def test_an_empty_week_has_no_rows(week: dict) -> None:
    assert week_report(starts_after=NEXT_MONDAY, starts_before=NEXT_MONDAY + dt.timedelta(days=7)) == []


def test_bookings_by_day_lists_every_day_of_the_week_with_seats_held(week: dict) -> None:
    days = bookings_by_day(starts_after=MONDAY, starts_before=NEXT_MONDAY)

    assert [d["day"].isoformat() for d in days][:1] == ["2030-09-30"] and len(days) == 7
    # Tue: class 30 + b2 attended (b1 declined holds nothing); Thu: a1, a2, a3 (no-show holds) and b1's proposal.
    assert [d["seats"] for d in days] == [0, 31, 0, 4, 0, 0, 0]


def test_school_spread_is_the_highest_minus_the_lowest_share_of_students_booked(week: dict) -> None:
    report = participation_report(starts_after=MONDAY, starts_before=NEXT_MONDAY)

    spread = school_spread(report["schools"])

    # A: a1, a2, a3 kept (attended, confirmed, no-show) of 3 students = 1.0; B: b2 of 2 = 0.5.
    assert spread["highest"]["name"] == "THPT A" and spread["lowest"]["name"] == "THPT B"
    assert spread["spread"] == 0.5


def test_school_spread_of_no_schools_is_zero() -> None:
    assert school_spread([]) == {"schools": 0, "highest": None, "lowest": None, "spread": 0.0}


def test_recommendation_uptake_counts_feedback_and_bookings_from_matches(week: dict) -> None:
    for kind in ("shown", "shown", "clicked", "accepted", "not_interested"):
        Feedback.objects.create(student=week["a1"], opportunity=week["v1"].opportunity, kind=kind)
    Feedback.objects.update(created_at=MONDAY + dt.timedelta(hours=9))  # given in the week
    Feedback.objects.create(student=week["a1"], opportunity=week["v1"].opportunity, kind="clicked")  # today

    uptake = recommendation_uptake(starts_after=MONDAY, starts_before=NEXT_MONDAY)

    assert uptake["shown"] == 2 and uptake["positive"] == 2 and uptake["negative"] == 1
    # With a score (from a match), in the week: kept = class confirmed, a1 attended, a3 no-show, b2 attended;
    # b1's proposal is pending and b1's declined visit was let go. a2's booking has no score.
    assert uptake["matched_bookings"] == {"kept": 4, "proposed": 1, "let_go": 1}
    assert uptake["matched_kept_share"] == 0.8


def test_next_session_day_is_the_local_day_of_the_first_published_session_from_now(week: dict) -> None:
    hidden = f.CompanyFactory(approved_at=None)
    f.SessionFactory(opportunity=f.OpportunityFactory(company=hidden), starts_at=MONDAY + dt.timedelta(hours=1))

    assert next_session_day(now=MONDAY) == dt.date(2030, 10, 1)  # V1, not the unpublished one on Monday
    assert next_session_day(now=NEXT_MONDAY) is None
