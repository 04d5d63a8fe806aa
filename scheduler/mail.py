"""Booking mail: who gets it, what its template is told, and the signed links that answer it.

Everything here is called inside the transaction that changes the booking, so a message exists if and
only if the change does (the outbox relay sends after commit). The links need no login: a signature
that expires with the hold is the proof, as with any emailed confirmation link.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.http import RFC3986_SUBDELIMS

from notifications.models import OutboxMessage
from notifications.services import Mail, message_enqueue, messages_enqueue

from .calendar import booking_ics
from .models import Booking

Category = OutboxMessage.Category

_SALT = "scheduler.booking-response"
ACTIONS = ("confirm", "decline")


@dataclass(frozen=True, slots=True)
class Response:
    booking_id: int
    action: str  # one of ACTIONS


def response_token(booking: Booking, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return signing.dumps({"b": booking.pk, "a": action}, salt=_SALT, compress=True)


def response_load(token: str) -> Response:
    """Raise signing.SignatureExpired once the hold window has passed, signing.BadSignature if tampered."""
    data = signing.loads(token, salt=_SALT, max_age=dt.timedelta(hours=settings.BOOKING_HOLD_HOURS))
    if not isinstance(data, dict) or data.get("a") not in ACTIONS or not isinstance(data.get("b"), int):
        raise signing.BadSignature("malformed booking response token")
    return Response(booking_id=data["b"], action=data["a"])


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


_PLACEHOLDER = "987654321"  # an int and a str: every converter of the two patterns takes it


@functools.lru_cache(maxsize=16)
def _path_template(name: str, script_prefix: str) -> str:
    return reverse(name, args=[_PLACEHOLDER])


def booking_path(name: str, arg: int | str) -> str:
    """``reverse(name, args=[arg])`` for the booking links (one argument each), the pattern resolved once
    per process: a round mails a province's proposals, and resolving it per mail took a fifth of the
    round. The argument is quoted as ``reverse`` quotes it."""
    template = _path_template(name, get_script_prefix())
    return template.replace(_PLACEHOLDER, quote(str(arg), safe=RFC3986_SUBDELIMS + "/~:@"))


def location(booking: Booking) -> str:
    """Where to go (the company's address in its province, then the province's name), or "" for an
    opportunity held only online (the mail says "online" in the reader's language, from ``online``)."""
    return booking.session.opportunity.place


def recipient(booking: Booking) -> tuple[str, str]:
    """(email, language). A class's mail goes to its school's contact address, in Vietnamese."""
    if booking.student_id:
        assert booking.student is not None
        return booking.student.email, booking.student.language
    assert booking.class_request is not None
    return booking.class_request.school.contact_email, "vi"


def context(booking: Booking) -> dict[str, Any]:
    session = booking.session
    data: dict[str, Any] = {
        "booking_id": booking.pk,
        "status": booking.status,
        "participant_name": booking.participant_name,
        "participant_type": booking.participant_type,
        "seats": booking.seats,
        "opportunity_title": session.opportunity.title,
        "company_name": session.opportunity.company.name,
        "starts_at": timezone.localtime(session.starts_at).isoformat(),
        "ends_at": timezone.localtime(session.ends_at).isoformat(),
        "location": location(booking),
        "online": booking.session.opportunity.online,
        "hold_until": timezone.localtime(booking.hold_until).isoformat() if booking.hold_until else "",
        "ics_url": absolute_url(booking_path("scheduler:booking-ics", booking.pk)),
        "confirm_url": "",
        "decline_url": "",
    }
    if booking.status == Booking.Status.PROPOSED:
        data["confirm_url"] = absolute_url(
            booking_path("scheduler:respond", response_token(booking, "confirm"))
        )
        data["decline_url"] = absolute_url(
            booking_path("scheduler:respond", response_token(booking, "decline"))
        )
    return data


def booking_mail(
    booking: Booking, category: str, *, key: str | None = None, ics: str | None = "PUBLISH", **extra: Any
) -> Mail:
    """The mail for the booking's current state. The default key names the booking and its sequence, so
    each state change mails once. ``ics``: the METHOD of the attached calendar file ("CANCEL" when the
    company cancels the session), or None for no file (a place on a waitlist was never in a calendar)."""
    to, language = recipient(booking)
    attachments: tuple[dict[str, str], ...] = ()
    attach = (Category.BOOKING_CONFIRMED, Category.BOOKING_CANCELLED, Category.BOOKING_MOVED)
    if ics is not None and category in attach:
        # Confirmation adds the event to the calendar; a move (same UID, higher SEQUENCE, new times)
        # updates it in place; cancellation (STATUS:CANCELLED, same UID, higher SEQUENCE) removes it.
        # The file is written now, so in the recipient's language now.
        with translation.override(language):
            content = booking_ics(booking, method=ics).decode("utf-8")
        attachments = (
            {"filename": f"booking-{booking.pk}.ics", "content": content, "mimetype": "text/calendar"},
        )
    return Mail(
        key=key or f"{category.replace('_', '-')}:{booking.pk}:{booking.sequence}",
        category=category,
        to=to,
        language=language,
        context={**context(booking), **extra},
        student_id=booking.student_id,
        attachments=attachments,
    )


def booking_mail_enqueue(
    booking: Booking, category: str, *, key: str | None = None, ics: str | None = "PUBLISH", **extra: Any
) -> bool:
    """Queue the mail for the booking's current state; False when its dedupe key was queued before."""
    mail = booking_mail(booking, category, key=key, ics=ics, **extra)
    message = message_enqueue(
        key=mail.key,
        category=mail.category,
        to=mail.to,
        language=mail.language,
        context=mail.context,
        student_id=mail.student_id,
        attachments=mail.attachments,
    )
    return message is not None


def booking_mails_enqueue(bookings: Iterable[Booking], category: str, **extra: Any) -> int:
    """``booking_mail_enqueue`` for many bookings (a round's proposals), in batches; how many were queued."""
    return messages_enqueue(booking_mail(booking, category, **extra) for booking in bookings)
