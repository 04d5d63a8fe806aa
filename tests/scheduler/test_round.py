"""A scheduling round: stored matches become proposals with holds, and a ranked waitlist per session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from matchmaking.models import Match
from notifications.models import OutboxMessage
from scheduler import services
from scheduler.models import Booking
from scheduler.selectors import seats_taken
from students.models import AvailabilityInterval
from tests import factories as f

from .conftest import HOLD, NOW, make_booking

pytestmark = pytest.mark.usefixtures("clock")
Status = Booking.Status


def match(participant, opportunity, score: float, *, free_all_year: bool = True) -> Match:
    """A stored match; the participant is made free all year unless they already gave availability."""
    key = "student" if participant.__class__.__name__ == "Student" else "class_request"
    if free_all_year and not AvailabilityInterval.objects.filter(**{key: participant}).exists():
        AvailabilityInterval.objects.create(
            **{key: participant}, starts_at=NOW, ends_at=NOW + dt.timedelta(days=366)
        )
    return Match.objects.create(
        **{key: participant}, opportunity=opportunity, score=score, rank=1, model_version="test"
    )


def adult(school, **kwargs):
    return f.StudentFactory(school=school, birth_date=dt.date(2000, 1, 1), **kwargs)


def statuses(session) -> dict[str, tuple[str, int | None]]:
    return {
        b.participant.external_id: (b.status, b.waitlist_rank)
        for b in Booking.objects.filter(session=session).select_related("student", "class_request")
    }


def test_it_proposes_matched_students_with_a_hold_and_a_mail(world):
    match(world.adult, world.opportunity, 0.9)
    match(world.student, world.opportunity, 0.7)  # a minor, with consent

    report = services.round_schedule(mode="optimal")

    assert statuses(world.session) == {
        "ST-ADULT": (Status.PROPOSED, None),
        "ST-MINOR": (Status.PROPOSED, None),
    }
    booking = Booking.objects.get(student=world.adult)
    assert booking.hold_until == NOW + HOLD
    assert (booking.score, booking.seats, booking.sequence) == (0.9, 1, 0)
    mails = OutboxMessage.objects.filter(category=OutboxMessage.Category.BOOKING_PROPOSED)
    assert sorted(mails.values_list("dedupe_key", flat=True)) == sorted(
        f"booking-proposed:{b.pk}:0" for b in Booking.objects.all()
    )
    assert (
        mails.get(to_email=world.adult.email)
        .context["confirm_url"]
        .startswith("https://caunoi.example/bookings/respond/")
    )
    assert (report.participants, report.sessions, report.edges) == (2, 1, 2)
    assert (report.proposed, report.new_proposals, report.waitlisted, report.served) == (2, 2, 0, 2)


def test_the_best_scores_get_the_seats_and_the_rest_wait_in_score_order(world):
    session = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=2)
    students = {
        score: adult(world.school, external_id=f"S{int(score * 100)}") for score in (0.9, 0.8, 0.6, 0.7)
    }
    for score, student in students.items():
        match(student, session.opportunity, score)

    services.round_schedule(mode="optimal")

    assert statuses(session) == {
        "S90": (Status.PROPOSED, None),
        "S80": (Status.PROPOSED, None),
        "S70": (Status.WAITLISTED, 1),
        "S60": (Status.WAITLISTED, 2),
    }
    assert not OutboxMessage.objects.filter(to_email__in=[students[0.7].email, students[0.6].email]).exists()


def test_a_class_takes_its_whole_size_and_serving_more_seats_comes_first(world):
    session = f.SessionFactory(
        opportunity=f.OpportunityFactory(company=world.company, kind="visit"), capacity=10
    )
    klass = f.ClassRequestFactory(external_id="CR-8", school=world.school, group_size=8)
    match(klass, session.opportunity, 0.5)
    for i, score in enumerate((0.9, 0.8, 0.7)):
        match(adult(world.school, external_id=f"S{i}"), session.opportunity, score)

    report = services.round_schedule(mode="optimal")

    # 8 + 2 seats beat 3 students with better scores: the most seats served comes first.
    assert statuses(session) == {
        "CR-8": (Status.PROPOSED, None),
        "S0": (Status.PROPOSED, None),
        "S1": (Status.PROPOSED, None),
        "S2": (Status.WAITLISTED, 1),
    }
    assert Booking.objects.get(class_request=klass).seats == 8
    assert report.served == 10
    assert seats_taken(session) == 10


def test_only_sessions_inside_the_participants_availability_are_proposed(world):
    morning = world.session  # 1 October 08:00–11:00
    afternoon = f.SessionFactory(
        opportunity=world.opportunity, starts_at=morning.starts_at + dt.timedelta(hours=5), capacity=5
    )
    AvailabilityInterval.objects.create(
        student=world.adult, starts_at=afternoon.starts_at, ends_at=afternoon.ends_at + dt.timedelta(hours=1)
    )
    match(world.adult, world.opportunity, 0.8)

    services.round_schedule(mode="optimal")

    assert Booking.objects.get(student=world.adult).session == afternoon


def test_a_participant_available_at_no_session_time_is_neither_proposed_nor_waitlisted(world):
    AvailabilityInterval.objects.create(
        student=world.adult, starts_at=NOW, ends_at=NOW + dt.timedelta(days=1)
    )
    match(world.adult, world.opportunity, 0.8)

    report = services.round_schedule(mode="optimal")

    assert not Booking.objects.exists()
    assert report.edges == 0


def test_a_participant_with_no_availability_on_file_is_neither_proposed_nor_waitlisted(world):
    # The matcher's rule too: no availability on file means no session is known to fit.
    match(world.adult, world.opportunity, 0.8, free_all_year=False)

    report = services.round_schedule(mode="optimal")

    assert not Booking.objects.exists()
    assert (report.edges, report.no_fit, report.without_consent) == (0, 1, 0)


def test_a_minor_without_guardian_consent_is_not_proposed(world):
    minor = f.StudentFactory(school=world.school)  # 17, no consent
    match(minor, world.opportunity, 0.99)
    match(world.adult, world.opportunity, 0.5)

    report = services.round_schedule(mode="optimal")

    assert not Booking.objects.filter(student=minor).exists()
    assert (report.no_fit, report.without_consent) == (1, 1)
    with translation.override("en"):
        assert "no session fits: 1 participant (1 of them a minor without" in "\n".join(report.lines())


def test_rerunning_keeps_confirmed_bookings_and_replaces_only_proposals_and_waitlists(world):
    session = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=2)
    a, b, c, d = (adult(world.school, external_id=x) for x in "ABCD")
    for student, score in ((a, 0.9), (b, 0.8), (c, 0.7), (d, 0.6)):
        match(student, session.opportunity, score)
    services.round_schedule(mode="optimal")
    confirmed = services.booking_confirm(booking_id=Booking.objects.get(student=a).pk)
    services.booking_decline(booking_id=Booking.objects.get(student=b).pk)  # C is offered the seat
    offered = Booking.objects.get(student=c, status=Status.PROPOSED)
    mails = OutboxMessage.objects.count()

    report = services.round_schedule(mode="optimal")

    kept = Booking.objects.get(pk=confirmed.pk)
    assert (kept.status, kept.sequence, kept.updated_at) == (Status.CONFIRMED, 1, confirmed.updated_at)
    # One seat left: C's standing offer is repeated as it is (same row, same hold, no new mail); B, who
    # declined, is not asked again; D waits.
    assert statuses(session) == {
        "A": (Status.CONFIRMED, None),
        "B": (Status.DECLINED, None),
        "C": (Status.PROPOSED, None),
        "D": (Status.WAITLISTED, 1),
    }
    assert Booking.objects.get(student=c, status=Status.PROPOSED).pk == offered.pk
    assert OutboxMessage.objects.count() == mails
    assert (report.kept, report.proposed, report.new_proposals) == (1, 1, 0)


def test_a_round_run_twice_changes_nothing_the_second_time(world):
    for score in (0.9, 0.8):
        match(adult(world.school), world.opportunity, score)
    services.round_schedule(mode="optimal")
    before = list(Booking.objects.order_by("pk").values_list("pk", "status", "hold_until", "waitlist_rank"))
    mails = OutboxMessage.objects.count()

    services.round_schedule(mode="optimal")

    assert (
        list(Booking.objects.order_by("pk").values_list("pk", "status", "hold_until", "waitlist_rank"))
        == before
    )
    assert OutboxMessage.objects.count() == mails


def test_a_confirmed_booking_blocks_its_time_and_fills_a_students_one_session(world):
    other = f.SessionFactory(
        opportunity=f.OpportunityFactory(company=world.company), starts_at=world.session.starts_at
    )
    Booking.objects.create(
        student=world.adult,
        session=other,
        status=Status.CONFIRMED,
        seats=1,
        starts_at=other.starts_at,
        ends_at=other.ends_at,
    )
    match(world.adult, world.opportunity, 0.9)

    report = services.round_schedule(mode="optimal")

    assert report.participants == 0
    assert not Booking.objects.filter(session=world.session).exists()


def test_sessions_that_have_started_are_not_scheduled(world, clock):
    match(world.adult, world.opportunity, 0.9)
    clock.move_to(world.session.starts_at)

    assert services.round_schedule(mode="optimal").sessions == 0
    assert not Booking.objects.exists()


def test_stable_mode_gives_each_student_the_best_session_that_would_take_them(world):
    early = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=1)
    late = f.SessionFactory(
        opportunity=f.OpportunityFactory(company=world.company),
        capacity=1,
        starts_at=early.starts_at + dt.timedelta(days=1),
    )
    a, b = adult(world.school, external_id="A"), adult(world.school, external_id="B")
    match(a, early.opportunity, 0.9)
    match(a, late.opportunity, 0.5)
    match(b, early.opportunity, 0.6)
    match(b, late.opportunity, 0.4)

    report = services.round_schedule(mode="stable")

    # Both prefer `early`, which prefers A (higher score); B takes `late` and waits for `early`.
    assert statuses(early) == {"A": (Status.PROPOSED, None), "B": (Status.WAITLISTED, 1)}
    assert statuses(late) == {"B": (Status.PROPOSED, None)}
    assert report.mode == "stable"


def two_sessions(world, *, capacities: tuple[int, int]):
    """Sessions of two opportunities of the world's company, a day apart (so they never clash)."""
    first = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=capacities[0])
    second = f.SessionFactory(
        opportunity=f.OpportunityFactory(company=world.company),
        capacity=capacities[1],
        starts_at=first.starts_at + dt.timedelta(days=1),
    )
    return first, second


