"""The student's pages: recommendations, booking, bookings, profile, free times, mail and data.

Everything is fetched through the signed-in student, so another student's recommendation, booking or
free time is a 404. Refusals of the booking workflows (``BookingError``) carry a message fit to show:
it goes next to the button, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from companies.selectors import opportunities_published, sessions_published
from matchmaking.inputs import participant_text
from matchmaking.learning import feedback_record, feedback_withdraw
from matchmaking.models import Feedback, Match, MatchRound
from matchmaking.search import in_common, interest_query
from notifications.suppressions import address_preferences_update
from privacy.consent import ConsentError, consent_request_send
from privacy.services import student_data, student_erase
from scheduler import services as booking_services
from scheduler.models import Booking
from students.models import GuardianConsent, Student
from students.services import availability_replace

from ..forms import AvailabilityForm, EraseForm, MailForm, ProfileForm
from .public import booked_for, upcoming_sessions
from .roles import role_required

student_only = role_required(User.Role.STUDENT)

# "Interested" is a click-through (positive for the learner, like an acceptance); "not interested" is
# the learner's negative label. An actual booking is the strongest signal and is recorded by bookings.
FEEDBACK = {"interested": Feedback.Kind.CLICKED, "not_interested": Feedback.Kind.NOT_INTERESTED}
BOOKING_ACTIONS = {
    "confirm": booking_services.booking_confirm,
    "decline": booking_services.booking_decline,
    "cancel": booking_services.booking_cancel,
}


def _student(request: HttpRequest) -> Student:
    assert isinstance(request.user, User) and request.user.student is not None
    return request.user.student


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, so that its errors show), None for a GET."""
    return request.POST if request.method == "POST" else None


def _needs_consent(student: Student) -> bool:
    """Under 18 today without a guardian's consent on record: the booking workflow will refuse."""
    consented = GuardianConsent.objects.filter(student=student, withdrawn_at__isnull=True).exists()
    return student.is_minor() and not consented


def _last_feedback(student: Student) -> dict[int, str]:
    rows = Feedback.objects.filter(student=student, kind__in=FEEDBACK.values()).order_by("created_at", "pk")
    return dict(rows.values_list("opportunity_id", "kind"))


@student_only
@require_GET
def recommendations(request: HttpRequest) -> HttpResponse:
    student = _student(request)
    matches = (
        Match.objects.filter(student=student, opportunity__in=opportunities_published())
        .select_related("opportunity__company")
        .prefetch_related(Prefetch("opportunity__sessions", queryset=upcoming_sessions(), to_attr="upcoming"))
        .order_by("rank", "pk")
    )
    feedback = _last_feedback(student)
    for match in matches:
        match.feedback = feedback.get(match.opportunity_id, "")  # type: ignore[attr-defined]
        _in_common(match, student)
    # "Not interested" hides a recommendation: it goes to the foot of the page, where it can be undone.
    hidden = [m for m in matches if m.feedback == Feedback.Kind.NOT_INTERESTED]  # type: ignore[attr-defined]
    context = {
        "matches": [m for m in matches if m.feedback != Feedback.Kind.NOT_INTERESTED],  # type: ignore[attr-defined]
        "hidden": hidden,
        **booked_for(request.user),
        "student": student,
        # The catalogue searched for the interests now, without waiting for the next round.
        "interest_query": interest_query(student.interests or ""),
        "round_since_profile": MatchRound.published_since(student.updated_at),
        "needs_consent": _needs_consent(student),
    }
    return render(request, "web/student/recommendations.html", context)


def _in_common(match: Match, student: Student) -> None:
    """When the engine's reasons name no shared topic or close text, say what the two texts have in
    common (``match.in_common``): why the opportunity is on the list at all, in the student's words."""
    opportunity = match.opportunity
    match.in_common = in_common(  # type: ignore[attr-defined]
        match.reasons or [],
        participant_text(student.interests or "", student.skills or ""),
        f"{opportunity.title}\n{opportunity.description}",
    )


def _own_match(student: Student, pk: int) -> Match:
    """One of the student's recommendations, with what its card shows (404 for anyone else's)."""
    return get_object_or_404(
        Match.objects.filter(student=student)
        .select_related("opportunity__company")
        .prefetch_related(Prefetch("opportunity__sessions", queryset=upcoming_sessions(), to_attr="upcoming")),
        pk=pk,
    )


