"""The school coordinator's pages: what needs doing, students and consent, class requests and their
proposals, the school's bookings and report. The files (upload, preview, import) are in ``school_files``.

Everything is fetched through ``request.user.school``: another school's student, class request or
booking is a 404, and so is every page for another role. Refusals of the workflows (``ConsentError``,
``BookingError``) are shown next to the button that met them, never as a 500.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.services import audit_record, student_opened
from companies.selectors import sessions_published
from matchmaking.models import Match, MatchRound
from matchmaking.search import in_common
from privacy.consent import ConsentError, consent_request_send
from privacy.models import InvitationRun
from privacy.services import privacy_link_make
from scheduler import services as booking_services
from scheduler.models import Booking
from students.fit import free_time, within
from students.models import ClassRequest, GuardianConsent, School, Student, StudentQuerySet
from students.services import class_request_save, school_levels_set

from ..forms_school import ClassRequestForm, FreeTimesForm, RemoveTimesForm, SchoolLevelsForm, StudentFilter
from .class_misses import near_misses
from .public import upcoming_sessions
from .roles import role_required

coordinator_only = role_required(User.Role.SCHOOL_COORDINATOR)
Status = Booking.Status
CLASS_ACTIONS = {"confirm": booking_services.booking_confirm, "decline": booking_services.booking_decline}


def school_of(request: HttpRequest) -> School:
    user = request.user
    if not isinstance(user, User) or user.school is None:
        raise Http404  # a coordinator not yet attached to a school has no school pages
    return user.school


def _students(school: School) -> StudentQuerySet:
    return Student.objects.active().with_consent().filter(school=school)


def school_bookings(school: School) -> QuerySet[Booking]:
    """The school's bookings, its students' and its classes'."""
    return Booking.objects.filter(Q(student__school=school) | Q(class_request__school=school)).with_details()


# --- home -------------------------------------------------------------------------------------------


@coordinator_only
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    school = school_of(request)
    waiting = _students(school).minors().filter(has_guardian_consent=False)  # type: ignore[misc]
    waiting = waiting.order_by("full_name", "pk")
    proposals = (
        Booking.objects.filter(class_request__school=school, status=Status.PROPOSED)
        .with_details()
        .order_by("hold_until", "pk")
    )
    unmatched = ClassRequest.objects.filter(school=school).annotate(n=Count("matches")).filter(n=0)
    context = {
        "declined": _declined_needing_another(school),
        "school": school,
        "no_consent": waiting[:10],
        "no_consent_count": waiting.count(),
        "proposals": proposals,
        "student_proposals": Booking.objects.filter(student__school=school, status=Status.PROPOSED).count(),
        "unmatched": unmatched.order_by("class_name", "pk"),
        "students": _students(school).count(),
        "classes": ClassRequest.objects.filter(school=school).count(),
    }
    return render(request, "web/school/home.html", context)


@coordinator_only
@require_http_methods(["GET", "POST"])
def school_levels(request: HttpRequest) -> HttpResponse:
    """The levels the school teaches: one, or several for a combined school (THCS and THPT); its class
    requests are at one of them."""
    school = school_of(request)
    initial = {"level": school.level, "other_levels": school.other_levels}
    form = SchoolLevelsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            school_levels_set(school=school, levels=form.levels())
        except ValidationError as exc:
            form.add_error("other_levels", exc.message_dict.get("levels") or exc.messages)
        else:
            messages.success(request, _("The school's levels are saved."))
            return redirect("web:coordinator-home")
    return render(request, "web/school/levels.html", {"form": form, "school": school})


def _declined_needing_another(school: School) -> list[Booking]:
    """Upcoming sessions a company declined for a class that still holds fewer bookings than it asked for:
    the class needs another session (the mail said so once; the to-do list says it until it has one)."""
    now = timezone.now()
    declined = list(
        Booking.objects.filter(class_request__school=school, company_declined_at__isnull=False, starts_at__gt=now)
        .with_details()
        .order_by("starts_at", "pk")
    )
    classes = {b.class_request_id for b in declined}
    held = Counter(
        Booking.objects.filter(class_request__in=classes, ends_at__gt=now)
        .active()
        .values_list("class_request_id", flat=True)
    )
    return [b for b in declined if b.class_request and held[b.class_request.pk] < b.class_request.max_bookings]