def test_whoever_got_nothing_waits_ahead_of_a_served_student_hoping_for_better(world):
    popular, other = two_sessions(world, capacities=(1, 5))
    top, hopeful, content, left_out = (adult(world.school, external_id=x) for x in ("T", "H", "C", "L"))
    match(top, popular.opportunity, 0.95)
    match(hopeful, popular.opportunity, 0.9)  # served at `other`, which it scored lower
    match(hopeful, other.opportunity, 0.5)
    match(content, popular.opportunity, 0.4)  # served at `other`, which it scored higher
    match(content, other.opportunity, 0.8)
    match(left_out, popular.opportunity, 0.3)  # only `popular` fits: nothing

    services.round_schedule(mode="optimal")

    assert statuses(popular) == {
        "T": (Status.PROPOSED, None),
        "L": (Status.WAITLISTED, 1),  # lower score, but holds nothing
        "H": (Status.WAITLISTED, 2),
    }
    assert statuses(other) == {"H": (Status.PROPOSED, None), "C": (Status.PROPOSED, None)}


def test_a_session_with_seats_left_has_no_waitlist(world):
    roomy, other = two_sessions(world, capacities=(5, 5))
    a, b = adult(world.school, external_id="A"), adult(world.school, external_id="B")
    match(a, roomy.opportunity, 0.9)
    match(b, roomy.opportunity, 0.8)
    match(b, other.opportunity, 0.5)

    services.round_schedule(mode="optimal", seat_cap_per_school=1)

    # The school's one seat at `roomy` goes to A; B gets `other` though it scored `roomy` higher. Seats
    # are left at `roomy`, so B does not queue there (an offer would not know the cap kept B out).
    assert statuses(roomy) == {"A": (Status.PROPOSED, None)}
    assert statuses(other) == {"B": (Status.PROPOSED, None)}
    assert not Booking.objects.filter(status=Status.WAITLISTED).exists()


