"""API shapes of companies, opportunities and sessions. Fields are named one by one; the company that
owns a row, and its approval, are never taken from a request."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

import places
from api.rest import MomentField, StrictModelSerializer, StrictSerializer
from companies.models import Company, Kind, Level, Opportunity, Session
from companies.validators import validate_free_text

PROVINCES = [code for code, _ in places.choices()]
DESCRIPTION_MAX = 20_000  # as the CSV contract


class CompanySerializer(StrictModelSerializer):
    province = serializers.ChoiceField(choices=PROVINCES)

    class Meta:
        model = Company
        fields = [
            "id",
            "external_id",
            "name",
            "profile",
            "province",
            "contact_email",
            "tax_code",
            "sector",
            "address",
            "website",
            "approved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["approved_at", "created_at", "updated_at"]


class CompanyUpdateSerializer(CompanySerializer):
    """Once created, a company keeps its external id: the CSV files of other programs refer to it."""

    class Meta(CompanySerializer.Meta):
        read_only_fields = [*CompanySerializer.Meta.read_only_fields, "external_id"]


class OpportunitySerializer(StrictModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    published = serializers.SerializerMethodField()
    description = serializers.CharField(max_length=DESCRIPTION_MAX, validators=[validate_free_text])
    topics = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50, required=False)
    levels = serializers.ListField(
        child=serializers.ChoiceField(choices=Level.choices), max_length=4, required=False
    )
    province = serializers.ChoiceField(choices=PROVINCES, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=["vi", "en"], required=False, allow_blank=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "external_id",
            "company",
            "company_name",
            "kind",
            "title",
            "description",
            "topics",
            "language",
            "province",
            "online",
            "levels",
            "min_age",
            "capacity",
            "group_min",
            "group_max",
            "apply_by",
            "published",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["company", "created_at", "updated_at"]
        extra_kwargs = {"min_age": {"max_value": 100}, "capacity": {"max_value": 100_000}}

    def get_published(self, opportunity: Opportunity) -> bool:
        return opportunity.company.approved_at is not None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current = self.instance

        def value(name: str) -> Any:
            return attrs[name] if name in attrs else getattr(current, name, None)

        lo, hi = value("group_min"), value("group_max")
        if lo is not None and hi is not None and lo > hi:
            raise serializers.ValidationError({"group_max": [f"{hi} is below group_min {lo}."]})
        if not value("online") and not value("province"):
            raise serializers.ValidationError({"province": [_("Required unless the opportunity is online.")]})
        return super().validate(attrs)


class OpportunityUpdateSerializer(OpportunitySerializer):
    class Meta(OpportunitySerializer.Meta):
        read_only_fields = [*OpportunitySerializer.Meta.read_only_fields, "external_id"]


class SessionSerializer(StrictModelSerializer):
    opportunity = serializers.PrimaryKeyRelatedField(queryset=Opportunity.objects.none())
    opportunity_title = serializers.CharField(source="opportunity.title", read_only=True)
    kind = serializers.ChoiceField(source="opportunity.kind", choices=Kind.choices, read_only=True)
    seats_taken = serializers.IntegerField(read_only=True)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000)
    starts_at = MomentField()
    ends_at = MomentField()
    # Set only by the cancel command (``POST /sessions/{id}/cancel/``), never by a create or an update.
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancel_reason = serializers.CharField(read_only=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "external_id",
            "opportunity",
            "opportunity_title",
            "kind",
            "starts_at",
            "ends_at",
            "capacity",
            "seats_taken",
            "cancelled_at",
            "cancel_reason",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the actor's own opportunities may take a new session (see the view's context).
        field = self.fields["opportunity"]
        if isinstance(field, serializers.PrimaryKeyRelatedField) and not field.read_only:
            field.queryset = self.context.get("opportunities", Opportunity.objects.none())  # type: ignore[arg-type]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        end = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if start is not None and end is not None and end <= start:
            raise serializers.ValidationError({"ends_at": [_("Must be after starts_at.")]})
        return super().validate(attrs)


class SessionUpdateSerializer(SessionSerializer):
    """A session stays with its opportunity: bookings and calendars point at it."""

    opportunity = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(SessionSerializer.Meta):
        read_only_fields = ["external_id"]


class SessionCancelSerializer(StrictSerializer):
    """Why the company cancels the session: every participant is told it (the service checks it again)."""

    reason = serializers.CharField(max_length=300, help_text="Told to everyone booked or waiting, by email.")
