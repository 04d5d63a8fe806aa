"""/companies, /opportunities and /sessions: company staff manage their own company's; everyone signed in
reads what is published; organisers approve companies and may change anything.

The API is the outermost layer, so it may read the scheduler's bookings (seats taken, whether a session
may still move) although the ``companies`` models know nothing of them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from api import permissions as p
from api.companies.filters import CompanyFilter, OpportunityFilter, SessionFilter
from api.companies.serializers import (
    CompanySerializer,
    CompanyUpdateSerializer,
    OpportunitySerializer,
    OpportunityUpdateSerializer,
    SessionCancelSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
)
from api.rest import Conflict, ErrorSerializer
from companies.models import Company, Opportunity, Session
from companies.services import company_approve
from scheduler import services as scheduler_services
from scheduler.selectors import sessions_with_seats

READ = {"list": p.EVERYONE, "retrieve": p.EVERYONE}


def _delete(**row: int) -> Response:
    try:
        scheduler_services.offer_delete(**row)
    except scheduler_services.BookingConflict as refusal:
        raise Conflict(str(refusal)) from None
    return Response(status=status.HTTP_204_NO_CONTENT)


class _CrudViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    p.ScopedViewSet,
):
    update_serializer_class: type[BaseSerializer[Any]]

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in ("update", "partial_update"):
            return self.update_serializer_class
        return super().get_serializer_class()


@extend_schema(tags=["companies"])
class CompanyViewSet(_CrudViewSet):
    roles = {
        **READ,
        "create": frozenset({p.ORGANISER}),
        "update": frozenset({p.STAFF, p.ORGANISER}),
        "partial_update": frozenset({p.STAFF, p.ORGANISER}),
        "destroy": frozenset({p.ORGANISER}),
        "approve": frozenset({p.ORGANISER}),
        "withdraw_approval": frozenset({p.ORGANISER}),
    }
    serializer_class = CompanySerializer
    update_serializer_class = CompanyUpdateSerializer
    filterset_class = CompanyFilter
    ordering_fields = ["name", "province", "created_at"]
    ordering = ["name", "pk"]

    def base_queryset(self) -> QuerySet[Company]:
        return Company.objects.all()

    def visible(self, qs: QuerySet[Company], user: p.Actor) -> QuerySet[Company]:
        return p.companies_visible(qs, user)

    def managed(self, qs: QuerySet[Company], user: p.Actor) -> QuerySet[Company]:
        return p.companies_managed(qs, user)

    @extend_schema(responses={204: None, 409: ErrorSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _delete(company_id=self.get_object().pk)

    @extend_schema(request=None, responses={200: CompanySerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Publish the company's opportunities: everyone signed in sees them from now on."""
        company = company_approve(company_id=self.get_object().pk)
        return Response(CompanySerializer(company, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: CompanySerializer})
    @action(detail=True, methods=["post"], url_path="withdraw-approval")
    def withdraw_approval(self, request: Request, pk: str) -> Response:
        """Unpublish the company: its future proposals and bookings are withdrawn, with mail saying why."""
        company = self.get_object()
        scheduler_services.company_approval_withdraw(company_id=company.pk)
        company.refresh_from_db()
        return Response(CompanySerializer(company, context=self.get_serializer_context()).data)