# --- students ---------------------------------------------------------------------------------------


@coordinator_only
@require_GET
def students(request: HttpRequest) -> HttpResponse:
    school = school_of(request)
    form = StudentFilter(request.GET or None)
    rows: StudentQuerySet = _students(school).order_by("full_name", "pk")
    if form.is_valid():
        data = form.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(Q(full_name__icontains=q) | Q(external_id__icontains=q))
        if data.get("grade"):
            rows = rows.filter(grade=data["grade"])
        consent = data.get("consent")
        if consent == "missing":
            rows = rows.minors().filter(has_guardian_consent=False)  # type: ignore[misc]
        elif consent == "given":
            rows = rows.filter(has_guardian_consent=True)  # type: ignore[misc]  # an annotation
        elif consent in ("minor", "adult"):
            rows = rows.minors(minor=consent == "minor")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for student in page:
        student.minor = student.is_minor(today)  # type: ignore[attr-defined]
    # The latest "invite every student" run of the week, followed on the page while it runs.
    invite_run = InvitationRun.objects.filter(
        school=school, created_at__gte=timezone.now() - dt.timedelta(days=7)
    ).first()
    return render(request, "web/school/students.html", {"form": form, "page": page, "invite_run": invite_run})


def _student_page(request: HttpRequest, student: Student, **extra: Any) -> HttpResponse:
    context = {
        "student": student,
        "minor": student.is_minor(),
        "consents": GuardianConsent.objects.filter(student=student).order_by("-given_at", "-pk"),
        "bookings": Booking.objects.filter(student=student).with_details().order_by("-starts_at", "-pk")[:20],
        **extra,
    }
    return render(request, "web/school/student.html", context)


def _student(request: HttpRequest, pk: int) -> Student:
    return get_object_or_404(_students(school_of(request)), pk=pk)


@coordinator_only
@require_GET
def student(request: HttpRequest, pk: int) -> HttpResponse:
    found = _student(request, pk)
    student_opened(actor=request.user, student=found)  # a minor's record opened by the school: audited
    return _student_page(request, found)


@coordinator_only
@require_POST
def consent_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Mail the guardian a consent link (at most once a day); the refusal goes next to the button."""
    found = _student(request, pk)
    error = notice = ""
    try:
        sent = consent_request_send(student_id=found.pk)
    except ConsentError as exc:
        error = (
            _("%(student)s has no guardian email on record: add it in the students file (code %(code)s).")
            % {"student": found.full_name, "code": found.external_id}
            if not found.guardian_email
            else str(exc)
        )
    else:
        if sent is not None:
            notice = _("The guardian will get an email with a link to give consent.")
        elif found.is_minor() and not found.has_guardian_consent:  # type: ignore[attr-defined]
            error = _("Already asked today: a guardian gets at most one request a day.")
        else:
            error = _("Nothing to ask: consent is on record, or the student is 18 or older.")
    if request.htmx:  # type: ignore[attr-defined]
        found.minor = found.is_minor()  # type: ignore[attr-defined]
        return render(request, "web/school/_student_row.html", {"student": found, "error": error, "notice": notice})
    return _student_page(request, found, consent_error=error, consent_notice=notice)


@coordinator_only
@require_POST
def guardian_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A link for a minor's guardian to see or erase the student's data, to hand over; recorded."""
    found = _student(request, pk)
    if not found.is_minor() or not found.guardian_email:
        error = _("Only a student under 18 with a guardian's email on record has a guardian link.")
        return _student_page(request, found, link_error=error)
    url, expires_at = privacy_link_make(student=found)
    audit_record(actor=request.user, action="guardian_link", obj=found)
    return _student_page(request, found, link=url, link_expires=expires_at)


# --- class requests ---------------------------------------------------------------------------------


def _class(request: HttpRequest, pk: int) -> ClassRequest:
    return get_object_or_404(ClassRequest.objects.filter(school=school_of(request)), pk=pk)


@coordinator_only
@require_GET
def classes(request: HttpRequest) -> HttpResponse:
    rows = (
        ClassRequest.objects.filter(school=school_of(request))
        .annotate(
            n_matches=Count("matches", distinct=True),
            n_proposed=Count("bookings", filter=Q(bookings__status=Status.PROPOSED), distinct=True),
            n_confirmed=Count("bookings", filter=Q(bookings__status=Status.CONFIRMED), distinct=True),
        )
        .order_by("class_name", "pk")
    )
    return render(request, "web/school/classes.html", {"classes": rows})


