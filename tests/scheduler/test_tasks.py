"""The beat jobs: reminders the day before (never twice) and hold expiry."""

from __future__ import annotations

import datetime as dt

import time_machine

from notifications.models import OutboxMessage
from scheduler import tasks
from scheduler.models import Booking
from tests import factories as f

from .conftest import TZ, make_booking

Status = Booking.Status
Category = OutboxMessage.Category
THE_DAY_BEFORE = dt.datetime(2030, 9, 30, 9, 0, tzinfo=TZ)


def test_reminders_go_to_confirmed_participants_of_tomorrow_once_however_often_the_job_runs(world):
    confirmed = make_booking(world.adult, world.session, Status.CONFIRMED)
    klass = make_booking(
        f.ClassRequestFactory(school=world.school, group_size=20), world.session, Status.CONFIRMED
    )
    make_booking(world.student, world.session, Status.PROPOSED, now=THE_DAY_BEFORE)
    day_after = f.SessionFactory(starts_at=world.session.starts_at + dt.timedelta(days=1))
    make_booking(f.StudentFactory(birth_date=dt.date(2000, 1, 1)), day_after, Status.CONFIRMED)

    with time_machine.travel(THE_DAY_BEFORE, tick=False):
        assert tasks.reminders_send.apply().get() == 2
        assert tasks.reminders_send.apply().get() == 0

    reminders = OutboxMessage.objects.filter(category=Category.BOOKING_REMINDER).order_by("dedupe_key")
    assert sorted(reminders.values_list("dedupe_key", flat=True)) == sorted(
        [f"booking-reminder:{confirmed.pk}:2030-10-01", f"booking-reminder:{klass.pk}:2030-10-01"]
    )
    assert {m.to_email for m in reminders} == {world.adult.email, world.school.contact_email}


def test_tomorrow_is_the_local_date_not_utc(world):
    # 23:30 on 30 September in Hanoi is still 16:30 UTC the same day; a session at 00:30 on 1 October
    # local time is tomorrow here, though it falls on 30 September in UTC.
    early = f.SessionFactory(starts_at=dt.datetime(2030, 10, 1, 0, 30, tzinfo=TZ))
    make_booking(world.adult, early, Status.CONFIRMED)

    with time_machine.travel(dt.datetime(2030, 9, 30, 8, 0, tzinfo=TZ), tick=False):
        assert tasks.reminders_send.apply().get() == 1


def test_the_expiry_job_lapses_passed_holds(world):
    booking = make_booking(world.adult, world.session, now=THE_DAY_BEFORE - dt.timedelta(days=3))

    with time_machine.travel(THE_DAY_BEFORE, tick=False):
        assert tasks.holds_expire.apply().get() == 1

    booking.refresh_from_db()
    assert booking.status == Status.EXPIRED
