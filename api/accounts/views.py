"""Sign-in, ``/me`` (a student's own profile, free times, consent history, data and erasure), the
guardian's signed link to the same rights, and the audit trail for organisers."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import mixins
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from accounts.models import AuditEntry
from accounts.services import api_token_issue, api_token_revoke, audit_record
from accounts.throttles import LoginAddressThrottle
from api import permissions as p
from api.accounts.serializers import (
    AuditEntrySerializer,
    ErasedSerializer,
    EraseSerializer,
    LoginSerializer,
    StudentDataSerializer,
    TokenSerializer,
)
from api.rest import (
    ErrorSerializer,
    IntFilter,
    LoginThrottle,
    MomentFilter,
    ScopedThrottle,
    StrictFilterSet,
)
from api.students.serializers import AvailabilitySerializer, ConsentSerializer, MeSerializer
from privacy.services import PrivacyLinkError, privacy_link_student, student_data, student_erase
from students.models import GuardianConsent, Student
from students.services import availability_replace

STUDENT_ONLY = frozenset({p.STUDENT})


@extend_schema(tags=["auth"])
class TokenView(APIView):
    """Exchange a username and password for an API token (send it as ``Authorization: Token …``)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [LoginThrottle, LoginAddressThrottle]

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenSerializer, 400: None, 401: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        login = LoginSerializer(data=request.data)
        login.is_valid(raise_exception=True)
        user = authenticate(request._request, **login.validated_data)
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("Wrong username or password."))
        token, expires_at = api_token_issue(user=user)
        return Response({"token": token, "role": user.role, "expires_at": expires_at})

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"


@extend_schema(tags=["auth"])
class LogoutView(APIView):
    """Sign out: the token of this request stops working (a web session is ended too)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, 401: ErrorSerializer})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            api_token_revoke(token=request.auth)
        else:
            logout(request._request)
        return Response(status=204)


class _MeView(p.ScopedViewSet):
    roles = {"retrieve": STUDENT_ONLY, "partial_update": STUDENT_ONLY, "update": STUDENT_ONLY}

    def student(self) -> Student:
        student_id = p.org_id(self.request.user, "student_id")
        return Student.objects.with_consent().select_related("school").get(pk=student_id)


@extend_schema(tags=["me"])
class MeViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, _MeView):
    """The signed-in student's own profile and mail preferences."""

    serializer_class = MeSerializer

    def get_object(self) -> Student:
        return self.student()


@extend_schema(tags=["me"])
class MyAvailabilityViewSet(_MeView):
    serializer_class = AvailabilitySerializer

    def get_object(self) -> Student:  # the OPTIONS answer asks for it: the row is the student's own
        return self.student()

    @extend_schema(responses={200: AvailabilitySerializer})
    def retrieve(self, request: Request) -> Response:
        student = self.student()
        intervals = student.availability.order_by("starts_at", "ends_at")
        return Response(AvailabilitySerializer({"intervals": intervals}).data)

    @extend_schema(request=AvailabilitySerializer, responses={200: AvailabilitySerializer})
    def update(self, request: Request) -> Response:
        """Replace the whole list of free times."""
        given = AvailabilitySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        availability_replace(owner=self.student(), intervals=given.validated_data["intervals"])
        return self.retrieve(request)


@extend_schema(tags=["me"])
class MyConsentsViewSet(_MeView):
    roles = {"list": STUDENT_ONLY}
    serializer_class = ConsentSerializer
    pagination_class = None

    def base_queryset(self) -> QuerySet[GuardianConsent]:
        return GuardianConsent.objects.all()

    def list(self, request: Request) -> Response:
        consents = GuardianConsent.objects.filter(student_id=self.student().pk).order_by("-given_at", "-pk")
        return Response(ConsentSerializer(consents, many=True).data)


class _PrivacyView(GenericViewSet):  # type: ignore[type-arg]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "exports"


@extend_schema(tags=["me"])
class MyDataViewSet(_PrivacyView, _MeView):
    roles = {"retrieve": STUDENT_ONLY, "erase": STUDENT_ONLY}
    serializer_class = StudentDataSerializer

    @extend_schema(responses={200: StudentDataSerializer})
    def retrieve(self, request: Request) -> Response:
        """Everything stored about me, as JSON."""
        return Response(StudentDataSerializer(student_data(student=self.student())).data)

    @extend_schema(request=EraseSerializer, responses={200: ErasedSerializer})
    def erase(self, request: Request) -> Response:
        """Erase my personal data. My account is closed; bookings stay, naming no one; mail stops."""
        EraseSerializer(data=request.data).is_valid(raise_exception=True)
        student = self.student()
        student_erase(student_id=student.pk, requested_by=f"student:{request.user.get_username()}")
        return Response({"erased": True})


@extend_schema(tags=["guardian"])
class GuardianViewSet(_PrivacyView):
    """A minor's guardian, through the signed link the school gave or the consent mail carried."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    serializer_class = StudentDataSerializer

    def linked(self, token: str) -> tuple[Student, str]:
        try:
            return privacy_link_student(token=token)
        except PrivacyLinkError:
            raise Http404(_("This link is not valid or has expired.")) from None

    @extend_schema(responses={200: StudentDataSerializer, 404: ErrorSerializer})
    def retrieve(self, request: Request, token: str) -> Response:
        student, guardian = self.linked(token)
        audit_record(actor=None, action="guardian_view", obj=student, name=f"guardian:{guardian}")
        return Response(StudentDataSerializer(student_data(student=student)).data)

    @extend_schema(
        request=EraseSerializer,
        responses={200: ErasedSerializer, 404: OpenApiResponse(ErrorSerializer, description="bad link")},
    )
    def erase(self, request: Request, token: str) -> Response:
        student, guardian = self.linked(token)
        EraseSerializer(data=request.data).is_valid(raise_exception=True)
        student_erase(student_id=student.pk, requested_by=f"guardian:{guardian}")
        return Response({"erased": True})


class AuditEntryFilter(StrictFilterSet):
    object_type = filters.CharFilter(max_length=40)
    object_id = IntFilter()
    actor = IntFilter(field_name="actor_id")
    action = filters.CharFilter(max_length=40)
    after = MomentFilter(field_name="at", lookup_expr="gte")
    before = MomentFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["object_type", "object_id", "actor", "action"]


@extend_schema(tags=["audit"])
class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, p.ScopedViewSet):
    """Who opened which minor's record, and other privacy-relevant acts (organisers)."""

    roles = {"list": frozenset({p.ORGANISER}), "retrieve": frozenset({p.ORGANISER})}
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    ordering_fields = ["at"]
    ordering = ["-at", "-pk"]

    def base_queryset(self) -> QuerySet[AuditEntry]:
        return AuditEntry.objects.all()

    def visible(self, qs: QuerySet[AuditEntry], user: p.Actor) -> QuerySet[AuditEntry]:
        return qs if p.role_of(user) == p.ORGANISER else qs.none()
