"""Booking workflows: one function per state change, each in one transaction with the mail it causes.

Locking (the whole module keeps this order, so two workflows never wait on each other in a cycle):
1. the session row (``select_for_update``; on SQLite the IMMEDIATE transaction already holds the one
   write lock), then
2. the booking rows of that session, then
3. the participant's row (the student or the class request) before checking what it already holds, so
   one participant's bookings of two different sessions are decided one after the other.
Taking a seat (a self-booking, a waitlist offer, a round's proposals) recounts the seats under the
session lock before inserting. Freeing a seat alone would need no lock, but every freeing here is
followed by an offer to the waitlist, which does, so the session is locked first to keep the order.

Statuses: proposed → confirmed | declined | expired; confirmed → cancelled | attended | no_show;
waitlisted → proposed (an offer); proposed, confirmed, waitlisted → cancelled when the company cancels the
whole session (``session_cancel``: the session stays, marked cancelled, and takes no booking again).
An expired hold or a cancellation offers the freed seats to the next on the session's waitlist, one
participant at a time, each with a hold window of their own.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from companies.models import Company, Opportunity, Session
from companies.validators import validate_single_line
from exchange.contract import Problem, Row
from matchmaking.upkeep import session_reasons_forget
from notifications.models import OutboxMessage
from students.fit import session_misfit
from students.models import ClassRequest, GuardianConsent, Student

from .mail import booking_mail_enqueue
from .models import Booking, CalendarToken
from .rounds import MODES, ScheduleReport, round_run
from .selectors import seats_taken, seats_taken_by_session

logger = logging.getLogger(__name__)

P = TypeVar("P", Student, ClassRequest)

__all__ = [
    "BookingConflict",
    "BookingError",
    "BookingStateError",
    "ConsentRequired",
    "HoldExpired",
    "ScheduleReport",
    "SessionChangeRefused",
    "SessionFull",
    "booking_attend",
    "booking_cancel",
    "booking_company_accept",
    "booking_company_decline",
    "booking_confirm",
    "booking_decline",
    "booking_request",
    "calendar_token_issue",
    "company_approval_withdraw",
    "offer_delete",
    "calendar_token_revoke",
    "holds_expire",
    "reminders_send",
    "round_schedule",
    "sessions_import_guard",
    "session_cancel",
    "session_update",
    "waitlist_offer_next",
]

Category = OutboxMessage.Category
Status = Booking.Status


class BookingError(Exception):
    """A workflow refused; the message is fit to show the user."""


class BookingStateError(BookingError):
    pass


class HoldExpired(BookingError):
    pass


class ConsentRequired(BookingError):
    pass


class SessionFull(BookingError):
    pass


class BookingConflict(BookingError):
    pass


class SessionChangeRefused(BookingError):
    """A session edit the bookings refuse; ``field`` names what the person should change."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def needs_consent(student: Student, session: Session) -> bool:
    """A student under 18 on the session's date without an active guardian consent on record."""
    if not student.is_minor(timezone.localdate(session.starts_at)):
        return False
    return not GuardianConsent.objects.filter(student=student, withdrawn_at__isnull=True).exists()


