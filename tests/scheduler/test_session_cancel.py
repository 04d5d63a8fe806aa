"""scheduler.services.session_cancel: the company calls a whole session off."""

from __future__ import annotations

import datetime as dt

import pytest

from companies.models import Session
from exchange.contract import Row
from matchmaking.inputs import opportunities_from_db
from matchmaking.models import Match
from notifications.models import OutboxMessage
from notifications.rendering import envelope_render
from notifications.services import outbox_relay
from scheduler import services
from scheduler.calendar import calendar_ics
from scheduler.models import Booking
from scheduler.reports import fill_by_province
from scheduler.selectors import seats_taken
from students.models import AvailabilityInterval
from tests import factories as f
from tests.scheduler.conftest import NOW, adults, every_place, make_booking

pytestmark = pytest.mark.django_db
Status = Booking.Status
Category = OutboxMessage.Category
REASON = "Our trainer is ill; we will post a new date soon."


def cancel_mails() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(category=Category.BOOKING_CANCELLED).order_by("pk"))


def test_cancelling_marks_the_session_and_cancels_every_place_held_or_waited_for():
    session = f.SessionFactory(capacity=10)
    kept, offer, queue, gone = every_place(session)

    services.session_cancel(
        session_id=session.pk, reason="  Our trainer is ill;\nwe will post a new date soon. ", now=NOW
    )

    session.refresh_from_db()
    assert session.cancelled_at == NOW and session.cancel_reason == REASON
    for booking in (kept, offer, queue):
        booking.refresh_from_db()
        assert booking.status == Status.CANCELLED
        assert booking.hold_until is None and booking.waitlist_rank is None
    gone.refresh_from_db()
    assert gone.status == Status.DECLINED and gone.sequence == 0  # untouched: not told again
    assert seats_taken(session) == 0


def test_each_participant_is_mailed_once_with_the_reason_even_when_asked_twice():
    session = f.SessionFactory(capacity=60)
    confirmed, waitlisted = adults(2)
    klass = f.ClassRequestFactory(group_size=30)
    make_booking(confirmed, session, Status.CONFIRMED)
    make_booking(waitlisted, session, Status.WAITLISTED, rank=1)
    make_booking(klass, session, Status.CONFIRMED)

    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)
    with pytest.raises(services.SessionChangeRefused) as refusal:
        services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)

    assert refusal.value.field == "session" and "already cancelled" in str(refusal.value)
    mails = cancel_mails()
    assert len(mails) == 3
    assert {m.to_email for m in mails} == {confirmed.email, waitlisted.email, klass.school.contact_email}
    for mail in mails:
        assert mail.context["reason"] == "session_cancelled" and mail.context["cancel_reason"] == REASON
    # The waitlisted student is told too, without a calendar file: the place was never in their calendar.
    by_to = {m.to_email: m for m in mails}
    assert by_to[waitlisted.email].context["was_waitlisted"] is True
    assert by_to[waitlisted.email].attachments == []
    assert len(by_to[klass.school.contact_email].attachments) == 1  # the class's coordinator, as for any class booking


def test_the_calendar_file_cancels_the_same_event_with_a_higher_sequence():
    session = f.SessionFactory()
    student = adults(1)[0]
    booking = make_booking(student, session, Status.CONFIRMED)
    before = calendar_ics([Booking.objects.with_details().get(pk=booking.pk)]).decode()

    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)

    (mail,) = cancel_mails()
    (attachment,) = mail.attachments
    ics = attachment["content"].replace("\r\n ", "")  # unfold
    assert "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics
    assert "ORGANIZER;CN=" in ics and "mailto:no-reply@caunoi.example" in ics  # RFC 5546 asks for it
    assert f"UID:{booking.uid}" in ics and f"UID:{booking.uid}" in before
    assert "SEQUENCE:0" in before and "SEQUENCE:1" in ics
    assert "we will post a new date soon" in ics  # the DESCRIPTION says why


