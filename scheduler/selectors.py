"""Reads of bookings that several callers share: the one home of "seats taken" and of the status sets.

Seats are counted from bookings, never kept in a counter. A seat is held by a proposal, a confirmation,
and once the session has happened by its attendance record (so a started session is never refilled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from companies.models import Company, Opportunity, Session
from matchmaking.models import OpportunityMatch

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


# --- what a company sees of its participants ------------------------------------------------------

# A company learns a student's name and contact only once the student has confirmed a place with it (the
# API's rule, ``api.permissions.sees_student_identity``): a proposal is not yet a "yes".
COMPANY_SEES_STUDENT = KEPT


def company_sees_student(booking: Booking) -> bool:
    """Whether the booking's company may see the name and email of its student (a class is always
    known by its class name and school)."""
    return booking.class_request_id is not None or booking.status in COMPANY_SEES_STUDENT


def proposed_participants(opportunity: Opportunity) -> QuerySet[OpportunityMatch]:
    """The participants that fit the opportunity best, best first, each annotated with
    ``confirmed_with_company``: whether the student confirmed a place with the opportunity's company,
    the one condition under which the company sees the student's name."""
    confirmed = Booking.objects.filter(
        student_id=OuterRef("student_id"),
        status__in=COMPANY_SEES_STUDENT,
        session__opportunity__company_id=opportunity.company_id,
    )
    return (
        OpportunityMatch.objects.filter(opportunity=opportunity)
        .select_related("student__school", "class_request__school")
        .annotate(confirmed_with_company=Exists(confirmed))
        .order_by("rank", "pk")
    )


def company_contacts(company: Company | int) -> QuerySet[Booking]:
    """The company's confirmed students (confirmed, attended or absent), for their name and email."""
    return (
        Booking.objects.filter(
            session__opportunity__company=company, student__isnull=False, status__in=COMPANY_SEES_STUDENT
        )
        .select_related("student", "session__opportunity")
        .order_by("student__full_name", "student_id", "starts_at", "pk")
    )


def company_answers_due(company: Company | int, *, now: dt.datetime) -> QuerySet[Booking]:
    """Proposals and confirmations in the company's upcoming sessions it has not answered yet."""
    return (
        Booking.objects.filter(
            session__opportunity__company=company,
            status__in=ACTIVE,
            starts_at__gt=now,
            company_accepted_at__isnull=True,
            company_declined_at__isnull=True,
        )
        .with_details()
        .order_by("starts_at", "pk")
    )
