"""iCalendar files: one per booking (mail attachment, download) and a private feed per user.

Times are written as local wall time with TZID=Asia/Ho_Chi_Minh and its VTIMEZONE, so calendars show
the hour the school sees on its timetable. The UID is stable for a booking's whole life and SEQUENCE is
the booking's own counter, so a later file (a cancellation) replaces the earlier event in place.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from .models import Booking
from .selectors import company_sees_student

TZ_NAME = "Asia/Ho_Chi_Minh"
PRODID = "-//Cau Noi//Scheduler//VI"
METHODS = ("PUBLISH", "CANCEL")

_ICS_STATUS = {
    Booking.Status.PROPOSED: "TENTATIVE",
    Booking.Status.CONFIRMED: "CONFIRMED",
    Booking.Status.ATTENDED: "CONFIRMED",
    Booking.Status.NO_SHOW: "CONFIRMED",
    Booking.Status.DECLINED: "CANCELLED",
    Booking.Status.EXPIRED: "CANCELLED",
    Booking.Status.CANCELLED: "CANCELLED",
}


def _line(text: str) -> str:
    """Text for one calendar property: line breaks become spaces and other control characters go.
    RFC 5545 allows none of them in a TEXT value; pages and imports refuse them, and rows stored before
    that rule must still give a calendar every client reads."""
    return "".join(" " if ch in "\r\n\t" else ch for ch in text if ch in "\r\n\t" or unicodedata.category(ch) != "Cc")


def booking_event(booking: Booking, *, for_company: bool = False) -> icalendar.Event:
    """The VEVENT of a booking (with_details() loaded). Waitlisted bookings have no event. ``for_company``:
    the calendar of the company's staff, who see a student's name only once the student has confirmed a
    place (``selectors.company_sees_student``), as on the company's pages."""
    tz = ZoneInfo(TZ_NAME)
    session = booking.session
    opportunity = session.opportunity
    event = icalendar.Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", (booking.updated_at or timezone.now()).astimezone(dt.UTC))
    event.add("dtstart", session.starts_at.astimezone(tz))
    event.add("dtend", session.ends_at.astimezone(tz))
    event.add("summary", _line(f"{opportunity.title} — {opportunity.company.name}"))
    # The street address a phone's map can open, then the province.
    event.add("location", _line(opportunity.place or gettext("Online")))
    who = booking.participant_name
    if for_company and not company_sees_student(booking):
        who = gettext("A student")
    description = f"{who}: {booking.get_status_display()}"
    if session.cancelled_at is not None:
        said = gettext("The company cancelled this session: %(reason)s") % {"reason": session.cancel_reason}
        description = f"{description} — {said}"
    event.add("description", _line(description))
    event.add("status", _ICS_STATUS[booking.Status(booking.status)])
    return event


def calendar_ics(
    bookings: Iterable[Booking], *, name: str = "Cầu Nối", method: str = "PUBLISH", for_company: bool = False
) -> bytes:
    """``method``: PUBLISH for feeds and downloads; CANCEL for the file mailed when the company cancels the
    session (iTIP, RFC 5546: the calendar removes the event with that UID). ``for_company``: for the
    company's staff (``booking_event``)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("x-wr-calname", _line(name))
    calendar.add("x-wr-timezone", TZ_NAME)
    for booking in bookings:
        if booking.status != Booking.Status.WAITLISTED:
            event = booking_event(booking, for_company=for_company)
            if method == "CANCEL":
                # RFC 5546 asks a CANCEL for its ORGANIZER: the address the invitation came from.
                name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
                organizer = icalendar.vCalAddress(f"mailto:{address}")
                if name:
                    organizer.params["cn"] = icalendar.vText(name)
                event.add("organizer", organizer)
            calendar.add_component(event)
    # Adds the VTIMEZONE of every TZID used (none for an empty feed); the default range ends in 2038.
    calendar.add_missing_timezones(last_date=dt.date(2100, 1, 1))
    return calendar.to_ical()


def booking_ics(booking: Booking, *, method: str = "PUBLISH", for_company: bool = False) -> bytes:
    return calendar_ics([booking], name=booking.session.opportunity.title, method=method, for_company=for_company)
