"""List filters for bookings."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

import places
from api import permissions as p
from api.rest import IntFilter, MomentFilter, StrictFilterSet
from companies.models import Kind
from matchmaking.models import ParticipantType
from scheduler.models import Booking, BookingStatus


class BookingFilter(StrictFilterSet):
    status = filters.MultipleChoiceFilter(choices=BookingStatus.choices)
    participant_type = filters.ChoiceFilter(choices=ParticipantType.choices, method="filter_participant_type")
    session = IntFilter(field_name="session_id")
    opportunity = IntFilter(field_name="session__opportunity_id")
    company = IntFilter(field_name="session__opportunity__company_id")
    kind = filters.MultipleChoiceFilter(field_name="session__opportunity__kind", choices=Kind.choices)
    province = filters.ChoiceFilter(field_name="session__opportunity__province", choices=places.choices)
    school = IntFilter(method="filter_school")
    class_request = IntFilter(field_name="class_request_id")
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Booking
        fields = ["status", "session", "opportunity", "company", "kind", "school", "class_request"]

    def filter_participant_type(self, qs: QuerySet[Booking], name: str, value: str) -> QuerySet[Booking]:
        return qs.filter(student__isnull=value != ParticipantType.STUDENT)

    def filter_school(self, qs: QuerySet[Booking], name: str, value: int) -> QuerySet[Booking]:
        students = Q(student__school_id=value)
        if self.request is not None and p.role_of(self.request.user) == p.STAFF:
            # A company must not learn a student's school by filtering before the student confirms.
            students &= Q(status__in=p.CONFIRMED)
        return qs.filter(students | Q(class_request__school_id=value))
