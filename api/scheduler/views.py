"""/bookings with their commands, the bookings export, and the organiser's report.

Each command fetches the booking through the actor's scope (someone else's is a 404), calls one
service of ``scheduler.services``, and answers its refusal as 409 with the service's message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import permissions as p
from api.rest import Conflict, ErrorSerializer, FirstRendererNegotiation, ScopedThrottle, jsonl_response
from api.scheduler.filters import BookingFilter
from api.scheduler.serializers import (
    AttendanceSerializer,
    BookingRequestSerializer,
    BookingSerializer,
    ReportQuerySerializer,
    ReportSerializer,
)
from companies.models import Session
from scheduler import services
from scheduler.models import Booking
from scheduler.reports import participation_report
from students.models import ClassRequest

Status = Booking.Status
COMMAND_RESPONSES = {200: BookingSerializer, 409: ErrorSerializer}


@extend_schema(tags=["bookings"])
class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, p.ScopedViewSet):
    roles = {
        "list": p.EVERYONE,
        "retrieve": p.EVERYONE,
        "create": frozenset({p.STUDENT, p.COORDINATOR}),
        "confirm": frozenset({p.STUDENT, p.COORDINATOR, p.ORGANISER}),
        "decline": frozenset({p.STUDENT, p.COORDINATOR, p.ORGANISER}),
        "cancel": frozenset({p.STUDENT, p.COORDINATOR, p.ORGANISER}),
        "attend": frozenset({p.STAFF, p.ORGANISER}),
        "company_accept": frozenset({p.STAFF, p.ORGANISER}),
        "company_decline": frozenset({p.STAFF, p.ORGANISER}),
    }
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering_fields = ["starts_at", "created_at", "status"]
    ordering = ["starts_at", "pk"]

    def base_queryset(self) -> QuerySet[Booking]:
        return Booking.objects.with_details()

    def visible(self, qs: QuerySet[Booking], user: p.Actor) -> QuerySet[Booking]:
        return qs.visible_to(user)  # type: ignore[attr-defined, no-any-return]

    def managed(self, qs: QuerySet[Booking], user: p.Actor) -> QuerySet[Booking]:
        scopes: dict[str, Callable[[QuerySet[Booking], p.Actor], QuerySet[Booking]]] = {
            "confirm": p.bookings_answerable,
            "decline": p.bookings_answerable,
            "cancel": lambda qs, user: qs.manageable_by(user),  # type: ignore[attr-defined]
            "attend": p.bookings_attendance,
            "company_accept": p.bookings_attendance,
            "company_decline": p.bookings_attendance,
        }
        return scopes[self.action](qs, user) if self.action in scopes else qs.none()

    def _run(self, command: Callable[..., Booking], **arguments: Any) -> Response:
        booking = self.get_object()
        try:
            done = command(booking_id=booking.pk, **arguments)
        except services.BookingError as refusal:
            raise Conflict(str(refusal)) from None
        except Booking.DoesNotExist:  # replaced by a scheduling round since it was fetched
            raise NotFound() from None
        return Response(self.get_serializer(Booking.objects.with_details().get(pk=done.pk)).data)

    @extend_schema(request=BookingRequestSerializer, responses={201: BookingSerializer, 409: ErrorSerializer})
    def create(self, request: Request) -> Response:
        """Book a seat: a student for themselves, a coordinator for one of the school's classes."""
        given = BookingRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        user = request.user
        session = p.sessions_visible(Session.objects.all(), user).filter(pk=data["session"]).first()
        if session is None:
            raise ValidationError({"session": [_("No such session.")]})
        participant: dict[str, int]
        if p.role_of(user) == p.STUDENT:
            if "class_request" in data:
                raise ValidationError({"class_request": [_("A student books for themselves.")]})
            participant = {"student_id": p.org_id(user, "student_id")}
        else:
            classes = p.class_requests_visible(ClassRequest.objects.all(), user)
            if "class_request" not in data:
                raise ValidationError({"class_request": [_("Required: the class to book for.")]})
            if not classes.filter(pk=data["class_request"]).exists():
                raise ValidationError({"class_request": [_("No such class request.")]})
            participant = {"class_request_id": data["class_request"]}
        try:
            booking = services.booking_request(session_id=session.pk, **participant)  # type: ignore[arg-type]
        except services.BookingError as refusal:
            raise Conflict(str(refusal)) from None
        return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=COMMAND_RESPONSES)
    @action(detail=True, methods=["post"], filterset_class=None)
    def confirm(self, request: Request, pk: str) -> Response:
        """Accept a proposed booking within its hold window."""
        return self._run(services.booking_confirm)

    @extend_schema(request=None, responses=COMMAND_RESPONSES)
    @action(detail=True, methods=["post"], filterset_class=None)
    def decline(self, request: Request, pk: str) -> Response:
        """Turn a proposal down; the seat is offered to the waitlist."""
        return self._run(services.booking_decline)

    @extend_schema(request=None, responses=COMMAND_RESPONSES)
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: str) -> Response:
        """Give up a confirmed booking before the session starts."""
        return self._run(services.booking_cancel)

    @extend_schema(request=AttendanceSerializer, responses=COMMAND_RESPONSES)
    @action(detail=True, methods=["post"], filterset_class=None)
    def attend(self, request: Request, pk: str) -> Response:
        """Record whether the participant came (company staff, once the session has started)."""
        given = AttendanceSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self._run(services.booking_attend, attended=given.validated_data["attended"])

    @extend_schema(request=None, responses=COMMAND_RESPONSES)
    @action(detail=True, methods=["post"], filterset_class=None, url_path="company-accept")
    def company_accept(self, request: Request, pk: str) -> Response:
        """The company takes this proposed or confirmed participant (before the session starts); the
        participant's own answer is still theirs to give."""
        return self._run(services.booking_company_accept)

    @extend_schema(request=None, responses=COMMAND_RESPONSES)
    @action(detail=True, methods=["post"], filterset_class=None, url_path="company-decline")
    def company_decline(self, request: Request, pk: str) -> Response:
        """The company cannot take this participant: the booking ends, the participant is mailed why and
        the seat goes to the waitlist."""
        return self._run(services.booking_company_decline)


