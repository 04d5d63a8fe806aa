"""Bookings of sessions by students and class requests, and the private calendar-feed tokens.

Seats are counted from bookings (``scheduler.selectors.seats_taken``), never kept in a counter. The
database backs the services up: one active booking per participant and session (a partial unique
constraint, both databases) and, on PostgreSQL only, an exclusion constraint so that one participant
holds no two overlapping active bookings (migration ``0002_booking_no_overlap``; SQLite has no
exclusion constraints, so there the services' own check under the write lock is the guard).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from companies.models import Session
from students.models import ClassRequest, Student

_ONE_PARTICIPANT = (Q(student__isnull=False) & Q(class_request__isnull=True)) | (
    Q(student__isnull=True) & Q(class_request__isnull=False)
)


class AllocationMode(models.TextChoices):
    """How a scheduling round allocates seats (the engine keeps the same values as plain constants)."""

    OPTIMAL = "optimal", _("Optimal: serve the most participants, then the best total fit")
    STABLE = "stable", _("Stable: deferred acceptance, for internships (students only)")


class BookingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    WAITLISTED = "waitlisted", _("Waitlisted")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")


_ACTIVE = [BookingStatus.PROPOSED, BookingStatus.CONFIRMED]


class BookingQuerySet(models.QuerySet["Booking"]):
    def active(self) -> BookingQuerySet:
        """Proposed or confirmed: the bookings a participant currently holds."""
        return self.filter(status__in=Booking.ACTIVE)

    def holding_seats(self) -> BookingQuerySet:
        return self.filter(status__in=Booking.SEAT_HOLDING)

    def waitlist(self, session: Session | int) -> BookingQuerySet:
        """A session's waitlist, first in line first."""
        return self.filter(session=session, status=Booking.Status.WAITLISTED).order_by("waitlist_rank", "pk")

    def of_participant(self, *, student_id: int | None, class_request_id: int | None) -> BookingQuerySet:
        if student_id is not None:
            return self.filter(student_id=student_id)
        return self.filter(class_request_id=class_request_id)

    def overlapping(self, starts_at: dt.datetime, ends_at: dt.datetime) -> BookingQuerySet:
        # Half-open intervals, as the engine and the exclusion constraint: back-to-back is fine.
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def visible_to(self, user: User | AnonymousUser) -> BookingQuerySet:
        """Who may see a booking: its student, the school's coordinators, the company's staff, organisers."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        role = user.role
        if role == user.Role.ORGANISER:
            return self.all()
        if role == user.Role.STUDENT:
            return self.filter(student_id=user.student_id)
        if role == user.Role.SCHOOL_COORDINATOR:
            return self.filter(
                Q(class_request__school_id=user.school_id) | Q(student__school_id=user.school_id)
            )
        if role == user.Role.COMPANY_STAFF:
            return self.filter(session__opportunity__company_id=user.company_id)
        return self.none()

    def manageable_by(self, user: User | AnonymousUser) -> BookingQuerySet:
        """Who may cancel: the student, a coordinator of the class's school, organisers."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == user.Role.ORGANISER:
            return self.all()
        if user.role == user.Role.STUDENT:
            return self.filter(student_id=user.student_id)
        if user.role == user.Role.SCHOOL_COORDINATOR:
            return self.filter(class_request__school_id=user.school_id)
        return self.none()

    def in_calendar_of(self, user: User) -> BookingQuerySet:
        """The bookings in a user's feed: their own participation or their company's sessions."""
        if user.role == user.Role.ORGANISER:
            return self.none()  # organisers see every booking in the admin, not in a calendar
        mine: BookingQuerySet
        if user.role == user.Role.SCHOOL_COORDINATOR:
            # The classes' visits and talks; each student has a feed of their own.
            mine = self.filter(class_request__school_id=user.school_id)
        else:
            mine = self.visible_to(user)
        return mine.exclude(status=BookingStatus.WAITLISTED)

    def with_details(self) -> BookingQuerySet:
        return self.select_related(
            "student__school", "class_request__school", "session__opportunity__company"
        )


