"""Who may see and change what, in one place: every API queryset is scoped to the actor here.

Two layers, so the answer never leaks what exists:
1. ``ActionRoles`` refuses a role that may never do an action on a resource (a student creating an
   opportunity): 403 (401 when anonymous).
2. The viewset's queryset holds only the rows the actor may see (reads) or change (writes), so another
   school's student, or another company's session, is a 404 and stays as it was.

Published opportunities (and their sessions) are those of an approved company: everyone signed in may
read them; a company's own staff see theirs before approval too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from accounts.models import User
from api.rest import pk_or_404
from companies.models import Company, Session
from scheduler.models import Booking
from students.models import ClassRequest, School, Student

Role = User.Role
STAFF, COORDINATOR, STUDENT, ORGANISER = (
    Role.COMPANY_STAFF,
    Role.SCHOOL_COORDINATOR,
    Role.STUDENT,
    Role.ORGANISER,
)
EVERYONE = frozenset(Role.values)
# A company learns who a student is only once the student has confirmed a booking with it.
CONFIRMED = (Booking.Status.CONFIRMED, Booking.Status.ATTENDED, Booking.Status.NO_SHOW)

M = TypeVar("M", bound=Model)
Actor = User | AnonymousUser


def org_id(user: Actor, field: str) -> int:
    """The school, company or student a signed-in user acts for; the role's constraint guarantees it."""
    value = getattr(user, field, None)
    assert isinstance(value, int), f"{user} has no {field}"
    return value


def role_of(user: Actor) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return user.role  # type: ignore[union-attr]