@student_only
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    student = _student(request)
    match = _own_match(student, pk)
    kind = FEEDBACK.get(request.POST.get("kind", ""))
    if kind is None:
        return HttpResponseBadRequest(_("Say interested or not_interested."))
    feedback_record(match=match, kind=kind)
    if not request.htmx:  # type: ignore[attr-defined]
        if kind == Feedback.Kind.NOT_INTERESTED:
            hidden = _("Hidden. It is under “Hidden recommendations” at the foot of the page, to undo.")
            messages.success(request, hidden)
        return redirect("web:student-home")
    match.feedback = kind  # type: ignore[attr-defined]
    return _recommendation(request, match, student)


@student_only
@require_POST
def feedback_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo "not interested": the recommendation shows again, and the learner forgets the decline."""
    student = _student(request)
    match = _own_match(student, pk)
    feedback_withdraw(match=match, kind=Feedback.Kind.NOT_INTERESTED)
    home, shown = reverse("web:student-home"), _("Shown again: “%(title)s”.") % {"title": match.opportunity.title}
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, shown)
        return redirect(f"{home}#match-{match.pk}")
    if request.POST.get("from") == "hidden":
        # Undone from the foot of the page: the card goes back to its place in the list, so the page
        # is loaded again there (swapped in place, it would stay under "Hidden recommendations"). The
        # query makes it a new address: to the same page with only another #fragment, the browser
        # would scroll and not load anything.
        messages.success(request, shown)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{home}?shown={match.pk}#match-{match.pk}"
        return response
    match.feedback = _last_feedback(student).get(match.opportunity_id, "")  # type: ignore[attr-defined]
    return _recommendation(request, match, student)


def _recommendation(request: HttpRequest, match: Match, student: Student) -> HttpResponse:
    """One recommendation, for htmx to swap in place of the one the student answered."""
    _in_common(match, student)
    context = {"match": match, **booked_for(request.user)}
    return render(request, "web/student/_recommendation.html", context)


@student_only
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a seat from a recommendation, the catalogue or an opportunity page."""
    student = _student(request)
    session = get_object_or_404(sessions_published(), pk=pk)
    error = ""
    try:
        booking_services.booking_request(session_id=session.pk, student_id=student.pk)
    except booking_services.ConsentRequired:
        # The workflow's message names the student for a coordinator; the student is told the next step.
        error = _(
            "You are under 18: a parent or guardian must agree before you book. "
            "Ask them from the top of the “For you” page."
        )
    except booking_services.BookingError as exc:
        error = str(exc)
    if request.htmx:  # type: ignore[attr-defined]
        fresh = upcoming_sessions().filter(pk=session.pk).first()
        # Booked: the opportunity's other rows on the page (every page lists at least its first three
        # upcoming sessions) lose their Book button too, swapped out of band.
        others = [] if error else list(upcoming_sessions().filter(opportunity_id=session.opportunity_id)[:3])
        context = {
            "session": fresh or session,
            **booked_for(request.user),
            "error": error,
            "siblings": [other for other in others if other.pk != session.pk],
        }
        return render(request, "web/partials/_session_booked.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Booked. It is in your bookings."))
    # Back to the page the button was on: a path of this site only (redirect() would read "-1" as a view name).
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "web:student-bookings")


@student_only
@require_POST
def consent_request(request: HttpRequest) -> HttpResponse:
    """Mail the student's guardian the link to give consent (the school's request, at most once a day)."""
    student = _student(request)
    try:
        sent = consent_request_send(student_id=student.pk)
    except ConsentError:
        messages.error(request, _("Your school has no email for your parent or guardian: ask your teacher to add it."))
    else:
        if sent is not None:
            messages.success(
                request,
                _("We have emailed %(email)s a link to agree. Once they agree, you can book.")
                % {"email": student.guardian_email},
            )
        elif _needs_consent(student):
            messages.info(request, _("Already asked today: your parent or guardian gets at most one email a day."))
        else:
            messages.info(request, _("Nothing to ask: you can book."))
    return redirect("web:student-home")


@student_only
@require_GET
def bookings(request: HttpRequest) -> HttpResponse:
    student = _student(request)
    rows = list(Booking.objects.filter(student=student).with_details().order_by("starts_at", "pk"))
    now = timezone.now()
    # A place given up and then booked again is one session: the live booking says it, not both.
    live = {b.session_id for b in rows if b.status not in Booking.CALENDAR_CANCELLED}
    context = {
        "upcoming": [
            b
            for b in rows
            if b.ends_at > now and (b.status not in Booking.CALENDAR_CANCELLED or b.session_id not in live)
        ],
        "past": [b for b in rows if b.ends_at <= now],
        "Status": Booking.Status,
    }
    return render(request, "web/student/bookings.html", context)