@extend_schema(tags=["exports"])
class BookingExportViewSet(p.ScopedViewSet):
    roles = {"list": p.EVERYONE}
    content_negotiation_class = FirstRendererNegotiation
    throttle_classes = [ScopedThrottle]
    throttle_scope = "exports"
    pagination_class = None

    def base_queryset(self) -> QuerySet[Booking]:
        return Booking.objects.all()

    @extend_schema(
        responses={(200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="JSON Lines")}
    )
    def list(self, request: Request) -> StreamingHttpResponse:
        """The bookings the actor may see, as JSON Lines in the export contract of docs/architecture.md."""
        rows = Booking.objects.visible_to(request.user).order_by("pk")
        hide = p.role_of(request.user) == p.STAFF
        return jsonl_response(_booking_records(rows, hide_unconfirmed_students=hide), "bookings.jsonl")


def _booking_records(rows: QuerySet[Booking], *, hide_unconfirmed_students: bool) -> Iterator[dict[str, Any]]:
    fields = ("student__external_id", "class_request__external_id", "session__external_id")
    values = rows.values_list(*fields, "session__opportunity__external_id", "status")
    for student, class_request, session, opportunity, state in values.iterator(chunk_size=2000):
        if student and hide_unconfirmed_students and state not in p.CONFIRMED:
            student = ""  # a company knows a student only once confirmed
        yield {
            "participant": student if student is not None else class_request,
            "participant_type": "student" if student is not None else "class_request",
            "session": session,
            "opportunity": opportunity,
            "status": state,
        }


@extend_schema(tags=["reports"])
class ReportViewSet(p.ScopedViewSet):
    """Fill rates and participation, for organisers: by kind, per school, per province."""

    roles = {"retrieve": frozenset({p.ORGANISER})}
    serializer_class = ReportSerializer
    pagination_class = None

    @extend_schema(parameters=[ReportQuerySerializer], responses={200: ReportSerializer})
    def retrieve(self, request: Request) -> Response:
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lo, hi = query.validated_data.get("starts_after"), query.validated_data.get("starts_before")
        return Response(ReportSerializer(participation_report(starts_after=lo, starts_before=hi)).data)
