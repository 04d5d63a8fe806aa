"""API shapes of schools, students, class requests, availability and consent records.

The school a row belongs to, a student's consent and opt-in are never taken from a request: the school
is the coordinator's, consent is recorded by its own workflow, and opting in to mail is the student's
own choice (``/me``). A company sees a student through ``StudentContactSerializer`` only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from api.companies.serializers import PROVINCES
from api.rest import MomentField, StrictModelSerializer, StrictSerializer
from companies.models import Kind, Level
from companies.validators import validate_free_text
from exchange import fields
from students.models import ClassRequest, GuardianConsent, School, Student, split_levels

TEXT_MAX = 5_000
FREE_TEXT = [validate_free_text]


def kind_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices), max_length=5, **kwargs)


class IntervalSerializer(StrictSerializer):
    starts_at = MomentField()
    ends_at = MomentField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": [_("Must be after starts_at.")]})
        return attrs


class FreeTimesField(serializers.ListField):
    """Free times written as in the CSV column ``available``: ``START/END`` intervals or daily patterns
    such as ``"2030-10-01..2030-10-07 07:30-11:30"`` (mornings of 1–7 October), expanded to intervals."""

    child = serializers.CharField(max_length=200)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=100, **kwargs)

    def to_internal_value(self, data: Any) -> list[dict[str, dt.datetime]]:
        items = super().to_internal_value(data)
        try:
            spans = fields.availability(";".join(items)) if items else []
        except fields.FieldError as error:
            raise serializers.ValidationError(str(error)) from None
        return [{"starts_at": start, "ends_at": end} for start, end in spans]


class AvailabilitySerializer(serializers.Serializer):
    """The whole list of free times, replaced at once (like the CSV column ``available``): as intervals,
    as ``available`` items (intervals or patterns), or both."""

    intervals = IntervalSerializer(many=True, max_length=200, required=False)  # type: ignore[call-arg]
    available = FreeTimesField(required=False, write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "intervals" not in attrs and "available" not in attrs:
            raise serializers.ValidationError({"intervals": [_("Give intervals, available, or both.")]})
        attrs["intervals"] = [*attrs.get("intervals", []), *attrs.pop("available", [])]
        return attrs


class SchoolSerializer(StrictModelSerializer):
    """A school. ``level`` is its main level; ``levels`` every level it teaches, the main one first (a
    combined school, trường liên cấp: ``["lower_secondary", "upper_secondary"]``). Writing ``levels`` sets
    both; writing ``level`` alone changes the main level and keeps the others."""

    province = serializers.ChoiceField(choices=PROVINCES)
    levels = serializers.ListField(
        child=serializers.ChoiceField(choices=Level.choices),
        min_length=1,
        max_length=len(Level.values),
        required=False,
        help_text="Every level the school teaches, its main level (level) first.",
    )

    class Meta:
        model = School
        fields = ["id", "external_id", "name", "level", "levels", "province", "contact_email", "address", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"level": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        levels = attrs.pop("levels", None)
        if levels is not None:
            if "level" in attrs and attrs["level"] != levels[0]:
                message = _("The first of levels is the main level: it must be level (%(level)s).")
                raise serializers.ValidationError({"levels": [message % {"level": attrs["level"]}]})
            attrs["level"], attrs["other_levels"] = split_levels(levels)
        elif "level" in attrs and self.instance is not None:
            attrs["other_levels"] = [code for code in self.instance.other_levels if code != attrs["level"]]
        elif self.instance is None and "level" not in attrs:
            raise serializers.ValidationError({"level": [_("Give level or levels.")]})
        if self.instance is not None and "level" in attrs:  # the pages' rule: no class left at a level dropped
            try:
                self.instance.check_levels([attrs["level"], *attrs["other_levels"]])
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.message_dict) from None
        return super().validate(attrs)


class SchoolUpdateSerializer(SchoolSerializer):
    class Meta(SchoolSerializer.Meta):
        read_only_fields = ["external_id", "created_at"]


class StudentSerializer(StrictModelSerializer):
    """A student's record as their school's coordinators (and organisers) see and keep it."""

    province = serializers.ChoiceField(choices=PROVINCES)
    interests = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, validators=FREE_TEXT)
    skills = serializers.CharField(max_length=2_000, required=False, allow_blank=True, validators=FREE_TEXT)
    preferred_kinds = kind_list(required=False)
    excluded_kinds = kind_list(required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=["vi", "en"]), max_length=2, required=False
    )
    grade = serializers.IntegerField(min_value=1, max_value=20, required=False, allow_null=True)
    has_guardian_consent = serializers.BooleanField(read_only=True)
    is_minor = serializers.SerializerMethodField()

    class Meta:
        model = Student
        fields = [
            "id",
            "external_id",
            "school",
            "full_name",
            "email",
            "birth_date",
            "level",
            "grade",
            "interests",
            "skills",
            "preferred_kinds",
            "excluded_kinds",
            "province",
            "languages",
            "guardian_email",
            "email_opt_in",
            "has_guardian_consent",
            "is_minor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["school", "email_opt_in", "created_at", "updated_at"]

    def get_is_minor(self, student: Student) -> bool:
        return student.is_minor()

    def validate_birth_date(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("Is in the future."))
        return value


class StudentUpdateSerializer(StudentSerializer):
    class Meta(StudentSerializer.Meta):
        read_only_fields = [*StudentSerializer.Meta.read_only_fields, "external_id"]


class StudentContactSerializer(serializers.ModelSerializer):
    """What a company may know of a student confirmed for one of its sessions: a name to call out and
    an address to write to. Nothing else."""

    class Meta:
        model = Student
        fields = ["id", "full_name", "email"]
        read_only_fields = fields


class MeSerializer(StrictModelSerializer):
    """A student's own profile: the school keeps who they are; the student keeps what they like and
    whether they want mail."""

    school_name = serializers.CharField(source="school.name", read_only=True)
    interests = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, validators=FREE_TEXT)
    skills = serializers.CharField(max_length=2_000, required=False, allow_blank=True, validators=FREE_TEXT)
    preferred_kinds = kind_list(required=False)
    excluded_kinds = kind_list(required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=["vi", "en"]), max_length=2, required=False
    )
    province = serializers.ChoiceField(choices=PROVINCES, required=False)
    has_guardian_consent = serializers.BooleanField(read_only=True)

    class Meta:
        model = Student
        fields = [
            "id",
            "external_id",
            "school",
            "school_name",
            "full_name",
            "email",
            "birth_date",
            "level",
            "grade",
            "interests",
            "skills",
            "preferred_kinds",
            "excluded_kinds",
            "province",
            "languages",
            "email_opt_in",
            "has_guardian_consent",
        ]
        read_only_fields = ["external_id", "school", "full_name", "email", "birth_date", "level", "grade"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        preferred = set(attrs.get("preferred_kinds", getattr(self.instance, "preferred_kinds", [])))
        excluded = set(attrs.get("excluded_kinds", getattr(self.instance, "excluded_kinds", [])))
        if both := sorted(preferred & excluded):
            also = _("Also preferred: %(kinds)s.") % {"kinds": ", ".join(both)}
            raise serializers.ValidationError({"excluded_kinds": [also]})
        return super().validate(attrs)


class ClassRequestSerializer(StrictModelSerializer):
    interests = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, validators=FREE_TEXT)
    topics = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50, required=False)
    kinds = kind_list(required=False)
    group_size = serializers.IntegerField(min_value=1, max_value=1000)
    grade = serializers.IntegerField(min_value=1, max_value=20, required=False, allow_null=True)
    max_bookings = serializers.IntegerField(min_value=1, max_value=50, required=False)
    availability = IntervalSerializer(many=True, max_length=200, required=False)  # type: ignore[call-arg]
    available = FreeTimesField(
        required=False, write_only=True, help_text='Free times as in the CSV: "START/END" or a daily pattern.'
    )

    class Meta:
        model = ClassRequest
        fields = [
            "id",
            "external_id",
            "school",
            "class_name",
            "level",
            "group_size",
            "grade",
            "interests",
            "topics",
            "kinds",
            "max_bookings",
            "availability",
            "available",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["school", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Availability is written by the view after the row; the model check must not see it.
        intervals = attrs.pop("availability", None)
        if "available" in attrs:
            intervals = [*(intervals or []), *attrs.pop("available")]
        attrs = super().validate(attrs)
        if intervals is not None:
            attrs["availability"] = intervals
        return attrs


class ClassRequestUpdateSerializer(ClassRequestSerializer):
    class Meta(ClassRequestSerializer.Meta):
        read_only_fields = [*ClassRequestSerializer.Meta.read_only_fields, "external_id"]


class ConsentSerializer(serializers.ModelSerializer):
    """One consent record with its evidence: who gave it, when, how, and when it was withdrawn."""

    class Meta:
        model = GuardianConsent
        fields = [
            "id",
            "student",
            "guardian_email",
            "method",
            "evidence",
            "given_at",
            "recorded_by",
            "withdrawn_at",
        ]
        read_only_fields = fields


class LinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()
