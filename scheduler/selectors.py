"""Reads of bookings that several callers share: the one home of "seats taken" and of the status sets.

Seats are counted from bookings, never kept in a counter. A seat is held by a proposal, a confirmation,
and once the session has happened by its attendance record (so a started session is never refilled).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from companies.models import Session

from .models import Booking, BookingStatus

ACTIVE = Booking.ACTIVE
SEAT_HOLDING = Booking.SEAT_HOLDING
CALENDAR_CANCELLED = Booking.CALENDAR_CANCELLED
# Kept by the participant: a scheduling round never touches these.
KEPT = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
# Given up by the participant: a round never offers the same session again.
LET_GO = (BookingStatus.DECLINED, BookingStatus.CANCELLED, BookingStatus.EXPIRED)


def seats_taken(session: Session | int) -> int:
    """Seats held in one session. Call it under the session's lock when the answer decides a write."""
    return Booking.objects.filter(session=session, status__in=SEAT_HOLDING).aggregate(n=Sum("seats"))["n"] or 0


def seats_taken_by_session(session_ids: Iterable[int], *, statuses: Iterable[str] = SEAT_HOLDING) -> dict[int, int]:
    """session id → seats held, for many sessions in one query (sessions with none are absent)."""
    return dict(
        Booking.objects.filter(session_id__in=list(session_ids), status__in=list(statuses))
        .order_by()
        .values_list("session")
        .annotate(n=Sum("seats"))
        .values_list("session", "n")
    )


def sessions_with_seats(qs: QuerySet[Session] | None = None) -> QuerySet[Session]:
    """Sessions annotated with ``seats_taken`` (and so ``seats_left`` = capacity − seats_taken)."""
    qs = Session.objects.all() if qs is None else qs
    taken = Coalesce(Sum("bookings__seats", filter=Q(bookings__status__in=SEAT_HOLDING)), 0)
    return qs.annotate(seats_taken=taken)