def _intervals_choices(row: ClassRequest | None) -> list[tuple[str, str]]:
    if row is None:
        return []
    now = timezone.now()
    local = timezone.localtime
    return [
        (str(i.pk), f"{local(i.starts_at):%d/%m/%Y %H:%M}–{local(i.ends_at):%H:%M}")
        for i in row.availability.filter(ends_at__gt=now).order_by("starts_at", "ends_at")
    ]


CLASSES_MADE = "school_classes_made"  # session: one-time key of a new class's form → the class it made
ONCE_KEPT = 20


@coordinator_only
@require_http_methods(["GET", "POST"])
def class_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (no ``pk``) or edit a class request; free times are added from a date range × parts of the
    day (the student's editor), and ticked ones removed; all saved with the class in one transaction."""
    school = school_of(request)
    row = _class(request, pk) if pk is not None else None
    initial: dict[str, Any] = {"level": school.level}  # a class is at one of its school's levels, the main first
    if row is not None:
        initial = {name: getattr(row, name) for name in ClassRequestForm.base_fields}
        initial["topics"] = "; ".join(row.topics)
    posted = request.POST if request.method == "POST" else None
    # A new class's form carries a one-time key: sent again (the back button, a second tap), it opens
    # the class it already made instead of making a second "9E".
    once = str(request.POST.get("once", "")) if posted is not None else secrets.token_urlsafe(12)
    made: dict[str, int] = request.session.get(CLASSES_MADE, {})
    if row is None and posted is not None and once in made:
        messages.info(request, _("This class request was already saved: here it is."))
        return redirect("web:school-class", pk=made[once])
    form = ClassRequestForm(posted, initial=initial, levels=school.levels)
    times = FreeTimesForm(posted, prefix="free", initial={"weekends": False})
    remove = RemoveTimesForm(posted, choices=_intervals_choices(row))
    if posted is not None and form.is_valid() and times.is_valid() and remove.is_valid():
        intervals = _intervals(row, times, remove.cleaned_data["remove"])
        if times.is_valid():  # intervals() may add an error (a weekend-only range without weekends)
            try:
                saved = class_request_save(school=school, class_request=row, values=form.values(), intervals=intervals)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if row is None and once:
                    request.session[CLASSES_MADE] = {**dict(list(made.items())[-(ONCE_KEPT - 1) :]), once: saved.pk}
                messages.success(request, _("Class request saved."))
                return redirect("web:school-class", pk=saved.pk)
    context = {"form": form, "times": times, "remove": remove, "row": row, "once": once}
    return render(request, "web/school/class_form.html", context)


def _intervals(row: ClassRequest | None, times: FreeTimesForm, removed: list[str]) -> list[dict[str, Any]]:
    kept = set()
    if row is not None:
        kept = {(i.starts_at, i.ends_at) for i in row.availability.exclude(pk__in=[int(r) for r in removed])}
    if times.given:
        kept |= set(times.intervals(timezone.get_current_timezone()))
    return [{"starts_at": s, "ends_at": e} for s, e in sorted(kept)]


def _class_page(request: HttpRequest, row: ClassRequest, errors: dict[str, str] | None = None) -> HttpResponse:
    """The class's page; ``errors`` puts a refusal next to its button (``booking-<pk>``, ``session-<pk>``)."""
    errors = errors or {}
    found = (
        Match.objects.filter(class_request=row)
        .select_related("opportunity__company")
        .prefetch_related(Prefetch("opportunity__sessions", queryset=upcoming_sessions(), to_attr="upcoming"))
        .order_by("rank", "pk")
    )
    matches = list(found)
    bookings = list(Booking.objects.filter(class_request=row).with_details().order_by("starts_at", "pk"))
    now = timezone.now()
    for booking in bookings:
        booking.error = errors.get(f"booking-{booking.pk}", "")  # type: ignore[attr-defined]
    free = free_time(list(row.availability.values_list("starts_at", "ends_at")))
    for match in matches:
        for session in match.opportunity.upcoming:  # type: ignore[attr-defined]
            session.error = errors.get(f"session-{session.pk}", "")
            # Booking it would be refused (booking_request): say so instead of offering the button.
            session.outside_free_time = not within(session, free)
        # Reasons naming no topic: what the class's wishes and the opportunity have in common.
        match.in_common = in_common(  # type: ignore[attr-defined]
            match.reasons or [], row.interests or "", f"{match.opportunity.title}\n{match.opportunity.description}"
        )
    context = {
        "row": row,
        "matches": matches,
        "proposals": [b for b in bookings if b.status == Status.PROPOSED],
        "others": [b for b in bookings if b.status != Status.PROPOSED],
        "booked": {b.session_id for b in bookings if b.status == Status.CONFIRMED},
        "proposed": {b.session_id for b in bookings if b.status == Status.PROPOSED},
        "free_times": row.availability.filter(ends_at__gt=now).order_by("starts_at")[:20],
        "Status": Status,
        "catalogue": _catalogue_for(row, now),
        # A round published since the request last changed: an empty list is that round's answer.
        "round_since": MatchRound.published_since(row.updated_at),
        # A company's decline leaves the class one session short, until it holds as many as it asked for.
        "needs_another": sum(b.status in Booking.ACTIVE and b.ends_at > now for b in bookings) < row.max_bookings,
    }
    if not matches:  # what is close to the class's wishes, and why it was not offered
        context["near_misses"] = near_misses(row, now)
    return render(request, "web/school/class.html", context)


def _catalogue_for(row: ClassRequest, now: dt.datetime) -> str:
    """The catalogue filtered as the class asks (its level, its one kind, the days of its free times):
    where to look before the next round recommends anything; each session there books for a class."""
    params = {"level": row.level}
    if len(row.kinds) == 1:
        params["kind"] = row.kinds[0]
    times = row.availability.filter(ends_at__gt=now).order_by("starts_at")
    first, last = times.first(), times.order_by("-ends_at").first()
    if first is not None and last is not None:
        params["date_from"] = timezone.localdate(max(first.starts_at, now)).isoformat()
        params["date_to"] = timezone.localdate(last.ends_at).isoformat()
    return f"{reverse('web:home')}?{urlencode(params)}"


@coordinator_only
@require_GET
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _class_page(request, _class(request, pk))


@coordinator_only
@require_POST
def class_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book the class into a session of one of its recommendations (confirmed at once if seats allow)."""
    row = _class(request, pk)
    session_id = request.POST.get("session", "")
    session = get_object_or_404(sessions_published(), pk=session_id if session_id.isdigit() else 0)
    try:
        booking_services.booking_request(session_id=session.pk, class_request_id=row.pk)
    except booking_services.BookingError as exc:
        return _class_page(request, row, errors={f"session-{session.pk}": str(exc)})
    messages.success(request, _("Booked for the class. It is in the school's bookings."))
    return redirect("web:school-class", pk=row.pk)


@coordinator_only
@require_POST
def session_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book one of the school's classes into a session from the opportunity's page (any published session,
    as from the class's page); a refusal goes back to that page, next to the form."""
    session = get_object_or_404(sessions_published().select_related("opportunity"), pk=pk)
    chosen = request.POST.get("class_request", "")
    row = _class(request, int(chosen) if chosen.isdigit() else 0)
    try:
        booking_services.booking_request(session_id=session.pk, class_request_id=row.pk)
    except booking_services.BookingError as exc:
        messages.error(request, str(exc))  # at the top of the page, where a phone opens it
        page = reverse("web:opportunity", args=[session.opportunity.external_id])
        return redirect(f"{page}?class_request={row.pk}")
    messages.success(request, _("Booked for the class. It is in the school's bookings."))
    return redirect("web:school-class", pk=row.pk)


@coordinator_only
@require_POST
def class_booking_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Confirm or decline a proposal made for one of the school's classes."""
    booking = get_object_or_404(
        Booking.objects.filter(class_request__school=school_of(request)).select_related("class_request"), pk=pk
    )
    act = CLASS_ACTIONS.get(action)
    if act is None:
        raise Http404
    try:
        act(booking_id=booking.pk)
    except booking_services.BookingError as exc:
        assert booking.class_request is not None
        return _class_page(request, booking.class_request, errors={f"booking-{booking.pk}": str(exc)})
    done = {"confirm": _("Confirmed for the class."), "decline": _("Declined.")}
    messages.success(request, done[action])
    return redirect("web:school-class", pk=booking.class_request_id)
