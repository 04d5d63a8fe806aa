"""scheduler.services.session_update: the one rule for a session's capacity and times."""

from __future__ import annotations

import datetime as dt

import pytest

from matchmaking.models import Match, OpportunityMatch
from notifications.models import OutboxMessage
from scheduler import services
from scheduler.calendar import booking_ics
from scheduler.models import Booking
from scheduler.selectors import seats_taken
from tests import factories as f
from tests.scheduler.conftest import NOW, adults, every_place, make_booking

pytestmark = pytest.mark.django_db
Status = Booking.Status
Category = OutboxMessage.Category
HOUR = dt.timedelta(hours=1)


def test_capacity_never_falls_below_the_seats_taken():
    session = f.SessionFactory(capacity=10)
    for student in adults(6):
        make_booking(student, session, Status.CONFIRMED)

    with pytest.raises(services.SessionChangeRefused) as refusal:
        services.session_update(session_id=session.pk, capacity=5, now=NOW)

    assert refusal.value.field == "capacity" and "6 seats" in str(refusal.value)
    session.refresh_from_db()
    assert session.capacity == 10
    assert services.session_update(session_id=session.pk, capacity=6, now=NOW).capacity == 6


def test_raising_the_capacity_offers_the_new_seats_to_the_waitlist():
    session = f.SessionFactory(capacity=1)
    first, second = adults(2)
    make_booking(first, session, Status.CONFIRMED)
    waiting = make_booking(second, session, Status.WAITLISTED, rank=1)

    services.session_update(session_id=session.pk, capacity=2, now=NOW)

    waiting.refresh_from_db()
    assert waiting.status == Status.PROPOSED
    assert seats_taken(session) == 2


def test_moving_a_booked_session_moves_every_booking_and_mails_each_participant_once():
    session = f.SessionFactory(capacity=10)
    kept, offer, queue, _ = every_place(session)
    later = session.starts_at + dt.timedelta(days=1)

    services.session_update(session_id=session.pk, starts_at=later, ends_at=later + 2 * HOUR, now=NOW)
    services.session_update(session_id=session.pk, starts_at=later, ends_at=later + 2 * HOUR, now=NOW)

    for booking in (kept, offer, queue):
        booking.refresh_from_db()
        assert (booking.starts_at, booking.ends_at) == (later, later + 2 * HOUR)
    moved = OutboxMessage.objects.filter(category=Category.BOOKING_MOVED)
    assert sorted(m.student_id for m in moved) == sorted([kept.student_id, offer.student_id])  # once each, no more
    kept.refresh_from_db()
    assert kept.sequence == 1
    ics = booking_ics(Booking.objects.with_details().get(pk=kept.pk)).decode()
    assert f"UID:{kept.uid}" in ics and "SEQUENCE:1" in ics
    assert moved.get(student_id=kept.student_id).context["previous_starts_at"].startswith("2030-10-01")


def test_a_move_that_would_give_someone_two_bookings_at_once_is_refused_with_the_reason():
    session, other = f.SessionFactory(capacity=10), f.SessionFactory(capacity=10)
    other.starts_at = session.starts_at + dt.timedelta(days=1)
    other.ends_at = other.starts_at + 3 * HOUR
    other.save()
    [student] = adults(1)
    make_booking(student, session, Status.CONFIRMED)
    make_booking(student, other, Status.CONFIRMED)

    with pytest.raises(services.SessionChangeRefused) as refusal:
        services.session_update(
            session_id=session.pk, starts_at=other.starts_at, ends_at=other.ends_at, now=NOW
        )

    assert "another booking at the new time" in str(refusal.value)
    assert not OutboxMessage.objects.filter(category=Category.BOOKING_MOVED).exists()
    assert Booking.objects.get(student=student, session=session).starts_at == session.starts_at


def test_a_started_session_cannot_move():
    session = f.SessionFactory(capacity=10)
    with pytest.raises(services.SessionChangeRefused, match="started"):
        services.session_update(
            session_id=session.pk,
            starts_at=session.starts_at + HOUR,
            ends_at=session.ends_at + HOUR,
            now=session.starts_at + dt.timedelta(minutes=5),
        )


def _fits(session) -> dict[str, str]:
    """The reason a round stores for a session's time (``matchmaking.engine.reasons``), in the engine's zone."""
    zone = dt.timezone(dt.timedelta(hours=7))
    return {
        "factor": "session",
        "starts_at": session.starts_at.astimezone(zone).isoformat(),
        "ends_at": session.ends_at.astimezone(zone).isoformat(),
    }


def test_a_moved_or_deleted_sessions_time_leaves_the_published_reasons_and_the_other_reasons_stay():
    session = f.SessionFactory(capacity=10)
    twin = f.SessionFactory(opportunity=session.opportunity, starts_at=session.starts_at + dt.timedelta(days=2))
    student = adults(1)[0]
    topic = {"factor": "topics", "topics": ["ai"]}
    mine = Match.objects.create(
        student=student, opportunity=session.opportunity, score=0.5, rank=1, reasons=[topic, _fits(session)]
    )
    theirs = OpportunityMatch.objects.create(
        student=student, opportunity=session.opportunity, score=0.5, rank=1, reasons=[_fits(session), topic]
    )
    other = Match.objects.create(
        student=adults(1)[0], opportunity=twin.opportunity, score=0.4, rank=2, reasons=[topic, _fits(twin)]
    )
    later = session.starts_at + dt.timedelta(days=1)

    services.session_update(session_id=session.pk, starts_at=later, ends_at=later + 2 * HOUR, now=NOW)

    mine.refresh_from_db(), theirs.refresh_from_db(), other.refresh_from_db()
    assert mine.reasons == [topic] and theirs.reasons == [topic]  # no "fits your free time" at a time gone
    assert other.reasons == [topic, _fits(twin)]  # the other session kept its time, and its reason
    services.offer_delete(session_id=twin.pk)
    other.refresh_from_db()
    assert other.reasons == [topic]
