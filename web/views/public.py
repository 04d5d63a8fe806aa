"""Pages for everyone: the catalogue of published opportunities and an opportunity's page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import F, Min, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.models import User
from companies.models import Opportunity, Session
from companies.selectors import opportunities_published
from scheduler.models import Booking
from scheduler.selectors import sessions_with_seats
from students.fit import free_time, within
from students.models import ClassRequest, Student

from ..forms import CatalogueFilter

PAGE_SIZE = 12


def upcoming_sessions() -> QuerySet[Session]:
    """Sessions still to start and not cancelled, with ``seats_left`` (counted from bookings, see
    scheduler.selectors): the ones a page may offer."""
    qs = sessions_with_seats(Session.objects.not_cancelled().filter(starts_at__gt=timezone.now()))
    return qs.annotate(seats_left=F("capacity") - F("seats_taken")).order_by("starts_at", "pk")


def booked_for(user: object) -> dict[str, set[int]]:
    """The template context of the session rows: ``booked``, the sessions the signed-in student holds a seat
    in (or is waiting for), and ``booked_opportunities``, theirs: the other sessions of those say so instead
    of offering a Book button the scheduler would refuse (one session per opportunity)."""
    if not isinstance(user, User) or user.student_id is None:
        return {"booked": set(), "booked_opportunities": set()}
    active = Booking.objects.filter(student_id=user.student_id, status__in=Booking.ACTIVE)
    pairs = list(active.values_list("session_id", "session__opportunity_id"))
    return {"booked": {s for s, _ in pairs}, "booked_opportunities": {o for _, o in pairs}}


def with_upcoming_sessions(qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return qs.select_related("company").prefetch_related(
        Prefetch("sessions", queryset=upcoming_sessions(), to_attr="upcoming")
    )


def catalogue(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    # A signed-in student sees first what is open to their school level; "every level" is one tap away
    # (an explicit ``level=``, even empty, is theirs to choose).
    own_level = ""
    user = request.user
    if isinstance(user, User) and user.student_id is not None and "level" not in data:
        own_level = Student.objects.filter(pk=user.student_id).values_list("level", flat=True).first() or ""
        if own_level:
            data["level"] = own_level
    every_level = data.copy()
    every_level["level"] = ""
    every_level.pop("page", None)
    form = CatalogueFilter(data or None)
    now = timezone.now()
    qs = form.apply(opportunities_published()).annotate(
        next_start=Min(
            "sessions__starts_at", filter=Q(sessions__starts_at__gt=now, sessions__cancelled_at__isnull=True)
        )
    )
    order: list[Any] = [F("next_start").asc(nulls_last=True), "title", "pk"]
    if "search_score" in qs.query.annotations:  # a search: the best matches first
        order.insert(0, F("search_score").desc())
    qs = qs.order_by(*order)
    page = Paginator(with_upcoming_sessions(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/public/catalogue.html",
        {
            "form": form,
            "page": page,
            # The filters stay open when one of them (not the search box alone) is in use.
            "filtered": any(value for name, value in request.GET.items() if name not in ("q", "page")),
            "own_level": own_level,
            "every_level": every_level.urlencode(),
            **booked_for(request.user),
        },
    )


def opportunity(request: HttpRequest, external_id: str) -> HttpResponse:
    """The page a digest links to; an opportunity of an unapproved company is a 404."""
    found = get_object_or_404(with_upcoming_sessions(opportunities_published()), external_id=external_id)
    classes = _classes_of(request.user)
    # Only the classes of a level the opportunity is for: a lower-secondary class is not offered a
    # university internship's button, to be refused after the tap.
    open_to = [c for c in classes if not found.levels or c.level in found.levels]
    # A class holds one session of an opportunity: it is named with its session, not offered the others'
    # buttons, each refused after the tap.
    held = (
        Booking.objects.filter(class_request__in=open_to, session__opportunity=found)
        .active()
        .select_related("class_request")
        .order_by("starts_at", "pk")
    )
    held_classes = list(held) if open_to else []
    holding = {b.class_request_id for b in held_classes}
    offered = [c for c in open_to if c.pk not in holding]
    # Which of them are free for each session: a class is booked only inside its free times
    # (booking_request), so the coordinator sees which class a session's button can take before the tap.
    free = {c.pk: free_time([(a.starts_at, a.ends_at) for a in c.availability.all()]) for c in offered}
    for session in found.upcoming:  # type: ignore[attr-defined]
        session.free_classes = [c.class_name for c in offered if within(session, free[c.pk])]
    # Upcoming sessions the company cancelled: said so, with its reason, never offered.
    cancelled = Session.objects.filter(opportunity=found, starts_at__gt=timezone.now(), cancelled_at__isnull=False)
    context = {
        "opportunity": found,
        "cancelled_sessions": list(cancelled.order_by("starts_at", "pk")),
        **booked_for(request.user),
        "classes": offered,
        "held_classes": held_classes,
        "has_classes": bool(classes),
        # After a refusal the class the coordinator chose stays chosen (it was the first one again).
        "chosen_class": request.GET.get("class_request", ""),
    }
    return render(request, "web/public/opportunity.html", context)


def _classes_of(user: User | Any) -> list[ClassRequest]:
    """A coordinator's classes, to book one of them into a session from this page; nobody else's."""
    if not isinstance(user, User) or user.role != User.Role.SCHOOL_COORDINATOR or user.school_id is None:
        return []
    classes = ClassRequest.objects.filter(school_id=user.school_id).prefetch_related("availability")
    return list(classes.order_by("class_name", "pk"))