def round_schedule(
    *, mode: str, now: dt.datetime | None = None, seat_cap_per_school: int | None = None
) -> ScheduleReport:
    """A scheduling round (see rounds.py): stored matches → proposals with holds and ranked waitlists.

    Re-running replaces the previous round's proposals and waitlists; confirmed bookings are never
    touched. Overdue holds are lapsed first, so whoever let an offer lapse is not offered it again.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "stable" and seat_cap_per_school is not None:
        raise ValueError("a seat cap per school applies to optimal rounds only")
    now = now or timezone.now()
    holds_expire(now=now)
    report = round_run(mode=mode, now=now, seat_cap_per_school=seat_cap_per_school)
    if report.new_proposals and not settings.CELERY_TASK_ALWAYS_EAGER:
        # With workers, the round's proposals go out as soon as it commits rather than at beat's next
        # relay run (up to a minute later), as the digests' tasks do. Without a broker the relay is the
        # clock's (``worker``, ``send_outbox``), as before.
        transaction.on_commit(_relay_enqueue)
    return report


def _relay_enqueue() -> None:
    from matchmaking.broker import BROKER_ERRORS
    from notifications.tasks import outbox_relay

    try:
        outbox_relay.delay()
    except BROKER_ERRORS as error:  # the round is committed; beat's next run sends its mail
        logger.warning("scheduling round: could not queue the relay (%s); beat's next run sends the mail", error)


def _require_published(session: Session) -> None:
    if session.opportunity.company.approved_at is None:
        raise BookingStateError(_("This opportunity is not published."))


def _require_not_cancelled(session: Session) -> None:
    if session.cancelled_at is not None:
        raise BookingStateError(
            _("The company cancelled this session: %(reason)s") % {"reason": session.cancel_reason}
        )


def booking_request(
    *,
    session_id: int,
    student_id: int | None = None,
    class_request_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """A participant books a seat themselves (a student, or a coordinator for a class): confirmed at once."""
    if (student_id is None) == (class_request_id is None):
        raise ValueError("give exactly one of student_id and class_request_id")
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_session(session_id)
        _require_published(session)
        _require_not_cancelled(session)
        if session.starts_at <= now:
            raise BookingStateError(_("This session has already started."))
        participant: Student | ClassRequest
        availability: list[tuple[dt.datetime, dt.datetime]] | None = None
        if student_id is not None:
            participant = _lock_participant(Student.objects.select_related("school"), student_id)
            if participant.erased_at is not None:
                raise BookingStateError(_("This student's data was erased on request."))
            seats = 1
            if needs_consent(participant, session):
                raise ConsentRequired(_consent_message(participant))
        else:
            assert class_request_id is not None
            participant = _lock_participant(ClassRequest.objects.select_related("school"), class_request_id)
            seats = participant.group_size
            # The class's request says when it is free: its coordinator books inside those times, as a
            # round proposes (a student choosing a seat has chosen the time).
            availability = list(participant.availability.values_list("starts_at", "ends_at"))
        if reason := session_misfit(participant, session, now=now, availability=availability):
            raise BookingStateError(reason)
        if reason := _conflict(participant, session, now):
            raise BookingConflict(reason)
        if seats_taken(session) + seats > session.capacity:
            raise SessionFull(_("This session is full."))
        booking = Booking(
            student_id=student_id,
            class_request_id=class_request_id,
            session=session,
            status=Status.CONFIRMED,
            seats=seats,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            sequence=0,
        )
        try:
            # A savepoint: the constraints are the backstop for a race the checks above cannot see
            # (on PostgreSQL, two overlapping sessions booked at once hold two different session locks).
            with transaction.atomic():
                booking.save()
        except IntegrityError:
            raise BookingConflict(_("You already hold a booking at that time.")) from None
        booking = Booking.objects.with_details().get(pk=booking.pk)
        booking_mail_enqueue(booking, Category.BOOKING_CONFIRMED)
    return booking


def booking_confirm(*, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """The participant (for a class, its coordinator) accepts a proposal within its hold window."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        if booking.status == Status.CONFIRMED:
            return booking  # a second click on the same link
        _require(
            booking, Status.PROPOSED, _("Only a proposed booking can be confirmed; this one is %(status)s.")
        )
        assert booking.hold_until is not None
        if booking.hold_until <= now:
            raise HoldExpired(_("The time to confirm this booking has passed."))
        _require_published(booking.session)
        if booking.student is not None and needs_consent(booking.student, booking.session):
            raise ConsentRequired(_consent_message(booking.student))
        booking.status = Status.CONFIRMED
        booking.hold_until = None
        _save(booking)
        booking_mail_enqueue(booking, Category.BOOKING_CONFIRMED)
    return booking


