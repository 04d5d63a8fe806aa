"""Booking state changes: confirm, decline, cancel, attendance, self-booking, and the mail each one queues."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from notifications.models import OutboxMessage
from scheduler import services
from scheduler.models import Booking
from scheduler.selectors import seats_taken
from students.models import GuardianConsent
from tests import factories as f

from .conftest import NOW, make_booking

pytestmark = pytest.mark.usefixtures("clock")
Category = OutboxMessage.Category


def outbox(category: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(category=category).order_by("pk"))


def test_it_confirms_a_proposal_raises_its_sequence_and_mails_the_ics(world):
    booking = make_booking(world.adult, world.session)

    confirmed = services.booking_confirm(booking_id=booking.pk)

    assert confirmed.status == Booking.Status.CONFIRMED
    assert confirmed.hold_until is None
    assert confirmed.sequence == 1
    [mail] = outbox(Category.BOOKING_CONFIRMED)
    assert mail.dedupe_key == f"booking-confirmed:{booking.pk}:1"
    assert mail.to_email == world.adult.email
    assert mail.student_id == world.adult.pk
    assert mail.context["opportunity_title"] == "Thực tập AI"
    assert mail.context["company_name"] == world.company.name
    assert mail.context["starts_at"] == "2030-10-01T08:00:00+07:00"
    assert mail.context["location"] == "Hà Nội"
    assert mail.context["ics_url"] == f"https://caunoi.example/bookings/{booking.pk}.ics"
    [attachment] = mail.attachments
    assert attachment["mimetype"] == "text/calendar"
    assert f"UID:booking-{booking.pk}@caunoi" in attachment["content"]


def test_the_mail_says_the_companys_address_where_the_opportunity_is_in_its_province(world):
    world.company.address = "Số 12, đường Duy Tân, Cầu Giấy"
    world.company.save(update_fields=["address"])
    booking = make_booking(world.adult, world.session)

    services.booking_confirm(booking_id=booking.pk)

    [mail] = outbox(Category.BOOKING_CONFIRMED)
    assert mail.context["location"] == "Số 12, đường Duy Tân, Cầu Giấy, Hà Nội"


def test_a_second_confirmation_changes_nothing_and_mails_nothing(world):
    booking = make_booking(world.adult, world.session)
    services.booking_confirm(booking_id=booking.pk)

    again = services.booking_confirm(booking_id=booking.pk)

    assert again.sequence == 1
    assert len(outbox(Category.BOOKING_CONFIRMED)) == 1


def test_it_refuses_to_confirm_a_minor_without_guardian_consent(world):
    minor = f.StudentFactory(school=world.school, birth_date=dt.date(2013, 5, 1))
    booking = make_booking(minor, world.session)

    with pytest.raises(services.ConsentRequired, match="under 18: a guardian's consent"):
        services.booking_confirm(booking_id=booking.pk)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.PROPOSED
    assert not OutboxMessage.objects.exists()


def test_it_confirms_a_minor_whose_guardian_consented(world):
    booking = make_booking(world.student, world.session)  # the world's minor has consent

    assert services.booking_confirm(booking_id=booking.pk).status == Booking.Status.CONFIRMED


def test_a_withdrawn_consent_no_longer_counts(world):
    GuardianConsent.objects.filter(student=world.student).update(withdrawn_at=NOW)
    booking = make_booking(world.student, world.session)

    with pytest.raises(services.ConsentRequired):
        services.booking_confirm(booking_id=booking.pk)


def test_a_student_who_turns_18_before_the_session_needs_no_consent(world):
    # 18 on 30 September 2030, the day before the session, though 17 today.
    almost = f.StudentFactory(school=world.school, birth_date=dt.date(2012, 9, 30))
    booking = make_booking(almost, world.session)

    assert services.booking_confirm(booking_id=booking.pk).status == Booking.Status.CONFIRMED


def test_it_refuses_to_confirm_after_the_hold_has_passed(world, clock):
    booking = make_booking(world.adult, world.session)
    clock.shift(dt.timedelta(hours=48, seconds=1))

    with pytest.raises(services.HoldExpired):
        services.booking_confirm(booking_id=booking.pk)


def test_it_declines_a_proposal_without_mail(world):
    booking = make_booking(world.adult, world.session)

    declined = services.booking_decline(booking_id=booking.pk)

    assert (declined.status, declined.sequence) == (Booking.Status.DECLINED, 1)
    assert not OutboxMessage.objects.exists()


def test_it_refuses_to_decline_a_confirmed_booking(world):
    booking = make_booking(world.adult, world.session, Booking.Status.CONFIRMED)

    with pytest.raises(services.BookingStateError, match="Only a proposed booking can be declined"):
        services.booking_decline(booking_id=booking.pk)


def test_it_cancels_a_confirmed_booking_and_mails_a_cancelled_ics(world):
    booking = make_booking(world.adult, world.session, Booking.Status.CONFIRMED)

    cancelled = services.booking_cancel(booking_id=booking.pk)

    assert (cancelled.status, cancelled.sequence) == (Booking.Status.CANCELLED, 1)
    [mail] = outbox(Category.BOOKING_CANCELLED)
    assert mail.dedupe_key == f"booking-cancelled:{booking.pk}:1"
    assert mail.context["reason"] == "cancelled"
    assert "STATUS:CANCELLED" in mail.attachments[0]["content"]


def test_it_refuses_to_cancel_a_session_that_has_started(world, clock):
    booking = make_booking(world.adult, world.session, Booking.Status.CONFIRMED)
    clock.move_to(world.session.starts_at + dt.timedelta(minutes=5))

    with pytest.raises(services.BookingStateError, match="has started"):
        services.booking_cancel(booking_id=booking.pk)


def test_staff_record_attendance_once_the_session_has_started(world):
    present = make_booking(world.adult, world.session, Booking.Status.CONFIRMED)
    absent = make_booking(world.student, world.session, Booking.Status.CONFIRMED)

    with pytest.raises(services.BookingStateError, match="once the session has started"):
        services.booking_attend(booking_id=present.pk, attended=True)
    with time_machine.travel(world.session.starts_at + dt.timedelta(hours=1), tick=False):
        assert services.booking_attend(booking_id=present.pk, attended=True).status == Booking.Status.ATTENDED
        assert services.booking_attend(booking_id=absent.pk, attended=False).status == Booking.Status.NO_SHOW
        # A correction is allowed, and raises the sequence again.
        corrected = services.booking_attend(booking_id=absent.pk, attended=True)
    assert (corrected.status, corrected.sequence) == (Booking.Status.ATTENDED, 2)


def test_attendance_is_not_recorded_on_a_proposal(world):
    booking = make_booking(world.adult, world.session)
    with time_machine.travel(world.session.starts_at, tick=False):
        with pytest.raises(services.BookingStateError, match="confirmed bookings only"):
            services.booking_attend(booking_id=booking.pk, attended=True)


def test_a_student_books_a_seat_and_it_is_confirmed_at_once(world):
    booking = services.booking_request(session_id=world.session.pk, student_id=world.adult.pk)

    assert (booking.status, booking.seats, booking.starts_at) == (
        Booking.Status.CONFIRMED,
        1,
        world.session.starts_at,
    )
    assert outbox(Category.BOOKING_CONFIRMED)[0].dedupe_key == f"booking-confirmed:{booking.pk}:0"


def test_a_student_erased_on_request_cannot_be_booked(world):
    from privacy.services import student_erase

    student_erase(student_id=world.adult.pk, requested_by="the student")

    with pytest.raises(services.BookingStateError, match="erased"):
        services.booking_request(session_id=world.session.pk, student_id=world.adult.pk)
    assert not Booking.objects.exists()


def test_it_refuses_a_booking_when_the_session_is_full(world):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=2)
    for adult in f.StudentFactory.create_batch(2, birth_date=dt.date(2000, 1, 1)):
        services.booking_request(session_id=session.pk, student_id=adult.pk)

    with pytest.raises(services.SessionFull):
        services.booking_request(session_id=session.pk, student_id=world.adult.pk)
    assert Booking.objects.filter(session=session).active().count() == 2


def test_a_class_takes_its_whole_size_in_seats_or_nothing(world):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=40)
    make_booking(world.adult, session, Booking.Status.CONFIRMED)
    big = f.ClassRequestFactory(school=world.school, group_size=40)
    f.AvailabilityFactory(class_request=big)
    fits = f.ClassRequestFactory(school=world.school, group_size=39)
    f.AvailabilityFactory(class_request=fits)  # free all that week

    with pytest.raises(services.SessionFull):
        services.booking_request(session_id=session.pk, class_request_id=big.pk)
    booking = services.booking_request(session_id=session.pk, class_request_id=fits.pk)

    assert booking.seats == 39
    assert seats_taken(session) == 40
    assert outbox(Category.BOOKING_CONFIRMED)[0].to_email == world.school.contact_email


def test_it_refuses_a_second_booking_of_the_same_session(world):
    services.booking_request(session_id=world.session.pk, student_id=world.adult.pk)

    with pytest.raises(services.BookingConflict, match="this session"):
        services.booking_request(session_id=world.session.pk, student_id=world.adult.pk)


def test_it_refuses_an_overlapping_booking(world):
    other = f.SessionFactory(starts_at=world.session.starts_at + dt.timedelta(hours=2))
    services.booking_request(session_id=world.session.pk, student_id=world.adult.pk)

    with pytest.raises(services.BookingConflict, match="at that time"):
        services.booking_request(session_id=other.pk, student_id=world.adult.pk)


def test_back_to_back_sessions_do_not_overlap(world):
    after = f.SessionFactory(starts_at=world.session.ends_at)
    services.booking_request(session_id=world.session.pk, student_id=world.adult.pk)

    assert services.booking_request(session_id=after.pk, student_id=world.adult.pk).is_active


def test_it_refuses_a_second_session_of_the_same_opportunity(world):
    later = f.SessionFactory(
        opportunity=world.opportunity, starts_at=world.session.starts_at + dt.timedelta(days=1)
    )
    services.booking_request(session_id=world.session.pk, student_id=world.adult.pk)

    with pytest.raises(services.BookingConflict, match="another session of this opportunity"):
        services.booking_request(session_id=later.pk, student_id=world.adult.pk)


def test_it_refuses_a_self_booking_by_a_minor_without_consent(world):
    minor = f.StudentFactory(school=world.school)

    with pytest.raises(services.ConsentRequired):
        services.booking_request(session_id=world.session.pk, student_id=minor.pk)
    assert not Booking.objects.exists()


def test_seats_are_counted_from_bookings_that_hold_them(world):
    for status in Booking.Status:
        make_booking(f.StudentFactory(birth_date=dt.date(2000, 1, 1)), world.session, status, rank=1)

    # proposed, confirmed, attended and no-show hold a seat; the rest do not.
    assert seats_taken(world.session) == 4


def test_booking_from_the_catalogue_keeps_to_the_opportunitys_audience(world):
    opportunity = f.OpportunityFactory(company=world.company, levels=["university"], min_age=16)
    session = f.SessionFactory(opportunity=opportunity)
    with pytest.raises(services.BookingStateError, match="level"):
        services.booking_request(session_id=session.pk, student_id=world.adult.pk, now=NOW)

    opportunity.levels, opportunity.group_max = [], 30
    opportunity.save()
    big_class = f.ClassRequestFactory(group_size=38)
    with pytest.raises(services.BookingStateError, match="groups of 1 to 30"):
        services.booking_request(session_id=session.pk, class_request_id=big_class.pk, now=NOW)
    assert services.booking_request(session_id=session.pk, student_id=world.adult.pk, now=NOW).status == "confirmed"


def test_a_class_is_booked_only_inside_its_free_times_and_is_told_both_times(world):
    # A coordinator could book class 11A into an afternoon session though the class had said it is free
    # in the mornings only: a round would never have proposed it, and the class would not be there.
    session = f.SessionFactory(
        opportunity=world.opportunity,
        capacity=40,
        starts_at=f.OCT1 + dt.timedelta(hours=6),  # 14:00–17:00
    )
    klass = f.ClassRequestFactory(school=world.school, class_name="11A", group_size=30)
    f.AvailabilityFactory(class_request=klass, starts_at=f.OCT1, ends_at=f.OCT1 + dt.timedelta(hours=4))

    with pytest.raises(services.BookingStateError) as refused:
        services.booking_request(session_id=session.pk, class_request_id=klass.pk, now=NOW)
    message = str(refused.value)
    assert "11A" in message
    assert "01/10/2030 08:00–12:00" in message  # the class's free time
    assert "01/10/2030 14:00–17:00" in message  # the session's time
    assert not Booking.objects.filter(class_request=klass).exists()

    bare = f.ClassRequestFactory(school=world.school, class_name="11B", group_size=30)
    with pytest.raises(services.BookingStateError, match="11B has no free times"):
        services.booking_request(session_id=session.pk, class_request_id=bare.pk, now=NOW)

    morning = f.SessionFactory(opportunity=f.OpportunityFactory(company=world.company), capacity=40)
    assert services.booking_request(session_id=morning.pk, class_request_id=klass.pk, now=NOW).seats == 30
