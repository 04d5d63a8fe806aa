"""A property test of the booking workflows as a state machine (hypothesis).

Random sequences of requests, confirmations, declines, cancellations, hold expiry, capacity changes,
session moves, a company cancelling a whole session and scheduling rounds, on a few small sessions two
of which overlap; after every step:
- no session holds more seats than its capacity;
- no participant holds two active bookings that overlap in time;
- a booking that is not cancelled has its session's times (moves carry every booking along);
- each session's waitlist ranks are distinct and start at 1 or later;
- every dedupe key of the outbox is queued once;
- a cancelled session holds no proposal, confirmation or waitlist place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from companies.models import Session
from matchmaking.models import Match
from notifications.models import OutboxMessage
from scheduler import services
from scheduler.models import Booking
from scheduler.selectors import ACTIVE, seats_taken
from students.models import AvailabilityInterval
from tests import factories as f
from tests.scheduler.conftest import NOW

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)
STUDENTS = 5


class Bookings(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        for model in (OutboxMessage, Booking, Match, AvailabilityInterval):
            model.objects.all().delete()
        Session.objects.all().delete()
        company = f.CompanyFactory()
        start = NOW + dt.timedelta(days=10)
        self.sessions = [
            f.SessionFactory(opportunity=f.OpportunityFactory(company=company), starts_at=start, capacity=2),
            # overlaps the first
            f.SessionFactory(opportunity=f.OpportunityFactory(company=company), starts_at=start + HOUR, capacity=1),
            f.SessionFactory(opportunity=f.OpportunityFactory(company=company), starts_at=start + 5 * HOUR, capacity=1),
        ]
        self.students = f.StudentFactory.create_batch(STUDENTS, birth_date=dt.date(2000, 1, 1))
        for student in self.students:
            AvailabilityInterval.objects.create(student=student, starts_at=NOW, ends_at=NOW + dt.timedelta(days=60))
        self.now = NOW

    def _booking(self, index: int, *statuses: str) -> Booking | None:
        candidates = list(Booking.objects.filter(status__in=statuses).order_by("pk"))
        return candidates[index % len(candidates)] if candidates else None

    @rule(student=st.integers(0, STUDENTS - 1), session=st.integers(0, 2))
    def request(self, student: int, session: int) -> None:
        try:
            services.booking_request(
                session_id=self.sessions[session].pk, student_id=self.students[student].pk, now=self.now
            )
        except services.BookingError:
            pass

    @rule(index=st.integers(0, 20), answer=st.sampled_from(["confirm", "decline"]))
    def answer(self, index: int, answer: str) -> None:
        booking = self._booking(index, Booking.Status.PROPOSED)
        if booking is None:
            return
        act = services.booking_confirm if answer == "confirm" else services.booking_decline
        try:
            act(booking_id=booking.pk, now=self.now)
        except services.BookingError:
            pass

    @rule(index=st.integers(0, 20))
    def cancel(self, index: int) -> None:
        booking = self._booking(index, Booking.Status.CONFIRMED)
        if booking is not None:
            try:
                services.booking_cancel(booking_id=booking.pk, now=self.now)
            except services.BookingError:
                pass

    @rule(hours=st.integers(1, 60))
    def time_passes(self, hours: int) -> None:
        self.now = min(self.now + hours * HOUR, self.sessions[0].starts_at - HOUR)
        services.holds_expire(now=self.now)

    @rule(session=st.integers(0, 2), capacity=st.integers(1, 4))
    def change_capacity(self, session: int, capacity: int) -> None:
        try:
            services.session_update(session_id=self.sessions[session].pk, capacity=capacity, now=self.now)
        except services.BookingError:
            pass

    @rule(session=st.integers(0, 2), shift=st.integers(-6, 6))
    def move(self, session: int, shift: int) -> None:
        current = Session.objects.get(pk=self.sessions[session].pk)
        try:
            services.session_update(
                session_id=current.pk,
                starts_at=current.starts_at + shift * HOUR,
                ends_at=current.ends_at + shift * HOUR,
                now=self.now,
            )
        except services.BookingError:
            pass

    @rule(session=st.integers(0, 2))
    def cancel_session(self, session: int) -> None:
        try:
            services.session_cancel(session_id=self.sessions[session].pk, reason="Diễn giả bị ốm", now=self.now)
        except services.BookingError:
            pass

    @precondition(lambda self: True)
    @rule(pairs=st.lists(st.tuples(st.integers(0, STUDENTS - 1), st.integers(0, 2)), max_size=8))
    def scheduling_round(self, pairs: list[tuple[int, int]]) -> None:
        Match.objects.all().delete()
        for rank, (student, session) in enumerate(dict.fromkeys(pairs), start=1):
            Match.objects.create(
                student=self.students[student],
                opportunity_id=self.sessions[session].opportunity_id,
                score=1 - rank / 100,
                rank=1,
                model_version="t",
            )
        services.round_schedule(mode="optimal", now=self.now)

    @invariant()
    def seats_never_above_capacity(self) -> None:
        for session in Session.objects.all():
            assert seats_taken(session) <= session.capacity

    @invariant()
    def no_participant_holds_two_overlapping_bookings(self) -> None:
        active = list(Booking.objects.filter(status__in=ACTIVE).order_by("student_id", "starts_at"))
        for a, b in zip(active, active[1:], strict=False):
            if a.student_id == b.student_id:
                assert a.ends_at <= b.starts_at, (a, b)

    @invariant()
    def bookings_keep_their_sessions_times(self) -> None:
        for booking in Booking.objects.exclude(status__in=Booking.CALENDAR_CANCELLED).select_related("session"):
            assert (booking.starts_at, booking.ends_at) == (booking.session.starts_at, booking.session.ends_at)

    @invariant()
    def waitlists_keep_distinct_ranks(self) -> None:
        for session in self.sessions:
            ranks = list(Booking.objects.waitlist(session.pk).values_list("waitlist_rank", flat=True))
            assert len(ranks) == len(set(ranks)) and all(rank >= 1 for rank in ranks)

    @invariant()
    def every_dedupe_key_is_queued_once(self) -> None:
        keys = Counter(OutboxMessage.objects.values_list("dedupe_key", flat=True))
        assert not [key for key, n in keys.items() if n > 1]

    @invariant()
    def a_cancelled_session_holds_no_one(self) -> None:
        held = Booking.objects.filter(
            session__cancelled_at__isnull=False, status__in=(*ACTIVE, Booking.Status.WAITLISTED)
        )
        assert not held.exists(), list(held)


Bookings.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_the_booking_workflows_keep_their_invariants(db: None) -> None:
    Bookings.TestCase("runTest").runTest()