def test_the_calendar_feed_shows_the_event_cancelled():
    session = f.SessionFactory()
    booking = make_booking(adults(1)[0], session, Status.CONFIRMED)

    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)

    feed = calendar_ics(Booking.objects.filter(pk=booking.pk).with_details()).decode()
    assert "METHOD:PUBLISH" in feed and "STATUS:CANCELLED" in feed and "SEQUENCE:1" in feed


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Say why"), ("   \n ", "Say why"), ("x" * 301, "too long"), ("bad\x00char", "control characters")],
)
def test_a_reason_is_required_and_named_in_the_refusal(reason, message):
    session = f.SessionFactory()
    booking = make_booking(adults(1)[0], session, Status.CONFIRMED)

    with pytest.raises(services.SessionChangeRefused) as refusal:
        services.session_cancel(session_id=session.pk, reason=reason, now=NOW)

    assert refusal.value.field == "reason" and message in str(refusal.value)
    session.refresh_from_db()
    booking.refresh_from_db()
    assert session.cancelled_at is None and booking.status == Status.CONFIRMED
    assert cancel_mails() == []


def test_a_session_that_has_started_cannot_be_cancelled():
    session = f.SessionFactory()
    booking = make_booking(adults(1)[0], session, Status.CONFIRMED)

    with pytest.raises(services.SessionChangeRefused) as refusal:
        services.session_cancel(session_id=session.pk, reason=REASON, now=session.starts_at)

    assert refusal.value.field == "session" and "started" in str(refusal.value)
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED and cancel_mails() == []


def test_no_reminder_goes_out_for_a_cancelled_session_even_one_queued_before(settings, tmp_path):
    settings.MAIL_DIR = str(tmp_path)
    session = f.SessionFactory()
    early, late = adults(2)
    make_booking(early, session, Status.CONFIRMED)
    eve = session.starts_at - dt.timedelta(hours=14)  # the evening before: reminders are queued
    assert services.reminders_send(now=eve) == 1
    make_booking(late, f.SessionFactory(opportunity=session.opportunity, starts_at=session.starts_at), Status.CONFIRMED)

    services.session_cancel(session_id=session.pk, reason=REASON, now=eve)
    queued_again = services.reminders_send(now=eve)
    outbox_relay(now=eve)

    reminder = OutboxMessage.objects.get(category=Category.BOOKING_REMINDER, to_email=early.email)
    assert reminder.status == OutboxMessage.Status.SUPPRESSED and reminder.sent_at is None
    assert queued_again == 1  # the other session's participant only
    assert OutboxMessage.objects.get(category=Category.BOOKING_CANCELLED).status == OutboxMessage.Status.SENT


def test_the_mail_obeys_the_send_time_rules_a_minor_without_consent_is_not_mailed(settings, tmp_path):
    settings.MAIL_DIR = str(tmp_path)
    session = f.SessionFactory()
    minor = f.StudentFactory()  # under 18 on the session's day, no consent on record
    adult = adults(1)[0]
    make_booking(minor, session, Status.WAITLISTED, rank=1)
    make_booking(adult, session, Status.CONFIRMED)

    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)
    outbox_relay(now=NOW)

    by_to = {m.to_email: m for m in cancel_mails()}
    assert by_to[minor.email].status == OutboxMessage.Status.SUPPRESSED
    assert by_to[adult.email].status == OutboxMessage.Status.SENT
    envelope = envelope_render(by_to[adult.email])  # in Vietnamese, the student's language
    assert f"Lý do: {REASON}" in envelope.text and REASON in envelope.html
    assert "đã hủy buổi" in envelope.text


def test_the_waitlisted_participant_reads_they_were_waiting_in_their_language():
    session = f.SessionFactory()
    student = adults(1)[0]
    student.languages = ["en"]
    student.save(update_fields=["languages"])
    make_booking(student, session, Status.WAITLISTED, rank=1)

    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)

    envelope = envelope_render(cancel_mails()[0])
    assert "has cancelled the session of" in envelope.text and "(you were on its waiting list)" in envelope.text
    assert f"Their reason: {REASON}" in envelope.text
    assert "calendar file" not in envelope.text  # none attached


