"""Helpers for the scheduler's tests: a frozen clock before the world's sessions, and bookings in a state.

The world's session X-AI-1 runs on 1 October 2030, 08:00–11:00 in Hanoi, with 10 seats. Tests start on
20 September 2030 at 09:00, well before it, with a 48-hour hold (the default BOOKING_HOLD_HOURS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from pytest_django.fixtures import Settings

from accounts.models import User
from companies.models import Session
from scheduler.models import Booking
from students.models import ClassRequest, Student
from tests import factories as f

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2030, 9, 20, 9, 0, tzinfo=TZ)
HOLD = dt.timedelta(hours=48)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """The clock stands still at NOW until a test moves it (clock.move_to / clock.shift)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _hold_hours(settings: Settings) -> None:
    settings.BOOKING_HOLD_HOURS = 48
    settings.SITE_URL = "https://caunoi.example"
    # The world's users hash a password each; PBKDF2 would make that most of every test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted in English; the Vietnamese pages have a test of their own.
    with translation.override("en"):
        yield


def adults(n: int, **fields: object) -> list[Student]:
    """``n`` students of 18 or more (no guardian's consent in the way), with these fields."""
    return f.StudentFactory.create_batch(n, birth_date=dt.date(2000, 1, 1), **fields)


def every_place(session: Session) -> tuple[Booking, Booking, Booking, Booking]:
    """Four adults on ``session``: confirmed, proposed, waitlisted (first) and declined, in that order."""
    confirmed, proposed, waitlisted, declined = adults(4)
    return (
        make_booking(confirmed, session, Booking.Status.CONFIRMED),
        make_booking(proposed, session, Booking.Status.PROPOSED),
        make_booking(waitlisted, session, Booking.Status.WAITLISTED, rank=1),
        make_booking(declined, session, Booking.Status.DECLINED),
    )


def make_booking(
    participant: Student | ClassRequest,
    session: Session,
    status: str = Booking.Status.PROPOSED,
    *,
    now: dt.datetime = NOW,
    rank: int | None = None,
    score: float = 0.8,
) -> Booking:
    """A booking written straight to the table, as a scheduling round leaves it."""
    is_student = isinstance(participant, Student)
    return Booking.objects.create(
        student=participant if is_student else None,
        class_request=None if is_student else participant,
        session=session,
        status=status,
        seats=1 if is_student else participant.group_size,
        score=score,
        hold_until=Booking.hold_deadline(session, now) if status == Booking.Status.PROPOSED else None,
        waitlist_rank=rank if status == Booking.Status.WAITLISTED else None,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )


def logged_in(user: User) -> Client:
    # tests.factories.UserFactory sets a password it never saves: log in as the row as stored, or the
    # session's password hash does not match and the user is logged straight out.
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client
