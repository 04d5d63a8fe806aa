"""The company's answer to a proposed or confirmed participant: accept records its side, decline ends the
booking, mails the participant once and offers the freed seat to the waitlist as a cancellation does."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import OutboxMessage
from notifications.rendering import envelope_render
from scheduler import services
from scheduler.models import Booking
from scheduler.selectors import seats_taken
from tests import factories as f

from .conftest import NOW, adults, make_booking

Status = Booking.Status
Category = OutboxMessage.Category


def test_a_company_decline_frees_the_seat_for_the_first_on_the_waitlist(world, clock):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=1)
    a, b, c = adults(3, school=world.school)
    proposed = make_booking(a, session)
    first = make_booking(b, session, Status.WAITLISTED, rank=1)
    second = make_booking(c, session, Status.WAITLISTED, rank=2)

    services.booking_company_decline(booking_id=proposed.pk)

    proposed.refresh_from_db()
    assert proposed.status == Status.DECLINED
    assert proposed.company_declined_at == NOW and proposed.company_answer == "declined"
    assert proposed.hold_until is None and proposed.sequence == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.PROPOSED and first.hold_until is not None
    assert second.status == Status.WAITLISTED
    assert seats_taken(session) == 1
    [offer] = OutboxMessage.objects.filter(category=Category.WAITLIST_OFFER)
    assert offer.to_email == b.email


def test_a_company_decline_mails_the_participant_once_with_its_reason(world, clock):
    booking = make_booking(world.adult, world.session, Status.CONFIRMED)

    services.booking_company_decline(booking_id=booking.pk)
    with pytest.raises(services.BookingStateError, match="Cancelled"):
        services.booking_company_decline(booking_id=booking.pk)

    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED  # a confirmation ends as cancelled, a proposal as declined
    [mail] = OutboxMessage.objects.filter(category=Category.BOOKING_CANCELLED)
    assert mail.to_email == world.adult.email
    assert mail.context["reason"] == "company_declined"
    assert [a["filename"] for a in mail.attachments] == [f"booking-{booking.pk}.ics"]
    envelope = envelope_render(mail)
    assert f"{world.company.name} không thể nhận bạn" in envelope.text
    assert f"{world.company.name} không thể nhận bạn" in envelope.html


def test_the_decline_mail_speaks_english_to_an_english_reader(world, clock):
    world.adult.languages = ["en"]
    world.adult.save(update_fields=["languages"])
    booking = make_booking(world.adult, world.session)

    services.booking_company_decline(booking_id=booking.pk)

    envelope = envelope_render(OutboxMessage.objects.get(category=Category.BOOKING_CANCELLED))
    assert f"{world.company.name} could not take you for this session" in envelope.text
    assert f"{world.company.name} could not take you for this session" in envelope.html


@pytest.mark.parametrize("status", [Status.WAITLISTED, Status.DECLINED, Status.CANCELLED, Status.EXPIRED])
def test_the_company_answers_only_proposed_or_confirmed_bookings(world, clock, status):
    booking = make_booking(world.adult, world.session, status, rank=1)

    with pytest.raises(services.BookingStateError, match="Only a proposed or confirmed booking"):
        services.booking_company_decline(booking_id=booking.pk)
    with pytest.raises(services.BookingStateError, match="Only a proposed or confirmed booking"):
        services.booking_company_accept(booking_id=booking.pk)

    booking.refresh_from_db()
    assert booking.status == status and booking.company_answer == ""
    assert not OutboxMessage.objects.exists()


def test_the_company_cannot_answer_once_the_session_has_started(world, clock):
    booking = make_booking(world.adult, world.session, Status.CONFIRMED)
    waiting = make_booking(world.student, world.session, Status.WAITLISTED, rank=1)
    clock.move_to(world.session.starts_at)

    with pytest.raises(services.BookingStateError, match="already started"):
        services.booking_company_decline(booking_id=booking.pk)
    with pytest.raises(services.BookingStateError, match="already started"):
        services.booking_company_accept(booking_id=booking.pk)

    booking.refresh_from_db()
    waiting.refresh_from_db()
    assert (booking.status, waiting.status) == (Status.CONFIRMED, Status.WAITLISTED)
    assert not OutboxMessage.objects.exists()


def test_an_accept_records_the_company_side_once_and_changes_no_seat(world, clock):
    booking = make_booking(world.adult, world.session)

    services.booking_company_accept(booking_id=booking.pk)
    clock.shift(dt.timedelta(hours=1))
    services.booking_company_accept(booking_id=booking.pk)

    booking.refresh_from_db()
    assert booking.status == Status.PROPOSED  # the participant's own answer is still to come
    assert booking.company_accepted_at == NOW and booking.company_answer == "accepted"
    assert booking.sequence == 0 and seats_taken(world.session) == 1
    assert not OutboxMessage.objects.exists()


def test_a_class_declined_by_the_company_frees_all_its_seats(world, clock):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=30)
    klass = f.ClassRequestFactory(school=world.school, group_size=30)
    booking = make_booking(klass, session, Status.CONFIRMED)
    small = f.ClassRequestFactory(school=world.other_school, group_size=25)
    waiting = make_booking(small, session, Status.WAITLISTED, rank=1)

    services.booking_company_decline(booking_id=booking.pk)

    waiting.refresh_from_db()
    assert waiting.status == Status.PROPOSED
    assert seats_taken(session) == 25
    [mail] = OutboxMessage.objects.filter(category=Category.BOOKING_CANCELLED)
    assert mail.to_email == world.school.contact_email
