"""The waitlist chain with a frozen clock: an expired hold or a cancellation offers the seat to the next in
line, one participant at a time, each with a hold window of their own."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import OutboxMessage
from scheduler import services
from scheduler.models import Booking
from scheduler.selectors import seats_taken
from tests import factories as f

from .conftest import HOLD, NOW, adults, make_booking

Status = Booking.Status


def status_of(booking: Booking) -> str:
    booking.refresh_from_db()
    return booking.status


def offers() -> list[str]:
    return list(
        OutboxMessage.objects.filter(category=OutboxMessage.Category.WAITLIST_OFFER)
        .order_by("pk")
        .values_list("to_email", flat=True)
    )


def test_expired_holds_pass_the_seats_down_the_waitlist_one_by_one(world, clock):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=2)
    a, b, c, d, e = adults(5, school=world.school)
    first, second = make_booking(a, session), make_booking(b, session)
    queue = [make_booking(p, session, Status.WAITLISTED, rank=i) for i, p in enumerate([c, d, e], 1)]

    # Nothing is due before the hold ends.
    clock.shift(HOLD - dt.timedelta(seconds=1))
    assert services.holds_expire() == 0

    clock.shift(dt.timedelta(seconds=2))
    assert services.holds_expire() == 2
    assert (status_of(first), status_of(second)) == (Status.EXPIRED, Status.EXPIRED)
    c_offer, d_offer, e_wait = (Booking.objects.get(pk=q.pk) for q in queue)
    assert (c_offer.status, d_offer.status, e_wait.status) == (
        Status.PROPOSED,
        Status.PROPOSED,
        Status.WAITLISTED,
    )
    # Each offer has a hold window of its own, counted from when it was made.
    assert c_offer.hold_until == NOW + HOLD + dt.timedelta(seconds=1) + HOLD
    assert c_offer.waitlist_rank is None and c_offer.sequence == 1
    assert offers() == [c.email, d.email]

    services.booking_confirm(booking_id=c_offer.pk)
    clock.shift(HOLD)
    assert services.holds_expire() == 1  # d let the offer lapse
    assert status_of(d_offer) == Status.EXPIRED
    assert status_of(e_wait) == Status.PROPOSED
    assert offers() == [c.email, d.email, e.email]
    assert seats_taken(session) == 2


def test_a_lapsed_hold_mails_the_participant_that_it_expired(world, clock):
    booking = make_booking(world.adult, world.session)
    clock.shift(HOLD)

    services.holds_expire()

    [mail] = OutboxMessage.objects.filter(category=OutboxMessage.Category.BOOKING_CANCELLED)
    assert mail.context["reason"] == "expired"
    assert mail.dedupe_key == f"booking-cancelled:{booking.pk}:1"


def test_running_expiry_twice_changes_nothing_the_second_time(world, clock):
    make_booking(world.adult, world.session)
    make_booking(adults(1, school=world.school)[0], world.session, Status.WAITLISTED, rank=1)
    clock.shift(HOLD)

    assert services.holds_expire() == 1
    count = OutboxMessage.objects.count()
    assert services.holds_expire() == 0
    assert OutboxMessage.objects.count() == count


def test_a_cancellation_offers_the_seat_to_the_next_only(world, clock):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=1)
    holder, *waiting = adults(4, school=world.school)
    booking = make_booking(holder, session, Status.CONFIRMED)
    queue = [make_booking(p, session, Status.WAITLISTED, rank=i) for i, p in enumerate(waiting, 1)]
    clock.shift(dt.timedelta(days=2))

    services.booking_cancel(booking_id=booking.pk)

    assert [status_of(q) for q in queue] == [Status.PROPOSED, Status.WAITLISTED, Status.WAITLISTED]
    assert Booking.objects.get(pk=queue[0].pk).hold_until == NOW + dt.timedelta(days=2) + HOLD
    assert offers() == [waiting[0].email]


def test_a_decline_offers_the_seat_on(world):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=1)
    first, nxt = adults(2, school=world.school)
    booking = make_booking(first, session)
    queued = make_booking(nxt, session, Status.WAITLISTED, rank=1)

    services.booking_decline(booking_id=booking.pk)

    assert status_of(queued) == Status.PROPOSED


def test_whoever_does_not_fit_is_passed_over_but_keeps_their_place(world):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=30)
    holder = make_booking(f.ClassRequestFactory(school=world.school, group_size=5), session, Status.CONFIRMED)
    make_booking(f.ClassRequestFactory(school=world.school, group_size=25), session, Status.CONFIRMED)
    too_big = make_booking(
        f.ClassRequestFactory(school=world.school, group_size=6), session, Status.WAITLISTED, rank=1
    )
    minor = make_booking(f.StudentFactory(school=world.school), session, Status.WAITLISTED, rank=2)
    fits = make_booking(adults(1, school=world.school)[0], session, Status.WAITLISTED, rank=3)

    services.booking_cancel(booking_id=holder.pk, now=NOW)

    # 5 seats freed: the class of 6 does not fit and the minor has no consent; the adult gets one seat and
    # the remaining 4 go to nobody else, as nobody else is waiting.
    assert (status_of(too_big), status_of(minor), status_of(fits)) == (
        Status.WAITLISTED,
        Status.WAITLISTED,
        Status.PROPOSED,
    )


def test_freed_seats_are_offered_seat_by_seat_to_as_many_as_they_free(world):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=3)
    klass = make_booking(f.ClassRequestFactory(school=world.school, group_size=3), session, Status.CONFIRMED)
    queue = [
        make_booking(p, session, Status.WAITLISTED, rank=i) for i, p in enumerate(adults(5, school=world.school), 1)
    ]

    services.booking_cancel(booking_id=klass.pk, now=NOW)

    assert [status_of(q) for q in queue] == [Status.PROPOSED] * 3 + [Status.WAITLISTED] * 2


def test_someone_booked_elsewhere_at_that_time_is_passed_over(world):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=1)
    clash = f.SessionFactory(starts_at=session.starts_at)
    busy, free = adults(2, school=world.school)
    make_booking(busy, clash, Status.CONFIRMED)
    holder = make_booking(adults(1, school=world.school)[0], session, Status.CONFIRMED)
    busy_wait = make_booking(busy, session, Status.WAITLISTED, rank=1)
    free_wait = make_booking(free, session, Status.WAITLISTED, rank=2)

    services.booking_cancel(booking_id=holder.pk, now=NOW)

    assert (status_of(busy_wait), status_of(free_wait)) == (Status.WAITLISTED, Status.PROPOSED)


def test_an_offer_close_to_the_session_holds_only_until_it_starts(world, clock):
    session = f.SessionFactory(
        opportunity=world.opportunity, capacity=1, starts_at=NOW + dt.timedelta(hours=3)
    )
    holder = make_booking(world.adult, session, Status.CONFIRMED)
    queued = make_booking(adults(1, school=world.school)[0], session, Status.WAITLISTED, rank=1)

    services.booking_cancel(booking_id=holder.pk)

    queued.refresh_from_db()
    assert queued.hold_until == session.starts_at


def test_nobody_is_offered_a_seat_in_a_session_that_has_started(world, clock):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=1)
    make_booking(world.adult, session, Status.WAITLISTED, rank=1)
    clock.move_to(session.starts_at)

    assert services.waitlist_offer_next(session_id=session.pk) is None


@pytest.mark.parametrize("capacity, expected", [(1, None), (2, "offered")])
def test_waitlist_offer_next_only_offers_a_seat_that_is_free(world, capacity, expected):
    session = f.SessionFactory(opportunity=world.opportunity, capacity=capacity)
    make_booking(world.adult, session, Status.CONFIRMED)
    make_booking(adults(1, school=world.school)[0], session, Status.WAITLISTED, rank=1)

    offer = services.waitlist_offer_next(session_id=session.pk, now=NOW)

    assert (offer and "offered") == expected