def test_a_freed_seat_goes_to_the_served_student_waiting_for_it_when_nothing_clashes(world):
    popular, other = two_sessions(world, capacities=(1, 5))
    top, hopeful = adult(world.school, external_id="T"), adult(world.school, external_id="H")
    match(top, popular.opportunity, 0.95)
    match(hopeful, popular.opportunity, 0.9)
    match(hopeful, other.opportunity, 0.5)
    services.round_schedule(mode="optimal")

    services.booking_decline(booking_id=Booking.objects.get(student=top).pk)

    offer = Booking.objects.get(student=hopeful, session=popular)
    assert (offer.status, offer.hold_until) == (Status.PROPOSED, NOW + HOLD)
    assert Booking.objects.get(student=hopeful, session=other).status == Status.PROPOSED


def test_the_report_gives_fill_rate_share_served_and_school_spread(world):
    session = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=4)
    for score in (0.9, 0.8):
        match(adult(world.school), session.opportunity, score)

    report = services.round_schedule(mode="optimal")

    assert report.fill_rate == pytest.approx(0.5)
    assert report.share_served == pytest.approx(1.0)
    assert report.school_spread == pytest.approx(0.0)
    with translation.override("en"):
        assert any("fill rate: 50.0%" in line for line in report.lines())
    with translation.override("vi"):
        assert any("tỷ lệ lấp đầy: 50,0%" in line for line in report.lines())


