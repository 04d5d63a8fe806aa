"""The company's pages (company staff; also experts, entrepreneurs and artisans): home, company profile,
opportunities and their sessions, proposed participants, the company's answer to a participant,
attendance and confirmed contacts.

Everything is fetched through the signed-in user's company, so another company's opportunity, session,
participant or booking is a 404. A student's name and email are shown only once the student has
confirmed a place with the company (``scheduler.selectors.company_sees_student``). Refusals of the
scheduler's workflows (``BookingError``) are shown next to the button or field they concern.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from companies.models import Company, Opportunity, Session
from matchmaking.models import MatchRound, OpportunityMatch
from matchmaking.phrasing import reasons_text
from scheduler import selectors
from scheduler import services as booking_services
from scheduler.models import Booking

from ..forms_company import CompanyProfileForm, NewSessionForm, OpportunityForm, SessionCancelForm, SessionForm
from .opportunity_reach import reach
from .roles import role_required

staff_only = role_required(User.Role.COMPANY_STAFF)
Status = Booking.Status

ANSWERS = {"accept": booking_services.booking_company_accept, "decline": booking_services.booking_company_decline}
ATTENDANCE = {"present": True, "absent": False}


def _company(request: HttpRequest) -> Company:
    assert isinstance(request.user, User) and request.user.company is not None
    return request.user.company


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _opportunities(company: Company) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(company=company)


def _sessions(company: Company) -> QuerySet[Session]:
    return (
        selectors.sessions_with_seats(
            Session.objects.filter(opportunity__company=company).select_related("opportunity")
        )
        .annotate(seats_left=F("capacity") - F("seats_taken"))
        .order_by("starts_at", "pk")
    )


def _bookings(company: Company) -> QuerySet[Booking]:
    return Booking.objects.filter(session__opportunity__company=company).with_details()


def _reasons(bookings: list[Booking]) -> None:
    """Give each booking the reasons its participant was proposed for the opportunity (if any), whether
    the participant signed up on their own (no score: no match proposed it) and whether the company may
    see the student's name."""
    opportunity_ids = {b.session.opportunity_id for b in bookings}
    rows = OpportunityMatch.objects.filter(opportunity_id__in=opportunity_ids).values_list(
        "opportunity_id", "student_id", "class_request_id", "reasons"
    )
    reasons: dict[tuple[int, int | None, int | None], list[Any]] = {(o, s, c): r for o, s, c, r in rows}
    for b in bookings:
        found = reasons.get((b.session.opportunity_id, b.student_id, b.class_request_id), [])
        b.reasons = reasons_text(found, for_opportunity=True)  # type: ignore[attr-defined]
        b.self_booked = b.score is None and not b.reasons  # type: ignore[attr-defined]
        b.identified = selectors.company_sees_student(b)  # type: ignore[attr-defined]


def _new_external_id(prefix: str) -> str:
    # Opportunities and sessions made on the page get an identifier of their own (a file's rows keep
    # theirs): the company's or opportunity's prefix and a random tail, never reused.
    return f"{prefix}-W{secrets.token_hex(4).upper()}"