class ActionRoles(BasePermission):
    """The view's ``roles`` maps an action (``list``, ``create``, ``confirm``…) to the roles allowed it.
    An action missing from the map is refused: a new route is closed until someone opens it."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        method = (request.method or "").lower()
        action = getattr(view, "action", method)
        if action is None or not hasattr(view, action):
            return True  # no handler: the view answers 405 Method Not Allowed, which discloses nothing
        role = role_of(request.user)
        if role is None:
            return False
        roles: Mapping[str, frozenset[str]] = getattr(view, "roles", {})
        return role in roles.get(action, frozenset())


class ScopedViewSet(GenericViewSet):  # type: ignore[type-arg]
    """A viewset whose rows are the actor's: ``visible`` for reads, ``managed`` for changes and commands."""

    permission_classes = [ActionRoles]
    roles: ClassVar[Mapping[str, frozenset[str]]] = {}
    # Any id reaches the view (never Django's HTML 404): a malformed one is a JSON 404 like a missing one.
    lookup_value_regex = "[^/]+"

    def base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def visible(self, qs: QuerySet[Any], user: Actor) -> QuerySet[Any]:
        raise NotImplementedError

    def managed(self, qs: QuerySet[Any], user: Actor) -> QuerySet[Any]:
        return self.visible(qs, user)

    def get_object(self) -> Any:
        pk_or_404(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        return super().get_object()

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.base_queryset()
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the model, no request
            return qs.none()
        if self.request.method in SAFE_METHODS:
            return self.visible(qs, self.request.user)
        return self.managed(qs, self.request.user)


# --- companies, opportunities, sessions ------------------------------------------------------------


def companies_visible(qs: QuerySet[Company], user: Actor) -> QuerySet[Company]:
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == STAFF:
        return qs.filter(Q(approved_at__isnull=False) | Q(pk=org_id(user, "company_id")))
    return qs.filter(approved_at__isnull=False) if role else qs.none()


def companies_managed(qs: QuerySet[Company], user: Actor) -> QuerySet[Company]:
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == STAFF:
        return qs.filter(pk=org_id(user, "company_id"))
    return qs.none()


def opportunities_visible(qs: QuerySet[M], user: Actor, prefix: str = "") -> QuerySet[M]:
    """``prefix`` scopes a related model through its path to the opportunity (``"opportunity__"``)."""
    role = role_of(user)
    if role == ORGANISER:
        return qs
    published = Q(**{f"{prefix}company__approved_at__isnull": False})
    if role == STAFF:
        return qs.filter(published | Q(**{f"{prefix}company_id": org_id(user, "company_id")}))
    return qs.filter(published) if role else qs.none()


def opportunities_managed(qs: QuerySet[M], user: Actor, prefix: str = "") -> QuerySet[M]:
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == STAFF:
        return qs.filter(**{f"{prefix}company_id": org_id(user, "company_id")})
    return qs.none()


def sessions_visible(qs: QuerySet[Session], user: Actor) -> QuerySet[Session]:
    return opportunities_visible(qs, user, "opportunity__")


def sessions_managed(qs: QuerySet[Session], user: Actor) -> QuerySet[Session]:
    return opportunities_managed(qs, user, "opportunity__")


# --- schools, students, class requests -------------------------------------------------------------


def schools_visible(qs: QuerySet[School], user: Actor) -> QuerySet[School]:
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == COORDINATOR:
        return qs.filter(pk=org_id(user, "school_id"))
    if role == STUDENT:
        return qs.filter(students=org_id(user, "student_id"))
    return qs.none()


def schools_managed(qs: QuerySet[School], user: Actor) -> QuerySet[School]:
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == COORDINATOR:
        return qs.filter(pk=org_id(user, "school_id"))
    return qs.none()


def students_visible(qs: QuerySet[Student], user: Actor) -> QuerySet[Student]:
    """Organisers, the school's coordinators, and a company for students confirmed with it (name and
    contact only, at ``/contacts``: ``api.students.serializers.StudentContactSerializer``). A student uses
    ``/me``."""
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == COORDINATOR:
        return qs.filter(school_id=org_id(user, "school_id"))
    if role == STAFF:
        confirmed = Booking.objects.filter(
            status__in=CONFIRMED,
            session__opportunity__company_id=org_id(user, "company_id"),
        )
        return qs.filter(pk__in=confirmed.values("student_id"))
    return qs.none()


def students_managed(qs: QuerySet[M], user: Actor, prefix: str = "") -> QuerySet[M]:
    """Students (or, with ``prefix``, rows that belong to one) a coordinator or organiser may change."""
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == COORDINATOR:
        return qs.filter(**{f"{prefix}school_id": org_id(user, "school_id")})
    return qs.none()


def class_requests_visible(qs: QuerySet[ClassRequest], user: Actor) -> QuerySet[ClassRequest]:
    return students_managed(qs, user)


# --- participants' rows: recommendations, bookings ------------------------------------------------


def participant_rows(qs: QuerySet[M], user: Actor) -> QuerySet[M]:
    """Rows that carry a student or a class request (matches, feedback): the participant's own, the
    school's for its coordinators, all for organisers."""
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == STUDENT:
        return qs.filter(student_id=org_id(user, "student_id"))
    if role == COORDINATOR:
        school = org_id(user, "school_id")
        return qs.filter(Q(student__school_id=school) | Q(class_request__school_id=school))
    return qs.none()


def bookings_answerable(qs: QuerySet[Booking], user: Actor) -> QuerySet[Booking]:
    """Who may confirm or decline a proposal: the student; a coordinator for a class; organisers."""
    role = role_of(user)
    if role == ORGANISER:
        return qs
    if role == STUDENT:
        return qs.filter(student_id=org_id(user, "student_id"))
    if role == COORDINATOR:
        return qs.filter(class_request__school_id=org_id(user, "school_id"))
    return qs.none()


def bookings_attendance(qs: QuerySet[Booking], user: Actor) -> QuerySet[Booking]:
    """Who records attendance: the company running the session, and organisers."""
    return opportunities_managed(qs, user, "session__opportunity__")


def sees_student_identity(user: Actor, booking: Booking) -> bool:
    """Whether this actor may see the name and contact of the student on a booking it can see."""
    role = role_of(user)
    if role == STAFF:
        return booking.status in CONFIRMED
    return role is not None
