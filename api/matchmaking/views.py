"""Recommendations (a student's, a class's, an opportunity's proposed participants), feedback on them,
the recommendations export, and the rounds an organiser starts and follows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import StreamingHttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.models import User
from api import permissions as p
from api.matchmaking.filters import ProposedParticipantFilter, RecommendationFilter, RoundJobFilter
from api.matchmaking.serializers import (
    FeedbackRequestSerializer,
    FeedbackSerializer,
    FeedbackWithdrawnSerializer,
    ProposedParticipantSerializer,
    RecommendationSerializer,
    RoundJobSerializer,
    RoundRequestSerializer,
)
from api.rest import (
    Conflict,
    ErrorSerializer,
    FirstRendererNegotiation,
    ScopedThrottle,
    jsonl_response,
    pk_or_404,
)
from companies.models import Opportunity
from matchmaking.learning import feedback_record, feedback_withdraw
from matchmaking.models import Match, OpportunityMatch
from matchmaking.phrasing import reasons_text
from rounds.models import RoundJob
from rounds.services import RoundBusy, jobs_settle, round_start
from scheduler.models import Booking
from students.models import ClassRequest

PARTICIPANTS = frozenset({p.STUDENT, p.COORDINATOR, p.ORGANISER})
ORGANISER = frozenset({p.ORGANISER})


class _Recommendations(mixins.ListModelMixin, p.ScopedViewSet):
    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter
    ordering_fields = ["rank", "score", "created_at"]
    ordering = ["student_id", "class_request_id", "rank", "pk"]

    def base_queryset(self) -> QuerySet[Match]:
        return Match.objects.select_related("opportunity__company")

    def visible(self, qs: QuerySet[Match], user: p.Actor) -> QuerySet[Match]:
        return p.participant_rows(qs, user)


@extend_schema(tags=["recommendations"])
class RecommendationViewSet(mixins.RetrieveModelMixin, _Recommendations):
    """Recommendations the actor may see: a student's own, a school's students' and classes', all."""

    roles = {
        "list": PARTICIPANTS,
        "retrieve": PARTICIPANTS,
        "feedback": PARTICIPANTS,
        "feedback_withdraw": PARTICIPANTS,
    }

    def get_queryset(self) -> QuerySet[Match]:
        # Feedback is a POST, but it changes no recommendation: whoever may see one may answer it.
        return self.visible(self.base_queryset(), self.request.user)

    @extend_schema(request=FeedbackRequestSerializer, responses={201: FeedbackSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def feedback(self, request: Request, pk: str) -> Response:
        """Say what happened to a recommendation (clicked, not interested…). The ranker learns from it,
        so the engine's features at the time are copied: the recommendation itself is replaced each round."""
        match = self.get_object()
        given = FeedbackRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        feedback = feedback_record(match=match, kind=given.validated_data["kind"])
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FeedbackRequestSerializer, responses={200: FeedbackWithdrawnSerializer})
    @action(detail=True, methods=["post"], url_path="feedback/withdraw", filterset_class=None)
    def feedback_withdraw(self, request: Request, pk: str) -> Response:
        """Take back what was said of a recommendation ("not interested" undone, as on the student's
        page): the participant's feedback of that kind on its opportunity goes, and the ranker no longer
        learns from it. A second call withdraws nothing (``withdrawn``: 0)."""
        match = self.get_object()
        given = FeedbackRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        withdrawn = feedback_withdraw(match=match, kind=given.validated_data["kind"])
        return Response({"withdrawn": withdrawn})


@extend_schema(tags=["me"])
class MyRecommendationViewSet(_Recommendations):
    """The signed-in student's recommendations, best first."""

    roles = {"list": frozenset({p.STUDENT})}
    ordering = ["rank", "pk"]


@extend_schema(tags=["class requests"])
class ClassRequestRecommendationViewSet(_Recommendations):
    """The opportunities recommended to one of the school's class requests, best first."""

    roles = {"list": frozenset({p.COORDINATOR, p.ORGANISER})}
    ordering = ["rank", "pk"]

    def get_queryset(self) -> QuerySet[Match]:
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        visible = p.class_requests_visible(ClassRequest.objects.all(), self.request.user)
        class_request = get_object_or_404(visible, pk=pk_or_404(self.kwargs["pk"]))
        return self.base_queryset().filter(class_request=class_request)