@student_only
@require_POST
def booking_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Confirm or decline a proposal, cancel a confirmed booking."""
    act = BOOKING_ACTIONS.get(action)
    booking = get_object_or_404(
        Booking.objects.filter(student=_student(request)).select_related("session__opportunity"), pk=pk
    )
    if act is None:
        return HttpResponseBadRequest(_("Unknown action."))
    try:
        act(booking_id=booking.pk)
    except booking_services.BookingError as exc:
        messages.error(request, str(exc))
    else:
        title = booking.session.opportunity.title
        done = {
            "confirm": _("Confirmed: %(title)s."),
            "decline": _("Declined: %(title)s."),
            "cancel": _("Cancelled: %(title)s. Your seat is free for someone else."),
        }
        messages.success(request, done[action] % {"title": title})
    return redirect("web:student-bookings")


@student_only
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    student = _student(request)
    form = ProfileForm(_posted(request), instance=student)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            _(
                "Profile saved. New recommendations come with the next matching round; until then your home page "
                "searches the catalogue for what you wrote."
            ),
        )
        if (student.interests or "").strip() and not interest_query(student.interests):
            # Emoji, or words the vocabularies do not know: the search link and the engine's topics find nothing.
            messages.warning(
                request,
                _(
                    "We found no subject in what you wrote. Name a few, in your own words: “game programming”, "
                    "“cooking”, “fashion design”, “robotics”."
                ),
            )
        return redirect("web:student-profile")
    return render(request, "web/student/profile.html", {"form": form, "student": student})


@student_only
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    student = _student(request)
    current = list(student.availability.order_by("starts_at", "ends_at"))
    form = AvailabilityForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        new = form.intervals(timezone.get_current_timezone())
        if form.is_valid():  # intervals() may add an error (a weekend-only range without weekends)
            kept = {(i.starts_at, i.ends_at) for i in current}
            # A morning inside a free time already there (a whole day, say) would only be a second,
            # overlapping row on the list.
            added = [(s, e) for s, e in new if not any(ks <= s and e <= ke for ks, ke in kept)]
            if not added:
                messages.info(request, _("Those times are already in your free times: nothing to add."))
                return redirect("web:student-availability")
            merged = sorted(kept | set(added))
            availability_replace(owner=student, intervals=[{"starts_at": s, "ends_at": e} for s, e in merged])
            messages.success(request, _("Added %(count)s free times.") % {"count": len(added)})
            return redirect("web:student-availability")
    now = timezone.now()
    upcoming = [i for i in current if i.ends_at > now]
    return render(request, "web/student/availability.html", {"form": form, "intervals": upcoming})


@student_only
@require_POST
def availability_remove(request: HttpRequest, pk: int) -> HttpResponse:
    student = _student(request)
    gone = get_object_or_404(student.availability, pk=pk)
    rest = student.availability.exclude(pk=gone.pk).values("starts_at", "ends_at")
    availability_replace(owner=student, intervals=list(rest))
    messages.success(request, _("Free time removed."))
    return redirect("web:student-availability")


@student_only
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """Mail preferences, and the way to one's data: download it, or erase the account."""
    student = _student(request)
    form = MailForm(_posted(request), initial={"email_opt_in": student.email_opt_in, "language": student.language})
    if request.method == "POST" and form.is_valid():
        # As the mail's preferences page does: turning digests back on here lifts the address's own
        # unsubscribe (a one-click in a digest); only setting the flag left it in force, digests never came.
        wanted = form.cleaned_data["email_opt_in"]
        language = form.cleaned_data["language"]
        prefs = address_preferences_update(email=student.email, digests=wanted, language=language)
        if wanted and not prefs.digests:
            stopped = _("Mail to %(email)s was stopped at the mail provider: no digest can be sent to it.")
            messages.warning(request, stopped % {"email": student.email})
        else:
            messages.success(request, _("Mail preferences saved."))
        return redirect("web:student-settings")
    return render(request, "web/student/settings.html", {"form": form, "erase_form": EraseForm()})


@student_only
@require_GET
def data_download(request: HttpRequest) -> HttpResponse:
    student = _student(request)
    body = json.dumps(student_data(student=student), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return HttpResponse(
        body,
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="caunoi-{student.external_id}.json"'},
    )


@student_only
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    student = _student(request)
    form = EraseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        student_erase(student_id=student.pk, requested_by=f"the student, on the web ({request.user.get_username()})")
        logout(request)
        return render(request, "web/student/erased.html")
    return render(
        request,
        "web/student/settings.html",
        {
            "form": MailForm(initial={"email_opt_in": student.email_opt_in, "language": student.language}),
            "erase_form": form,
        },
    )
