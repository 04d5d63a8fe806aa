"""List filters for companies, opportunities and sessions (``?kind=visit&province=ha-noi``…)."""

from __future__ import annotations

import json

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

import places
from api.rest import IntFilter, MomentFilter, StrictFilterSet
from companies.models import Company, Kind, Level, Opportunity, Session
from matchmaking.search import catalogue_search

PROVINCES = places.choices


class CompanyFilter(StrictFilterSet):
    province = filters.ChoiceFilter(choices=PROVINCES)
    profile = filters.ChoiceFilter(choices=Company.Profile.choices)
    approved = filters.BooleanFilter(field_name="approved_at", lookup_expr="isnull", exclude=True)
    name = filters.CharFilter(lookup_expr="icontains", max_length=200)

    class Meta:
        model = Company
        fields = ["province", "profile", "approved", "name"]


class OpportunityFilter(StrictFilterSet):
    q = filters.CharFilter(
        method="filter_q",
        max_length=100,
        help_text="Words of the title or description, typed with or without accents, in Vietnamese or English "
        "(their synonyms in the other language count), or the company's name; the best matches first.",
    )
    kind = filters.MultipleChoiceFilter(choices=Kind.choices)
    province = filters.ChoiceFilter(choices=PROVINCES)
    company = IntFilter(field_name="company_id")
    online = filters.BooleanFilter()
    topic = filters.CharFilter(
        method="filter_topic", max_length=100, help_text="Opportunities with this topic."
    )
    level = filters.ChoiceFilter(
        choices=Level.choices, method="filter_level", help_text="Open to this level (or to every level)."
    )
    starts_after = MomentFilter(
        method="filter_starts_after", help_text="Has a session starting at or after this time."
    )
    starts_before = MomentFilter(
        method="filter_starts_before", help_text="Has a session starting before this time."
    )

    class Meta:
        model = Opportunity
        fields = ["q", "kind", "province", "company", "online", "topic", "level"]

    def filter_q(self, qs: QuerySet[Opportunity], name: str, value: str) -> QuerySet[Opportunity]:
        return catalogue_search(qs, value).order_by("-search_score", "external_id")

    def filter_topic(self, qs: QuerySet[Opportunity], name: str, value: str) -> QuerySet[Opportunity]:
        # JSON containment is not portable between SQLite and PostgreSQL; topics are short lists, and a
        # quoted substring of the JSON text finds a list item on both. SQLite keeps the text as
        # json.dumps wrote it (non-ASCII escaped), PostgreSQL as it reads: match either spelling.
        value = value.strip()
        return qs.filter(Q(topics__icontains=f'"{value}"') | Q(topics__icontains=json.dumps(value)))

    def filter_level(self, qs: QuerySet[Opportunity], name: str, value: str) -> QuerySet[Opportunity]:
        return qs.filter(Q(levels__icontains=f'"{value}"') | Q(levels=[]))

    def filter_starts_after(
        self, qs: QuerySet[Opportunity], name: str, value: object
    ) -> QuerySet[Opportunity]:
        return self._with_a_session_between(qs)

    def filter_starts_before(
        self, qs: QuerySet[Opportunity], name: str, value: object
    ) -> QuerySet[Opportunity]:
        if self.form.cleaned_data.get("starts_after"):  # both bounds were applied together
            return qs
        return self._with_a_session_between(qs)

    def _with_a_session_between(self, qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
        """Opportunities with one session (not cancelled) inside both bounds: two filters over the
        sessions one after the other would accept one session after the first and another before the
        second."""
        sessions = Session.objects.not_cancelled()
        if after := self.form.cleaned_data.get("starts_after"):
            sessions = sessions.filter(starts_at__gte=after)
        if before := self.form.cleaned_data.get("starts_before"):
            sessions = sessions.filter(starts_at__lt=before)
        return qs.filter(pk__in=sessions.values("opportunity_id"))


class SessionFilter(StrictFilterSet):
    opportunity = IntFilter(field_name="opportunity_id")
    company = IntFilter(field_name="opportunity__company_id")
    kind = filters.MultipleChoiceFilter(field_name="opportunity__kind", choices=Kind.choices)
    province = filters.ChoiceFilter(field_name="opportunity__province", choices=PROVINCES)
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Session
        fields = ["opportunity", "company", "kind", "province", "starts_after", "starts_before"]
