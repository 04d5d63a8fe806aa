"""On PostgreSQL, with real concurrent transactions: capacity holds and the constraints back it up."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connections, transaction

from scheduler import services
from scheduler.models import Booking
from scheduler.selectors import seats_taken
from tests import factories as f
from tests.scheduler.conftest import adults

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Status = Booking.Status


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in as many threads, released together; each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        try:
            barrier.wait()
            return call()
        except Exception as exc:  # the outcome is what the test inspects
            return exc
        finally:
            connections.close_all()  # this thread's connection, so the test database can be dropped

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_fifty_students_booking_ten_seats_at_once_end_with_exactly_ten():
    session = f.SessionFactory(capacity=10)
    students = adults(50)

    results = at_once(
        [lambda s=s: services.booking_request(session_id=session.pk, student_id=s.pk) for s in students]
    )

    assert Booking.objects.filter(session=session).active().count() == 10
    assert seats_taken(session) == 10
    assert sum(isinstance(r, Booking) for r in results) == 10
    assert sum(isinstance(r, services.SessionFull) for r in results) == 40


def test_a_student_double_clicking_ends_with_one_booking():
    session = f.SessionFactory(capacity=10)
    [student] = adults(1)

    results = at_once([lambda: services.booking_request(session_id=session.pk, student_id=student.pk)] * 2)

    assert Booking.objects.filter(student=student).count() == 1
    assert sorted(type(r).__name__ for r in results) == ["Booking", "BookingConflict"]


def assert_one_wins_every_time(first, second, runs: int) -> None:
    """One student books both sessions at once, `runs` times: one booking and one BookingConflict."""
    [student] = adults(1)
    for _ in range(runs):
        Booking.objects.filter(student=student).delete()
        results = at_once(
            [
                lambda: services.booking_request(session_id=first.pk, student_id=student.pk),
                lambda: services.booking_request(session_id=second.pk, student_id=student.pk),
            ]
        )
        assert Booking.objects.filter(student=student).active().count() == 1
        assert sorted(type(r).__name__ for r in results) == ["Booking", "BookingConflict"]


def test_two_overlapping_sessions_booked_at_once_by_one_student_end_with_one():
    # Two sessions, two different session locks: the student's lock orders the checks, the exclusion
    # constraint backs them. Before that lock one run in a few dozen deadlocked between the two inserts.
    first = f.SessionFactory(capacity=10)
    second = f.SessionFactory(capacity=10, starts_at=first.starts_at + dt.timedelta(hours=1))
    assert_one_wins_every_time(first, second, runs=30)


def test_two_sessions_of_one_opportunity_booked_at_once_by_one_student_end_with_one():
    # Not overlapping, so no constraint sees this one: only the lock on the student orders the two checks.
    first = f.SessionFactory(capacity=10)
    second = f.SessionFactory(
        opportunity=first.opportunity,
        capacity=10,
        starts_at=first.ends_at + dt.timedelta(days=1),
        ends_at=first.ends_at + dt.timedelta(days=1, hours=2),
    )
    assert_one_wins_every_time(first, second, runs=10)


def test_the_exclusion_constraint_rejects_two_overlapping_active_bookings_inserted_directly():
    first = f.SessionFactory()
    overlapping = f.SessionFactory(starts_at=first.starts_at + dt.timedelta(hours=2))
    after = f.SessionFactory(starts_at=first.ends_at)
    [student] = adults(1)
    klass = f.ClassRequestFactory(group_size=3)

    def insert(session, status=Status.CONFIRMED, *, who=student):
        is_student = who is student
        return Booking.objects.create(
            student=who if is_student else None,
            class_request=None if is_student else who,
            session=session,
            status=status,
            seats=1 if is_student else who.group_size,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
        )

    insert(first)
    with pytest.raises(IntegrityError, match="booking_student_no_overlap"), transaction.atomic():
        insert(overlapping)
    insert(after)  # back to back is fine
    insert(overlapping, Status.CANCELLED)  # only active bookings count
    insert(first, who=klass)
    with pytest.raises(IntegrityError, match="booking_class_request_no_overlap"), transaction.atomic():
        insert(overlapping, who=klass)


@pytest.mark.parametrize("trial", range(6))
def test_lowering_a_capacity_while_students_book_never_leaves_seats_above_it(trial):
    session = f.SessionFactory(capacity=10)
    booked, bookers = adults(5), adults(5)
    for student in booked:
        services.booking_request(session_id=session.pk, student_id=student.pk)
    lower = [lambda: services.session_update(session_id=session.pk, capacity=5)]
    book = [lambda s=s: services.booking_request(session_id=session.pk, student_id=s.pk) for s in bookers]

    results = at_once(lower + book if trial % 2 else book + lower)

    session.refresh_from_db()
    taken = seats_taken(session)
    assert taken <= session.capacity
    refused_edit = [r for r in results if isinstance(r, services.SessionChangeRefused)]
    if session.capacity == 5:  # the edit took the lock first: every booker then found the session full
        assert taken == 5 and not refused_edit
    else:  # a booking came first: the edit recounted under the lock and was refused
        assert refused_edit and taken > 5


@pytest.mark.parametrize("trial", range(4))
def test_cancelling_a_session_while_students_book_leaves_no_one_booked_and_everyone_told(trial):
    from notifications.models import OutboxMessage

    session = f.SessionFactory(capacity=10)
    bookers = adults(6)
    cancel = [lambda: services.session_cancel(session_id=session.pk, reason="Diễn giả bị ốm")]
    book = [lambda s=s: services.booking_request(session_id=session.pk, student_id=s.pk) for s in bookers]

    results = at_once(cancel + book if trial % 2 else book + cancel)

    # Whoever booked before the cancellation took the lock was cancelled with the rest; whoever came
    # after found the session cancelled. No one holds a seat in it, and each booking was mailed once.
    assert not Booking.objects.filter(session=session).active().exists()
    made = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, services.BookingStateError)]
    assert len(made) + len(refused) == len(bookers)
    assert all("Diễn giả bị ốm" in str(r) for r in refused)  # the refusal says why, in any language
    told = OutboxMessage.objects.filter(
        category=OutboxMessage.Category.BOOKING_CANCELLED, context__reason="session_cancelled"
    )
    assert sorted(told.values_list("student_id", flat=True)) == sorted(b.student_id for b in made)
