"""Pages and files: calendar downloads and feeds, the answers to emailed links, and the booking buttons.

Views check who may act and call one service. A booking someone may not see is a 404, never a 403, so
its existence does not leak. The emailed confirm/decline links need no login: their signature is the
proof, and it expires with the hold.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from companies.models import Session
from scheduler import services
from scheduler.calendar import booking_ics, calendar_ics
from scheduler.mail import absolute_url, response_load
from scheduler.models import Booking, CalendarToken
from students.models import ClassRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # the stubs' type, not installed in production

FEED_PAST_DAYS = 90
# Where each role reads the bookings its feed holds, named as its navigation names it: the calendar page
# links back there.
BOOKINGS_PAGE: dict[str, tuple[str, StrOrPromise]] = {
    User.Role.STUDENT: ("web:student-bookings", gettext_lazy("My bookings")),
    User.Role.SCHOOL_COORDINATOR: ("web:school-bookings", gettext_lazy("Bookings")),
    User.Role.COMPANY_STAFF: ("web:company-home", gettext_lazy("My company")),
}
ICS = "text/calendar; charset=utf-8"


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    return HttpResponse(content, content_type=ICS, headers={"Content-Disposition": f'inline; filename="{filename}"'})


@login_required
@require_GET
def booking_ics_view(request: HttpRequest, pk: int) -> HttpResponse:
    bookings = Booking.objects.visible_to(request.user).exclude(status=Booking.Status.WAITLISTED)
    booking = get_object_or_404(bookings.with_details(), pk=pk)
    for_company = getattr(request.user, "role", "") == User.Role.COMPANY_STAFF
    return _ics_response(booking_ics(booking, for_company=for_company), f"booking-{booking.pk}.ics")


@require_GET
def feed_view(request: HttpRequest, token: str) -> HttpResponse:
    found = get_object_or_404(
        CalendarToken.objects.select_related("user"),
        token=token,
        revoked_at__isnull=True,
        user__is_active=True,
    )
    since = timezone.now() - dt.timedelta(days=FEED_PAST_DAYS)
    bookings = Booking.objects.in_calendar_of(found.user).filter(ends_at__gte=since).with_details()
    # A company's staff see a student's name only once the student has confirmed, as on their pages.
    for_company = found.user.role == User.Role.COMPANY_STAFF
    return _ics_response(calendar_ics(bookings.order_by("starts_at", "pk"), for_company=for_company), "caunoi.ics")


@login_required
@require_http_methods(["GET", "POST"])
def calendar_view(request: HttpRequest) -> HttpResponse:
    """The user's private feed address; POST replaces it (the old address stops working)."""
    assert isinstance(request.user, User)
    token = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    if request.method == "POST" or token is None:
        token = services.calendar_token_issue(user=request.user)
        if request.method == "POST":
            return redirect("scheduler:calendar")
    url = absolute_url(reverse("scheduler:feed", args=[token.token]))
    back = BOOKINGS_PAGE.get(request.user.role)
    return render(
        request,
        "scheduler/calendar.html",
        {"feed_url": url, "back": back and (reverse(back[0]), back[1])},
    )


@require_http_methods(["GET", "POST"])
def respond_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the confirm (or decline) form of an emailed link; POST does it."""
    try:
        response = response_load(token)
    except signing.SignatureExpired:
        return render(request, "scheduler/link_expired.html", status=410)
    except signing.BadSignature:
        return render(request, "scheduler/link_invalid.html", status=400)
    booking = Booking.objects.with_details().filter(pk=response.booking_id).first()
    if booking is None:  # replaced by a later scheduling round
        return render(request, "scheduler/link_invalid.html", status=404)
    context = {"booking": booking, "action": response.action, "error": ""}
    if request.method == "POST":
        act = services.booking_confirm if response.action == "confirm" else services.booking_decline
        try:
            context["booking"] = act(booking_id=booking.pk)
        except services.HoldExpired:
            return render(request, "scheduler/link_expired.html", status=410)
        except services.BookingError as exc:
            context["error"] = str(exc)
            return render(request, "scheduler/respond.html", context, status=409)
        return render(request, "scheduler/responded.html", context)
    return render(request, "scheduler/respond.html", context)


@login_required
@require_POST
def cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.manageable_by(request.user), pk=pk)
    try:
        booking = services.booking_cancel(booking_id=booking.pk)
    except services.BookingError as exc:
        return render(request, "scheduler/problem.html", {"error": str(exc)}, status=409)
    return render(request, "scheduler/responded.html", {"booking": booking, "action": "cancel"})


@login_required
@require_POST
def attendance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Company staff (or an organiser) mark a participant present (attended=1) or absent (attended=0)."""
    user = request.user
    assert isinstance(user, User)
    if user.role not in (User.Role.COMPANY_STAFF, User.Role.ORGANISER):
        raise Http404
    booking = get_object_or_404(Booking.objects.visible_to(user), pk=pk)
    attended = request.POST.get("attended")
    if attended not in ("0", "1"):
        return render(request, "scheduler/problem.html", {"error": _("Say attended=1 or 0.")}, status=400)
    try:
        booking = services.booking_attend(booking_id=booking.pk, attended=attended == "1")
    except services.BookingError as exc:
        return render(request, "scheduler/problem.html", {"error": str(exc)}, status=409)
    return render(request, "scheduler/responded.html", {"booking": booking, "action": "attendance"})


@login_required
@require_POST
def book_view(request: HttpRequest, session_pk: int) -> HttpResponse:
    """A student books a seat for themselves (a coordinator books for a class with class_request=<id>)."""
    user = request.user
    assert isinstance(user, User)
    session = get_object_or_404(Session, pk=session_pk)
    student_id = class_request_id = None
    if user.role == User.Role.STUDENT:
        student_id = user.student_id
    elif user.role == User.Role.SCHOOL_COORDINATOR:
        raw = request.POST.get("class_request", "")
        if not raw.isdigit():
            return render(request, "scheduler/problem.html", {"error": _("Choose a class.")}, status=400)
        class_request_id = get_object_or_404(ClassRequest, pk=int(raw), school_id=user.school_id).pk
    else:
        raise Http404
    try:
        booking = services.booking_request(
            session_id=session.pk, student_id=student_id, class_request_id=class_request_id
        )
    except services.BookingError as exc:
        return render(request, "scheduler/problem.html", {"error": str(exc)}, status=409)
    return render(request, "scheduler/responded.html", {"booking": booking, "action": "book"}, status=201)