def test_a_cancelled_session_cannot_be_booked_moved_or_offered_to_its_waitlist():
    session = f.SessionFactory(capacity=10)
    student = adults(1)[0]
    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)

    with pytest.raises(services.BookingStateError) as refusal:
        services.booking_request(session_id=session.pk, student_id=student.pk, now=NOW)
    assert REASON in str(refusal.value)
    with pytest.raises(services.SessionChangeRefused):
        services.session_update(session_id=session.pk, capacity=20, now=NOW)
    make_booking(adults(1)[0], session, Status.WAITLISTED, rank=1)
    assert services.waitlist_offer_next(session_id=session.pk, now=NOW) is None
    assert not Booking.objects.filter(session=session).active().exists()


def test_a_round_never_proposes_a_cancelled_session(world, clock):
    open_session = f.SessionFactory(
        opportunity=world.opportunity, starts_at=world.session.starts_at + dt.timedelta(days=1)
    )
    services.session_cancel(session_id=world.session.pk, reason=REASON, now=NOW)
    AvailabilityInterval.objects.create(student=world.adult, starts_at=NOW, ends_at=NOW + dt.timedelta(days=366))
    Match.objects.create(student=world.adult, opportunity=world.opportunity, rank=1, score=0.9, model_version="t")

    report = services.round_schedule(mode="optimal", now=NOW)

    assert report.sessions == 1 and not Booking.objects.filter(session=world.session).exists()
    assert Booking.objects.get(student=world.adult).session == open_session


def test_a_cancelled_session_offers_no_seats_in_the_fill_figures():
    session = f.SessionFactory(capacity=25)
    f.SessionFactory(opportunity=session.opportunity, capacity=10)
    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)

    (row,) = fill_by_province()
    assert row["sessions"] == 1 and row["seats"] == 10
    assert Session.objects.not_cancelled().count() == 1


def test_a_cancelled_sessions_time_leaves_the_published_reasons():
    session = f.SessionFactory()
    zone = dt.timezone(dt.timedelta(hours=7))
    fits = {
        "factor": "session",
        "starts_at": session.starts_at.astimezone(zone).isoformat(),
        "ends_at": session.ends_at.astimezone(zone).isoformat(),
    }
    topic = {"factor": "topics", "topics": ["ai"]}
    row = Match.objects.create(
        student=adults(1)[0], opportunity=session.opportunity, score=0.5, rank=1, reasons=[topic, fits]
    )

    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)

    row.refresh_from_db()
    assert row.reasons == [topic]  # no "fits your free time" at a time the opportunity no longer offers


def test_recommendations_never_see_a_cancelled_session():
    session = f.SessionFactory()
    kept = f.SessionFactory(opportunity=session.opportunity, starts_at=session.starts_at + dt.timedelta(days=1))
    session.opportunity.company.approved_at = NOW
    session.opportunity.company.save(update_fields=["approved_at"])
    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)

    (opportunity,) = opportunities_from_db()
    assert [s.id for s in opportunity.sessions] == [kept.external_id]


def test_a_sessions_file_cannot_change_a_cancelled_session_but_may_repeat_it():
    session = f.SessionFactory(capacity=10, external_id="X1")
    services.session_cancel(session_id=session.pk, reason=REASON, now=NOW)
    same = {"external_id": "X1", "starts_at": session.starts_at, "ends_at": session.ends_at, "capacity": 10}
    assert services.sessions_import_guard("sessions.csv", [Row(4, same)]) == []
    day = dt.timedelta(days=1)
    later = {**same, "starts_at": session.starts_at + day, "ends_at": session.ends_at + day}
    bigger = {**same, "capacity": 20}
    problems = services.sessions_import_guard("sessions.csv", [Row(5, later)])
    problems += services.sessions_import_guard("sessions.csv", [Row(6, bigger)])
    assert [(p.line, p.column) for p in problems] == [(5, "external_id"), (6, "external_id")]
    assert all("cancelled" in p.reason for p in problems)