def booking_decline(*, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """The participant turns a proposal down; the seat goes to the next on the waitlist."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        if booking.status == Status.DECLINED:
            return booking
        _require(
            booking, Status.PROPOSED, _("Only a proposed booking can be declined; this one is %(status)s.")
        )
        booking.status = Status.DECLINED
        _save(booking)
        _refill(booking.session, booking.seats, now)
    return booking


def booking_cancel(*, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """A confirmed booking is given up before the session starts; the seat goes to the waitlist."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        if booking.status == Status.CANCELLED:
            return booking
        _require(
            booking, Status.CONFIRMED, _("Only a confirmed booking can be cancelled; this one is %(status)s.")
        )
        if booking.session.starts_at <= now:
            raise BookingStateError(_("A session that has started cannot be cancelled."))
        booking.status = Status.CANCELLED
        _save(booking)
        booking_mail_enqueue(booking, Category.BOOKING_CANCELLED, reason="cancelled")
        _refill(booking.session, booking.seats, now)
    return booking


def booking_company_accept(*, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """The company says yes to a proposed or confirmed participant of its session (before it starts).

    Only the company's side is recorded (``company_accepted_at``); the participant's own answer is still
    theirs to give. No seat changes hands and no mail is sent; accepting twice keeps the first date.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        _require_company_answerable(booking, now)
        if booking.company_accepted_at is None:
            booking.company_accepted_at = now
            booking.save(update_fields=["company_accepted_at", "updated_at"])
    return booking


def booking_company_decline(*, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """The company cannot take a proposed or confirmed participant: the booking ends (a proposal is
    declined, a confirmation cancelled), the participant is mailed why (reason ``company_declined``) and
    the freed seats go to the session's waitlist exactly as after a cancellation.

    Lock order as the module's: the session, then the booking (``_lock_booking``), then, inside the
    waitlist offer, the waitlisted bookings and their participants. The declined participant's own row is
    not locked: nothing they hold is checked, and locking it here would come before the waitlist's rows.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        _require_company_answerable(booking, now)
        booking.status = Status.DECLINED if booking.status == Status.PROPOSED else Status.CANCELLED
        booking.hold_until = None
        booking.company_declined_at = now
        _save(booking)  # a higher SEQUENCE: the attached calendar file removes the event
        booking_mail_enqueue(booking, Category.BOOKING_CANCELLED, reason="company_declined")
        _refill(booking.session, booking.seats, now)
    return booking


def booking_attend(*, booking_id: int, attended: bool, now: dt.datetime | None = None) -> Booking:
    """Company staff record attendance once the session has started (and may correct it)."""
    now = now or timezone.now()
    with transaction.atomic():
        # No seat changes hands, so no session lock: the booking row alone.
        booking = Booking.objects.select_for_update(of=("self",)).with_details().get(pk=booking_id)
        if booking.status not in (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW):
            raise BookingStateError(_("Attendance is recorded on confirmed bookings only."))
        if booking.session.starts_at > now:
            raise BookingStateError(_("Attendance can be recorded once the session has started."))
        status = Status.ATTENDED if attended else Status.NO_SHOW
        if booking.status != status:
            booking.status = status
            _save(booking)
    return booking


def holds_expire(*, now: dt.datetime | None = None) -> int:
    """Lapse every proposal whose hold has passed and offer its seats on; returns how many lapsed.

    One short transaction per booking, re-checked under the lock, so a run that overlaps another (or a
    confirmation arriving at the last second) changes nothing twice.
    """
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(status=Status.PROPOSED, hold_until__lte=now)
        .order_by("session_id", "pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for booking_id in due:
        with transaction.atomic():
            try:
                booking = _lock_booking(booking_id)
            except Booking.DoesNotExist:
                continue  # replaced by a scheduling round meanwhile
            # Re-checked under the lock: it may have been confirmed since the scan.
            if booking.status != Status.PROPOSED or booking.hold_until is None or booking.hold_until > now:
                continue
            booking.status = Status.EXPIRED
            _save(booking)
            booking_mail_enqueue(booking, Category.BOOKING_CANCELLED, reason="expired")
            _refill(booking.session, booking.seats, now)
            expired += 1
    return expired


def waitlist_offer_next(*, session_id: int, now: dt.datetime | None = None) -> Booking | None:
    """Offer a free seat of the session to the first waitlisted participant who can take it, or None."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_session(session_id)
        return _offer_next(session, now)


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind confirmed participants of tomorrow's sessions; returns the number of reminders queued.

    The dedupe key names the booking and the session's date, so a second run (or a retry) queues
    nothing new, while a session moved to another day is reminded again.
    """
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    queued = 0
    bookings = Booking.objects.filter(
        status=Status.CONFIRMED, starts_at__date=tomorrow, session__cancelled_at__isnull=True
    ).with_details()
    with transaction.atomic():
        for booking in bookings.order_by("pk"):
            key = _reminder_key(booking.pk, tomorrow)
            queued += booking_mail_enqueue(booking, Category.BOOKING_REMINDER, key=key)
    return queued


def session_update(
    *,
    session_id: int,
    capacity: int | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Session:
    """Change a session's capacity or times, whoever asks (API, pages, import): the one rule.

    Under the session's lock: the capacity never falls below the seats taken (a booking counting the
    seats at the same moment waits for this lock, then recounts against the new capacity). Moving a
    session that has bookings moves every booking with it (bookings copy the times for calendars,
    reminders and the overlap constraint) and mails each participant holding a place an updated
    invitation: the same calendar UID with a higher SEQUENCE, so calendars replace the event. Refused,
    with the reason, only where it cannot be done: a started session, a participant the new time would
    give two overlapping bookings, or a capacity below the seats taken.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock_session(session_id)
        if session.cancelled_at is not None:
            raise SessionChangeRefused(_("This session is cancelled; it cannot be changed."), field="session")
        new_start = starts_at or session.starts_at
        new_end = ends_at or session.ends_at
        if new_end <= new_start:
            raise SessionChangeRefused(_("The session must end after it starts."), field="ends_at")
        if capacity is not None and capacity != session.capacity:
            taken = seats_taken(session)
            if capacity < taken:
                raise SessionChangeRefused(
                    _("%(taken)d seats are already taken; the capacity cannot be lower.") % {"taken": taken},
                    field="capacity",
                )
            session.capacity = capacity
        moved = (new_start, new_end) != (session.starts_at, session.ends_at)
        old = (session.starts_at, session.ends_at)
        if moved:
            _move_bookings(session, new_start, new_end, now)
            session.starts_at, session.ends_at = new_start, new_end
        session.save()
        if moved:  # the lists' "fits your free time (…)" named the old time
            session_reasons_forget(opportunity_id=session.opportunity_id, starts_at=old[0], ends_at=old[1])
        if capacity is not None:
            _offer_free_seats(session, now)
    return session


CANCEL_REASON_MAX = 300  # Session.cancel_reason's max_length


def session_cancel(*, session_id: int, reason: str, now: dt.datetime | None = None) -> Session:
    """The company calls a session off, whoever asks (API, pages): the one rule.

    Under the session's lock, so a booking deciding at the same moment either comes first (and is
    cancelled here with the rest) or waits, then finds the session cancelled. Refused, with the field
    to change (``SessionChangeRefused``), for a session that has started or is already cancelled and
    without a reason (``reason``: every participant is told it). The session row stays, marked
    cancelled: its bookings are history that reports rest on. Every proposal, confirmation and
    waitlist place in it is cancelled, and each of those participants (for a class, its school's
    contact) is mailed once through the outbox, with the company's reason; a place that was in their
    calendar comes with a METHOD:CANCEL file, its UID and a higher SEQUENCE, so the calendar removes
    the event. The relay's rules at send time (a minor's consent, suppressed addresses) apply as to any
    booking mail. Reminders queued and not yet sent are withdrawn. No seat is offered to a waitlist:
    there is no session left to offer.
    """
    now = now or timezone.now()
    reason = " ".join((reason or "").split())  # a phone's text box may send line breaks
    if not reason:
        raise SessionChangeRefused(
            _("Say why the session is cancelled: everyone booked is told."), field="reason"
        )
    if len(reason) > CANCEL_REASON_MAX:
        raise SessionChangeRefused(
            _("The reason is too long: at most %(max)d characters.") % {"max": CANCEL_REASON_MAX},
            field="reason",
        )
    try:
        validate_single_line(reason)
    except ValidationError as error:
        raise SessionChangeRefused(" ".join(error.messages), field="reason") from None
    with transaction.atomic():
        session = _lock_session(session_id)
        if session.cancelled_at is not None:
            raise SessionChangeRefused(_("This session is already cancelled."), field="session")
        if session.starts_at <= now:
            raise SessionChangeRefused(_("A session that has started cannot be cancelled."), field="session")
        session.cancelled_at = now
        session.cancel_reason = reason
        session.save(update_fields=["cancelled_at", "cancel_reason"])
        bookings = (
            Booking.objects.filter(session=session, status__in=(*Booking.ACTIVE, Status.WAITLISTED))
            .select_for_update(of=("self",))
            .with_details()
            .order_by("pk")
        )
        reminders = []
        for booking in bookings:
            was_waiting = booking.status == Status.WAITLISTED
            if booking.status == Status.CONFIRMED:
                reminders.append(_reminder_key(booking.pk, timezone.localdate(booking.starts_at)))
            booking.status = Status.CANCELLED
            booking.hold_until = None
            booking.waitlist_rank = None
            _save(booking)  # a higher SEQUENCE: the attached calendar file removes the event
            booking_mail_enqueue(
                booking,
                Category.BOOKING_CANCELLED,
                # A waitlisted place never reached a calendar: nothing to remove there.
                ics=None if was_waiting else "CANCEL",
                reason="session_cancelled",
                cancel_reason=reason,
                was_waitlisted=was_waiting,
            )
        # A reminder queued yesterday evening must not announce a session called off this morning.
        OutboxMessage.objects.filter(
            dedupe_key__in=reminders, status=OutboxMessage.Status.PENDING
        ).update(status=OutboxMessage.Status.SUPPRESSED, last_error="session cancelled", updated_at=now)
        # The lists' "fits your free time (…)" named a time the opportunity no longer offers.
        session_reasons_forget(
            opportunity_id=session.opportunity_id, starts_at=session.starts_at, ends_at=session.ends_at
        )
    return session


def offer_delete(
    *, company_id: int | None = None, opportunity_id: int | None = None, session_id: int | None = None
) -> None:
    """Delete a company, an opportunity or a session, unless it has bookings: deleting would cascade to
    them, and with them the history that reports and attendance rest on (``BookingConflict``)."""
    if [company_id, opportunity_id, session_id].count(None) != 2:
        raise ValueError("give exactly one of company_id, opportunity_id and session_id")
    with transaction.atomic():
        if session_id is not None:
            row: Company | Opportunity | Session = _lock_session(session_id)
            # Whole sentences, not a noun put into one: Vietnamese does not build them the same way.
            bookings = Booking.objects.filter(session_id=session_id)
            refusal = _("This session has bookings; it cannot be deleted.")
        elif opportunity_id is not None:
            row = Opportunity.objects.select_for_update().get(pk=opportunity_id)
            bookings = Booking.objects.filter(session__opportunity_id=opportunity_id)
            refusal = _("This opportunity has bookings; it cannot be deleted.")
        else:
            assert company_id is not None
            row = Company.objects.select_for_update().get(pk=company_id)
            bookings = Booking.objects.filter(session__opportunity__company_id=company_id)
            refusal = _("This company has bookings; it cannot be deleted.")
        if bookings.exists():
            raise BookingConflict(refusal)
        row.delete()
        if isinstance(row, Session):  # the lists' "fits your free time (…)" named its time
            session_reasons_forget(opportunity_id=row.opportunity_id, starts_at=row.starts_at, ends_at=row.ends_at)


def sessions_import_guard(file_name: str, rows: list[Row]) -> list[Problem]:
    """The import's side of ``session_update``: a sessions file may not lower a capacity below the seats
    taken, nor move a session that has bookings (a move mails every participant an updated invitation,
    which a file cannot do: the company moves it on its page), nor change a cancelled session (the same
    row again is fine). Runs inside the import's transaction and
    locks the sessions it checks, in primary-key order, so a booking cannot slip in between."""
    if file_name != "sessions.csv" or not rows:
        return []
    by_id = {row.values["external_id"]: row for row in rows}
    stored = list(
        Session.objects.select_for_update(of=("self",))
        .filter(external_id__in=list(by_id))
        .select_related("opportunity")
        .order_by("pk")
    )
    if not stored:
        return []
    taken = seats_taken_by_session([s.pk for s in stored])
    booked = set(
        Booking.objects.filter(session__in=stored)
        .exclude(status__in=Booking.CALENDAR_CANCELLED)
        .values_list("session_id", flat=True)
    )
    problems = []
    for session in stored:
        row = by_id[session.external_id]
        capacity = row.values.get("capacity") or session.opportunity.capacity or session.capacity
        if capacity < taken.get(session.pk, 0):
            reason = _("%(taken)d seats are already taken; the capacity cannot be lower.") % {
                "taken": taken[session.pk]
            }
            problems.append(Problem("sessions.csv", row.line, "capacity", reason))
        moved = (row.values["starts_at"], row.values["ends_at"]) != (session.starts_at, session.ends_at)
        if session.cancelled_at is not None and (moved or capacity != session.capacity):
            # Everyone was told it is off: a file cannot bring it back at another time; a new session can.
            reason = _("this session was cancelled; add a new session (with a new external_id) instead")
            problems.append(Problem("sessions.csv", row.line, "external_id", reason))
            continue
        if moved and session.pk in booked:
            reason = _(
                "this session has bookings: move it on the company's page, which mails everyone booked"
            )
            problems.append(Problem("sessions.csv", row.line, "starts_at", reason))
    return problems


def company_approval_withdraw(*, company_id: int, now: dt.datetime | None = None) -> int:
    """Unpublish a company: its future proposals and bookings are withdrawn, each participant is told
    why by mail, and its waitlists are emptied. Returns how many active bookings were withdrawn.

    Past sessions keep their records (attendance, reports). Safe to run twice.
    """
    now = now or timezone.now()
    withdrawn = 0
    with transaction.atomic():
        Company.objects.filter(pk=company_id).update(approved_at=None, updated_at=now)
        session_ids = list(
            Session.objects.filter(opportunity__company_id=company_id, starts_at__gt=now)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for session_id in session_ids:
            _lock_session(session_id)
            bookings = (
                Booking.objects.filter(session_id=session_id, status__in=(*Booking.ACTIVE, Status.WAITLISTED))
                .select_for_update(of=("self",))
                .with_details()
                .order_by("pk")
            )
            for booking in bookings:
                was_active = booking.status in Booking.ACTIVE
                booking.status = Status.CANCELLED
                booking.hold_until = None
                booking.waitlist_rank = None
                _save(booking)
                if was_active:
                    booking_mail_enqueue(booking, Category.BOOKING_CANCELLED, reason="withdrawn")
                    withdrawn += 1
    return withdrawn


def calendar_token_issue(*, user: User) -> CalendarToken:
    """A fresh feed token for the user; any earlier one stops working."""
    with transaction.atomic():
        CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        return CalendarToken.objects.create(user=user)


def calendar_token_revoke(*, token: CalendarToken) -> None:
    CalendarToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


# --- internals ------------------------------------------------------------------------------------


def _reminder_key(booking_id: int, day: dt.date) -> str:
    """The outbox key of a booking's reminder for the session on ``day``: sent once, withdrawable."""
    return f"booking-reminder:{booking_id}:{day.isoformat()}"


def _lock_session(session_id: int) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("opportunity__company")
        .get(pk=session_id)
    )


def _lock_participant(queryset: QuerySet[P], pk: int) -> P:
    """Lock a student or class request row against another booking of theirs deciding at the same time.

    Two sessions booked at once by one participant hold two different session locks; without this both
    would pass the overlap and same-opportunity checks, and on PostgreSQL two conflicting inserts under an
    exclusion constraint can deadlock rather than fail cleanly. NO KEY UPDATE leaves rows that merely
    reference the participant (their bookings, their mail) free to be written.
    """
    return queryset.select_for_update(no_key=True, of=("self",)).get(pk=pk)


def _lock_booking(booking_id: int) -> Booking:
    """Lock the booking's session, then the booking (the module's lock order); return it reloaded."""
    # A booking never changes session, so reading the session id without a lock is safe.
    session_id = Booking.objects.filter(pk=booking_id).values_list("session_id", flat=True).first()
    if session_id is None:
        raise Booking.DoesNotExist(f"booking {booking_id} does not exist")
    _lock_session(session_id)
    return Booking.objects.select_for_update(of=("self",)).with_details().get(pk=booking_id)


def _require(booking: Booking, status: str, message: str) -> None:
    """Refuse unless the booking is in `status`; `message` may name the current one as %(status)s."""
    if booking.status != status:
        raise BookingStateError(message % {"status": booking.get_status_display()})


def _require_company_answerable(booking: Booking, now: dt.datetime) -> None:
    """The company answers a proposal or a confirmation, and only before the session starts."""
    if booking.status not in Booking.ACTIVE:
        raise BookingStateError(
            _("Only a proposed or confirmed booking can be answered; this one is %(status)s.")
            % {"status": booking.get_status_display()}
        )
    if booking.session.starts_at <= now:
        raise BookingStateError(_("This session has already started."))


def _save(booking: Booking) -> None:
    # Every change raises SEQUENCE, so calendars replace the event they hold with this version.
    booking.sequence += 1
    booking.save()


def _consent_message(student: Student) -> str:
    return _(
        "%(name)s is under 18: a guardian's consent must be on record before this booking can be confirmed."
    ) % {"name": student.full_name}


def _conflict(participant: Student | ClassRequest, session: Session, now: dt.datetime) -> str | None:
    """Why the participant cannot take a seat in the session besides capacity, or None."""
    if isinstance(participant, Student):
        held = Booking.objects.filter(student=participant).active()
    else:
        held = Booking.objects.filter(class_request=participant).active()
    # A class is booked by its coordinator, who is told about the class, not about "you".
    klass = {"name": participant.class_name} if isinstance(participant, ClassRequest) else None
    if held.filter(session=session).exists():
        if klass:
            return _("Class %(name)s already holds a booking for this session.") % klass
        return _("You already hold a booking for this session.")
    if held.filter(session__opportunity_id=session.opportunity_id).exists():
        if klass:
            return _(
                "Class %(name)s already holds a booking for another session of this opportunity: "
                "its bookings are on the class's page."
            ) % klass
        return _("You already hold a booking for another session of this opportunity.")
    if held.overlapping(session.starts_at, session.ends_at).exists():
        if klass:
            return _("Class %(name)s already holds a booking at that time.") % klass
        return _("You already hold a booking at that time.")
    if (
        isinstance(participant, ClassRequest)
        and held.filter(ends_at__gt=now).count() >= participant.max_bookings
    ):
        return _("This class already holds as many bookings as it asked for.")
    return None


def _offer_next(session: Session, now: dt.datetime) -> Booking | None:
    """Turn the first waitlisted booking that fits into a proposal with its own hold. Session locked."""
    if session.starts_at <= now or session.opportunity.company.approved_at is None or session.cancelled_at:
        return None
    free = session.capacity - seats_taken(session)
    candidates = Booking.objects.waitlist(session).select_for_update(of=("self",)).with_details()
    for candidate in candidates:
        # Passed over, not removed: whoever does not fit now keeps their place for a later seat.
        if candidate.seats > free:
            continue
        if candidate.student_id is not None:
            _lock_participant(Student.objects.all(), candidate.student_id)
        elif candidate.class_request_id is not None:
            _lock_participant(ClassRequest.objects.all(), candidate.class_request_id)
        if _conflict(candidate.participant, session, now):
            continue
        if candidate.student is not None and needs_consent(candidate.student, session):
            continue
        candidate.status = Status.PROPOSED
        candidate.waitlist_rank = None
        candidate.hold_until = Booking.hold_deadline(session, now)
        _save(candidate)
        booking_mail_enqueue(candidate, Category.WAITLIST_OFFER)
        return candidate
    return None


def _move_bookings(session: Session, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    """Give every booking of the (locked) session the new times; mail those holding a place."""
    if session.starts_at <= now:
        raise SessionChangeRefused(_("A session that has started cannot be moved."), field="starts_at")
    if starts_at <= now:
        raise SessionChangeRefused(_("A session cannot be moved into the past."), field="starts_at")
    bookings = list(
        Booking.objects.filter(session=session)
        .exclude(status__in=Booking.CALENDAR_CANCELLED)
        .select_for_update(of=("self",))
        .with_details()
        .order_by("pk")
    )
    active = [b for b in bookings if b.status in Booking.ACTIVE]
    # Participants' rows in a fixed order (students, then classes, by id), as the module's lock order.
    for booking in sorted(active, key=lambda b: (b.student_id is None, b.student_id or b.class_request_id or 0)):
        if booking.student_id is not None:
            _lock_participant(Student.objects.all(), booking.student_id)
        elif booking.class_request_id is not None:
            _lock_participant(ClassRequest.objects.all(), booking.class_request_id)
    clashes = 0
    for booking in active:
        others = Booking.objects.of_participant(
            student_id=booking.student_id, class_request_id=booking.class_request_id
        ).active()
        if others.exclude(session=session).overlapping(starts_at, ends_at).exists():
            clashes += 1
    if clashes:
        raise SessionChangeRefused(
            _("%(n)d of the people booked already hold another booking at the new time; the session cannot move there.")
            % {"n": clashes},
            field="starts_at",
        )
    previous = timezone.localtime(session.starts_at).isoformat()
    for booking in bookings:
        booking.starts_at, booking.ends_at = starts_at, ends_at
        booking.session.starts_at, booking.session.ends_at = starts_at, ends_at
        if booking.status in Booking.ACTIVE:
            if booking.status == Status.PROPOSED and booking.hold_until is not None:
                booking.hold_until = min(booking.hold_until, starts_at)
            _save(booking)  # a higher SEQUENCE: calendars replace the event
            booking_mail_enqueue(booking, Category.BOOKING_MOVED, previous_starts_at=previous)
        else:
            booking.save(update_fields=["starts_at", "ends_at", "updated_at"])


def _offer_free_seats(session: Session, now: dt.datetime) -> None:
    """A raised capacity frees seats: offer them to the waitlist, as a cancellation does."""
    free = session.capacity - seats_taken(session)
    if free > 0:
        _refill(session, free, now)


def _refill(session: Session, seats: int, now: dt.datetime) -> None:
    """Offer `seats` freed seats on, one participant at a time; never more offers than seats freed."""
    offered = 0
    while offered < seats:
        booking = _offer_next(session, now)
        if booking is None:
            return
        offered += booking.seats
