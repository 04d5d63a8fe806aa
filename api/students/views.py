"""/schools, /students and /class-requests: coordinators keep their own school's; organisers see all; a
company sees a student's name and contact once the student has confirmed a booking with it; a student
uses ``/me`` (api.accounts.views). Opening a minor's record is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.services import audit_record, student_opened
from api import permissions as p
from api.rest import Conflict, ErrorSerializer
from api.students.filters import ClassRequestFilter, SchoolFilter, StudentFilter
from api.students.serializers import (
    ClassRequestSerializer,
    ClassRequestUpdateSerializer,
    ConsentSerializer,
    LinkSerializer,
    SchoolSerializer,
    SchoolUpdateSerializer,
    StudentContactSerializer,
    StudentSerializer,
    StudentUpdateSerializer,
)
from privacy.consent import ConsentError, consent_request_send
from privacy.services import privacy_link_make
from scheduler.models import Booking
from students.models import ClassRequest, GuardianConsent, School, Student
from students.services import class_request_save

SCHOOL_PEOPLE = frozenset({p.COORDINATOR, p.ORGANISER})


class _SchoolOwned(p.ScopedViewSet):
    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in ("update", "partial_update"):
            return self.update_serializer_class  # type: ignore[attr-defined, no-any-return]
        return super().get_serializer_class()


@extend_schema(tags=["schools"])
class SchoolViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    _SchoolOwned,
):
    roles = {
        "list": frozenset({p.COORDINATOR, p.STUDENT, p.ORGANISER}),
        "retrieve": frozenset({p.COORDINATOR, p.STUDENT, p.ORGANISER}),
        "create": frozenset({p.ORGANISER}),
        "update": SCHOOL_PEOPLE,
        "partial_update": SCHOOL_PEOPLE,
        "destroy": frozenset({p.ORGANISER}),
    }
    serializer_class = SchoolSerializer
    update_serializer_class = SchoolUpdateSerializer
    filterset_class = SchoolFilter
    ordering_fields = ["name", "province"]
    ordering = ["name", "pk"]

    def base_queryset(self) -> QuerySet[School]:
        return School.objects.all()

    def visible(self, qs: QuerySet[School], user: p.Actor) -> QuerySet[School]:
        return p.schools_visible(qs, user)

    def managed(self, qs: QuerySet[School], user: p.Actor) -> QuerySet[School]:
        return p.schools_managed(qs, user)

    @extend_schema(responses={204: None, 409: ErrorSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        school = self.get_object()
        try:
            school.delete()
        except ProtectedError:
            raise Conflict(_("This school still has students or class requests.")) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["students"])
class StudentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _SchoolOwned,
):
    roles = {
        "list": SCHOOL_PEOPLE,
        "retrieve": SCHOOL_PEOPLE,
        "create": frozenset({p.COORDINATOR}),  # an organiser adds students by import, naming the school
        "update": SCHOOL_PEOPLE,
        "partial_update": SCHOOL_PEOPLE,
        "consents": SCHOOL_PEOPLE,
        "consent_request": SCHOOL_PEOPLE,
        "guardian_link": SCHOOL_PEOPLE,
    }
    serializer_class = StudentSerializer
    update_serializer_class = StudentUpdateSerializer
    filterset_class = StudentFilter
    ordering_fields = ["full_name", "external_id", "birth_date", "grade"]
    ordering = ["external_id"]

    def base_queryset(self) -> QuerySet[Student]:
        return Student.objects.with_consent()

    def visible(self, qs: QuerySet[Student], user: p.Actor) -> QuerySet[Student]:
        return p.students_visible(qs, user)

    def managed(self, qs: QuerySet[Student], user: p.Actor) -> QuerySet[Student]:
        return p.students_managed(qs, user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if self.action == "create":
            context["fixed"] = {"school_id": p.org_id(self.request.user, "school_id")}
        return context

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        student = serializer.save(school_id=p.org_id(self.request.user, "school_id"))
        student.has_guardian_consent = False

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        student = self.get_object()
        student_opened(actor=request.user, student=student)
        return Response(self.get_serializer(student).data)

    @extend_schema(responses={200: ConsentSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def consents(self, request: Request, pk: str) -> Response:
        """The student's consent history with its evidence, newest first (withdrawn ones included)."""
        student = self.get_object()
        student_opened(actor=request.user, student=student)
        consents = GuardianConsent.objects.filter(student=student).order_by("-given_at", "-pk")
        return Response(ConsentSerializer(consents, many=True).data)

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer("ConsentRequestQueued", {"queued": serializers.BooleanField()}),
            409: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["post"], url_path="consent-request", filterset_class=None)
    def consent_request(self, request: Request, pk: str) -> Response:
        """Mail the guardian of a minor a link to give consent (at most once a day)."""
        student = self.get_object()
        try:
            message = consent_request_send(student_id=student.pk)
        except ConsentError as error:
            raise Conflict(str(error)) from None
        return Response({"queued": message is not None}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={201: LinkSerializer, 409: OpenApiResponse(ErrorSerializer, description="no guardian")},
    )
    @action(detail=True, methods=["post"], url_path="guardian-link", filterset_class=None)
    def guardian_link(self, request: Request, pk: str) -> Response:
        """A link for a minor's guardian to download or erase the student's data, to hand over."""
        student = self.get_object()
        if not student.is_minor() or not student.guardian_email:
            raise Conflict(_("Only a minor with a guardian's address on record has a guardian link."))
        url, expires_at = privacy_link_make(student=student)
        audit_record(actor=request.user, action="guardian_link", obj=student)
        return Response(LinkSerializer({"url": url, "expires_at": expires_at}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["students"])
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, p.ScopedViewSet):
    """The students confirmed for a session of the caller's company: a name and an address, nothing else."""

    roles = {"list": frozenset({p.STAFF}), "retrieve": frozenset({p.STAFF})}
    serializer_class = StudentContactSerializer
    ordering_fields = ["full_name"]
    ordering = ["full_name", "pk"]

    def base_queryset(self) -> QuerySet[Student]:
        return Student.objects.all()

    def visible(self, qs: QuerySet[Student], user: p.Actor) -> QuerySet[Student]:
        return p.students_visible(qs, user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        student = self.get_object()
        student_opened(actor=request.user, student=student)
        return Response(self.get_serializer(student).data)


@extend_schema(tags=["class requests"])
class ClassRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    _SchoolOwned,
):
    roles = {
        "list": SCHOOL_PEOPLE,
        "retrieve": SCHOOL_PEOPLE,
        "create": frozenset({p.COORDINATOR}),
        "update": SCHOOL_PEOPLE,
        "partial_update": SCHOOL_PEOPLE,
        "destroy": SCHOOL_PEOPLE,
    }
    serializer_class = ClassRequestSerializer
    update_serializer_class = ClassRequestUpdateSerializer
    filterset_class = ClassRequestFilter
    ordering_fields = ["class_name", "external_id", "created_at", "group_size"]
    ordering = ["external_id"]

    def base_queryset(self) -> QuerySet[ClassRequest]:
        return ClassRequest.objects.prefetch_related("availability")

    def visible(self, qs: QuerySet[ClassRequest], user: p.Actor) -> QuerySet[ClassRequest]:
        return p.class_requests_visible(qs, user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if self.action == "create":
            context["fixed"] = {"school_id": p.org_id(self.request.user, "school_id")}
        return context

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        self._save(serializer, school=School.objects.get(pk=p.org_id(self.request.user, "school_id")))

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        self._save(serializer)

    def _save(self, serializer: BaseSerializer[Any], school: School | None = None) -> None:
        values = dict(serializer.validated_data)  # type: ignore[arg-type]
        intervals = values.pop("availability", None)
        instance = serializer.instance
        school = instance.school if instance is not None else school
        assert school is not None  # noqa: S101 — a creation always names the school
        try:  # the same service as the school's pages: the row and its free times in one transaction
            class_request = class_request_save(
                school=school, values=values, intervals=intervals, class_request=instance
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        # Read back: the response shows the stored availability, not the request's.
        serializer.instance = ClassRequest.objects.prefetch_related("availability").get(pk=class_request.pk)

    @extend_schema(responses={204: None, 409: ErrorSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        class_request = self.get_object()
        if Booking.objects.filter(class_request=class_request).exists():
            raise Conflict(_("This class request has bookings; it cannot be deleted."))
        class_request.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
