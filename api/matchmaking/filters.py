"""List filters for recommendations and rounds."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

import places
from api.rest import IntFilter, MomentFilter, StrictFilterSet
from companies.models import Kind
from matchmaking.models import Match, OpportunityMatch, ParticipantType
from rounds.models import RoundJob


class RecommendationFilter(StrictFilterSet):
    participant_type = filters.ChoiceFilter(choices=ParticipantType.choices, method="filter_participant_type")
    student = IntFilter(field_name="student_id")
    class_request = IntFilter(field_name="class_request_id")
    school = IntFilter(method="filter_school")
    opportunity = IntFilter(field_name="opportunity_id")
    company = IntFilter(field_name="opportunity__company_id")
    kind = filters.MultipleChoiceFilter(field_name="opportunity__kind", choices=Kind.choices)
    province = filters.ChoiceFilter(field_name="opportunity__province", choices=places.choices)
    min_score = filters.NumberFilter(field_name="score", lookup_expr="gte", min_value=0, max_value=1)

    class Meta:
        model = Match
        fields = ["participant_type", "student", "class_request", "school", "opportunity", "company", "kind"]

    def filter_participant_type(self, qs: QuerySet[Match], name: str, value: str) -> QuerySet[Match]:
        return qs.filter(student__isnull=value != ParticipantType.STUDENT)

    def filter_school(self, qs: QuerySet[Match], name: str, value: int) -> QuerySet[Match]:
        return qs.filter(student__school_id=value) | qs.filter(class_request__school_id=value)


class ProposedParticipantFilter(StrictFilterSet):
    participant_type = filters.ChoiceFilter(choices=ParticipantType.choices, method="filter_participant_type")
    min_score = filters.NumberFilter(field_name="score", lookup_expr="gte", min_value=0, max_value=1)

    class Meta:
        model = OpportunityMatch
        fields = ["participant_type", "min_score"]

    def filter_participant_type(
        self, qs: QuerySet[OpportunityMatch], name: str, value: str
    ) -> QuerySet[OpportunityMatch]:
        return qs.filter(student__isnull=value != ParticipantType.STUDENT)


class RoundJobFilter(StrictFilterSet):
    kind = filters.ChoiceFilter(choices=RoundJob.Kind.choices)
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte")
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = RoundJob
        fields = ["kind"]