class Booking(models.Model):
    Status = BookingStatus

    ACTIVE = (Status.PROPOSED, Status.CONFIRMED)
    # A seat stays taken once the session has happened, so a started session is never refilled.
    SEAT_HOLDING = (Status.PROPOSED, Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)
    CALENDAR_CANCELLED = (Status.DECLINED, Status.EXPIRED, Status.CANCELLED)

    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.CASCADE, related_name="bookings",
        verbose_name=_("student"),
    )
    class_request = models.ForeignKey(
        ClassRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="bookings",
        verbose_name=_("class request"),
    )
    session = models.ForeignKey(
        Session, verbose_name=pgettext_lazy("time slot", "session"), on_delete=models.CASCADE, related_name="bookings"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    seats = models.PositiveIntegerField(_("seats"), help_text=_("1 for a student, the class size for a class request."))
    score = models.FloatField(
        _("score"), null=True, blank=True, help_text=_("The match score; empty when self-booked.")
    )
    hold_until = models.DateTimeField(
        _("hold until"), null=True, blank=True, help_text=_("A proposal lapses after this.")
    )
    waitlist_rank = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    sequence = models.PositiveIntegerField(
        _("calendar sequence"), default=0, help_text=_("The .ics SEQUENCE, raised on every change.")
    )
    # The company's side of a proposal or confirmation (``booking_company_accept``/``_decline``): a
    # decline also ends the booking (declined or cancelled), the date says the company chose it.
    company_accepted_at = models.DateTimeField(_("accepted by the company at"), null=True, blank=True)
    company_declined_at = models.DateTimeField(_("declined by the company at"), null=True, blank=True)
    # Copies of the session's times: PostgreSQL's exclusion constraint can only see this table's columns.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.CheckConstraint(condition=_ONE_PARTICIPANT, name="booking_has_one_participant"),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_valid"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="booking_seats_positive"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gt=0) & Q(score__lte=1)),
                name="booking_score_in_unit_interval",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.PROPOSED) | Q(hold_until__isnull=False),
                name="booking_proposal_has_hold",
            ),
            models.CheckConstraint(
                condition=Q(status=BookingStatus.WAITLISTED, waitlist_rank__isnull=False)
                | (~Q(status=BookingStatus.WAITLISTED) & Q(waitlist_rank__isnull=True)),
                name="booking_rank_iff_waitlisted",
            ),
            models.UniqueConstraint(
                fields=["student", "session"],
                condition=Q(status__in=_ACTIVE),
                name="booking_one_active_per_student_session",
            ),
            models.UniqueConstraint(
                fields=["class_request", "session"],
                condition=Q(status__in=_ACTIVE),
                name="booking_one_active_per_class_session",
            ),
            models.UniqueConstraint(
                fields=["student", "session"],
                condition=Q(status=BookingStatus.WAITLISTED),
                name="booking_waitlisted_once_per_student",
            ),
            models.UniqueConstraint(
                fields=["class_request", "session"],
                condition=Q(status=BookingStatus.WAITLISTED),
                name="booking_waitlisted_once_per_class",
            ),
            models.UniqueConstraint(
                fields=["session", "waitlist_rank"],
                condition=Q(status=BookingStatus.WAITLISTED),
                name="booking_waitlist_rank_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"]),
            # holds_expire's scan: due proposals only.
            models.Index(
                fields=["hold_until"], condition=Q(status=BookingStatus.PROPOSED), name="booking_hold_due_idx"
            ),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.participant} @ {self.session_id} ({self.status})"

    @property
    def participant(self) -> Student | ClassRequest:
        participant = self.student if self.student_id else self.class_request
        assert participant is not None
        return participant

    @property
    def participant_type(self) -> str:
        return "student" if self.student_id else "class_request"

    @property
    def participant_name(self) -> str:
        if self.student_id:
            assert self.student is not None
            return self.student.full_name
        assert self.class_request is not None
        return f"{self.class_request.class_name} — {self.class_request.school.name}"

    @property
    def company_answer(self) -> str:
        """The company's side: "accepted", "declined" or "" while it has not answered."""
        if self.company_declined_at is not None:
            return "declined"
        return "accepted" if self.company_accepted_at is not None else ""

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @staticmethod
    def hold_deadline(session: Session, now: dt.datetime) -> dt.datetime:
        """The end of a hold window opened now: BOOKING_HOLD_HOURS, but never past the session's start."""
        return min(now + dt.timedelta(hours=settings.BOOKING_HOLD_HOURS), session.starts_at)

    @property
    def uid(self) -> str:
        """The calendar UID: stable for the booking's whole life, whatever its status."""
        return f"booking-{self.pk}@caunoi"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: unguessable


class CalendarToken(models.Model):
    """The secret in a user's private calendar-feed URL. Revoking it kills the URL; a new one is a new row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens",
        verbose_name=pgettext_lazy("account", "user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_token_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        if self.revoked_at:
            return _("Calendar feed of %(user)s (revoked)") % {"user": self.user}
        return _("Calendar feed of %(user)s (active)") % {"user": self.user}
