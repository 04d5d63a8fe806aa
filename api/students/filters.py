"""List filters for schools, students and class requests."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

import places
from api.rest import IntFilter, MomentFilter, StrictFilterSet
from companies.models import Kind, Level
from students.models import ADULT_AGE, ClassRequest, School, Student


def _years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


class SchoolFilter(StrictFilterSet):
    province = filters.ChoiceFilter(choices=places.choices)
    level = filters.ChoiceFilter(
        choices=Level.choices,
        method="filter_level",
        help_text="Teaches this level: its main level, or another level of a combined school.",
    )
    name = filters.CharFilter(lookup_expr="icontains", max_length=200)

    class Meta:
        model = School
        fields = ["province", "level", "name"]

    def filter_level(self, qs: QuerySet[School], name: str, value: str) -> QuerySet[School]:
        # other_levels is a short JSON list of codes: its quoted item is found in the JSON text on both
        # SQLite and PostgreSQL (as the opportunities' levels filter does).
        return qs.filter(Q(level=value) | Q(other_levels__icontains=f'"{value}"'))


class StudentFilter(StrictFilterSet):
    school = IntFilter(field_name="school_id")
    province = filters.ChoiceFilter(choices=places.choices)
    level = filters.ChoiceFilter(choices=Level.choices)
    grade = IntFilter(min_value=1, max_value=20)
    minor = filters.BooleanFilter(method="filter_minor", help_text="Under 18 today.")
    has_guardian_consent = filters.BooleanFilter()
    name = filters.CharFilter(field_name="full_name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Student
        fields = ["school", "province", "level", "grade", "minor", "has_guardian_consent", "name"]

    def filter_minor(self, qs: QuerySet[Student], name: str, value: bool) -> QuerySet[Student]:
        born_after = _years_ago(ADULT_AGE)
        return qs.filter(birth_date__gt=born_after) if value else qs.filter(birth_date__lte=born_after)


class ClassRequestFilter(StrictFilterSet):
    school = IntFilter(field_name="school_id")
    level = filters.ChoiceFilter(choices=Level.choices)
    grade = IntFilter(min_value=1, max_value=20)
    kind = filters.ChoiceFilter(
        choices=Kind.choices, method="filter_kind", help_text="Asks for this kind (or any)."
    )
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte")
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ClassRequest
        fields = ["school", "level", "grade", "kind"]

    def filter_kind(self, qs: QuerySet[ClassRequest], name: str, value: str) -> QuerySet[ClassRequest]:
        return qs.filter(kinds__icontains=f'"{value}"') | qs.filter(kinds=[])
