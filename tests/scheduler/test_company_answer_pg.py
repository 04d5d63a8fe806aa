"""On PostgreSQL, with real concurrent transactions: a company's decline racing the participant's own
answer or other bookings never double-books a seat, mails the decline at most once, and never deadlocks."""

from __future__ import annotations

import pytest
from django.utils import timezone

from notifications.models import OutboxMessage
from scheduler import services
from scheduler.models import Booking
from scheduler.selectors import seats_taken
from tests import factories as f

from .test_concurrency_pg import adults, at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Status = Booking.Status


def proposal(student, session) -> Booking:
    return Booking.objects.create(
        student=student,
        session=session,
        status=Status.PROPOSED,
        seats=1,
        hold_until=Booking.hold_deadline(session, timezone.now()),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )


def test_a_decline_racing_the_participants_confirmation_ends_in_one_consistent_state():
    for _ in range(5):
        session = f.SessionFactory(capacity=1)
        [student] = adults(1)
        booking = proposal(student, session)

        results = at_once(
            [
                lambda pk=booking.pk: services.booking_company_decline(booking_id=pk),
                lambda pk=booking.pk: services.booking_confirm(booking_id=pk),
            ]
        )

        booking.refresh_from_db()
        # Whichever came first, the company's decline ends the booking (a confirmation is still
        # answerable by the company); the participant's confirm either went first or was refused.
        declined = [r for r in results if isinstance(r, Booking) and r.company_declined_at is not None]
        assert len(declined) == 1
        assert booking.status in (Status.DECLINED, Status.CANCELLED)
        assert seats_taken(session) == 0
        mails = OutboxMessage.objects.filter(category=OutboxMessage.Category.BOOKING_CANCELLED, student=student).count()
        assert mails == 1


def test_declines_racing_self_bookings_never_exceed_the_capacity():
    session = f.SessionFactory(capacity=3)
    held = [proposal(s, session) for s in adults(3)]
    newcomers = adults(6)

    calls = [lambda b=b: services.booking_company_decline(booking_id=b.pk) for b in held]
    calls += [lambda s=s: services.booking_request(session_id=session.pk, student_id=s.pk) for s in newcomers]
    results = at_once(calls)

    assert not [r for r in results if not isinstance(r, Booking | services.SessionFull)]
    assert seats_taken(session) <= 3
    assert Booking.objects.filter(session=session, company_declined_at__isnull=False).count() == 3