@staff_only
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    now = timezone.now()
    upcoming = _sessions(company).filter(ends_at__gt=now)[:20]
    due = list(selectors.company_answers_due(company, now=now)[:50])
    _reasons(due)
    context = {"company": company, "upcoming": upcoming, "due": due, "now": now}
    return render(request, "web/company/home.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = CompanyProfileForm(_posted(request), instance=company)
    if request.method == "POST" and form.is_valid():
        form.save()
        person = company.profile != Company.Profile.COMPANY
        messages.success(request, _("Profile saved.") if person else _("Company profile saved."))
        return redirect("web:company-profile")
    return render(request, "web/company/profile.html", {"form": form, "company": company})


@staff_only
@require_GET
def opportunities(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    rows = _opportunities(company).prefetch_related("sessions").order_by("-created_at", "pk")
    return render(request, "web/company/opportunities.html", {"company": company, "opportunities": rows})


@staff_only
@require_http_methods(["GET", "POST"])
def opportunity_new(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = OpportunityForm(_posted(request), initial={"language": "vi", "province": company.province})
    if request.method == "POST" and form.is_valid():
        form.instance.company = company
        form.instance.external_id = _new_external_id(company.external_id)
        opportunity = form.save()
        messages.success(request, _("Opportunity saved. Now add its sessions."))
        return redirect("web:company-opportunity", pk=opportunity.pk)
    return render(request, "web/company/opportunity_form.html", {"form": form, "company": company})


@staff_only
@require_http_methods(["GET", "POST"])
def opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    """An opportunity: edit it, its sessions with seats, and a form to add one."""
    company = _company(request)
    opp = get_object_or_404(_opportunities(company), pk=pk)
    form = OpportunityForm(_posted(request), instance=opp)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Opportunity saved."))
        return redirect("web:company-opportunity", pk=opp.pk)
    return _opportunity_page(request, company, opp, form=form, session_form=None)


def _opportunity_page(
    request: HttpRequest,
    company: Company,
    opp: Opportunity,
    *,
    form: OpportunityForm | None,
    session_form: SessionForm | None,
) -> HttpResponse:
    context = {
        "company": company,
        "opportunity": opp,
        "form": form or OpportunityForm(instance=opp),
        "session_form": session_form or NewSessionForm(initial={"capacity": opp.capacity or 30}),
        "sessions": _sessions(company).filter(opportunity=opp),
        "now": timezone.now(),
    }
    return render(request, "web/company/opportunity.html", context)


@staff_only
@require_POST
def opportunity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    opp = get_object_or_404(_opportunities(_company(request)), pk=pk)
    try:
        booking_services.offer_delete(opportunity_id=opp.pk)
    except booking_services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect("web:company-opportunity", pk=opp.pk)
    messages.success(request, _("Opportunity deleted."))
    return redirect("web:company-opportunities")


@staff_only
@require_POST
def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    opp = get_object_or_404(_opportunities(company), pk=pk)
    form = NewSessionForm(request.POST, now=timezone.now())
    if not form.is_valid():
        return _opportunity_page(request, company, opp, form=None, session_form=form)
    Session.objects.create(
        opportunity=opp,
        external_id=_new_external_id(opp.external_id),
        starts_at=form.cleaned_data["starts_at"],
        ends_at=form.cleaned_data["ends_at"],
        capacity=form.cleaned_data["capacity"],
    )
    messages.success(request, _("Session added."))
    return redirect("web:company-opportunity", pk=opp.pk)


@staff_only
@require_http_methods(["GET", "POST"])
def session(request: HttpRequest, pk: int) -> HttpResponse:
    """A session: move it or change its seats (``session_update``), cancel it (``session_cancel``), its
    participants to answer, and on the day the attendance list."""
    company = _company(request)
    row = get_object_or_404(_sessions(company), pk=pk)
    form = _session_form(row, _posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking_services.session_update(
                session_id=row.pk, capacity=data["capacity"], starts_at=data["starts_at"], ends_at=data["ends_at"]
            )
        except booking_services.SessionChangeRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except booking_services.BookingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Session saved. Everyone booked was mailed the new details."))
            return redirect("web:company-session", pk=row.pk)
    return _session_page(request, company, row, form=form, cancel_form=SessionCancelForm())


def _session_form(row: Session, data: Any = None) -> SessionForm:
    return SessionForm(data, initial={"starts_at": row.starts_at, "ends_at": row.ends_at, "capacity": row.capacity})


def _session_page(
    request: HttpRequest, company: Company, row: Session, *, form: SessionForm, cancel_form: SessionCancelForm
) -> HttpResponse:
    now = timezone.now()
    bookings = list(
        _bookings(company)
        .filter(session=row)
        .exclude(status__in=(Status.DECLINED, Status.EXPIRED, Status.CANCELLED))
        .order_by("status", "waitlist_rank", "pk")
    )
    _reasons(bookings)
    context = {
        "company": company,
        "session": row,
        "form": form,
        "started": row.starts_at <= now,
        "bookings": [b for b in bookings if b.status != Status.WAITLISTED],
        "waitlisted": [b for b in bookings if b.status == Status.WAITLISTED],
        # Whom a cancellation would mail: each place held or waited for (a class is one, its school's contact).
        "to_tell": sum(1 for b in bookings if b.status in (*Booking.ACTIVE, Status.WAITLISTED)),
        "cancel_form": cancel_form,
        "Status": Status,
    }
    if row.cancelled_at is not None:
        # Who the cancellation told: the places it called off (a class by its name; a student's name only
        # where the company saw it, as on its other pages: never, once the place is cancelled).
        told = _bookings(company).filter(session=row, status=Status.CANCELLED, updated_at__gte=row.cancelled_at)
        context["told"] = list(told.order_by("pk"))
    return render(request, "web/company/session.html", context)


@staff_only
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the session with a reason (``session_cancel``): a refused reason comes back beside the field,
    any other refusal (a double tap, a session started meanwhile) as a message on the session's page."""
    company = _company(request)
    row = get_object_or_404(_sessions(company), pk=pk)
    cancel_form = SessionCancelForm(request.POST)
    if cancel_form.is_valid():
        try:
            booking_services.session_cancel(session_id=row.pk, reason=cancel_form.cleaned_data["reason"])
        except booking_services.SessionChangeRefused as exc:
            if exc.field != "reason":  # started or already cancelled: the page no longer has the form
                messages.error(request, str(exc))
                return redirect("web:company-session", pk=row.pk)
            cancel_form.add_error("reason", str(exc))
        else:
            messages.success(request, _("Session cancelled. Everyone booked or waiting was mailed your reason."))
            return redirect("web:company-session", pk=row.pk)
    return _session_page(request, company, row, form=_session_form(row), cancel_form=cancel_form)


@staff_only
@require_POST
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Session.objects.filter(opportunity__company=_company(request)), pk=pk)
    try:
        booking_services.offer_delete(session_id=row.pk)
    except booking_services.BookingError as exc:
        messages.error(request, str(exc))
        return redirect("web:company-session", pk=row.pk)
    messages.success(request, _("Session deleted."))
    return redirect("web:company-opportunity", pk=row.opportunity_id)


@staff_only
@require_POST
def booking_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept or decline a participant, or mark them present or absent. An htmx request gets its row
    back (status 200, the refusal beside the buttons); without JavaScript, a redirect and a message."""
    company = _company(request)
    booking = get_object_or_404(_bookings(company), pk=pk)
    error = ""
    try:
        if action in ANSWERS:
            ANSWERS[action](booking_id=booking.pk)
        elif action in ATTENDANCE:
            booking_services.booking_attend(booking_id=booking.pk, attended=ATTENDANCE[action])
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    except booking_services.BookingError as exc:
        error = str(exc)
    if request.htmx:  # type: ignore[attr-defined]
        fresh = _bookings(company).get(pk=booking.pk)
        _reasons([fresh])
        template = "web/company/_attendance_row.html" if action in ATTENDANCE else "web/company/_booking_row.html"
        # A row of the home page names its session; swapped in after an answer it still must.
        show_session = request.POST.get("show_session") == "1"
        context = {"booking": fresh, "error": error, "Status": Status, "show_session": show_session}
        return render(request, template, context)
    if error:
        messages.error(request, error)
    else:
        done = {
            "accept": _("Accepted."),
            "decline": _("Declined: the participant was told, and the seat offered to the waiting list."),
            "present": _("Marked present."),
            "absent": _("Marked absent."),
        }
        messages.success(request, done[action])
    return redirect("web:company-session", pk=booking.session_id)


@staff_only
@require_GET
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    """The participants that fit an opportunity best, with the reasons; names once confirmed."""
    company = _company(request)
    opp = get_object_or_404(_opportunities(company), pk=pk)
    rows = list(selectors.proposed_participants(opp)[:100])
    # Where each participant has a seat, so that the answer is one tap away (the session's page).
    seats = {
        (b.student_id, b.class_request_id): b
        for b in Booking.objects.filter(session__opportunity=opp).active().order_by("starts_at", "pk")
    }
    for row in rows:
        row.booking = seats.get((row.student_id, row.class_request_id))  # type: ignore[attr-defined]
    # Why the list is empty: not approved yet (never matched), or a round since the opportunity last
    # changed found nobody (then who it can reach, step by step), or its first round is still to come.
    context: dict[str, Any] = {"opportunity": opp, "rows": rows, "approved": company.approved_at is not None}
    if not rows:
        context["round_since"] = MatchRound.published_since(opp.updated_at)
        if context["round_since"] and context["approved"]:
            context["reach"] = reach(opp, timezone.now())
    return render(request, "web/company/participants.html", context)


@staff_only
@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    rows = selectors.company_contacts(_company(request))
    return render(request, "web/company/contacts.html", {"rows": rows})