@extend_schema(tags=["opportunities"])
class ProposedParticipantViewSet(mixins.ListModelMixin, p.ScopedViewSet):
    """The participants that fit one of the company's opportunities best, with the reasons."""

    roles = {"list": frozenset({p.STAFF, p.ORGANISER})}
    serializer_class = ProposedParticipantSerializer
    filterset_class = ProposedParticipantFilter
    ordering_fields = ["rank", "score"]
    ordering = ["rank", "pk"]

    def get_queryset(self) -> QuerySet[OpportunityMatch]:
        if getattr(self, "swagger_fake_view", False):
            return OpportunityMatch.objects.none()
        mine = p.opportunities_managed(Opportunity.objects.all(), self.request.user)
        opportunity = get_object_or_404(mine, pk=pk_or_404(self.kwargs["pk"]))
        confirmed = Booking.objects.filter(
            student_id=OuterRef("student_id"),
            status__in=p.CONFIRMED,
            session__opportunity__company_id=opportunity.company_id,
        )
        return (
            OpportunityMatch.objects.filter(opportunity=opportunity)
            .select_related("student__school", "class_request__school")
            .annotate(confirmed_with_company=Exists(confirmed))
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "hide_students": p.role_of(self.request.user) != p.ORGANISER,
        }


@extend_schema(tags=["exports"])
class RecommendationExportViewSet(p.ScopedViewSet):
    roles = {"list": PARTICIPANTS}
    content_negotiation_class = FirstRendererNegotiation
    throttle_classes = [ScopedThrottle]
    throttle_scope = "exports"
    pagination_class = None

    def base_queryset(self) -> QuerySet[Match]:
        return Match.objects.all()

    @extend_schema(
        responses={(200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="JSON Lines")}
    )
    def list(self, request: Request) -> StreamingHttpResponse:
        """The recommendations the actor may see, as JSON Lines in the export contract of docs/architecture.md."""
        rows = p.participant_rows(Match.objects.all(), request.user).order_by("pk")
        # The rows stream after the view returns: the reasons keep the request's language, taken now.
        language = translation.get_language() or "vi"
        return jsonl_response(_recommendation_records(rows, language), "recommendations.jsonl")


def _recommendation_records(rows: QuerySet[Match], language: str) -> Iterator[dict[str, Any]]:
    fields = (
        "student__external_id",
        "class_request__external_id",
        "opportunity__external_id",
        "rank",
        "score",
    )
    for student, class_request, opportunity, rank, score, reasons in rows.values_list(
        *fields, "reasons"
    ).iterator(chunk_size=2000):
        yield {
            "participant": student or class_request,
            "participant_type": "student" if student else "class_request",
            "opportunity": opportunity,
            "rank": rank,
            "score": score,
            "reasons": reasons_text(reasons, language=language),
        }


@extend_schema(tags=["rounds"])
class RoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, p.ScopedViewSet):
    """Matchmaking and scheduling rounds: an organiser starts one and follows its progress."""

    roles = {"list": ORGANISER, "retrieve": ORGANISER, "create": ORGANISER}
    serializer_class = RoundJobSerializer
    filterset_class = RoundJobFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]
    throttle_scope = "rounds"

    def get_throttles(self) -> list[BaseThrottle]:
        # Starting rounds is what is limited; following one (polling its progress) is not.
        return [ScopedThrottle()] if self.action == "create" else []

    def base_queryset(self) -> QuerySet[RoundJob]:
        return RoundJob.objects.select_related("match_round")

    def visible(self, qs: QuerySet[RoundJob], user: p.Actor) -> QuerySet[RoundJob]:
        if p.role_of(user) != p.ORGANISER:
            return qs.none()
        jobs_settle()  # a finished matchmaking round (or a lost worker) shows on its job at once
        return qs

    @extend_schema(request=RoundRequestSerializer, responses={202: RoundJobSerializer, 409: ErrorSerializer})
    def create(self, request: Request) -> Response:
        given = RoundRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        assert isinstance(request.user, User)
        try:
            job = round_start(
                kind=data["kind"], requested_by=request.user, k=data.get("k", 10), mode=data.get("mode", "optimal")
            )
        except RoundBusy as busy:
            raise Conflict(str(busy)) from None
        return Response(RoundJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
