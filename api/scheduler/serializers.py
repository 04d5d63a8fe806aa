"""API shapes of bookings, booking commands, and the organiser's report.

A company sees who a student on its booking is (name, address) only once the booking is confirmed;
before that the student is a seat, known by level and school-less. Statuses are never written through
a serializer: they change by the commands (confirm, decline, cancel, attend), each a service call.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import permissions as p
from api.rest import MAX_ID, MomentField, StrictSerializer
from companies.models import Kind
from matchmaking.models import ParticipantType
from scheduler.models import Booking


class BookingSerializer(serializers.ModelSerializer):
    participant_type = serializers.ChoiceField(choices=ParticipantType.choices, read_only=True)
    student = serializers.SerializerMethodField()
    participant_name = serializers.SerializerMethodField()
    participant_email = serializers.SerializerMethodField()
    school_name = serializers.SerializerMethodField()
    opportunity = serializers.IntegerField(source="session.opportunity_id", read_only=True)
    opportunity_title = serializers.CharField(source="session.opportunity.title", read_only=True)
    kind = serializers.ChoiceField(source="session.opportunity.kind", choices=Kind.choices, read_only=True)
    company_name = serializers.CharField(source="session.opportunity.company.name", read_only=True)
    company_answer = serializers.ChoiceField(
        choices=["", "accepted", "declined"],
        read_only=True,
        help_text='The company\'s side: "accepted", "declined", or "" while it has not answered.',
    )

    class Meta:
        model = Booking
        fields = [
            "id",
            "status",
            "participant_type",
            "student",
            "class_request",
            "participant_name",
            "participant_email",
            "school_name",
            "session",
            "opportunity",
            "opportunity_title",
            "kind",
            "company_name",
            "starts_at",
            "ends_at",
            "seats",
            "hold_until",
            "waitlist_rank",
            "company_answer",
            "company_accepted_at",
            "company_declined_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _identified(self, booking: Booking) -> bool:
        return p.sees_student_identity(self.context["request"].user, booking)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_student(self, booking: Booking) -> int | None:
        return booking.student_id if booking.student_id and self._identified(booking) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_participant_name(self, booking: Booking) -> str | None:
        if booking.student_id and not self._identified(booking):
            return None
        return booking.participant_name

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_participant_email(self, booking: Booking) -> str | None:
        if booking.student is None or not self._identified(booking):
            return None
        return booking.student.email

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_school_name(self, booking: Booking) -> str | None:
        if booking.class_request is not None:
            return booking.class_request.school.name
        if booking.student is not None and self._identified(booking):
            return booking.student.school.name
        return None


class BookingRequestSerializer(StrictSerializer):
    """A seat booked by its participant: a student for themselves, a coordinator for a class."""

    session = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    class_request = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Coordinators: the class."
    )


class AttendanceSerializer(StrictSerializer):
    attended = serializers.BooleanField()


class FillSerializer(serializers.Serializer):
    sessions = serializers.IntegerField()
    seats = serializers.IntegerField()
    seats_taken = serializers.IntegerField()
    fill_rate = serializers.FloatField()


class KindFillSerializer(FillSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)


class ParticipationSerializer(serializers.Serializer):
    students = serializers.IntegerField()
    students_booked = serializers.IntegerField()
    share = serializers.FloatField()
    classes = serializers.IntegerField()
    classes_booked = serializers.IntegerField()
    seats_booked = serializers.IntegerField()


class SchoolParticipationSerializer(ParticipationSerializer):
    school = serializers.IntegerField()
    name = serializers.CharField()
    province = serializers.CharField()


class ProvinceParticipationSerializer(ParticipationSerializer):
    province = serializers.CharField()


class KindParticipationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    bookings = serializers.IntegerField()
    seats_booked = serializers.IntegerField()
    attended = serializers.IntegerField()
    no_show = serializers.IntegerField()


class ReportSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    starts_after = serializers.DateTimeField(allow_null=True)
    starts_before = serializers.DateTimeField(allow_null=True)
    fill = FillSerializer()
    fill_by_kind = KindFillSerializer(many=True)
    participation_by_kind = KindParticipationSerializer(many=True)
    schools = SchoolParticipationSerializer(many=True)
    provinces = ProvinceParticipationSerializer(many=True)


class ReportQuerySerializer(StrictSerializer):
    starts_after = MomentField(required=False)
    starts_before = MomentField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        # A parameter given with no value is a client's mistake, as on every list (StrictFilterSet).
        empty = {name: [_("This filter needs a value.")] for name, value in data.items() if value == ""}
        if empty:
            raise serializers.ValidationError(empty)
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lo, hi = attrs.get("starts_after"), attrs.get("starts_before")
        if lo and hi and hi <= lo:
            raise serializers.ValidationError({"starts_before": [_("Must be after starts_after.")]})
        return attrs