def test_it_refuses_an_unknown_mode_and_a_seat_cap_in_stable_mode(db):
    with pytest.raises(ValueError, match="mode"):
        services.round_schedule(mode="fastest")
    with pytest.raises(ValueError, match="optimal rounds only"):
        services.round_schedule(mode="stable", seat_cap_per_school=3)


def test_a_seat_cap_per_school_holds_back_a_schools_extra_seats(world):
    session = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=5)
    for i, score in enumerate((0.9, 0.8, 0.7)):
        match(adult(world.school, external_id=f"A{i}"), session.opportunity, score)
    match(adult(world.other_school, external_id="B0"), session.opportunity, 0.5)

    services.round_schedule(mode="optimal", seat_cap_per_school=2)

    proposed = {k for k, (status, _) in statuses(session).items() if status == Status.PROPOSED}
    assert proposed == {"A0", "A1", "B0"}


def test_a_stable_round_schedules_students_only_and_leaves_a_class_proposal_and_its_seats_alone(world):
    session = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=10)
    klass = f.ClassRequestFactory(school=world.school, group_size=8)
    match(klass, session.opportunity, 0.9)
    class_booking = make_booking(klass, session)
    for i, score in enumerate((0.9, 0.8, 0.7)):
        match(adult(world.school, external_id=f"S{i}"), session.opportunity, score)

    services.round_schedule(mode="stable")

    assert Booking.objects.get(pk=class_booking.pk).status == Status.PROPOSED
    assert statuses(session) == {
        klass.external_id: (Status.PROPOSED, None),
        "S0": (Status.PROPOSED, None),
        "S1": (Status.PROPOSED, None),
        "S2": (Status.WAITLISTED, 1),
    }


def test_a_stable_round_queues_students_behind_a_waiting_class(world):
    session = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=1)
    make_booking(world.adult, session, Status.CONFIRMED)
    klass = f.ClassRequestFactory(school=world.school, group_size=1, external_id="CR-1")
    make_booking(klass, session, Status.WAITLISTED, rank=1)
    match(adult(world.school, external_id="S0"), session.opportunity, 0.9)

    services.round_schedule(mode="stable")

    assert statuses(session) == {
        "ST-ADULT": (Status.CONFIRMED, None),
        "CR-1": (Status.WAITLISTED, 1),
        "S0": (Status.WAITLISTED, 2),
    }


def test_a_rerun_that_withdraws_a_standing_offer_mails_the_person_why(world):
    session = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=1)
    first, better = adult(world.school, external_id="FIRST"), adult(world.school, external_id="BETTER")
    match(first, session.opportunity, 0.5)
    services.round_schedule(mode="optimal")
    offer = Booking.objects.get(student=first, status=Status.PROPOSED)
    match(better, session.opportunity, 0.9)  # a better fit arrives before the next round

    services.round_schedule(mode="optimal")

    assert statuses(session) == {"BETTER": (Status.PROPOSED, None), "FIRST": (Status.WAITLISTED, 1)}
    [why] = OutboxMessage.objects.filter(category=OutboxMessage.Category.BOOKING_CANCELLED)
    assert (why.student_id, why.context["reason"]) == (first.pk, "replaced")
    assert why.dedupe_key == f"booking-cancelled:{offer.pk}:1"
    services.round_schedule(mode="optimal")  # nothing more to withdraw, nothing mailed twice
    assert OutboxMessage.objects.filter(category=OutboxMessage.Category.BOOKING_CANCELLED).count() == 1