@extend_schema(tags=["opportunities"])
class OpportunityViewSet(_CrudViewSet):
    roles = {
        **READ,
        "create": frozenset({p.STAFF}),  # an organiser adds opportunities by import, naming the company
        "update": frozenset({p.STAFF, p.ORGANISER}),
        "partial_update": frozenset({p.STAFF, p.ORGANISER}),
        "destroy": frozenset({p.STAFF, p.ORGANISER}),
    }
    serializer_class = OpportunitySerializer
    update_serializer_class = OpportunityUpdateSerializer
    filterset_class = OpportunityFilter
    ordering_fields = ["title", "kind", "apply_by", "created_at"]

    @property
    def ordering(self) -> list[str]:
        """The best matches first when searching (``?q=``), unless ``?ordering=`` says otherwise."""
        request = getattr(self, "request", None)
        searching = request is not None and str(request.query_params.get("q", "")).strip()
        return ["-search_score", "external_id"] if searching else ["external_id"]

    def base_queryset(self) -> QuerySet[Opportunity]:
        return Opportunity.objects.select_related("company")

    def visible(self, qs: QuerySet[Opportunity], user: p.Actor) -> QuerySet[Opportunity]:
        return p.opportunities_visible(qs, user)

    def managed(self, qs: QuerySet[Opportunity], user: p.Actor) -> QuerySet[Opportunity]:
        return p.opportunities_managed(qs, user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if self.action == "create":
            context["fixed"] = {"company_id": p.org_id(self.request.user, "company_id")}
        return context

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.save(company_id=p.org_id(self.request.user, "company_id"))

    @extend_schema(responses={204: None, 409: ErrorSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _delete(opportunity_id=self.get_object().pk)


@extend_schema(tags=["sessions"])
class SessionViewSet(_CrudViewSet):
    roles = {
        **READ,
        "create": frozenset({p.STAFF}),
        "update": frozenset({p.STAFF, p.ORGANISER}),
        "partial_update": frozenset({p.STAFF, p.ORGANISER}),
        "destroy": frozenset({p.STAFF, p.ORGANISER}),
        "cancel": frozenset({p.STAFF, p.ORGANISER}),
    }
    serializer_class = SessionSerializer
    update_serializer_class = SessionUpdateSerializer
    filterset_class = SessionFilter
    ordering_fields = ["starts_at", "capacity"]
    ordering = ["starts_at", "pk"]

    def base_queryset(self) -> QuerySet[Session]:
        return sessions_with_seats(Session.objects.select_related("opportunity"))

    def visible(self, qs: QuerySet[Session], user: p.Actor) -> QuerySet[Session]:
        return p.sessions_visible(qs, user)

    def managed(self, qs: QuerySet[Session], user: p.Actor) -> QuerySet[Session]:
        return p.sessions_managed(qs, user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["opportunities"] = p.opportunities_managed(Opportunity.objects.all(), self.request.user)
        return context

    @extend_schema(responses={200: SessionUpdateSerializer, 400: None, 409: ErrorSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    @extend_schema(responses={200: SessionUpdateSerializer, 400: None, 409: ErrorSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        session: Session = serializer.instance  # type: ignore[assignment]
        data: dict[str, Any] = serializer.validated_data  # type: ignore[assignment]
        try:
            scheduler_services.session_update(
                session_id=session.pk,
                capacity=data.get("capacity"),
                starts_at=data.get("starts_at"),
                ends_at=data.get("ends_at"),
            )
        except scheduler_services.SessionChangeRefused as refusal:
            if refusal.field == "capacity":
                raise ValidationError({"capacity": [str(refusal)]}) from None
            raise Conflict(str(refusal)) from None
        serializer.instance = self.base_queryset().get(pk=session.pk)

    @extend_schema(responses={204: None, 409: ErrorSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _delete(session_id=self.get_object().pk)

    @extend_schema(
        request=SessionCancelSerializer, responses={200: SessionSerializer, 400: None, 409: ErrorSerializer}
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel the session, with the reason every participant is told: their places (booked or
        waiting) are cancelled and each is mailed once, with a calendar file that removes the event. The
        session stays, marked cancelled. A missing reason is a 400 naming ``reason``; a session that has
        started or is already cancelled, a 409."""
        session = self.get_object()
        given = SessionCancelSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            scheduler_services.session_cancel(session_id=session.pk, reason=given.validated_data["reason"])
        except scheduler_services.SessionChangeRefused as refusal:
            if refusal.field == "reason":
                raise ValidationError({"reason": [str(refusal)]}) from None
            raise Conflict(str(refusal)) from None
        fresh = self.base_queryset().get(pk=session.pk)
        return Response(SessionSerializer(fresh, context=self.get_serializer_context()).data)
